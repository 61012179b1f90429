from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CoreConfig(AppConfig):
    default = True
    name = "core"
    label = "core"

    def ready(self) -> None:
        from core import db  # noqa: F401 - connects the connection_created receiver


class AdminConfig(admin_apps.AdminConfig):
    """``django.contrib.admin`` with the project's site (:mod:`core.adminsite`) as ``admin.site``."""

    default = False
    default_site = "core.adminsite.AdminSite"
