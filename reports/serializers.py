"""The dashboard's shape, spelled out per estado and status so the schema names every key."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from expedientes.models import Estado
from orders.models import OrderStatus
from reports.figures import DECISIONS, LEFT_ESTADOS, OPEN_ESTADOS, Period


def _counts(name: str, values: list[str]) -> type[serializers.Serializer]:
    fields = {value: serializers.IntegerField(min_value=0) for value in values}
    return type(name, (serializers.Serializer,), fields)


def _counts_of(name: str, keys: list[str], child: type[serializers.Serializer]) -> serializers.Serializer:
    return type(name, (serializers.Serializer,), {key: child() for key in keys})()


ExpedientesByEstadoSerializer = _counts("ExpedientesByEstado", [choice.value for choice in Estado])
OrdersByStatusSerializer = _counts("OrdersByStatus", [choice.value for choice in OrderStatus])


class ExpedientesSummarySerializer(serializers.Serializer):
    total = serializers.IntegerField(min_value=0)
    by_estado = ExpedientesByEstadoSerializer()


class OrdersSummarySerializer(serializers.Serializer):
    total = serializers.IntegerField(min_value=0)
    by_status = OrdersByStatusSerializer()
    # A sum over any number of orders has no fixed width (max_digits would make big shops a 500).
    revenue = serializers.DecimalField(
        max_digits=None,
        decimal_places=2,
        help_text="Sum of totals of confirmed, approved, shipped and delivered orders.",
    )
    currency = serializers.CharField()


class WebhooksSummarySerializer(serializers.Serializer):
    pending = serializers.IntegerField(min_value=0, help_text="Deliveries still to be sent or retried.")
    failed = serializers.IntegerField(min_value=0, help_text="Deliveries that ran out of attempts.")


class DashboardSerializer(serializers.Serializer):
    expedientes = ExpedientesSummarySerializer()
    orders = OrdersSummarySerializer()
    webhooks = WebhooksSummarySerializer()


# --- reports -------------------------------------------------------------------------------------
# Query parameters (validated here, documented on each view) and the answers' shapes.

MAX_PERIOD_DAYS = 366
DEFAULT_PERIOD_WEEKS = 12


class PeriodQuerySerializer(serializers.Serializer):
    """``from``/``to`` (whole days in UTC, both included): by default the twelve weeks up to today
    (the current one and the eleven before it, from their Monday)."""

    to = serializers.DateField(required=False)
    assigned_to = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False)  # a Python keyword: added by name
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        last = attrs.get("to") or timezone.now().date()
        # Twelve whole weeks: from the Monday eleven weeks before the last day's week.
        first = attrs.get("from") or last - timedelta(days=last.weekday(), weeks=DEFAULT_PERIOD_WEEKS - 1)
        if first > last:
            raise serializers.ValidationError({"from": _("The period must start on or before its last day (to).")})
        if (last - first).days + 1 > MAX_PERIOD_DAYS:
            raise serializers.ValidationError(
                {"from": _("A report covers at most %(days)d days.") % {"days": MAX_PERIOD_DAYS}}
            )
        return {"period": Period(first=first, last=last), "assigned_to": attrs.get("assigned_to")}


class ServiceLevelQuerySerializer(serializers.Serializer):
    limit_days = serializers.IntegerField(required=False, min_value=1, max_value=3650)
    assigned_to = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs.setdefault("limit_days", settings.REPORTS_SERVICE_LEVEL_DAYS)
        attrs.setdefault("assigned_to", None)
        return attrs


class PeriodSerializer(serializers.Serializer):
    # "from" is a Python keyword, so the fields are declared through get_fields.
    def get_fields(self) -> dict[str, serializers.Field]:
        return {"from": serializers.DateField(), "to": serializers.DateField()}


def _duration(help_text: str) -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, help_text=help_text)


class DurationSummarySerializer(serializers.Serializer):
    count = serializers.IntegerField(min_value=0)
    median_seconds = _duration("Median, in seconds (null when count is 0).")
    p90_seconds = _duration("90th percentile (linear interpolation), in seconds.")
    mean_seconds = _duration("Mean, in seconds.")


class DecisionsSerializer(DurationSummarySerializer):
    by_outcome = _counts_of("DecisionsByOutcome", DECISIONS, DurationSummarySerializer)


class EstadoStaySerializer(DurationSummarySerializer):
    estado = serializers.ChoiceField(choices=LEFT_ESTADOS)


class ProcessingTimesSerializer(serializers.Serializer):
    period = PeriodSerializer()
    assigned_to = serializers.IntegerField(allow_null=True)
    decisions = DecisionsSerializer(
        help_text="Transitions to aprobado or rechazado in the period, timed from the expediente's creation."
    )
    time_in_estado = EstadoStaySerializer(
        many=True, help_text="Stays that ended in the period: from entering the estado to leaving it."
    )


class ThroughputWeekSerializer(serializers.Serializer):
    week = serializers.DateField(help_text="The Monday of the week (UTC).")
    arrivals = serializers.IntegerField(min_value=0)
    decisions = serializers.IntegerField(min_value=0)
    aprobado = serializers.IntegerField(min_value=0)
    rechazado = serializers.IntegerField(min_value=0)


class ThroughputSerializer(serializers.Serializer):
    period = PeriodSerializer()
    assigned_to = serializers.IntegerField(allow_null=True)
    weeks = ThroughputWeekSerializer(many=True)


class OpenCountsSerializer(serializers.Serializer):
    open = serializers.IntegerField(min_value=0)
    over_limit = serializers.IntegerField(min_value=0)


class OldestOpenSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    numero = serializers.CharField()
    estado = serializers.ChoiceField(choices=OPEN_ESTADOS)
    assigned_to = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    age_days = serializers.FloatField()


class ServiceLevelSerializer(serializers.Serializer):
    limit_days = serializers.IntegerField()
    assigned_to = serializers.IntegerField(allow_null=True)
    as_of = serializers.DateTimeField()
    open = serializers.IntegerField(min_value=0, help_text="Expedientes not yet decided.")
    over_limit = serializers.IntegerField(min_value=0, help_text="Open ones created more than limit_days ago.")
    by_estado = _counts_of("OpenByEstado", OPEN_ESTADOS, OpenCountsSerializer)
    oldest = OldestOpenSerializer(many=True, help_text="The oldest open expedientes over the limit.")


class BacklogRowSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField(allow_blank=True)
    total = serializers.IntegerField(min_value=0)
    iniciado = serializers.IntegerField(min_value=0)
    en_revision = serializers.IntegerField(min_value=0)
    requiere_subsanacion = serializers.IntegerField(min_value=0)


class UnassignedSerializer(serializers.Serializer):
    total = serializers.IntegerField(min_value=0)
    iniciado = serializers.IntegerField(min_value=0)
    en_revision = serializers.IntegerField(min_value=0)
    requiere_subsanacion = serializers.IntegerField(min_value=0)


class BacklogSerializer(serializers.Serializer):
    estados = serializers.ListField(child=serializers.ChoiceField(choices=OPEN_ESTADOS))
    assignees = BacklogRowSerializer(many=True)
    unassigned = UnassignedSerializer()
    total = serializers.IntegerField(min_value=0)


class OrdersWeekSerializer(serializers.Serializer):
    week = serializers.DateField(help_text="The Monday of the week (UTC).")
    orders = serializers.IntegerField(min_value=0)
    revenue = serializers.DecimalField(max_digits=None, decimal_places=2)


class OrdersPerWeekSerializer(serializers.Serializer):
    period = PeriodSerializer()
    currency = serializers.CharField()
    weeks = OrdersWeekSerializer(many=True)


class WebhooksDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    succeeded = serializers.IntegerField(min_value=0)
    failed = serializers.IntegerField(min_value=0)


class WebhooksPerDaySerializer(serializers.Serializer):
    period = PeriodSerializer()
    days = WebhooksDaySerializer(many=True)


class ReportsIndexSerializer(serializers.Serializer):
    processing_times = serializers.URLField()
    throughput = serializers.URLField()
    service_level = serializers.URLField()
    backlog = serializers.URLField()
    orders = serializers.URLField()
    webhooks = serializers.URLField()
