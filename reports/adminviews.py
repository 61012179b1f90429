"""The reports in the admin: charts (SVG drawn here) with the same numbers as a table beside each.

The figures are the API's (``reports.figures``); this module only shapes them into charts and
tables. ``/admin/reports/`` shows them all for a period chosen in a small form; the admin index
shows arrivals and decisions of the last twelve weeks and the backlog per clerk.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import STAFF_ROLES
from expedientes.models import Estado
from reports import figures
from reports.charts import PALETTE, Series, bar_chart, column_chart
from reports.serializers import PeriodQuerySerializer, ServiceLevelQuerySerializer

ESTADO_LABELS = dict(Estado.choices)


def _day(value: date) -> str:
    return value.strftime("%d %b")


def _days(seconds: float | None) -> float:
    return round((seconds or 0) / 86400, 1)


def _label(estado: str) -> str:
    return str(ESTADO_LABELS.get(estado, estado))


def chart(chart_id: str, title: str, svg: Any, columns: list[str], rows: list[list[Any]]) -> dict[str, Any]:
    return {"id": chart_id, "title": title, "svg": svg, "columns": columns, "rows": rows}


def throughput_chart(data: dict[str, Any]) -> dict[str, Any]:
    weeks = data["weeks"]
    title = _("Arrivals and decisions per week")
    series = [
        Series(_("Arrivals"), [w["arrivals"] for w in weeks], PALETTE[0]),
        Series(_("Approved"), [w["aprobado"] for w in weeks], PALETTE[1]),
        Series(_("Rejected"), [w["rechazado"] for w in weeks], PALETTE[2]),
    ]
    svg = column_chart(
        chart_id="chart-throughput", title=title, categories=[_day(w["week"]) for w in weeks], series=series
    )
    rows = [[w["week"].isoformat(), w["arrivals"], w["aprobado"], w["rechazado"]] for w in weeks]
    return chart("chart-throughput", title, svg, [_("Week of"), _("Arrivals"), _("Approved"), _("Rejected")], rows)


def stays_chart(data: dict[str, Any]) -> dict[str, Any]:
    stays = data["time_in_estado"]
    title = _("Time in each estado (days)")
    labels = [_label(row["estado"]) for row in stays]
    series = [
        Series(_("Median"), [_days(row["median_seconds"]) for row in stays], PALETTE[0]),
        Series(_("90th percentile"), [_days(row["p90_seconds"]) for row in stays], PALETTE[3]),
    ]
    svg = bar_chart(chart_id="chart-stays", title=title, labels=labels, series=series)
    rows = [
        [label, row["count"], _days(row["median_seconds"]), _days(row["p90_seconds"])]
        for label, row in zip(labels, stays, strict=True)
    ]
    return chart("chart-stays", title, svg, [_("Estado"), _("Stays"), _("Median"), _("90th percentile")], rows)


def backlog_chart(data: dict[str, Any]) -> dict[str, Any]:
    people = [row for row in data["assignees"] if row["total"]] or data["assignees"]
    unassigned = data["unassigned"]
    labels = [row["username"] for row in people] + [_("(unassigned)")]
    title = _("Open expedientes per assigned clerk")
    series = [
        Series(_label(estado), [row[estado] for row in people] + [unassigned[estado]], PALETTE[i])
        for i, estado in enumerate(data["estados"])
    ]
    svg = bar_chart(chart_id="chart-backlog", title=title, labels=labels, series=series, stacked=True)
    rows = [[row["username"], *(row[e] for e in data["estados"]), row["total"]] for row in people]
    rows.append([_("(unassigned)"), *(unassigned[e] for e in data["estados"]), unassigned["total"]])
    columns = [_("Clerk"), *(_label(e) for e in data["estados"]), _("Total")]
    return chart("chart-backlog", title, svg, columns, rows)


def orders_charts(data: dict[str, Any]) -> list[dict[str, Any]]:
    weeks = data["weeks"]
    categories = [_day(w["week"]) for w in weeks]
    orders_title = _("Orders per week")
    revenue_title = _("Revenue per week (%(currency)s)") % {"currency": data["currency"]}
    orders_svg = column_chart(
        chart_id="chart-orders",
        title=orders_title,
        categories=categories,
        series=[Series(_("Orders"), [w["orders"] for w in weeks], PALETTE[4])],
    )
    revenue_svg = column_chart(
        chart_id="chart-revenue",
        title=revenue_title,
        categories=categories,
        series=[Series(_("Revenue"), [float(w["revenue"]) for w in weeks], PALETTE[1])],
    )
    total = sum((w["revenue"] for w in weeks), Decimal("0.00"))
    orders_rows = [[w["week"].isoformat(), w["orders"]] for w in weeks]
    orders_rows.append([_("Total"), sum(w["orders"] for w in weeks)])
    revenue_rows = [[w["week"].isoformat(), w["revenue"]] for w in weeks]
    revenue_rows.append([_("Total"), total])
    return [
        chart("chart-orders", orders_title, orders_svg, [_("Week of"), _("Orders")], orders_rows),
        chart("chart-revenue", revenue_title, revenue_svg, [_("Week of"), _("Revenue")], revenue_rows),
    ]


def webhooks_chart(data: dict[str, Any]) -> dict[str, Any]:
    days = data["days"]
    title = _("Webhook deliveries per day")
    series = [
        Series(_("Succeeded"), [d["succeeded"] for d in days], PALETTE[1]),
        Series(_("Failed"), [d["failed"] for d in days], PALETTE[2]),
    ]
    svg = column_chart(
        chart_id="chart-webhooks",
        title=title,
        categories=[_day(d["day"]) for d in days],
        series=series,
        stacked=True,
    )
    rows = [[d["day"].isoformat(), d["succeeded"], d["failed"]] for d in days]
    return chart("chart-webhooks", title, svg, [_("Day"), _("Succeeded"), _("Failed")], rows)


def index_charts() -> list[dict[str, Any]]:
    """What the admin's front page draws: the last twelve weeks' flow and today's backlog."""
    period = PeriodQuerySerializer(data={})
    period.is_valid(raise_exception=True)
    return [throughput_chart(figures.throughput(period.validated_data["period"])), backlog_chart(figures.backlog())]


def _assignee_choices() -> list[tuple[int, str]]:
    staff = get_user_model().objects.filter(role__in=STAFF_ROLES, is_active=True).order_by("username")
    return list(staff.values_list("pk", "username"))


def reports_view(request: HttpRequest) -> HttpResponse:
    """``/admin/reports/``: every chart for the period (and clerk) chosen in the form."""
    raw = {key: value for key, value in request.GET.items() if value != ""}
    period_query = PeriodQuerySerializer(data={k: raw[k] for k in ("from", "to", "assigned_to") if k in raw})
    level_query = ServiceLevelQuerySerializer(data={k: raw[k] for k in ("limit_days", "assigned_to") if k in raw})
    errors: list[str] = []
    if not period_query.is_valid():
        errors += [f"{field}: {' '.join(map(str, msgs))}" for field, msgs in period_query.errors.items()]
        period_query = PeriodQuerySerializer(data={})
        period_query.is_valid(raise_exception=True)
    if not level_query.is_valid():
        errors += [f"{field}: {' '.join(map(str, msgs))}" for field, msgs in level_query.errors.items()]
        level_query = ServiceLevelQuerySerializer(data={})
        level_query.is_valid(raise_exception=True)
    period = period_query.validated_data["period"]
    assignee = period_query.validated_data["assigned_to"]
    processing = figures.processing_times(period, assignee)
    level = figures.service_level(level_query.validated_data["limit_days"], level_query.validated_data["assigned_to"])
    charts = [
        throughput_chart(figures.throughput(period, assignee)),
        stays_chart(processing),
        backlog_chart(figures.backlog()),
        *orders_charts(figures.orders_per_week(period)),
        webhooks_chart(figures.webhooks_per_day(period)),
    ]
    decisions = processing["decisions"]
    context = {
        **admin.site.each_context(request),
        "title": gettext_lazy("Reports"),
        "period": period,
        "assignee": assignee,
        "assignees": _assignee_choices(),
        "limit_days": level["limit_days"],
        "default_limit_days": settings.REPORTS_SERVICE_LEVEL_DAYS,
        "errors": errors,
        "charts": charts,
        "decisions": [
            {
                "label": label,
                "count": row["count"],
                "median": _days(row["median_seconds"]),
                "p90": _days(row["p90_seconds"]),
            }
            for label, row in (
                (_("All decisions"), decisions),
                (_("Approved"), decisions["by_outcome"]["aprobado"]),
                (_("Rejected"), decisions["by_outcome"]["rechazado"]),
            )
        ],
        "service_level": {
            **level,
            "rows": [{"label": _label(estado), **counts} for estado, counts in level["by_estado"].items()],
        },
    }
    return TemplateResponse(request, "reports/admin_reports.html", context)
