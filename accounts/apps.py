from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def create_clerks_group(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """Make sure the "Clerks" group exists after every ``migrate``.

    A data migration cannot do this well: on a fresh database the permissions the admin issue
    attaches do not exist yet inside migrations, and ``transaction=True`` tests flush the table.
    """
    from accounts.roles import ensure_clerks_group

    ensure_clerks_group(using=using)


class AccountsConfig(AppConfig):
    name = "accounts"
    label = "accounts"

    def ready(self) -> None:
        post_migrate.connect(create_clerks_group, sender=self, dispatch_uid="accounts.create_clerks_group")
