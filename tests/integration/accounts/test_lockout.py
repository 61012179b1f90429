"""No lock-out: nobody deletes, deactivates or demotes themselves, and the last active admin is never
removed, deactivated or demoted — at the API (409 conflict) and in the admin (a refusal message),
through the same service. Two admins demoting each other at once leave one admin."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Role, User
from tests.support.api import SchemaCheckedClient, access_token_for, problem
from tests.support.concurrency import run_concurrently

pytestmark = pytest.mark.django_db


def active_admins() -> int:
    return User.objects.filter(role=Role.ADMIN, is_active=True, deleted_at__isnull=True).count()


@pytest.mark.parametrize(
    ("method", "body"),
    [("patch", {"role": "clerk"}), ("patch", {"role": "citizen"}), ("patch", {"is_active": False}), ("delete", None)],
)
def test_an_admin_cannot_remove_themselves(admin_client_api, admin, make_user, method, body):
    make_user("admin")  # another admin exists: the refusal is about oneself
    response = getattr(admin_client_api, method)(f"/api/v1/users/{admin.pk}", body, format="json")
    detail = problem(response, 409, "conflict")["detail"]
    assert "your own account" in detail
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN
    assert admin.is_active
    assert admin.deleted_at is None


def test_other_admins_can_still_be_demoted(admin_client_api, make_user):
    other = make_user("admin")
    response = admin_client_api.patch(f"/api/v1/users/{other.pk}", {"role": "clerk"}, format="json")
    assert response.status_code == 200, response.content
    assert active_admins() == 1


def test_the_last_active_admin_is_never_removed_even_by_a_service_caller(admin, make_user):
    from accounts import services
    from core.exceptions import Conflict

    inactive_admin = make_user("admin", is_active=False)
    clerk = make_user("clerk")
    for call in (
        lambda: services.update_user(actor=clerk, user_id=admin.pk, fields={"is_active": False}),
        lambda: services.delete_user(actor=clerk, user_id=admin.pk),
    ):
        with pytest.raises(Conflict, match="last active admin"):
            call()
    # Reactivating another admin first makes it possible.
    services.update_user(actor=admin, user_id=inactive_admin.pk, fields={"is_active": True})
    services.update_user(actor=inactive_admin, user_id=admin.pk, fields={"role": Role.CLERK})
    assert active_admins() == 1


def test_the_admin_refuses_self_demotion_with_a_message(admin):
    client = Client()
    client.force_login(admin)
    form = {
        "username": admin.username,
        "email": admin.email,
        "full_name": "",
        "role": "clerk",
        "is_active": "on",
        "language": "en",
    }
    response = client.post(f"/admin/accounts/user/{admin.pk}/change/", form, follow=True)
    assert response.status_code == 200
    messages = [str(message) for message in response.context["messages"]]
    assert any("your own account" in message for message in messages), messages
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN


@pytest.mark.django_db(transaction=True)
def test_two_admins_demoting_each_other_at_once_leave_one_admin(make_user):
    first, second = make_user("admin"), make_user("admin")

    def demote(actor: User, target: User) -> int:
        client = SchemaCheckedClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(actor)}")
        return client.patch(f"/api/v1/users/{target.pk}", {"role": "clerk"}, format="json").status_code

    statuses = run_concurrently([lambda: demote(first, second), lambda: demote(second, first)])
    # The loser is refused by the last-admin rule (409) when both requests authenticated before
    # either committed, or as a clerk already (403) when the winner committed first.
    assert sorted(statuses) in ([200, 403], [200, 409])
    assert active_admins() == 1
