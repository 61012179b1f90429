from __future__ import annotations

import django_filters
from django import forms
from django.db.models import QuerySet

from events.models import AuditEvent, Event, OutboxStatus, WebhookDelivery

BIGINT_MAX = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """An integer id; values beyond any id column simply match nothing."""

    field_class = forms.IntegerField

    def filter(self, qs: QuerySet, value: int | None) -> QuerySet:
        if value is not None and value > BIGINT_MAX:
            return qs.none()
        return super().filter(qs, value)


class DeliveryFilter(django_filters.FilterSet):
    endpoint = IdFilter(field_name="endpoint_id", min_value=1)
    status = django_filters.ChoiceFilter(choices=OutboxStatus.choices)
    event_type = django_filters.CharFilter(field_name="event__type", max_length=100)

    class Meta:
        model = WebhookDelivery
        fields = ["endpoint", "status", "event_type"]


class EventFilter(django_filters.FilterSet):
    type = django_filters.CharFilter(field_name="type", max_length=100)
    after = IdFilter(field_name="id", lookup_expr="gt", min_value=0, help_text="Only events with a larger id.")

    class Meta:
        model = Event
        fields = ["type", "after"]


class AuditEventFilter(django_filters.FilterSet):
    entity_type = django_filters.CharFilter(max_length=50)
    entity_id = django_filters.CharFilter(max_length=64)
    action = django_filters.ChoiceFilter(choices=AuditEvent.Action.choices)
    actor = IdFilter(field_name="actor_id", min_value=1)

    class Meta:
        model = AuditEvent
        fields = ["entity_type", "entity_id", "action", "actor"]
