"""Endpoint health: 410 disables at once, a failure streak of five days disables and tells staff, a
success ends the streak."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from events.models import WebhookDelivery

pytestmark = pytest.mark.django_db

URL = "http://hooks.example.com/hook"
T0 = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)


def test_gone_disables_the_endpoint_at_once(make_endpoint, publish, receiver):
    receiver.post(URL, status_code=410)
    endpoint = make_endpoint()
    event = publish("order.created")
    delivery = WebhookDelivery.objects.get(event=event)
    endpoint.refresh_from_db()
    assert delivery.status == "failed"
    assert endpoint.active is False
    assert "410" in endpoint.disabled_reason
    assert endpoint.version == 2
    publish("order.confirmed")
    assert WebhookDelivery.objects.count() == 1
    assert receiver.call_count == 1


def test_endpoint_failing_for_five_days_is_disabled_and_staff_emailed(
    make_endpoint, publish, receiver, clerk, admin, citizen
):
    receiver.post(URL, status_code=500)
    endpoint = make_endpoint(events=["order.*"])
    with time_machine.travel(T0, tick=False) as clock:
        publish("order.created")
        endpoint.refresh_from_db()
        assert (endpoint.failing_since, endpoint.consecutive_failures) == (T0, 1)
        clock.shift(timedelta(days=4, hours=23))
        publish("order.created")
        endpoint.refresh_from_db()
        assert endpoint.active is True
        clock.shift(timedelta(hours=1))
        publish("order.created")
    endpoint.refresh_from_db()
    assert endpoint.active is False
    assert "5 days" in endpoint.disabled_reason
    assert sorted(m.to[0] for m in mail.outbox) == sorted([clerk.email, admin.email])
    assert all(f"Webhook endpoint {endpoint.pk} was disabled" == m.subject for m in mail.outbox)


def test_a_success_resets_the_failure_streak(make_endpoint, publish, receiver):
    receiver.post(URL, [{"status_code": 500}, {"status_code": 200}, {"status_code": 500}])
    endpoint = make_endpoint(events=["order.*"])
    with time_machine.travel(T0, tick=False) as clock:
        publish("order.created")
        clock.shift(timedelta(days=3))
        publish("order.created")  # the first delivery's retry is due too, but this one answers 200
        clock.shift(timedelta(days=3))
        publish("order.created")
    endpoint.refresh_from_db()
    assert endpoint.active is True
    assert endpoint.failing_since == T0 + timedelta(days=6)


def test_the_sweep_disables_an_endpoint_failing_too_long_without_new_attempts(
    make_endpoint, publish, receiver, settings, clerk
):
    settings.WEBHOOK_RETRY_SCHEDULE = [0]
    receiver.post(URL, status_code=500)
    endpoint = make_endpoint()
    with time_machine.travel(T0, tick=False) as clock:
        publish("order.created")
        clock.shift(timedelta(days=4))
        call_command("process_outbox", verbosity=0)  # the sweep
        endpoint.refresh_from_db()
        assert endpoint.active is True
        clock.shift(timedelta(days=1, seconds=1))
        call_command("process_outbox", verbosity=0)  # the sweep
    endpoint.refresh_from_db()
    assert endpoint.active is False
    assert [m.to for m in mail.outbox] == [[clerk.email]]
