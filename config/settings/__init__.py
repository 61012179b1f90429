"""Settings for expedientes: every knob read from the environment, one module per concern.

Development defaults just work (embedded PostgreSQL, eager Celery, console email).
``DJANGO_ENV=production`` turns on the production guards. ``DJANGO_SETTINGS_MODULE`` stays
``config.settings``; the parts are read in this order (a later part may read an earlier one's
values, and the guards refuse to start in the same order as ever).
"""

from config.settings.base import *
from config.settings.security import *
from config.settings.database import *
from config.settings.i18n import *
from config.settings.storage import *
from config.settings.api import *
from config.settings.celery import *
from config.settings.mail import *
from config.settings.payments import *
from config.settings.outbox import *
from config.settings.reports import *
from config.settings.logs import *
