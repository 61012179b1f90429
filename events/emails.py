"""Email through the outbox: rows rendered when an event is recorded, sent later by a worker."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from email.header import Header
from email.message import Message
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from events import outbox
from events.metrics import EMAILS_SENT
from events.models import EmailMessage, Event, OutboxStatus, WebhookEndpoint

logger = logging.getLogger(__name__)


def _user_id(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else value


def _user(user_id: Any) -> Any:
    if user_id in (None, ""):
        return None
    User = get_user_model()
    try:
        return User._default_manager.filter(pk=user_id).first()
    except (TypeError, ValueError):
        return None


def _email_of(user: Any) -> str:
    return getattr(user, user.get_email_field_name(), "") or "" if user is not None else ""


class _Mail(EmailMultiAlternatives):
    """Django's message with a Subject that any RFC 5322 reader gets back exactly.

    Django encodes a non-ASCII subject without knowing the header name, so the generator folds the
    first encoded word onto a continuation line ("Subject: \r\n =?utf-8?..."), which the stdlib's
    modern parser (and others) read back with a leading space. Encoding with the name fixes that.
    """

    def message(self, *args: Any, **kwargs: Any) -> Any:
        msg = super().message(*args, **kwargs)
        subject = str(self.subject)
        if not subject.isascii():
            del msg["Subject"]
            # Message.__setitem__, not Django's override, which would re-encode it the old way.
            Message.__setitem__(msg, "Subject", Header(subject, "utf-8", header_name="Subject"))
        return msg


def render(kind: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """Subject, text and HTML from ``events/email/<kind>{_subject.txt,.txt,.html}``."""
    context = {"site_name": settings.SITE_NAME, **context}
    subject = " ".join(render_to_string(f"events/email/{kind}_subject.txt", context).split())
    text = render_to_string(f"events/email/{kind}.txt", context)
    html = render_to_string(f"events/email/{kind}.html", context)
    return subject, text, html


def queue(*, kind: str, to: str, context: dict[str, Any], event: Event | None = None) -> EmailMessage | None:
    """Write one outbox row (in the caller's transaction); nothing when there is no address."""
    if not to:
        return None
    subject, text, html = render(kind, context)
    return EmailMessage.objects.create(
        event=event,
        kind=kind,
        to=to,
        subject=subject[:300],
        body_text=text,
        body_html=html,
        next_attempt_at=timezone.now(),
        enqueued_at=timezone.now(),
    )


def _welcome(event: Event) -> list[EmailMessage | None]:
    data = event.data
    user = _user(data.get("id"))
    to = data.get("email") or _email_of(user)
    username = data.get("username") or getattr(user, "username", "")
    return [queue(kind="welcome", to=to, context={"username": username, "email": to}, event=event)]


def _status_changed(event: Event) -> list[EmailMessage | None]:
    data = event.data
    owner = _user(_user_id(data.get("owner")))
    context = {
        "numero": data.get("numero") or data.get("id"),
        "from_status": data.get("from"),
        "to_status": data.get("to"),
        "username": getattr(owner, "username", ""),
        "data": data,
    }
    return [queue(kind="expediente_status_changed", to=_email_of(owner), context=context, event=event)]


def _order_confirmed(event: Event) -> list[EmailMessage | None]:
    data = event.data
    customer = _user(_user_id(data.get("user")))
    context = {
        "order_id": data.get("id"),
        "total": data.get("total"),
        "currency": data.get("currency") or "EUR",
        "items": data.get("items") or [],
        "username": getattr(customer, "username", ""),
    }
    return [queue(kind="order_confirmed", to=_email_of(customer), context=context, event=event)]


BUILDERS: dict[str, Callable[[Event], list[EmailMessage | None]]] = {
    "user.registered": _welcome,
    "expediente.status_changed": _status_changed,
    "order.confirmed": _order_confirmed,
}


def queue_for_event(event: Event) -> list[EmailMessage]:
    """The emails a domain event sends (API.md §7), as outbox rows in the event's transaction."""
    builder = BUILDERS.get(event.type)
    if builder is None:
        return []
    return [message for message in builder(event) if message is not None]


def queue_endpoint_disabled(endpoint: WebhookEndpoint) -> list[int]:
    """Tell every active staff member that an endpoint was switched off; enqueued on commit."""
    User = get_user_model()
    staff = User._default_manager.filter(is_staff=True, is_active=True)
    if hasattr(User, "deleted_at"):
        staff = staff.filter(deleted_at__isnull=True)
    field = User.get_email_field_name()
    context = {"url": endpoint.url, "endpoint_id": endpoint.pk, "reason": endpoint.disabled_reason}
    ids = []
    for to in sorted({address for address in staff.values_list(field, flat=True) if address}):
        message = queue(kind="webhook_endpoint_disabled", to=to, context=context)
        if message is not None:
            ids.append(message.pk)
    if ids:
        transaction.on_commit(lambda: outbox.enqueue(emails=ids), robust=True)
    return ids


def send(*, message_id: int) -> str:
    """Send one queued email if it is due and free; failures are retried on the outbox schedule."""
    claimed = outbox.claim(EmailMessage, message_id)
    if claimed is None:
        return "skipped"
    lease_ends = time.monotonic() + settings.OUTBOX_LEASE_SECONDS
    message, ticket = claimed
    mail = _Mail(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        headers={"Message-ID": f"<email-{message.pk}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"},
    )
    if message.body_html:
        mail.attach_alternative(message.body_html, "text/html")
    error = ""
    try:
        with get_connection(timeout=settings.EMAIL_SEND_TIMEOUT_SECONDS) as connection:
            connection.send_messages([mail])
    except Exception as exc:  # noqa: BLE001 - any backend failure is retried; the row keeps the reason
        error = f"{type(exc).__name__}: {exc}"[:2000]
        logger.warning("email %s failed: %s", message.pk, error)
    EMAILS_SENT.labels("failed" if error else "sent").inc()
    now = timezone.now()

    def record() -> str:
        with transaction.atomic():
            row = EmailMessage.objects.select_for_update().get(pk=message.pk)
            if row.status != OutboxStatus.PENDING:
                return "recorded"
            if not error:
                outbox.mark_done(row, now=now)
                row.save()
                return "sent"
            if row.lease_token != ticket.token:
                return "recorded"
            delay = outbox.schedule_next(row, schedule=settings.EMAIL_RETRY_SCHEDULE, now=now, error=error)
            row.save()
            return "retry" if delay is not None else "failed"

    return outbox.record_through_outage(record, until=lease_ends - 1, what=f"email {message.pk}")
