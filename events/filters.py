from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from core.filter_fields import BIGINT_MAX, IdFilter, strict_boolean
from core.filters import FilterSet
from events.models import AuditEvent, Event, OutboxStatus, WebhookDelivery, WebhookEndpoint


class EntityIdFilter(IdFilter):
    """Entity ids are integers in the API (a non-integer is a 422); the column is text so the
    trail outlives any model, hence the comparison as a string."""

    def filter(self, qs: QuerySet, value: int | None) -> QuerySet:
        if value is None:
            return qs
        if not 0 <= value <= BIGINT_MAX:
            return qs.none()
        return django_filters.NumberFilter.filter(self, qs, str(value))


class EndpointFilter(FilterSet):
    # A plain BooleanFilter silently ignores "maybe"; a bad value must be a 422.
    active = strict_boolean()

    class Meta:
        model = WebhookEndpoint
        fields = ["active"]


class DeliveryFilter(FilterSet):
    endpoint = IdFilter(field_name="endpoint_id", min_value=1)
    status = django_filters.ChoiceFilter(choices=OutboxStatus.choices)
    event_type = django_filters.CharFilter(field_name="event__type", max_length=100)

    class Meta:
        model = WebhookDelivery
        fields = ["endpoint", "status", "event_type"]


class EventFilter(FilterSet):
    type = django_filters.CharFilter(field_name="type", max_length=100)
    after = IdFilter(field_name="id", lookup_expr="gt", min_value=0, help_text="Only events with a larger id.")

    class Meta:
        model = Event
        fields = ["type", "after"]


class AuditEventFilter(FilterSet):
    entity_type = django_filters.CharFilter(max_length=50)
    entity_id = EntityIdFilter(field_name="entity_id")
    action = django_filters.ChoiceFilter(choices=AuditEvent.Action.choices)
    actor = IdFilter(field_name="actor_id", min_value=1)

    class Meta:
        model = AuditEvent
        fields = ["entity_type", "entity_id", "action", "actor"]
