"""Static files, documentos (local or S3) and the request body limits."""

from __future__ import annotations

import os

from config.settings.base import BASE_DIR, DEBUG, PRODUCTION, env
from config.storage import default_storage_settings

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / ".data" / "media"))
# Documentos: the local filesystem (MEDIA_ROOT) unless STORAGE_BACKEND=s3, then an S3-compatible
# bucket (AWS S3, MinIO, Ceph...) through django-storages, shared by every web server and worker.
DEFAULT_STORAGE = default_storage_settings(os.environ)
STORAGES = {
    "default": DEFAULT_STORAGE,
    # Hashed, compressed names once `collectstatic` has run (make run, the image); plain before.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION or (STATIC_ROOT / "staticfiles.json").exists()
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Without collectstatic (tests, a first run) WhiteNoise serves from the finders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# JSON bodies are capped at 1 MiB by core.parsers; this caps non-file form fields.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
JSON_MAX_BODY_BYTES = 1024 * 1024
DOCUMENTO_MAX_BYTES = env.int("DOCUMENTO_MAX_BYTES", default=10 * 1024 * 1024)
# The largest body any endpoint takes (a documento and its form fields): a body sent chunked, with no
# Content-Length, is read up to this and refused (413) beyond (core.wsgi).
REQUEST_BODY_MAX_BYTES = DOCUMENTO_MAX_BYTES + 1088 * 1024
