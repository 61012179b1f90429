"""Changing a webhook endpoint through its services: events checked and de-duplicated, re-enabling
clears the failure state (and only re-enabling does), a rotated secret is versioned and audited."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from core.exceptions import PreconditionFailed, ValidationFailed
from events.models import AuditEvent, WebhookEndpoint
from events.services import MASK, rotate_secret, update_endpoint

pytestmark = pytest.mark.django_db

FAILED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def endpoint(make_endpoint: Any) -> WebhookEndpoint:
    return make_endpoint(events=["order.*"])


def failing(endpoint: WebhookEndpoint, *, active: bool) -> WebhookEndpoint:
    """The endpoint with a failure streak of 3 since ``FAILED_AT``, disabled unless ``active``."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        active=active,
        disabled_reason="" if active else "Failing for 5 days",
        disabled_at=None if active else FAILED_AT,
        failing_since=FAILED_AT,
        consecutive_failures=3,
    )
    return WebhookEndpoint.objects.get(pk=endpoint.pk)


def test_re_enabling_clears_the_failure_state(endpoint, admin):
    failing(endpoint, active=False)
    update_endpoint(actor=admin, endpoint_id=endpoint.pk, active=True)
    endpoint.refresh_from_db()
    assert endpoint.active is True
    assert (endpoint.disabled_reason, endpoint.disabled_at) == ("", None)
    assert (endpoint.failing_since, endpoint.consecutive_failures) == (None, 0)


def test_active_true_on_an_active_endpoint_keeps_its_failure_streak(endpoint, admin):
    failing(endpoint, active=True)
    update_endpoint(actor=admin, endpoint_id=endpoint.pk, active=True, description="on call")
    endpoint.refresh_from_db()
    assert (endpoint.failing_since, endpoint.consecutive_failures) == (FAILED_AT, 3)
    assert endpoint.description == "on call"


def test_disabling_by_staff_names_the_reason_and_time(endpoint, admin):
    update_endpoint(actor=admin, endpoint_id=endpoint.pk, active=False)
    endpoint.refresh_from_db()
    assert endpoint.active is False
    assert endpoint.disabled_reason == "Disabled by staff"
    assert endpoint.disabled_at is not None


def test_events_are_checked_and_stored_once_each(endpoint, admin):
    update_endpoint(actor=admin, endpoint_id=endpoint.pk, events=["order.*", "*", "order.*"])
    endpoint.refresh_from_db()
    assert endpoint.events == ["order.*", "*"]
    with pytest.raises(ValidationFailed) as refused:
        update_endpoint(actor=admin, endpoint_id=endpoint.pk, events=["order.*", "no.such.type"])
    assert refused.value.errors[0]["field"] == "events.1"
    endpoint.refresh_from_db()
    assert endpoint.events == ["order.*", "*"]


def test_a_rotated_secret_is_versioned_and_audited_without_the_secret(endpoint, admin):
    old_secret, old_version = endpoint.secret, endpoint.version
    rotated = rotate_secret(actor=admin, endpoint_id=endpoint.pk, expected_versions={old_version})
    rotated.refresh_from_db()
    assert rotated.secret != old_secret
    assert rotated.previous_secret == old_secret
    assert rotated.previous_secret_expires_at is not None
    assert rotated.version == old_version + 1
    entry = AuditEvent.objects.filter(entity_type="webhook_endpoint").latest("id")
    assert (entry.actor_id, entry.entity_id, entry.action) == (admin.pk, str(endpoint.pk), "update")
    assert entry.changes == {"secret": [MASK, MASK]}


def test_rotating_with_a_stale_version_changes_nothing(endpoint, admin):
    with pytest.raises(PreconditionFailed):
        rotate_secret(actor=admin, endpoint_id=endpoint.pk, expected_versions={endpoint.version + 7})
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == endpoint.secret
