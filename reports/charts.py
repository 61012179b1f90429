"""Charts as SVG written on the server: no script, no library, no request to anyone else.

Two shapes cover the admin's reports: columns per category (weeks, days), grouped or stacked by
series, and horizontal bars per row (estados, clerks). Every bar carries a ``<title>`` (the value on
hover, read by screen readers) and the whole drawing is an ``img`` labelled by its title; the page
puts a table of the same numbers beside it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

PALETTE = ["#0d6efd", "#198754", "#dc3545", "#b35900", "#6f42c1", "#343a40"]
FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:11px"


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]
    colour: str


def _tag(template: str, *args: object) -> str:
    """``format_html`` with coordinates written to one decimal (it escapes, so it cannot format)."""
    return format_html(template, *(f"{arg:.1f}" if isinstance(arg, float) else arg for arg in args))


def nice_step(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten that is >= value, and at least 1 (counts are
    whole): four such steps make an axis whose ticks read well."""
    if value <= 1:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def axis_top(peak: float) -> float:
    """The top of an axis with four equal ticks that holds ``peak``."""
    return 4 * nice_step(peak / 4)


def fmt(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", "\u202f")
    return f"{value:,.1f}".replace(",", "\u202f")


def _svg(chart_id: str, title: str, width: int, height: int, body: list[str]) -> SafeString:
    head = _tag(
        '<svg xmlns="http://www.w3.org/2000/svg" id="{}" class="report-chart-svg" viewBox="0 0 {} {}" '
        'width="100%" preserveAspectRatio="xMinYMin meet" role="img" aria-labelledby="{}-title" style="{}">'
        '<title id="{}-title">{}</title>',
        chart_id,
        width,
        height,
        chart_id,
        FONT,
        chart_id,
        title,
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 - every part is escaped by format_html


def _legend(series: Sequence[Series], x: float, y: float) -> list[str]:
    parts = []
    for s in series:
        parts.append(
            _tag(
                '<rect x="{}" y="{}" width="10" height="10" fill="{}"/><text x="{}" y="{}">{}</text>',
                x,
                y,
                s.colour,
                x + 14,
                y + 9,
                s.name,
            )
        )
        x += 24 + 7 * len(s.name)
    return parts


def column_chart(
    *, chart_id: str, title: str, categories: Sequence[str], series: Sequence[Series], stacked: bool = False
) -> SafeString:
    """Columns per category (left to right), one per series side by side, or stacked."""
    width, height = 720, 260
    left, right, top, bottom = 56, 8, 28, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(categories), 1)
    if stacked:
        peak = max((sum(s.values[i] for s in series) for i in range(len(categories))), default=0)
    else:
        peak = max((v for s in series for v in s.values), default=0)
    top_value = axis_top(float(peak))
    body = _axis(left, top, plot_w, plot_h, top_value)
    group = plot_w / n
    bar = group * 0.8 / (1 if stacked else max(len(series), 1))
    label_every = max(1, math.ceil(n / 14))
    for i, category in enumerate(categories):
        x0 = left + i * group + group * 0.1
        base = 0.0
        for j, s in enumerate(series):
            value = float(s.values[i])
            h = plot_h * value / top_value
            x = x0 if stacked else x0 + j * bar
            y = top + plot_h - h - (plot_h * base / top_value if stacked else 0)
            body.append(
                _tag(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {} {}</title></rect>',
                    x,
                    y,
                    max(bar - 1, 1),
                    h,
                    s.colour,
                    category,
                    s.name,
                    fmt(value),
                )
            )
            if stacked:
                base += value
        if i % label_every == 0:
            body.append(
                _tag(
                    '<text x="{}" y="{}" text-anchor="middle" fill="#555">{}</text>',
                    left + i * group + group / 2,
                    top + plot_h + 16,
                    category,
                )
            )
    if peak == 0:
        body.append(_no_data(left + plot_w / 2, top + plot_h / 2))
    body += _legend(series, left, 8)
    return _svg(chart_id, title, width, height, body)


def bar_chart(
    *, chart_id: str, title: str, labels: Sequence[str], series: Sequence[Series], stacked: bool = False
) -> SafeString:
    """Horizontal bars, one row per label (top to bottom), grouped or stacked by series."""
    left, right, top = 170, 56, 28
    per_series = 1 if stacked else max(len(series), 1)
    row_h = 10 * per_series + 10
    width = 720
    plot_w = width - left - right
    height = top + max(len(labels), 1) * row_h + 24
    if stacked:
        peak = max((sum(s.values[i] for s in series) for i in range(len(labels))), default=0)
    else:
        peak = max((v for s in series for v in s.values), default=0)
    top_value = axis_top(float(peak))
    body: list[str] = []
    for tick in range(5):
        x = left + plot_w * tick / 4
        body.append(
            _tag(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#ddd"/>'
                '<text x="{}" y="{}" text-anchor="middle" fill="#555">{}</text>',
                x,
                top,
                x,
                height - 20,
                x,
                height - 6,
                fmt(top_value * tick / 4),
            )
        )
    for i, label in enumerate(labels):
        y0 = top + i * row_h + 5
        body.append(
            _tag(
                '<text x="{}" y="{}" text-anchor="end" fill="#333">{}</text>',
                left - 6,
                y0 + (row_h - 10) / 2 + 4,
                label if len(label) <= 28 else label[:27] + "…",
            )
        )
        base = 0.0
        for j, s in enumerate(series):
            value = float(s.values[i])
            w = plot_w * value / top_value
            x = left + (plot_w * base / top_value if stacked else 0)
            y = y0 if stacked else y0 + j * 10
            body.append(
                _tag(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {} {}</title></rect>',
                    x,
                    y,
                    w,
                    9 if not stacked else row_h - 10,
                    s.colour,
                    label,
                    s.name,
                    fmt(value),
                )
            )
            if stacked:
                base += value
    if peak == 0:
        body.append(_no_data(left + plot_w / 2, top + (height - top) / 2))
    body += _legend(series, left, 8)
    return _svg(chart_id, title, width, height, body)


def _axis(left: float, top: float, plot_w: float, plot_h: float, top_value: float) -> list[str]:
    parts = []
    for tick in range(5):
        y = top + plot_h - plot_h * tick / 4
        parts.append(
            _tag(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#ddd"/>'
                '<text x="{}" y="{}" text-anchor="end" fill="#555">{}</text>',
                left,
                y,
                left + plot_w,
                y,
                left - 6,
                y + 4,
                fmt(top_value * tick / 4),
            )
        )
    return parts


def _no_data(x: float, y: float) -> str:
    return _tag('<text x="{}" y="{}" text-anchor="middle" fill="#777">{}</text>', x, y, _("No data"))
