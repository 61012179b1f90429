"""Users in the admin: admins change roles and activation through the service; clerks only look;
citizens never get in. The Clerks group carries exactly its permissions."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.apps import create_clerks_group
from accounts.models import Role, User
from accounts.roles import CLERK_PERMISSIONS, CLERKS_GROUP
from events.models import AuditEvent

pytestmark = pytest.mark.django_db

USERS = "/admin/accounts/user/"
PASSWORD = "S3cure-pass!"


def _form(user: User, **overrides):
    data = {
        "username": user.username,
        "email": user.email,
        "full_name": user.full_name,
        "role": user.role,
        "is_active": "on" if user.is_active else "",
        "language": user.language,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value != ""}


def test_citizen_cannot_log_in_to_the_admin(make_user):
    citizen = make_user("citizen", username="ciudadana", password=PASSWORD)
    client = Client()
    response = client.post("/admin/login/", {"username": "ciudadana", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 200
    assert "Please enter the correct username and password for a staff account" in response.content.decode()
    client.force_login(citizen)
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/expedientes/expediente/").status_code == 302


def test_clerk_logs_in_with_password(make_user):
    make_user("clerk", username="clerka", password=PASSWORD)
    client = Client()
    response = client.post("/admin/login/", {"username": "clerka", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_clerk_sees_users_read_only(citizen, clerk, web_client_for):
    client = web_client_for(clerk)
    assert client.get(USERS).status_code == 200
    page = client.get(f"{USERS}{citizen.pk}/change/")
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    response = client.post(f"{USERS}{citizen.pk}/change/", _form(citizen, role="admin"))
    assert response.status_code == 403
    citizen.refresh_from_db()
    assert citizen.role == Role.CITIZEN
    assert client.get(f"{USERS}add/").status_code == 403


def test_a_clerk_with_a_stray_change_permission_still_cannot_edit_users(citizen, clerk, web_client_for):
    clerk.user_permissions.add(Permission.objects.get(codename="change_user"))
    response = web_client_for(clerk).post(f"{USERS}{citizen.pk}/change/", _form(citizen, role="clerk"))
    assert response.status_code == 403


def test_admin_promotes_a_citizen_through_the_role_sync(citizen, admin, web_client_for):
    response = web_client_for(admin).post(f"{USERS}{citizen.pk}/change/", _form(citizen, role="clerk"))
    assert response.status_code == 302, response.content.decode()[:2000]
    citizen.refresh_from_db()
    assert (citizen.role, citizen.is_staff, citizen.is_superuser) == ("clerk", True, False)
    assert citizen.groups.filter(name=CLERKS_GROUP).exists()
    audit = AuditEvent.objects.filter(entity_type="user", entity_id=str(citizen.pk), action="update").get()
    assert audit.actor_id == admin.pk
    assert audit.changes["role"] == ["citizen", "clerk"]


def test_admin_deactivates_a_user(citizen, admin, web_client_for):
    response = web_client_for(admin).post(f"{USERS}{citizen.pk}/change/", _form(citizen, is_active=""))
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.is_active is False
    assert AuditEvent.objects.filter(entity_type="user", action="update", changes__is_active=[True, False]).exists()


def test_admin_adds_a_clerk(admin, web_client_for):
    response = web_client_for(admin).post(
        f"{USERS}add/",
        {
            "username": "nueva",
            "email": "nueva@example.com",
            "role": "clerk",
            "is_active": "on",
            "language": "es",
            "password": PASSWORD,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="nueva")
    assert user.check_password(PASSWORD)
    assert user.groups.filter(name=CLERKS_GROUP).exists()
    assert AuditEvent.objects.filter(entity_type="user", entity_id=str(user.pk), action="create").exists()


def test_admin_add_rejects_a_weak_password(admin, web_client_for):
    response = web_client_for(admin).post(
        f"{USERS}add/", {"username": "debil", "email": "debil@example.com", "role": "citizen", "password": "123"}
    )
    assert response.status_code == 200
    assert "password" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="debil").exists()


def test_users_changelist_query_count_does_not_grow(make_user, admin, web_client_for):
    client = web_client_for(admin)
    for _ in range(4):
        make_user("citizen")
    with CaptureQueriesContext(connection) as five:
        assert client.get(USERS).status_code == 200
    for _ in range(95):
        make_user("citizen")
    with CaptureQueriesContext(connection) as hundred:
        response = client.get(f"{USERS}?all=")
    assert len(response.context["cl"].result_list) == 100
    assert len(five) == len(hundred)


def _granted() -> set[tuple[str, str]]:
    group = Group.objects.get(name=CLERKS_GROUP)
    return set(group.permissions.values_list("content_type__app_label", "codename"))


def test_clerks_group_has_exactly_its_permissions_and_the_handler_is_idempotent():
    existing = {
        (app_label, codename)
        for app_label, codename in CLERK_PERMISSIONS
        if Permission.objects.filter(content_type__app_label=app_label, codename=codename).exists()
    }
    assert _granted() == existing
    assert ("expedientes", "change_expediente") in existing
    assert not any(codename.startswith("delete_") for _, codename in _granted())

    group = Group.objects.get(name=CLERKS_GROUP)
    group.permissions.add(Permission.objects.get(codename="delete_expediente"))
    group.permissions.remove(Permission.objects.get(codename="view_expediente"))
    for _ in range(2):
        create_clerks_group(apps.get_app_config("accounts"))
    assert _granted() == existing
    assert Group.objects.filter(name=CLERKS_GROUP).count() == 1


def test_a_refusal_of_the_service_is_a_message_on_the_change_form(admin, web_client_for):
    client = web_client_for(admin)
    url = f"{USERS}{admin.pk}/change/"
    response = client.post(url, _form(admin, is_active=""))
    assert (response.status_code, response["Location"]) == (302, url)
    [message] = client.get(url).context["messages"]
    assert str(message) == "You cannot deactivate your own account; ask another admin."
    admin.refresh_from_db()
    assert admin.is_active is True
