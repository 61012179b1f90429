"""A page in page mode carries its list's exact total: one statement reads the rows and what the total
comes from (the counters, or the versions a cached search total is kept under).

These tests commit (``transaction=True``): a search total is cached only for readers whose transaction
has written nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import tallies, versions
from expedientes import services
from expedientes.models import Expediente

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/expedientes"


@pytest.fixture
def expedientes(citizen: Any) -> list[Expediente]:
    return [
        services.create_expediente(actor=citizen, numero=f"TOT-{n:03d}", solicitante=name, concepto="Licencia")
        for n, name in enumerate(["Ana García", "Luis Garcia", "Eva López", "José GARCÍA", "Rosa Martín"])
    ]


def listed(client: Any, **params: Any) -> tuple[dict[str, Any], list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return response.json(), [query["sql"] for query in captured]


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize("per_page", [2, 100])
def test_a_page_reads_its_rows_and_the_counters_in_one_statement(expedientes, clerk_client, per_page):
    body, sql = listed(clerk_client, per_page=per_page)

    assert body["total"] == Expediente.objects.count() == 5
    assert len(body["data"]) == min(per_page, 5)
    assert body["has_next"] is (per_page < 5)
    # The authenticated user, then the page: the counters ride in it as a subquery run once.
    assert len(sql) == 2
    assert tallies.TABLE in sql[1]
    assert "InitPlan" in explain(sql[1])
    assert "_page_total" not in body["data"][0]


def test_a_search_page_reads_the_versions_and_takes_the_cached_total(expedientes, clerk_client):
    first, first_sql = listed(clerk_client, search="garcia", per_page=2)
    again, again_sql = listed(clerk_client, search="garcia", per_page=2)

    assert first["total"] == again["total"] == 3
    assert [row["numero"] for row in first["data"]] == [row["numero"] for row in again["data"]]
    # The first request counts once (and caches); the second reads the page and the versions only.
    assert len(first_sql) == 3
    assert "COUNT(*)" in first_sql[2]
    assert len(again_sql) == 2
    assert versions.TABLE in again_sql[1]
    assert "COUNT(" not in again_sql[1]


def test_a_search_total_follows_a_write_made_between_two_pages(expedientes, citizen, clerk_client):
    assert listed(clerk_client, search="garcia", per_page=2)[0]["total"] == 3
    services.create_expediente(actor=citizen, numero="TOT-900", solicitante="Pilar Garcia", concepto="Tasa")

    body, sql = listed(clerk_client, search="garcia", per_page=2)

    assert (body["total"], len(body["data"]), body["has_next"]) == (4, 2, True)
    assert len(sql) == 3  # the versions moved: counted again


@pytest.mark.parametrize(
    ("params", "total", "rows"),
    [
        ({"search": "garcia"}, 3, 3),  # the whole list on its first page
        ({"search": "garcia", "per_page": 2, "page": 2}, 3, 1),  # the last page, after a full one
        ({"per_page": 3, "page": 2}, 5, 2),  # a list the counters cover
        ({"search": "nadie"}, 0, 0),  # nothing matches
    ],
)
def test_the_last_page_tells_its_own_total_without_a_count(expedientes, clerk_client, params, total, rows):
    body, sql = listed(clerk_client, **params)

    assert (body["total"], len(body["data"]), body["has_next"]) == (total, rows, False)
    # The authenticated user, then the page: fewer rows than asked for, so none lies past them.
    assert len(sql) == 2
    assert "COUNT(" not in sql[1]


@pytest.mark.parametrize("search", [None, "garcia"])
def test_a_page_past_the_end_still_has_the_exact_total(expedientes, clerk_client, search):
    params = {"page": 9, "per_page": 2, **({"search": search} if search else {})}
    body, _ = listed(clerk_client, **params)

    assert body["data"] == []
    assert body["total"] == (3 if search else 5)
    assert body["has_next"] is False
    assert body["has_previous"] is True


@pytest.mark.parametrize("page", [11, 10**15])
def test_a_page_far_past_the_end_reads_the_total_and_never_the_rows(expedientes, clerk_client, page):
    # Offset 1,000 and beyond: the total first, and no page statement (its OFFSET would walk the list).
    body, sql = listed(clerk_client, page=page, per_page=100)

    assert body["data"] == []
    assert body["total"] == 5
    assert len(sql) == 2
    assert tallies.TABLE in sql[1]
    assert "expedientes_expediente" not in sql[1].split("FROM", 1)[1].split("WHERE", 1)[0]


def test_a_citizen_page_counts_only_their_rows(expedientes, citizen_client, make_user):
    other = make_user(role="citizen")
    services.create_expediente(actor=other, numero="TOT-OTHER", solicitante="Otro", concepto="")

    body, sql = listed(citizen_client, per_page=3)

    assert body["total"] == 5
    assert {row["numero"] for row in body["data"]} <= {e.numero for e in expedientes}
    assert len(sql) == 2
