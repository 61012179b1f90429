from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.fields import StrictBooleanField, StrictCharField
from core.representation import FastRepresentation
from events.models import AuditEvent, Event, OutboxStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint


def mask_secret(secret: str) -> str:
    return f"whsec_****{secret[-4:]}" if secret else ""


@extend_schema_field({"type": "string", "format": "iri"})
class WebhookUrlField(serializers.URLField):
    """An http(s) URL whose host may be internationalised (``https://例え.テスト/``).

    Such hosts are accepted and stored as sent, so the schema says ``iri`` (RFC 3987):
    ``uri`` would make every client validator reject our own answers.
    """


class WebhookEndpointSerializer(FastRepresentation, serializers.ModelSerializer):
    url = WebhookUrlField(read_only=True)
    secret = serializers.SerializerMethodField(help_text="Masked; shown in full only on create and rotation.")
    secret_rotation_ends_at = serializers.SerializerMethodField(
        help_text="Until when deliveries also carry the previous secret's signature."
    )

    methods_read_columns_only = True

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "events",
            "description",
            "active",
            "disabled_reason",
            "disabled_at",
            "secret",
            "secret_rotation_ends_at",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_secret(self, obj: WebhookEndpoint) -> str:
        return mask_secret(obj.secret)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_secret_rotation_ends_at(self, obj: WebhookEndpoint) -> Any:
        if obj.previous_secret and obj.previous_secret_expires_at:
            return serializers.DateTimeField().to_representation(obj.previous_secret_expires_at)
        return None


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(read_only=True, help_text="The full secret: store it now, it is not shown again.")


class WebhookEndpointInputSerializer(serializers.Serializer):
    url = WebhookUrlField(max_length=2000)
    events = serializers.ListField(child=StrictCharField(max_length=100), allow_empty=False, max_length=100)
    description = StrictCharField(max_length=500, required=False, allow_blank=True)
    active = StrictBooleanField(required=False)


class SecretSerializer(serializers.Serializer):
    secret = serializers.CharField()


class WebhookAttemptSerializer(FastRepresentation, serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["number", "at", "status_code", "duration_ms", "error", "response_excerpt"]


class WebhookDeliverySerializer(FastRepresentation, serializers.ModelSerializer):
    endpoint = serializers.IntegerField(source="endpoint_id")
    event = serializers.IntegerField(source="event_id")
    event_type = serializers.CharField(source="event.type")
    status = serializers.ChoiceField(choices=OutboxStatus.choices)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "event",
            "event_type",
            "status",
            "attempt_count",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "created_at",
            "updated_at",
            "completed_at",
        ]
        read_only_fields = fields


class WebhookDeliveryDetailSerializer(WebhookDeliverySerializer):
    attempts = WebhookAttemptSerializer(source="attempt_log", many=True, read_only=True)
    data = serializers.JSONField(source="event.data", read_only=True)

    class Meta(WebhookDeliverySerializer.Meta):
        fields = [*WebhookDeliverySerializer.Meta.fields, "data", "attempts"]
        read_only_fields = fields


class EventSerializer(FastRepresentation, serializers.ModelSerializer):
    data = serializers.JSONField()

    class Meta:
        model = Event
        fields = ["id", "type", "data", "created_at"]
        read_only_fields = fields


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}]})
class EntityIdField(serializers.Field):
    """Entity ids are integers everywhere in the API; the column is text to outlive any model."""

    def to_representation(self, value: str) -> Any:
        return int(value) if value.isdigit() else value


class AuditEventSerializer(FastRepresentation, serializers.ModelSerializer):
    actor = serializers.IntegerField(source="actor_id", allow_null=True)
    entity_id = EntityIdField()
    changes = serializers.JSONField()

    class Meta:
        model = AuditEvent
        fields = ["id", "actor", "entity_type", "entity_id", "action", "changes", "request_id", "created_at"]
        read_only_fields = fields
