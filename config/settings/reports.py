"""Reports and exports."""

from __future__ import annotations

from config.settings.base import env

# The service level: an expediente still undecided this many days after it was opened is late
# (the reports' default for ``limit_days``, and the admin's reports page).
REPORTS_SERVICE_LEVEL_DAYS = env.int("REPORTS_SERVICE_LEVEL_DAYS", default=30)

# The admin's XLSX exports are built whole before they are sent (CSV streams as it goes): more rows
# than this are refused with a message (at ~15k rows/s, well inside GUNICORN_TIMEOUT).
EXPORT_XLSX_MAX_ROWS = env.int("EXPORT_XLSX_MAX_ROWS", default=250_000)
