"""Celery tasks: thin wrappers; the rules live in events.delivery (and below it), events.health,
events.emails and events.outbox.

``events.outbox`` publishes them by name (``DELIVER_WEBHOOKS``, ``SEND_EMAIL``): it sits below them."""

from __future__ import annotations

from celery import Task, shared_task
from django.conf import settings

from events import delivery, emails, health, outbox


@shared_task(name="events.deliver_webhooks", ignore_result=True, bind=True)
def deliver_webhooks(self: Task, delivery_ids: list[int]) -> dict[int, str]:
    # In a worker, one run also takes other due deliveries (up to WEBHOOK_BATCH_SIZE in all); run
    # eagerly (no broker: right after the commit that queued them, or in the sweep command) it
    # sends only its own.
    batch = len(delivery_ids) if self.request.is_eager else settings.WEBHOOK_BATCH_SIZE
    return delivery.deliver_many(delivery_ids, batch=batch)


@shared_task(name="events.deliver_webhook", ignore_result=True, bind=True)
def deliver_webhook(self: Task, delivery_id: int) -> str:
    """One delivery (messages queued by earlier versions; ``deliver_webhooks`` does the same)."""
    batch = 1 if self.request.is_eager else settings.WEBHOOK_BATCH_SIZE
    return delivery.deliver(delivery_id=delivery_id, batch=batch)


@shared_task(name="events.send_email", ignore_result=True)
def send_email(message_id: int) -> str:
    return emails.send(message_id=message_id)


@shared_task(name="events.sweep_outbox", ignore_result=True)
def sweep_outbox() -> dict[str, int]:
    health.disable_stale_endpoints()
    result = outbox.sweep()
    return {"deliveries": result.deliveries, "emails": result.emails}
