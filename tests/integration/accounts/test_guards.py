"""The account guards' building blocks: what counts as echoing a privileged value, which database
refusals become a 409 naming the field, and who is an active admin."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Role
from accounts.services.guards import (
    _conflict_from_integrity,
    _same_value,
    check_privileged_fields,
    ensure_unique,
    is_active_admin,
)
from core.exceptions import Conflict, PermissionDeniedError

JOINED = datetime(2026, 1, 5, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("field", "sent", "current", "same"),
    [
        ("role", None, None, True),
        ("role", None, "citizen", False),
        ("role", "citizen", "citizen", True),
        ("role", "admin", "citizen", False),
        ("is_active", "true", True, True),
        ("is_active", False, True, False),
        ("is_active", "maybe", True, False),
        ("id", 7, 7, True),
        ("id", "7", 7, True),
        ("id", True, 1, False),
        ("id", 7, None, False),
        ("id", 8, 7, False),
        ("id", "seven", 7, False),
        ("date_joined", "2026-01-05T10:30:00Z", JOINED, True),
        ("date_joined", "2026-01-05T10:31:00Z", JOINED, False),
        ("date_joined", "2026-01-05T10:30:00Z", None, False),
        ("date_joined", "yesterday", JOINED, False),
    ],
)
def test_an_echo_of_a_privileged_value_is_told_from_a_change(field, sent, current, same):
    assert _same_value(field, sent, current) is same


@pytest.mark.django_db
@pytest.mark.parametrize(("twin", "field"), [({"email": "A@example.com"}, "email"), ({"username": "ANA"}, "username")])
def test_a_racing_twin_account_is_a_409_naming_the_field(make_user, twin, field):
    make_user("citizen", username="ana", email="a@example.com")
    fields = {"username": "other", "email": "other@example.com", **twin}
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        make_user("citizen", **fields)
    conflict = _conflict_from_integrity(raised.value)
    assert conflict is not None
    assert (conflict.errors[0]["field"], conflict.errors[0]["code"]) == (field, "unique")
    assert conflict.detail.startswith(f"{field}: A user with this {field} already exists.")


def test_other_refusals_are_not_a_conflict():
    assert _conflict_from_integrity(IntegrityError("no diagnostic")) is None


@pytest.mark.django_db
def test_an_active_admin_is_an_admin_active_and_not_deleted(make_user):
    admin = make_user("admin")
    assert is_active_admin(admin) is True
    admin.is_active = False
    assert is_active_admin(admin) is False
    admin.is_active, admin.deleted_at = True, timezone.now()
    assert is_active_admin(admin) is False
    admin.deleted_at, admin.role = None, Role.CLERK
    assert is_active_admin(admin) is False


@pytest.mark.django_db
def test_an_admin_may_send_privileged_fields_and_no_one_else(make_user):
    admin, citizen = make_user("admin"), make_user("citizen")
    check_privileged_fields(actor=admin, fields={"role": "admin", "is_active": False}, current=citizen)
    with pytest.raises(PermissionDeniedError) as refused:
        check_privileged_fields(actor=citizen, fields={"role": "admin"}, current=citizen)
    assert str(refused.value.detail) == "Only an admin may change role."


@pytest.mark.django_db
def test_an_account_never_clashes_with_its_own_email_or_username(make_user):
    ana = make_user("citizen", username="ana", email="ana@example.com")
    ensure_unique(email="ANA@example.com", username="Ana", exclude_pk=ana.pk)
    with pytest.raises(Conflict) as taken:
        ensure_unique(email="ana@example.com", username="ana")
    assert [error["field"] for error in taken.value.errors] == ["email", "username"]
