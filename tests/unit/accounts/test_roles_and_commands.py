from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.apps import create_clerks_group
from accounts.models import Role, User
from accounts.roles import CLERKS_GROUP, sync_role

pytestmark = pytest.mark.django_db


def test_post_migrate_creates_the_clerks_group_idempotently():
    Group.objects.filter(name=CLERKS_GROUP).delete()
    config = apps.get_app_config("accounts")
    create_clerks_group(config)
    create_clerks_group(config)
    assert Group.objects.filter(name=CLERKS_GROUP).count() == 1


def test_migrate_leaves_the_group_in_place():
    call_command("migrate", verbosity=0)
    assert Group.objects.filter(name=CLERKS_GROUP).exists()


@pytest.mark.parametrize(
    ("role", "staff", "superuser", "clerk_member"),
    [(Role.CITIZEN, False, False, False), (Role.CLERK, True, False, True), (Role.ADMIN, True, True, False)],
)
def test_sync_role_sets_flags_and_group(make_user, role, staff, superuser, clerk_member):
    user = make_user("citizen")
    User.objects.filter(pk=user.pk).update(role=role)
    user.refresh_from_db()
    sync_role(user=user)
    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser) == (staff, superuser)
    assert user.groups.filter(name=CLERKS_GROUP).exists() is clerk_member


def test_fixture_clerk_is_in_the_group(clerk):
    assert clerk.groups.filter(name=CLERKS_GROUP).exists()


def test_createsuperuser_noinput_from_environment(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "root")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Root@Example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Sup3r-secret-pass")
    call_command("createsuperuser", interactive=False, verbosity=0)
    user = User.objects.get(username="root")
    assert user.role == Role.ADMIN
    assert (user.is_superuser, user.is_staff, user.is_active) == (True, True, True)
    assert user.email == "Root@example.com"
    assert user.check_password("Sup3r-secret-pass")


@pytest.mark.parametrize(("role", "group_queries"), [(Role.CITIZEN, 0), (Role.ADMIN, 0), (Role.CLERK, 1)])
def test_a_new_account_asks_the_groups_only_when_it_is_a_clerk(db, role, group_queries):
    with CaptureQueriesContext(connection) as captured:
        user = User.objects.create_user(f"new-{role}", f"new-{role}@example.com", "S3cure-pass!", role=role)
    assert len([q for q in captured if "auth_group" in q["sql"]]) == group_queries  # a clerk: the group looked up
    assert user.groups.filter(name=CLERKS_GROUP).exists() is (role == Role.CLERK)
