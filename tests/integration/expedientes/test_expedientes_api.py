"""Expedientes over HTTP: create, validate, read, update, delete, list, ETags."""

from __future__ import annotations

import pytest

from events.models import AuditEvent, Event
from expedientes.models import Estado, Expediente
from tests.support.expedientes import URL, detail_url

pytestmark = pytest.mark.django_db


def problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code
    return body


def create(client, **fields):
    payload = {"numero": "EXP-2024-001", "solicitante": "Juan Pérez", "concepto": "Solicitud de licencia"}
    payload.update(fields)
    return client.post(URL, payload, format="json")


# --- create -------------------------------------------------------------------------------------
def test_create_writes_the_row_owned_by_the_caller(citizen, citizen_client):
    response = create(citizen_client)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["numero"] == "EXP-2024-001"
    assert body["estado"] == "iniciado"
    assert body["owner"] == citizen.pk
    assert body["assigned_to"] is None
    assert body["documentos_count"] == 0
    assert body["allowed_transitions"] == ["en_revision"]
    assert body["version"] == 1
    assert response["ETag"] == 'W/"1"'

    row = Expediente.objects.get(pk=body["id"])
    assert row.estado == Estado.INICIADO
    assert row.owner_id == citizen.pk
    assert row.solicitante == "Juan Pérez"
    assert row.concepto == "Solicitud de licencia"

    audit = AuditEvent.objects.get(entity_type="expediente", entity_id=str(row.pk))
    assert audit.action == "create"
    assert audit.actor_id == citizen.pk
    event = Event.objects.get(type="expediente.created")
    assert event.data["id"] == row.pk
    assert event.data["numero"] == "EXP-2024-001"


def test_unicode_round_trips_exactly(citizen_client):
    name = "  Núñez-Ñandú Łukasz 山田 Ærø ß  "
    response = create(citizen_client, solicitante=name, concepto="Ça va? ✓ \U0001f600")
    assert response.status_code == 201, response.content
    fetched = citizen_client.get(detail_url(response.json()["id"])).json()
    assert fetched["solicitante"] == name
    assert fetched["concepto"] == "Ça va? ✓ \U0001f600"


def test_concepto_is_optional_and_defaults_to_empty(citizen_client):
    response = citizen_client.post(URL, {"numero": "A/1_2.3-b", "solicitante": "X"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["concepto"] == ""


def test_read_only_fields_in_the_body_are_ignored(citizen, other_citizen, citizen_client):
    response = create(citizen_client, owner=other_citizen.pk, estado="aprobado", id=999, version=7)
    assert response.status_code == 201
    body = response.json()
    assert (body["owner"], body["estado"], body["version"]) == (citizen.pk, "iniciado", 1)
    assert body["id"] != 999


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"numero": None, "solicitante": "Ana"}, {"numero"}),
        ({"numero": "EXP-1"}, {"solicitante"}),
        ({"solicitante": "Ana"}, {"numero"}),
        ({"numero": "", "solicitante": ""}, {"numero", "solicitante"}),
        ({"numero": "EXP-1", "solicitante": "   "}, {"solicitante"}),
        ({"numero": "EXP-1", "solicitante": None}, {"solicitante"}),
        ({}, {"numero", "solicitante"}),
        ({"numero": "EXP 1", "solicitante": "Ana"}, {"numero"}),
        ({"numero": "EXP#1", "solicitante": "Ana"}, {"numero"}),
        ({"numero": "É-1", "solicitante": "Ana"}, {"numero"}),
        ({"numero": "X" * 51, "solicitante": "Ana"}, {"numero"}),
        ({"numero": "EXP-1", "solicitante": "A" * 201}, {"solicitante"}),
        ({"numero": "EXP-1", "solicitante": "Ana", "concepto": "c" * 2001}, {"concepto"}),
        ({"numero": "EXP-1", "solicitante": "Ana", "concepto": None}, {"concepto"}),
        ({"numero": 12, "solicitante": ["Ana"]}, {"numero", "solicitante"}),
    ],
    ids=[
        "numero-null",
        "solicitante-missing",
        "numero-missing",
        "both-blank",
        "solicitante-whitespace",
        "solicitante-null",
        "empty-body",
        "numero-space",
        "numero-hash",
        "numero-accent",
        "numero-51",
        "solicitante-201",
        "concepto-2001",
        "concepto-null",
        "wrong-types",
    ],
)
def test_invalid_create_is_422_naming_the_fields_and_writes_nothing(citizen_client, payload, fields):
    body = problem(citizen_client.post(URL, payload, format="json"), 422, "validation_error")
    assert {error["field"] for error in body["errors"]} == fields
    assert Expediente.objects.count() == 0
    assert AuditEvent.objects.count() == 0
    assert Event.objects.count() == 0


def test_limits_are_inclusive(citizen_client):
    response = create(citizen_client, numero="N" * 50, solicitante="S" * 200, concepto="C" * 2000)
    assert response.status_code == 201, response.content


def test_duplicate_numero_is_409_conflict(citizen_client, clerk_client):
    assert create(citizen_client).status_code == 201
    body = problem(create(clerk_client), 409, "conflict")
    assert body["errors"][0]["field"] == "numero"
    assert Expediente.objects.count() == 1
    assert AuditEvent.objects.filter(entity_type="expediente").count() == 1


def test_anonymous_is_401(api_client):
    problem(api_client.get(URL), 401, "not_authenticated")
    problem(api_client.post(URL, {"numero": "A", "solicitante": "B"}, format="json"), 401, "not_authenticated")


def test_trailing_slash_is_optional(citizen_client):
    assert citizen_client.post(URL + "/", {"numero": "A1", "solicitante": "B"}, format="json").status_code == 201
    assert citizen_client.get(URL + "/").status_code == 200
    assert citizen_client.get(URL).status_code == 200


# --- detail and scoping ------------------------------------------------------------------------
def test_citizen_cannot_see_another_citizens_expediente(make_expediente, other_citizen, citizen_client):
    expediente = make_expediente(other_citizen)
    body = problem(citizen_client.get(detail_url(expediente.pk)), 404, "not_found")
    assert body["detail"] == "Expediente not found"
    problem(citizen_client.patch(detail_url(expediente.pk), {"concepto": "x"}, format="json"), 404, "not_found")
    problem(citizen_client.delete(detail_url(expediente.pk)), 404, "not_found")
    problem(citizen_client.get(detail_url(expediente.pk) + "/history"), 404, "not_found")
    problem(
        citizen_client.post(detail_url(expediente.pk) + "/transitions", {"to": "en_revision"}, format="json"),
        404,
        "not_found",
    )


def test_unknown_and_huge_ids_are_404(clerk_client):
    assert problem(clerk_client.get(detail_url(424242)), 404, "not_found")["detail"] == "Expediente not found"
    problem(clerk_client.get(f"{URL}/99999999999999999999999"), 404, "not_found")


def test_staff_see_everyones_expedientes(make_expediente, citizen, clerk_client):
    expediente = make_expediente(citizen)
    response = clerk_client.get(detail_url(expediente.pk))
    assert response.status_code == 200
    assert response["ETag"] == f'W/"{expediente.version}"'
    assert response.json()["allowed_transitions"] == ["en_revision"]


# --- update -------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["put", "patch"])
def test_put_and_patch_are_partial_updates(make_expediente, citizen, citizen_client, method):
    expediente = make_expediente(citizen, concepto="antes")
    response = getattr(citizen_client, method)(
        detail_url(expediente.pk), {"solicitante": "María José", "numero": "IGNORED-1"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["solicitante"] == "María José"
    assert body["concepto"] == "antes"
    assert body["numero"] == expediente.numero
    assert body["version"] == expediente.version + 1
    assert response["ETag"] == f'W/"{expediente.version + 1}"'
    audit = AuditEvent.objects.filter(entity_id=str(expediente.pk), action="update").get()
    assert audit.changes == {"solicitante": ["Juan Pérez", "María José"]}
    assert Event.objects.filter(type="expediente.updated").count() == 1


def test_update_without_changes_writes_nothing(make_expediente, citizen, citizen_client):
    expediente = make_expediente(citizen)
    response = citizen_client.patch(detail_url(expediente.pk), {"solicitante": "Juan Pérez"}, format="json")
    assert response.status_code == 200
    assert response.json()["version"] == expediente.version
    assert not AuditEvent.objects.filter(action="update").exists()


def test_update_validation_is_422(make_expediente, citizen, citizen_client):
    expediente = make_expediente(citizen)
    for payload, field in (({"solicitante": ""}, "solicitante"), ({"solicitante": None}, "solicitante")):
        body = problem(citizen_client.patch(detail_url(expediente.pk), payload, format="json"), 422, "validation_error")
        assert body["errors"][0]["field"] == field
    expediente.refresh_from_db()
    assert expediente.solicitante == "Juan Pérez"


def test_assigned_to_is_staff_only(make_expediente, citizen, clerk, citizen_client, clerk_client):
    expediente = make_expediente(citizen)
    problem(
        citizen_client.patch(detail_url(expediente.pk), {"assigned_to": clerk.pk}, format="json"),
        403,
        "permission_denied",
    )
    # Echoing the current value back is harmless.
    assert citizen_client.patch(detail_url(expediente.pk), {"assigned_to": None}, format="json").status_code == 200

    response = clerk_client.patch(detail_url(expediente.pk), {"assigned_to": clerk.pk}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["assigned_to"] == clerk.pk
    body = problem(
        clerk_client.patch(detail_url(expediente.pk), {"assigned_to": citizen.pk}, format="json"),
        422,
        "validation_error",
    )
    assert body["errors"][0]["field"] == "assigned_to"
    problem(
        clerk_client.patch(detail_url(expediente.pk), {"assigned_to": 987654}, format="json"), 422, "validation_error"
    )
    assert (
        clerk_client.patch(detail_url(expediente.pk), {"assigned_to": None}, format="json").json()["assigned_to"]
        is None
    )


def test_stale_if_match_is_412_and_current_one_applies(make_expediente, citizen, citizen_client):
    expediente = make_expediente(citizen)
    current = citizen_client.get(detail_url(expediente.pk))["ETag"]

    ok = citizen_client.patch(detail_url(expediente.pk), {"concepto": "uno"}, format="json", HTTP_IF_MATCH=current)
    assert ok.status_code == 200
    problem(
        citizen_client.patch(detail_url(expediente.pk), {"concepto": "dos"}, format="json", HTTP_IF_MATCH=current),
        412,
        "precondition_failed",
    )
    problem(
        citizen_client.post(
            detail_url(expediente.pk) + "/transitions", {"to": "en_revision"}, format="json", HTTP_IF_MATCH=current
        ),
        412,
        "precondition_failed",
    )
    expediente.refresh_from_db()
    assert expediente.concepto == "uno"
    assert expediente.estado == "iniciado"


# --- delete -------------------------------------------------------------------------------------
def test_delete_while_iniciado(make_expediente, citizen, citizen_client):
    expediente = make_expediente(citizen)
    assert citizen_client.delete(detail_url(expediente.pk)).status_code == 204
    assert not Expediente.objects.filter(pk=expediente.pk).exists()
    problem(citizen_client.get(detail_url(expediente.pk)), 404, "not_found")
    assert AuditEvent.objects.filter(entity_id=str(expediente.pk), action="delete").count() == 1
    assert Event.objects.get(type="expediente.deleted").data["id"] == expediente.pk


def test_delete_with_documentos_is_409_has_dependents(make_expediente, citizen, citizen_client):
    expediente = make_expediente(citizen)
    added = citizen_client.post(
        detail_url(expediente.pk) + "/documentos", {"nombre": "solicitud.pdf", "tipo": "solicitud"}, format="json"
    )
    assert added.status_code == 201
    problem(citizen_client.delete(detail_url(expediente.pk)), 409, "has_dependents")
    assert Expediente.objects.filter(pk=expediente.pk).exists()


def test_delete_past_iniciado_is_409_invalid_transition(make_expediente, citizen, clerk_client):
    expediente = make_expediente(citizen, estado=Estado.EN_REVISION)
    problem(clerk_client.delete(detail_url(expediente.pk)), 409, "invalid_transition")
    assert Expediente.objects.filter(pk=expediente.pk).exists()
