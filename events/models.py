"""The audit trail and the domain events: append-only by construction."""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import VersionedModel


class AppendOnlyError(RuntimeError):
    pass


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError(f"{self.model.__name__} rows cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{self.model.__name__} rows cannot be deleted.")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError(f"{type(self).__name__} rows cannot be deleted.")


class AuditEvent(AppendOnlyModel):
    """Who changed what. ``actor_id`` is a plain integer so the trail outlives any user row."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        TRANSITION = "transition", _("Status change")
        # A list taken out of the admin (CSV/XLSX): which list, format and filters; nothing changed.
        EXPORT = "export", _("Export")

    actor_id = models.BigIntegerField(_("actor"), null=True, blank=True)
    entity_type = models.CharField(_("entity type"), max_length=50)
    entity_id = models.CharField(_("entity id"), max_length=64)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    request_id = models.CharField(_("request id"), max_length=128, null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["entity_type", "entity_id", "id"], name="events_audit_entity"),
            models.Index(fields=["-created_at", "-id"], name="events_audit_created"),
            # The list's filters, each newest first: ``action``, ``entity_type``, ``actor``.
            models.Index(fields=["action", "-created_at", "-id"], name="events_audit_action_created"),
            models.Index(fields=["entity_type", "-created_at", "-id"], name="events_audit_type_created"),
            models.Index(fields=["actor_id", "-created_at", "-id"], name="events_audit_actor_created"),
            # The admin's exact searches.
            models.Index(fields=["entity_id"], name="events_audit_entity_id"),
            models.Index(fields=["request_id"], name="events_audit_request_id"),
        ]

    def __str__(self) -> str:
        return f"{self.entity_type}:{self.entity_id} {self.action}"


class Event(AppendOnlyModel):
    """A domain event (``order.created``...), the source of webhooks, email and the feed."""

    type = models.CharField(_("type"), max_length=100)
    data = models.JSONField(_("data"), default=dict)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("domain event")
        verbose_name_plural = _("domain events")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["type", "id"], name="events_event_type"),
            models.Index(fields=["created_at", "id"], name="events_event_created"),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"


# --- webhooks and email: the transactional outbox ------------------------------------------------


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class WebhookEndpoint(VersionedModel):
    """A subscriber: where to POST, which event types, and the secret that signs each delivery."""

    url = models.URLField("URL", max_length=2000)
    secret = models.CharField(_("secret"), max_length=200)
    # During a rotation the old secret keeps signing too, so receivers can switch over at leisure.
    previous_secret = models.CharField(_("previous secret"), max_length=200, blank=True, default="")
    previous_secret_expires_at = models.DateTimeField(_("previous secret expires"), null=True, blank=True)
    events = ArrayField(models.CharField(max_length=100), default=list, verbose_name=_("events"))
    description = models.CharField(_("description"), max_length=500, blank=True, default="")
    active = models.BooleanField(_("active"), default=True)
    disabled_reason = models.CharField(_("disabled reason"), max_length=300, blank=True, default="")
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    # Start of the current run of failed attempts (null after any success): drives auto-disable.
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["active"], name="events_endpoint_active")]

    def __str__(self) -> str:
        return self.url

    def secrets(self, now: Any = None) -> list[str]:
        """The secrets that sign a delivery now: the current one, plus the previous during the overlap."""
        now = now or timezone.now()
        keys = [self.secret]
        if self.previous_secret and self.previous_secret_expires_at and self.previous_secret_expires_at > now:
            keys.append(self.previous_secret)
        return keys


class OutboxRow(models.Model):
    """What the delivery and the email outbox share: state, retry clock and the worker's lease."""

    status = models.CharField(_("status"), max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempt_count = models.PositiveIntegerField(_("attempts"), default=0)
    # Attempts since the schedule last (re)started: a manual retry starts a fresh schedule.
    schedule_start = models.PositiveIntegerField(_("schedule start"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True, default=timezone.now)
    # A worker holds the row until this time while it sends; a killed worker's lease simply runs out.
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    lease_token = models.CharField(_("lease token"), max_length=36, blank=True, default="")
    # When the row was last handed to the broker, so the sweep does not flood the queue.
    enqueued_at = models.DateTimeField(_("enqueued at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True, default="")
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class WebhookDelivery(OutboxRow):
    """One event to one endpoint; ``webhook-id`` is the event id, the same on every attempt."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="deliveries", verbose_name=_("event"))
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("endpoint")
    )
    last_status_code = models.PositiveSmallIntegerField(_("last status code"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["endpoint", "event"], name="events_delivery_once")]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="events_delivery_due",
                condition=models.Q(status="pending"),
            ),
            models.Index(fields=["endpoint", "status", "-created_at"], name="events_delivery_endpoint"),
            models.Index(fields=["-created_at", "-id"], name="events_delivery_created"),
            # The reports' deliveries settled per day (succeeded, or failed out of attempts).
            models.Index(
                fields=["completed_at"],
                include=["status"],
                condition=models.Q(status__in=["succeeded", "failed"]),
                name="events_delivery_settled",
            ),
            # The dashboard's pending and failed counts: only the rows not yet settled or given up.
            models.Index(
                fields=["status"],
                name="events_delivery_status",
                condition=models.Q(status__in=["pending", "failed"]),
            ),
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk} of event {self.event_id} to endpoint {self.endpoint_id}"


class WebhookAttempt(models.Model):
    """One POST (or one refused/failed try) of a delivery."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log", verbose_name=_("delivery")
    )
    number = models.PositiveIntegerField(_("number"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True, default="")
    response_excerpt = models.TextField(_("response excerpt"), blank=True, default="")

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="events_attempt_once")]

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery {self.delivery_id}"


class EmailMessage(OutboxRow):
    """A queued email, rendered when queued, sent by a worker through Django's email backend."""

    event = models.ForeignKey(
        Event, on_delete=models.PROTECT, null=True, blank=True, related_name="emails", verbose_name=_("event")
    )
    kind = models.CharField(_("kind"), max_length=50)
    to = models.EmailField(_("to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True, default="")

    class Meta:
        verbose_name = _("email")
        verbose_name_plural = _("emails")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="events_email_due", condition=models.Q(status="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to}"
