from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from core import views as core_views
from core.metrics import metrics_view
from reports import adminviews as reports_admin

api_v1 = [
    re_path(r"^schema/?$", SpectacularAPIView.as_view(), name="schema"),
    re_path(r"^docs/?$", core_views.DocsView.as_view(url_name="schema"), name="docs"),
    path("", include("accounts.urls")),
    path("", include("expedientes.urls")),
    path("", include("orders.urls")),
    path("", include("events.urls")),
    path("", include("reports.urls")),
]
if settings.BENCH_VIEWS:
    # Reference views for `make bench-http` (baseline and floor of the lists); off unless asked.
    api_v1.append(path("bench/", include("reports.benchviews")))

urlpatterns = [
    re_path(r"^health/live/?$", core_views.live, name="health-live"),
    re_path(r"^health/ready/?$", core_views.ready, name="health-ready"),
    re_path(r"^metrics/?$", metrics_view, name="metrics"),
    re_path(r"^api/v1/?$", core_views.api_root, name="api-root"),
    path("api/v1/", include(api_v1)),
    path("admin/colours.css", core_views.admin_colours_css, name="admin-colours-css"),
    path("admin/reports/", admin.site.admin_view(reports_admin.reports_view), name="admin-reports"),
    path("admin/", admin.site.urls),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
