"""The audit trail, the event feed and the outbox in the admin.

Audit and domain events are read-only for everyone, superusers included: there is no add, change
or delete permission to grant. Endpoints are edited through ``events.services`` (SSRF guard,
audit), their secrets never shown; deliveries can be retried through the same service as the API.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.adminkit import (
    ActionsOnlyAdmin,
    ReadOnlyAdmin,
    ReadOnlyInline,
    ServiceErrorsAsMessages,
    TalliedPaginator,
    choice_badge,
    register_colours,
    run_per_row,
)
from core.exceptions import ApplicationError
from core.exports import Column
from events import services
from events.exports import AuditedExportMixin
from events.models import (
    AuditEvent,
    EmailMessage,
    Event,
    OutboxStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

STATUS_COLOURS: dict[str, str] = {
    OutboxStatus.PENDING: "#0d6efd",
    OutboxStatus.SUCCEEDED: "#198754",
    OutboxStatus.FAILED: "#dc3545",
}
register_colours(STATUS_COLOURS.values())


def status_badge(status: str) -> str:
    return choice_badge("status", OutboxStatus, status, STATUS_COLOURS)


class ReadOnlyLogAdmin(ReadOnlyAdmin):
    """Look, never touch (whoever asks), on a table that grows without bound."""

    paginator = TalliedPaginator


def _actor_username() -> Subquery:
    # ``actor_id`` is a plain integer (the trail outlives users), so the name comes by subquery.
    return Subquery(get_user_model().objects.filter(pk=OuterRef("actor_id")).values("username")[:1])


@admin.register(AuditEvent)
class AuditEventAdmin(AuditedExportMixin, ReadOnlyLogAdmin):
    export_entity_type = "audit_event"
    export_columns = (
        Column(gettext_lazy("id"), "id", 10),
        Column(gettext_lazy("created at (UTC)"), "created_at", 20),
        Column(gettext_lazy("actor id"), "actor_id", 10),
        Column(gettext_lazy("actor"), "actor_username", 20),
        Column(gettext_lazy("entity type"), "entity_type", 16),
        Column(gettext_lazy("entity id"), "entity_id", 12),
        Column(gettext_lazy("action"), "action", 12),
        Column(gettext_lazy("changes"), "changes", 60),
        Column(gettext_lazy("request id"), "request_id", 34),
    )
    list_display = ["id", "created_at", "actor", "entity_type", "entity_id", "action", "request_id"]
    list_filter = ["entity_type", "action", "created_at"]
    search_fields = ["=entity_id", "=request_id"]
    ordering = ["-created_at", "-id"]
    fields = readonly_fields = (
        "created_at",
        "actor",
        "actor_id",
        "entity_type",
        "entity_id",
        "action",
        "changes",
        "request_id",
    )
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        return super().get_queryset(request).annotate(actor_username=_actor_username())

    @admin.display(description=gettext_lazy("actor"))
    def actor(self, event: AuditEvent) -> str:
        if event.actor_id is None:
            return _("system")
        return getattr(event, "actor_username", None) or _("user #%(id)s") % {"id": event.actor_id}


@admin.register(Event)
class EventAdmin(ReadOnlyLogAdmin):
    list_display = ["id", "type", "created_at"]
    list_filter = ["type", "created_at"]
    ordering = ["-id"]
    fields = readonly_fields = ("type", "data", "created_at")
    show_full_result_count = False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ServiceErrorsAsMessages, admin.ModelAdmin):
    """Endpoints are registered through the API (the only place the secret is shown, once); here
    staff change URL, event patterns, description and the active flag through the service."""

    list_display = ["id", "url", "events_display", "active", "consecutive_failures", "disabled_reason", "created_at"]
    list_filter = ["active"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    search_fields = ["url", "description"]
    ordering = ["-created_at", "-id"]
    readonly_fields = [
        "secret_display",
        "disabled_reason",
        "disabled_at",
        "failing_since",
        "consecutive_failures",
        "version",
        "created_at",
        "updated_at",
    ]
    fields = ["url", "events", "description", "active", *readonly_fields]

    @admin.display(description=gettext_lazy("events"))
    def events_display(self, endpoint: WebhookEndpoint) -> str:
        return ", ".join(endpoint.events)

    @admin.display(description=gettext_lazy("secret"))
    def secret_display(self, endpoint: WebhookEndpoint) -> str:
        return "whsec_••••••••  " + _("(shown only when created or rotated, through the API)")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: WebhookEndpoint, form: Any, change: bool) -> None:
        fields = {name: form.cleaned_data[name] for name in ("url", "events", "description", "active")}
        services.update_endpoint(actor=request.user, endpoint_id=obj.pk, **fields)

    def delete_model(self, request: HttpRequest, obj: WebhookEndpoint) -> None:
        services.delete_endpoint(actor=request.user, endpoint_id=obj.pk)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def refusal_message(self, exc: ApplicationError) -> str:
        # The SSRF guard or an unknown event pattern: every refused field, in its own words.
        return "; ".join(error["message"] for error in exc.errors) or str(exc.detail)


class WebhookAttemptInline(ReadOnlyInline):
    model = WebhookAttempt
    fields = readonly_fields = ("number", "at", "status_code", "duration_ms", "error", "response_excerpt")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ActionsOnlyAdmin):
    list_display = [
        "id",
        "event_type",
        "endpoint_url",
        "status_display",
        "attempt_count",
        "last_status_code",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status", "event__type", "created_at"]
    list_select_related = ["event", "endpoint"]
    search_fields = ["=id", "=event__id", "endpoint__url"]
    ordering = ["-created_at", "-id"]
    fields = readonly_fields = (
        "event",
        "endpoint",
        "status_display",
        "attempt_count",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "completed_at",
        "created_at",
    )
    inlines = [WebhookAttemptInline]
    actions = ["retry"]
    show_full_result_count = False

    @admin.display(description=gettext_lazy("event"), ordering="event__type")
    def event_type(self, delivery: WebhookDelivery) -> str:
        return f"{delivery.event.type} #{delivery.event_id}"

    @admin.display(description=gettext_lazy("endpoint"), ordering="endpoint__url")
    def endpoint_url(self, delivery: WebhookDelivery) -> str:
        return delivery.endpoint.url

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_display(self, delivery: WebhookDelivery) -> str:
        return status_badge(delivery.status)

    @admin.action(description=gettext_lazy("Retry selected deliveries now"), permissions=["change"])
    def retry(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        run_per_row(
            self,
            request,
            [(pk, _("delivery %(id)s") % {"id": pk}) for pk in queryset.order_by("pk").values_list("pk", flat=True)],
            lambda pk: services.retry_delivery(actor=request.user, delivery_id=pk),
            done=lambda count: (
                ngettext("%(count)d delivery queued again", "%(count)d deliveries queued again", count)
                % {"count": count}
            ),
        )


@admin.register(EmailMessage)
class EmailMessageAdmin(ReadOnlyLogAdmin):
    list_display = ["id", "kind", "to", "subject", "status_display", "attempt_count", "next_attempt_at", "created_at"]
    list_filter = ["status", "kind", "created_at"]
    search_fields = ["to", "subject"]
    ordering = ["-created_at", "-id"]
    exclude = ["lease_token"]
    show_full_result_count = False

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_display(self, message: EmailMessage) -> str:
        return status_badge(message.status)
