"""The users list: filters, search, cursor mode in both directions; a soft delete as the audit records it."""

from __future__ import annotations

import pytest

from accounts.models import User
from tests.support.api import problem

pytestmark = pytest.mark.django_db

USERS = "/api/v1/users"


def test_users_cursor_mode_accepts_created_at_both_ways(make_user, client_for, clerk):
    for _ in range(4):
        make_user("citizen")
    client = client_for(clerk)
    everyone = User.objects.order_by("date_joined", "id").values_list("id", flat=True)
    for ordering, expected in (("created_at", list(everyone)), ("-created_at", list(reversed(everyone)))):
        seen, cursor = [], ""
        while True:
            response = client.get(f"/api/v1/users?cursor={cursor}&per_page=2&ordering={ordering}")
            assert response.status_code == 200, response.content
            body = response.json()
            seen += [row["id"] for row in body["data"]]
            if not body["has_next"]:
                break
            cursor = body["next_cursor"]
        assert seen == expected
    problem(client.get("/api/v1/users?cursor=&ordering=email"), 422, "validation_error")


def test_soft_delete_audit_timestamp_reads_like_the_api(admin_client_api, make_user):
    from events.models import AuditEvent

    user = make_user("citizen")
    assert admin_client_api.delete(f"/api/v1/users/{user.pk}").status_code == 204
    audit = AuditEvent.objects.get(entity_type="user", entity_id=str(user.pk), action="delete")
    old, new = audit.changes["deleted_at"]
    assert old is None
    assert new.endswith("Z")


# --- list ------------------------------------------------------------------------------------------
def test_list_filters_and_search(admin_client_api, make_user, django_assert_max_num_queries):
    make_user("citizen", full_name="José Pérez García", email="jose@example.com")
    make_user("citizen", full_name="Pepa Garcia")
    make_user("clerk", full_name="Lucía", is_active=False)

    def ids(query: str) -> list[str]:
        response = admin_client_api.get(f"{USERS}?{query}")
        assert response.status_code == 200, response.content
        return [row["full_name"] for row in response.json()["data"]]

    assert ids("search=JOSE perez") == ["José Pérez García"]
    assert ids("search=garcía") == ["Pepa Garcia", "José Pérez García"]
    assert ids("search=jose@EXAMPLE") == ["José Pérez García"]
    assert ids("search=jose+pepa") == []
    assert ids("role=clerk") == ["Lucía"]
    assert ids("is_active=false") == ["Lucía"]
    assert ids("role=citizen&ordering=full_name") == ["José Pérez García", "Pepa Garcia"]
    with django_assert_max_num_queries(4):
        body = admin_client_api.get(f"{USERS}?per_page=2").json()
    assert body["total"] == 4
    assert body["has_next"] is True
    problem(admin_client_api.get(f"{USERS}?role=overlord"), 422, "validation_error")
    problem(admin_client_api.get(f"{USERS}?is_active=maybe"), 422, "validation_error")
    problem(admin_client_api.get(f"{USERS}?ordering=password"), 422, "validation_error")
    assert admin_client_api.get(f"{USERS}?ordering=-created_at").status_code == 200


def test_list_cursor_mode(admin_client_api, make_user):
    for _ in range(3):
        make_user("citizen")
    first = admin_client_api.get(f"{USERS}?cursor=&per_page=2").json()
    assert first["has_next"] is True
    second = admin_client_api.get(f"{USERS}?cursor={first['next_cursor']}&per_page=2").json()
    seen = [row["id"] for row in first["data"] + second["data"]]
    assert len(seen) == len(set(seen)) == 4
