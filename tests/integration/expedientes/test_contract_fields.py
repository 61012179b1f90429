"""Contract audit (docs/api-guide.md#expedientes, docs/api-guide.md#limits): field charsets, exact round-trips, strict JSON types, list query shape."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events.models import AuditEvent
from expedientes.models import Documento, Expediente
from tests.integration.expedientes.conftest import URL, detail_url

pytestmark = pytest.mark.django_db


def create(client, **fields):
    payload = {"numero": "EXP-2024-001", "solicitante": "Juan Pérez"}
    payload.update(fields)
    return client.post(URL, payload, format="json")


def error_fields(response, status=422):
    assert response.status_code == status, response.content
    return {error["field"] for error in response.json()["errors"]}


# --- numero: exactly A-Z a-z 0-9 - / _ . (nothing trimmed, nothing before or after) ---------------
@pytest.mark.parametrize(
    "numero",
    [" EXP-1", "EXP-1 ", "EXP-1\n", "\tEXP-1", "EXP-1\r\n"],
    ids=["leading-space", "trailing-space", "trailing-newline", "leading-tab", "trailing-crlf"],
)
def test_numero_outside_the_charset_is_422_even_at_the_edges(citizen_client, numero):
    assert error_fields(create(citizen_client, numero=numero)) == {"numero"}
    assert Expediente.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_numero_of_every_allowed_character_round_trips(citizen_client):
    numero = "Az09-/_.xY"
    response = create(citizen_client, numero=numero)
    assert response.status_code == 201, response.content
    assert response.json()["numero"] == numero


# --- strict JSON types: a number is not a string --------------------------------------------------
@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"numero": 12}, {"numero"}),
        ({"numero": 1.5}, {"numero"}),
        ({"numero": True}, {"numero"}),
        ({"solicitante": 7}, {"solicitante"}),
        ({"concepto": 3}, {"concepto"}),
        ({"concepto": {"a": 1}}, {"concepto"}),
    ],
    ids=["numero-int", "numero-float", "numero-bool", "solicitante-int", "concepto-int", "concepto-object"],
)
def test_non_string_values_for_string_fields_are_422(citizen_client, fields, expected):
    assert error_fields(create(citizen_client, **fields)) == expected
    assert Expediente.objects.count() == 0


def test_non_string_update_values_are_422(make_expediente, citizen, citizen_client):
    expediente = make_expediente(citizen)
    response = citizen_client.patch(detail_url(expediente.pk), {"solicitante": 5, "concepto": 6}, format="json")
    assert error_fields(response) == {"solicitante", "concepto"}
    expediente.refresh_from_db()
    assert expediente.version == 1


def test_transition_comment_must_be_a_string(make_expediente, citizen, citizen_client):
    expediente = make_expediente(citizen)
    response = citizen_client.post(
        f"{detail_url(expediente.pk)}/transitions", {"to": "en_revision", "comment": 5}, format="json"
    )
    assert error_fields(response) == {"comment"}
    expediente.refresh_from_db()
    assert expediente.estado == "iniciado"


def test_documento_metadata_nombre_must_be_a_string(make_expediente, citizen, citizen_client):
    expediente = make_expediente(citizen)
    response = citizen_client.post(
        f"{detail_url(expediente.pk)}/documentos", {"nombre": 5, "tipo": "otro"}, format="json"
    )
    assert error_fields(response) == {"nombre"}
    assert Documento.objects.count() == 0


# --- concepto: text round-trips exactly (surrounding whitespace and newlines kept) ----------------
def test_concepto_round_trips_exactly_on_create_and_update(make_expediente, citizen, citizen_client):
    text = "  Primera línea\n\nsegunda línea ✓\n"
    response = create(citizen_client, concepto=text)
    assert response.status_code == 201, response.content
    assert response.json()["concepto"] == text
    pk = response.json()["id"]
    assert citizen_client.get(detail_url(pk)).json()["concepto"] == text

    updated = "\tOtra\r\ncosa  "
    response = citizen_client.patch(detail_url(pk), {"concepto": updated}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["concepto"] == updated
    assert Expediente.objects.get(pk=pk).concepto == updated


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
