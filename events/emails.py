"""Email through the outbox: rows rendered when an event is recorded, sent later by a worker."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from email.header import Header
from email.message import Message
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation

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


def language_of(user: Any) -> str:
    """The language a user reads their email in: theirs when they have one, else the office's."""
    language = getattr(user, "language", None) if user is not None else None
    codes = {code for code, _name in settings.LANGUAGES}
    return language if language in codes else settings.LANGUAGE_CODE


def office_time(value: datetime | None) -> str:
    """A moment as the office reads it: its local date and time in the active language, then the zone
    by abbreviation and name (``1 de diciembre de 2026 a las 19:27 CET (Europe/Madrid)``)."""
    if value is None:
        return ""
    local = timezone.localtime(value, timezone.get_default_timezone())
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} ({settings.TIME_ZONE})"


def choice_label(model: str, field: str, value: Any) -> str:
    """The label of a stored choice (an estado...) in the active language; the value if unknown."""
    try:
        choices = dict(apps.get_model(model)._meta.get_field(field).flatchoices)
    except LookupError:
        return str(value)
    return str(choices.get(value, value))


def render(kind: str, context: dict[str, Any], language: str | None = None) -> tuple[str, str, str]:
    """Subject, text and HTML from ``events/email/<kind>{_subject.txt,.txt,.html}``, written in
    ``language`` (default: the office's) with times in the office's zone."""
    with translation.override(language or settings.LANGUAGE_CODE), timezone.override(settings.TIME_ZONE):
        context = {"site_name": settings.SITE_NAME, "language": translation.get_language(), **context}
        for key, value in list(context.items()):
            if isinstance(value, datetime):
                context[f"{key}_display"] = office_time(value)
        subject = " ".join(render_to_string(f"events/email/{kind}_subject.txt", context).split())
        text = render_to_string(f"events/email/{kind}.txt", context)
        html = render_to_string(f"events/email/{kind}.html", context)
    return subject, text, html


def queue(
    *, kind: str, to: str, context: dict[str, Any], event: Event | None = None, language: str | None = None
) -> EmailMessage | None:
    """Write one outbox row (in the caller's transaction), rendered in ``language``; nothing when
    there is no address."""
    if not to:
        return None
    subject, text, html = render(kind, context, language)
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
    language = data.get("language") or language_of(user)
    context = {"username": username, "email": to, "at": event.created_at}
    return [queue(kind="welcome", to=to, context=context, event=event, language=language)]


def _queue_to(user: Any, kind: str, context: dict[str, Any], event: Event) -> list[EmailMessage | None]:
    """The email of ``kind`` to ``user``'s address in their language, greeting them by username and
    dated at the event."""
    context = {**context, "username": getattr(user, "username", ""), "at": event.created_at}
    return [queue(kind=kind, to=_email_of(user), context=context, event=event, language=language_of(user))]


class _Label:
    """A stored choice that renders as its label in the language active at rendering time."""

    def __init__(self, model: str, field: str, value: Any) -> None:
        self.model, self.field, self.value = model, field, value

    def __str__(self) -> str:
        return choice_label(self.model, self.field, self.value)


def _status_changed(event: Event) -> list[EmailMessage | None]:
    data = event.data
    owner = _user(_user_id(data.get("owner")))
    context = {
        "numero": data.get("numero") or data.get("id"),
        "from_status": _Label("expedientes.Expediente", "estado", data.get("from")),
        "to_status": _Label("expedientes.Expediente", "estado", data.get("to")),
        "data": data,
    }
    return _queue_to(owner, "expediente_status_changed", context, event)


def _amount(value: Any) -> Any:
    """A money string as a number, so the template writes it the reader's way (``25,00`` in Spanish)."""
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return value


def _order_confirmed(event: Event) -> list[EmailMessage | None]:
    data = event.data
    customer = _user(_user_id(data.get("user")))
    context = {
        "order_id": data.get("id"),
        "total": _amount(data.get("total")),
        "currency": data.get("currency") or "EUR",
        "items": data.get("items") or [],
    }
    return _queue_to(customer, "order_confirmed", context, event)


BUILDERS: dict[str, Callable[[Event], list[EmailMessage | None]]] = {
    "user.registered": _welcome,
    "expediente.status_changed": _status_changed,
    "order.confirmed": _order_confirmed,
}


def queue_for_event(event: Event) -> list[EmailMessage]:
    """The emails a domain event sends (docs/api-guide.md#events-webhooks-audit-email), as outbox rows in the event's transaction."""
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
    context = {
        "url": endpoint.url,
        "endpoint_id": endpoint.pk,
        "reason": endpoint.disabled_reason,
        "days": f"{settings.WEBHOOK_DISABLE_AFTER_SECONDS / 86400:g}",
        "since": endpoint.failing_since,
        "at": endpoint.disabled_at or timezone.now(),
    }
    columns = [field, "language"] if hasattr(User, "language") else [field]
    recipients: dict[str, str] = {}
    for address, *language in staff.values_list(*columns):
        if address:
            recipients.setdefault(address, language[0] if language else settings.LANGUAGE_CODE)
    ids = []
    for to in sorted(recipients):
        message = queue(kind="webhook_endpoint_disabled", to=to, context=context, language=recipients[to])
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
