"""Language and time: the office's language and zone; the API and the database stay in UTC."""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import BASE_DIR, env

# The office's language: the admin when the browser asks for none of LANGUAGES, API problem texts
# without Accept-Language, and a new user's ``language`` (the language of their emails).
# Each named in itself, as a language picker shows them.
LANGUAGES = [("es", "Español"), ("en", "English")]
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="es").strip().lower()
if LANGUAGE_CODE.split("-")[0] not in {code for code, _name in LANGUAGES}:
    raise ImproperlyConfigured(f"LANGUAGE_CODE must be one of {', '.join(code for code, _name in LANGUAGES)}.")
LANGUAGE_CODE = LANGUAGE_CODE.split("-")[0]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates and times name their zone (config/formats).
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
# The office's zone: times in the admin and in emails. The API and the database stay in UTC.
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Madrid")
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
    raise ImproperlyConfigured(f"TIME_ZONE {TIME_ZONE!r} is not a known time zone (e.g. Europe/Madrid).") from exc
USE_TZ = True
