"""The admin's front page shows the dashboard (the same figures as ``GET /api/v1/dashboard``)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Expedientes — back office")
admin.site.site_title = _("Expedientes back office")
admin.site.index_title = _("Dashboard")
# An app template named admin/index.html would lose to django.contrib.admin's own (it comes
# first in INSTALLED_APPS), so the index gets a template name of its own.
admin.site.index_template = "reports/admin_index.html"
