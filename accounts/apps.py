from __future__ import annotations

from typing import Any

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def _last_app_with_models() -> str:
    # ``emit_post_migrate_signal`` walks the app registry in this order, so by the time this app
    # gets its signal every app's permissions have been created.
    return [config.label for config in apps.get_app_configs() if config.models_module is not None][-1]


def create_clerks_group(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """Make sure the "Clerks" group exists, with exactly its permissions, after every ``migrate``.

    A data migration cannot do this well: on a fresh database the permissions do not exist yet
    inside migrations, and ``transaction=True`` tests flush the tables. Runs for this app (the
    group exists early) and again for the last app (every permission exists by then).
    """
    from accounts.roles import sync_clerks_permissions

    if sender.label not in ("accounts", _last_app_with_models()):
        return
    sync_clerks_permissions(using=using)


class AccountsConfig(AppConfig):
    name = "accounts"
    label = "accounts"

    def ready(self) -> None:
        post_migrate.connect(create_clerks_group, dispatch_uid="accounts.create_clerks_group")
