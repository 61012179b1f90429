"""The dashboard's shape, spelled out per estado and status so the schema names every key."""

from __future__ import annotations

from rest_framework import serializers

from expedientes.models import Estado
from orders.models import OrderStatus


def _counts(name: str, values: list[str]) -> type[serializers.Serializer]:
    fields = {value: serializers.IntegerField(min_value=0) for value in values}
    return type(name, (serializers.Serializer,), fields)


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
