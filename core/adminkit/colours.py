"""Status badges and button colours, as classes of the admin's colour style sheet."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import TextChoices
from django.utils.html import format_html

DEFAULT_COLOUR = "#6c757d"
_HEX_COLOUR = re.compile(r"#[0-9a-f]{6}")
# Every colour a badge or button may use, as a class of the admin's colour style sheet
# (``colours_css``, served at ``admin/colours.css``): the Content-Security-Policy allows no style
# attribute. Apps register their palettes when their admin module loads, so every server process
# serves the same sheet whichever pages it rendered.
_COLOURS: dict[str, None] = {DEFAULT_COLOUR: None}


def colour_class(colour: str | None) -> str:
    """The class that paints a background ``colour`` (``#rrggbb``), registering it."""
    colour = (colour or DEFAULT_COLOUR).lower()
    if not _HEX_COLOUR.fullmatch(colour):
        raise ValueError(f"Badge colours are #rrggbb, not {colour!r}.")
    _COLOURS.setdefault(colour)
    return f"colour-{colour[1:]}"


def register_colours(colours: Iterable[str]) -> None:
    for colour in colours:
        colour_class(colour)


def colours_css() -> str:
    """The admin's colour style sheet: the badge's shape and one class per registered colour."""
    lines = [".badge { color: #fff; padding: 2px 8px; border-radius: 10px; font-size: 11px; white-space: nowrap; }"]
    lines += [f".colour-{colour[1:]} {{ background: {colour}; }}" for colour in sorted(_COLOURS)]
    return "\n".join(lines) + "\n"


def badge(kind: str, value: str, label: Any, colour: str | None) -> str:
    """A coloured pill, classed ``<kind>-badge <kind>-<value>`` so tests and styles can find it."""
    return format_html(
        '<span class="{}-badge {}-{} badge {}">{}</span>', kind, kind, value, colour_class(colour), label
    )


def choice_badge(kind: str, choices: type[TextChoices], value: str, colours: Mapping[str, str]) -> str:
    """``value``'s badge with its label in ``choices`` (the value itself when it is not one of them)."""
    label = choices(value).label if value in choices.values else value
    return badge(kind, value, label, colours.get(value))
