"""Expediente fields as the API takes them: numero charset, exact round-trips, strict JSON types."""

from __future__ import annotations

import pytest

from events.models import AuditEvent
from expedientes.models import Documento, Expediente
from tests.support.api import error_fields
from tests.support.expedientes import URL, detail_url

pytestmark = pytest.mark.django_db


def create(client, **fields):
    payload = {"numero": "EXP-2024-001", "solicitante": "Juan Pérez"}
    payload.update(fields)
    return client.post(URL, payload, format="json")


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
