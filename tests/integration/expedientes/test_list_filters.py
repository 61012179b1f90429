"""Expediente lists (and a history) as a query shapes them: id and date filters, orderings, search, per-row counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from expedientes.models import Expediente
from expedientes.selectors import search_expedientes
from tests.support.api import error_fields
from tests.support.expedientes import URL, detail_url

pytestmark = pytest.mark.django_db


# --- list filters: ids are integers --------------------------------------------------------------
@pytest.mark.parametrize("query", ["owner=1.5", "owner=1e3", "assigned_to=2.0001", "owner=abc"])
def test_non_integer_id_filters_are_422(clerk_client, query):
    assert error_fields(clerk_client.get(f"{URL}?{query}")) == {query.split("=")[0]}


def test_id_filters_beyond_the_column_range_are_an_empty_page(citizen_client, clerk_client):
    for client in (citizen_client, clerk_client):
        response = client.get(f"{URL}?owner=9223372036854775808&assigned_to=99999999999999999999")
        assert response.status_code == 200, response.content
        assert response.json()["data"] == []


# --- list query shape: documentos_count per page row, no aggregate over the whole table -----------
def test_list_counts_documentos_per_row_without_grouping_the_table(make_expediente, citizen, clerk_client):
    from expedientes import services

    with_two = make_expediente(citizen, numero="TWO")
    make_expediente(citizen, numero="NONE")
    with_one = make_expediente(citizen, numero="ONE")
    for expediente, count in ((with_two, 2), (with_one, 1)):
        for n in range(count):
            services.add_documento(expediente_id=expediente.pk, actor=citizen, nombre=f"d{n}", tipo="otro")

    for query in ("", "?cursor=", "?ordering=numero"):
        with CaptureQueriesContext(connection) as queries:
            response = clerk_client.get(f"{URL}{query}")
        assert response.status_code == 200, response.content
        counts = {item["numero"]: item["documentos_count"] for item in response.json()["data"]}
        assert counts == {"TWO": 2, "NONE": 0, "ONE": 1}
        listing = [q["sql"] for q in queries.captured_queries if "expedientes_expediente" in q["sql"]]
        # A GROUP BY over the joined table aggregates every row before the page is cut: O(table).
        assert listing
        assert not any("GROUP BY" in sql for sql in listing), listing


# --- history: oldest first by default, created_at ordering accepted in both modes ----------------
def test_history_accepts_created_at_ordering_in_page_and_cursor_mode(make_expediente, citizen, citizen_client):
    expediente = make_expediente(citizen, estado="aprobado")
    url = f"{detail_url(expediente.pk)}/history"

    oldest_first = [item["action"] for item in citizen_client.get(url).json()["data"]]
    assert oldest_first == ["create", "transition", "transition"]
    for query in ("?ordering=-created_at", "?cursor=&ordering=-created_at"):
        response = citizen_client.get(url + query)
        assert response.status_code == 200, response.content
        ids = [item["id"] for item in response.json()["data"]]
        assert ids == sorted(ids, reverse=True)
    response = citizen_client.get(f"{url}?ordering=action")
    assert response.status_code == 422


def test_only_search_reads_the_search_document(make_expediente, citizen, clerk_client):
    """The stored search document repeats numero, solicitante and concepto: reads never fetch it,
    and a search only compares it in SQL."""
    expediente = make_expediente(citizen, numero="DOC-1", solicitante="Begoña Núñez")
    for path in (URL, f"{URL}?cursor=", f"{URL}/{expediente.pk}", f"{URL}?search=begona"):
        with CaptureQueriesContext(connection) as queries:
            response = clerk_client.get(path)
        assert response.status_code == 200, response.content
        selects = [q["sql"].split(" FROM ")[0] for q in queries.captured_queries]
        assert not any("search_document" in select for select in selects), selects
    clerk_client.post(f"{URL}/{expediente.pk}/transitions", {"to": "en_revision"}, format="json")
    expediente.refresh_from_db()
    assert expediente.estado == "en_revision"
    assert Expediente.objects.filter(search_document__contains="BEGONA NUNEZ").get() == expediente


@pytest.mark.parametrize("param", ["created_after", "created_before"])
@pytest.mark.parametrize("value", ["2000-01-01T00:00:09+21:11", "2000-01-01T00:00:00-23:59"])
def test_offsets_postgresql_cannot_store_are_compared_in_utc(citizen_client, param, value):
    citizen_client.post("/api/v1/expedientes", {"numero": "EXP-1", "solicitante": "Ana"}, format="json")
    response = citizen_client.get("/api/v1/expedientes", {param: value})
    assert response.status_code == 200, response.content
    assert len(response.json()["data"]) == (1 if param == "created_after" else 0)


def test_offset_that_leaves_the_calendar_is_422(citizen_client):
    response = citizen_client.get("/api/v1/expedientes", {"created_after": "0001-01-01T00:00:00+01:00"})
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == "created_after"


def test_a_numero_prefix_over_no_rows_is_no_rows():
    """Choosing how to find a prefix's page reads the newest rows (core.search): a queryset of none
    has none to read."""
    assert list(search_expedientes(Expediente.objects.none(), "EXP-2024-001")) == []


def test_only_the_first_numero_prefix_of_a_search_reads_the_database():
    """Choosing between sorting and walking reads the newest rows once per search, not per term: a
    query string of many short-word terms costs one probe."""
    with CaptureQueriesContext(connection) as probe:
        queryset = search_expedientes(Expediente.objects.all(), " ".join(f"a-{n}" for n in range(50)))
    assert len(probe) == 3  # the newest rows, then two planner estimates
    assert list(queryset) == []
