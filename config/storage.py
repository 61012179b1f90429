"""``STORAGES["default"]`` from the environment: the local filesystem, or an S3-compatible bucket.

A function of a plain mapping (``os.environ`` in the settings), so the test suite builds its S3
storage from the very same variables a deployment sets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

S3_BACKEND = "core.s3.S3Storage"
FILESYSTEM_BACKEND = "django.core.files.storage.FileSystemStorage"


def default_storage_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    """``STORAGE_BACKEND=filesystem`` (default; ``MEDIA_ROOT``) or ``s3`` (``AWS_*`` variables)."""
    backend = (environ.get("STORAGE_BACKEND") or "filesystem").strip().lower()
    if backend == "filesystem":
        return {"BACKEND": FILESYSTEM_BACKEND}
    if backend != "s3":
        raise ImproperlyConfigured(f"STORAGE_BACKEND must be 'filesystem' or 's3', not {backend!r}.")

    def value(name: str) -> str | None:
        return environ.get(name) or None

    try:
        expire = int(environ.get("AWS_QUERYSTRING_EXPIRE") or 300)
    except ValueError:
        raise ImproperlyConfigured("AWS_QUERYSTRING_EXPIRE must be a number of seconds.") from None
    return {
        "BACKEND": S3_BACKEND,
        "OPTIONS": {
            "bucket_name": environ.get("AWS_STORAGE_BUCKET_NAME") or "expedientes",
            # None: AWS itself; MinIO, Ceph...: their URL.
            "endpoint_url": value("AWS_S3_ENDPOINT_URL"),
            "region_name": value("AWS_S3_REGION_NAME"),
            # None: boto3's own lookup (environment, instance role...).
            "access_key": value("AWS_ACCESS_KEY_ID"),
            "secret_key": value("AWS_SECRET_ACCESS_KEY"),
            "location": environ.get("AWS_LOCATION") or "",
            # MinIO and most self-hosted servers want path-style addressing (bucket in the path).
            "addressing_style": environ.get("AWS_S3_ADDRESSING_STYLE") or "path",
            "signature_version": "s3v4",
            # Names are server-generated UUIDs: no existence check (a HEAD) before each save.
            "file_overwrite": True,
            # Private objects: the API streams them after its permission check.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": expire,
        },
    }
