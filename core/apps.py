from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    label = "core"

    def ready(self) -> None:
        from core import db  # noqa: F401 - connects the connection_created receiver
