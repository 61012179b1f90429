import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_wsgi_application()

# Imported once Django is set up: it reads settings and the problem format.
from core.wsgi import ChunkedBodies  # noqa: E402

application = ChunkedBodies(django_application)
