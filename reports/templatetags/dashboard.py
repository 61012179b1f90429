from __future__ import annotations

from typing import Any

from django import template

from orders.models import OrderStatus
from reports import adminviews, selectors

register = template.Library()


@register.simple_tag
def dashboard_figures() -> dict[str, Any]:
    """The dashboard, for the admin index; computed on each visit (a few aggregate queries)."""
    figures = selectors.dashboard()
    labels = dict(selectors.ESTADO_LABELS)
    figures["expedientes"]["rows"] = [
        {"value": key, "label": labels.get(key, key), "count": count}
        for key, count in figures["expedientes"]["by_estado"].items()
    ]
    statuses = dict(OrderStatus.choices)
    figures["orders"]["rows"] = [
        {"value": key, "label": statuses.get(key, key), "count": count}
        for key, count in figures["orders"]["by_status"].items()
    ]
    return figures


@register.simple_tag
def index_charts() -> list[dict[str, Any]]:
    """Arrivals and decisions of the last twelve weeks and the backlog per clerk, as charts."""
    return adminviews.index_charts()
