from django.contrib import admin

from events.models import AuditEvent, EmailMessage, Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "actor_id", "entity_type", "entity_id", "action"]
    list_filter = ["entity_type", "action"]
    search_fields = ["entity_id", "request_id"]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["id", "type", "created_at"]
    list_filter = ["type"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    """Shown for diagnosis only: endpoints are managed through the API, which checks URLs
    (SSRF), generates secrets and audits every change."""

    list_display = ["id", "url", "active", "disabled_reason", "consecutive_failures", "created_at"]
    list_filter = ["active"]
    exclude = ["secret", "previous_secret"]


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["number", "at", "status_code", "duration_ms", "error", "response_excerpt"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["id", "event", "endpoint", "status", "attempt_count", "next_attempt_at"]
    list_filter = ["status"]
    inlines = [WebhookAttemptInline]


@admin.register(EmailMessage)
class EmailMessageAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "to", "subject", "status", "attempt_count", "next_attempt_at"]
    list_filter = ["status", "kind"]
