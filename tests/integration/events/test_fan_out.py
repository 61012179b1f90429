"""record() writes the outbox in the caller's transaction and hands it over only on commit."""

import pytest
from django.core import mail
from django.db import transaction

from events.models import EmailMessage, WebhookDelivery
from tests.support.outbox import record_registration

pytestmark = pytest.mark.django_db


def test_one_delivery_per_matching_endpoint_and_none_for_others(make_endpoint, publish, receiver):
    receiver.post("http://hooks.example.com/hook", status_code=204)
    receiver.post("http://other.example.com/hook", status_code=204)
    receiver.post("http://third.example.com/hook", status_code=204)
    orders = make_endpoint(events=["order.*"])
    created = make_endpoint(url="http://other.example.com/hook", events=["expediente.created", "order.confirmed"])
    unrelated = make_endpoint(url="http://third.example.com/hook", events=["payment.*"])
    disabled = make_endpoint(events=["*"], active=False)

    expediente = publish("expediente.created")
    order = publish("order.confirmed")

    assert sorted(WebhookDelivery.objects.filter(event=expediente).values_list("endpoint_id", flat=True)) == [
        created.pk
    ]
    assert sorted(WebhookDelivery.objects.filter(event=order).values_list("endpoint_id", flat=True)) == sorted(
        [orders.pk, created.pk]
    )
    assert not WebhookDelivery.objects.filter(endpoint__in=[unrelated, disabled]).exists()
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"succeeded"}
    assert receiver.call_count == 3


def test_pattern_star_matches_everything_and_exact_types_only_themselves(make_endpoint, publish, receiver):
    receiver.post("http://hooks.example.com/hook", status_code=200)
    everything = make_endpoint(events=["*"])
    exact = make_endpoint(events=["order.created"])
    publish("order.created")
    publish("order.confirmed")
    assert WebhookDelivery.objects.filter(endpoint=everything).count() == 2
    assert list(WebhookDelivery.objects.filter(endpoint=exact).values_list("event__type", flat=True)) == [
        "order.created"
    ]


def test_rolled_back_change_sends_no_webhook_and_no_email(
    make_endpoint, receiver, citizen, django_capture_on_commit_callbacks
):
    make_endpoint(events=["*"])
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        record_registration(citizen)
        assert WebhookDelivery.objects.count() == 1
        assert EmailMessage.objects.count() == 1
        raise RuntimeError("the domain service fails after recording")
    assert callbacks == []
    assert WebhookDelivery.objects.count() == 0
    assert EmailMessage.objects.count() == 0
    assert receiver.call_count == 0
    assert mail.outbox == []


def test_welcome_email_is_queued_then_sent_with_text_and_html(citizen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record_registration(citizen)
    message = EmailMessage.objects.get()
    assert (message.kind, message.to, message.status) == ("welcome", citizen.email, "pending")
    assert mail.outbox == []

    for callback in callbacks:
        callback()

    message.refresh_from_db()
    assert message.status == "succeeded"
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [citizen.email]
    assert citizen.username in sent.subject
    assert citizen.username in sent.body
    assert sent.alternatives[0][1] == "text/html"
    assert "<p>" in sent.alternatives[0][0]


def test_status_change_emails_the_owner_naming_the_numero(publish, citizen):
    publish("expediente.status_changed", owner=citizen.pk)
    message = EmailMessage.objects.get()
    assert message.to == citizen.email
    assert "EXP-2026-000011" in message.subject
    assert [m.subject for m in mail.outbox] == [message.subject]


def test_order_confirmation_emails_the_customer(publish, citizen):
    publish("order.confirmed", user=citizen.pk)
    assert [(m.to, "20.00 EUR" in m.body) for m in mail.outbox] == [([citizen.email], True)]
    assert EmailMessage.objects.get().kind == "order_confirmed"


def test_events_without_email_queue_none(publish):
    publish("order.created")
    publish("expediente.created")
    assert EmailMessage.objects.count() == 0


def test_unknown_recipient_queues_nothing(publish):
    publish("order.confirmed", user=999999)
    assert EmailMessage.objects.count() == 0


def test_broker_outage_at_commit_keeps_the_rows_for_the_sweep(make_endpoint, publish, receiver, monkeypatch):
    """``robust`` on_commit: a dead broker never fails the write; the sweep delivers later."""
    from django.core.management import call_command

    from events import outbox

    receiver.post("http://hooks.example.com/hook", status_code=200)
    make_endpoint(events=["order.*"])

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    with monkeypatch.context() as patch:
        patch.setattr(outbox, "_publish", broker_down)
        event = publish("order.confirmed")
    delivery = WebhookDelivery.objects.get(event=event)
    assert (delivery.status, delivery.attempt_count, delivery.enqueued_at) == ("pending", 0, None)

    call_command("process_outbox", verbosity=0)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count) == ("succeeded", 1)
