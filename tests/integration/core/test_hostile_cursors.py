"""No cursor, signed or not, makes a list answer 500: a generated table against every list.

The signed cursors are made with the server's own key (as someone holding it could), holding
every kind of value the encoder never writes: nulls, wrong types, numbers past any column, text
PostgreSQL cannot store, and timestamps in unusual UTC offsets (``+05:45``, ``-00:00``) down to
the edges of the calendar. Each is tried on every ordering each list accepts in cursor mode;
the answer is a page (a valid position) or a ``422`` on ``cursor``, never anything else.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import signing
from django.urls import resolve

from core import pagination
from tests.support.openapi import spec

pytestmark = pytest.mark.django_db

GENERIC = [
    None,
    "",
    " ",
    0,
    -1,
    1.5,
    True,
    [],
    {},
    ["1"],
    "abc",
    "\x00",
    "a\x00b",
    "\ud800",
    "\u202e",
    "9" * 40,
    "-" + "9" * 40,
    str(2**63),
    str(-(2**63) - 1),
    "1e400",
    "-1e400",
    "NaN",
    "Infinity",
    "-Infinity",
    "0x10",
    "1_000",
    "١٢",
    "a" * 100_000,
]
TIMESTAMPS = [
    "2026-01-01T00:00:00+05:45",
    "2026-01-01T00:00:00-00:00",
    "2026-01-01T00:00:00+00:00",
    "2026-01-01T00:00:00-23:59",
    "2026-01-01T00:00:00+23:59",
    "2026-01-01T00:00:00+24:00",
    "2026-01-01T00:00:00+99:99",
    "2026-01-01T00:00:00+05:45:30",
    "2026-01-01T00:00:00+0545",
    "0001-01-01T00:00:00+05:45",
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999-05:45",
    "9999-12-31T23:59:59.999999-14:00",
    "9999-12-31T23:59:59.999999Z",
    "2026-01-01T00:00:00",
    "2026-01-01",
    "2026-02-30T00:00:00Z",
    "2026-01-01T25:00:00Z",
    "2026-01-01T00:00:00.123456789Z",
    "+002026-01-01T00:00:00Z",
    "10000-01-01T00:00:00Z",
]
UNSIGNED = [
    "x",
    ":",
    "a:b:c",
    "." * 10,
    "%00",
    "\u202e",
    "A" * 10_000,
    ".eJwLycgsVgCi4vzcVIWSjNRchfyikoLEvEQAAAD__w:1vAbCd:" + "A" * 43,
    "eyJvIjpbXSwidiI6W119:1vAbCd:" + "A" * 43,
]


def payloads(ordering: list[str], generic: list[Any], timestamps: list[str]) -> list[Any]:
    """Hostile payloads for a list whose cursor-mode ordering is ``ordering``."""
    valid = ["2026-01-01T00:00:00+00:00" if "_at" in term or "date" in term else "1" for term in ordering]
    shapes: list[Any] = [
        None,
        [],
        "x",
        1,
        {"o": ordering},
        {"v": valid},
        {"o": ordering, "v": None},
        {"o": ordering, "v": "ab"[: len(ordering)] + "c" * (len(ordering) - 2)},
        {"o": ordering, "v": len(ordering)},
        {"o": ordering, "v": dict.fromkeys(map(str, range(len(ordering))), "1")},
        {"o": ordering, "v": [None] * len(ordering)},
        {"o": ordering, "v": valid[:-1]},
        {"o": ordering, "v": [*valid, "1"]},
        {"o": ordering, "v": valid, "x": 1},
    ]
    for position, term in enumerate(ordering):
        values = generic + (timestamps if "_at" in term or "date" in term else [])
        for value in values:
            shapes.append({"o": ordering, "v": [*valid[:position], value, *valid[position + 1 :]]})
    return shapes


def list_paths() -> list[str]:
    """Every GET operation of the schema that takes a cursor, path parameters left as templates."""
    return sorted(
        path
        for path, operations in spec()["paths"].items()
        if any(parameter["name"] == "cursor" for parameter in operations.get("get", {}).get("parameters", []))
    )


# A few of the table, tried on every list and ordering; the whole table goes to the first list of
# each kind of ordering (the same column types in the same directions decode the same way).
SMOKE = [
    None,
    "",
    "\x00",
    "\ud800",
    str(2**63),
    "-" + "9" * 40,
    "NaN",
    "2026-01-01T00:00:00-23:59",
    "0001-01-01T00:00:00+05:45",
    "2026-01-01",
]


# The table is tried in this many parts, one test each, so the suite's workers share it.
SHARDS = 4


@pytest.mark.parametrize("shard", range(SHARDS))
def test_no_cursor_makes_any_list_answer_500(admin_client_api, admin, monkeypatch, shard):
    from core.filters import ordering_of
    from expedientes.models import Expediente

    expediente = Expediente.objects.create(numero="EXP-CURSOR-1", solicitante="Ana", owner=admin)
    seen: dict[tuple[str, str], tuple[list[str], tuple[Any, ...]]] = {}
    paginate = pagination.Pagination._paginate_cursor

    def spy(self: Any, queryset: Any, request: Any, view: Any) -> Any:
        ordering = ordering_of(queryset)
        kind = tuple(
            (term.startswith("-"), field.get_internal_type(), field.null)
            for term in ordering
            for field in [queryset.model._meta.get_field(term.lstrip("-"))]
        )
        seen[(request.path, request.query_params.get("ordering", ""))] = (ordering, kind)
        return paginate(self, queryset, request, view)

    monkeypatch.setattr(pagination.Pagination, "_paginate_cursor", spy)
    paths = [re.sub(r"\{[^}]+\}", str(expediente.pk), template).rstrip("/") for template in list_paths()]
    assert len(paths) >= 12
    for path in paths:
        view = resolve(path).func.cls  # type: ignore[attr-defined]
        extra = [field for field in (getattr(view, "ordering_fields", None) or []) if field != "created_at"]
        for ordering in ["", "created_at", "-created_at", *(f"created_at,-{field}" for field in extra)]:
            response = admin_client_api.get(path, {"cursor": "x", "ordering": ordering})
            assert response.status_code == 422, (path, ordering, response.status_code)

    # Thousands of answers: the statuses are the point here, not the schema or the token (a JWT
    # checked and a user loaded per request were a fifth of this test's time).
    admin_client_api.check_schema = False
    admin_client_api.credentials()
    admin_client_api.force_authenticate(admin)
    failures = []
    tried = 0
    kinds_done: set[tuple[Any, ...]] = set()
    table: list[tuple[str, str, Any]] = []
    for (path, ordering_param), (ordering, kind) in seen.items():
        full = kind not in kinds_done
        kinds_done.add(kind)
        candidates = payloads(ordering, GENERIC if full else SMOKE, TIMESTAMPS if full else [])
        signed = [signing.dumps(payload, salt=pagination._CURSOR_SALT, compress=True) for payload in candidates]
        table += [(path, ordering_param, cursor) for cursor in signed + (UNSIGNED if full else [])]
    for path, ordering_param, cursor in table[shard::SHARDS]:
        tried += 1
        response = admin_client_api.get(path, {"cursor": cursor, "ordering": ordering_param, "per_page": 5})
        ok = response.status_code == 200 or (
            response.status_code == 422 and response.json()["errors"][0]["field"] == "cursor"
        )
        if not ok:
            failures.append((path, ordering_param, cursor[:80], response.status_code))
    assert len(seen) >= 24, seen
    assert len(kinds_done) >= 4, kinds_done
    assert tried >= len(table) // SHARDS > 100
    print(f"{tried} of {len(table)} cursors over {len(seen)} list orderings of {len(kinds_done)} kinds")
    assert failures == [], f"{len(failures)} of {tried} cursors: {failures[:5]}"


@pytest.mark.parametrize("ordering", ["--created_at", "---created_at,id", "created_at,--id", "- created_at", "-"])
def test_an_ordering_term_is_one_field_with_at_most_one_dash(admin_client_api, admin, ordering):
    """``--created_at`` once passed the check (dashes stripped) and reached the database: a 500."""
    from expedientes.models import Expediente

    expediente = Expediente.objects.create(numero="EXP-ORDER-1", solicitante="Ana", owner=admin)
    admin_client_api.check_schema = False
    for template in list_paths():
        path = re.sub(r"\{[^}]+\}", str(expediente.pk), template).rstrip("/")
        response = admin_client_api.get(path, {"ordering": ordering})
        assert response.status_code == 422, (path, response.status_code)
        assert response.json()["errors"][0]["field"] == "ordering"
