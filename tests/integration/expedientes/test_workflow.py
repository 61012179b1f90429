"""The expediente workflow over HTTP: the chained happy path, every refused pair, roles, history."""

from __future__ import annotations

import itertools

import pytest

from events.models import AuditEvent, Event
from expedientes.models import Estado, Expediente
from expedientes.workflow import TRANSITIONS, Who
from tests.support.expedientes import URL, detail_url

pytestmark = pytest.mark.django_db

ESTADOS = [choice.value for choice in Estado]
DISALLOWED = [(a, b) for a, b in itertools.product(ESTADOS, ESTADOS) if (a, b) not in TRANSITIONS]
STAFF_ONLY = [pair for pair, who in TRANSITIONS.items() if who is Who.STAFF]


def test_the_chained_workflow(citizen, clerk, citizen_client, clerk_client):
    created = citizen_client.post(URL, {"numero": "CHAIN-001", "solicitante": "User"}, format="json")
    assert created.status_code == 201
    exp_id = created.json()["id"]

    doc = citizen_client.post(
        f"{detail_url(exp_id)}/documentos", {"nombre": "documento.pdf", "tipo": "solicitud"}, format="json"
    )
    assert doc.status_code == 201, doc.content

    steps = [
        (citizen_client, "put", "en_revision", []),
        (clerk_client, "put", "requiere_subsanacion", ["en_revision"]),
        (citizen_client, "transition", "en_revision", []),
        (clerk_client, "patch", "aprobado", ["archivado"]),
        (clerk_client, "transition", "archivado", []),
    ]
    version = created.json()["version"]
    for client, how, target, allowed_for_caller in steps:
        if how == "transition":
            response = client.post(f"{detail_url(exp_id)}/transitions", {"to": target, "comment": "ok"}, format="json")
        else:
            response = getattr(client, how)(detail_url(exp_id), {"estado": target}, format="json")
        assert response.status_code == 200, response.content
        body = response.json()
        version += 1
        assert body["estado"] == target
        assert body["version"] == version
        assert body["documentos_count"] == 1
        assert response["ETag"] == f'W/"{version}"'
        assert body["allowed_transitions"] == allowed_for_caller

    row = Expediente.objects.get(pk=exp_id)
    assert row.estado == "archivado"
    assert row.version == version

    history = citizen_client.get(f"{detail_url(exp_id)}/history")
    assert history.status_code == 200
    entries = history.json()["data"]
    assert [entry["action"] for entry in entries] == ["create"] + ["transition"] * 5
    assert [entry["actor"] for entry in entries] == [citizen.pk, citizen.pk, clerk.pk, citizen.pk, clerk.pk, clerk.pk]
    assert [entry["changes"]["estado"] for entry in entries[1:]] == [
        ["iniciado", "en_revision"],
        ["en_revision", "requiere_subsanacion"],
        ["requiere_subsanacion", "en_revision"],
        ["en_revision", "aprobado"],
        ["aprobado", "archivado"],
    ]
    assert all(entry["entity_id"] == exp_id and entry["entity_type"] == "expediente" for entry in entries)

    events = list(Event.objects.filter(type="expediente.status_changed").order_by("id"))
    assert [(e.data["from"], e.data["to"]) for e in events] == [tuple(c["changes"]["estado"]) for c in entries[1:]]
    assert all(e.data["id"] == exp_id for e in events)


@pytest.mark.parametrize(("source", "target"), DISALLOWED, ids=[f"{a}->{b}" for a, b in DISALLOWED])
def test_every_pair_outside_the_table_is_409_invalid_transition(make_expediente, citizen, clerk_client, source, target):
    expediente = make_expediente(citizen, estado=source)
    before = AuditEvent.objects.count()

    response = clerk_client.post(f"{detail_url(expediente.pk)}/transitions", {"to": target}, format="json")

    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "invalid_transition"
    allowed = [b for (a, b) in TRANSITIONS if a == source]
    assert sorted(body["errors"][0]["allowed"]) == sorted(allowed)
    expediente.refresh_from_db()
    assert expediente.estado == source
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(("source", "target"), DISALLOWED[:8], ids=[f"{a}->{b}" for a, b in DISALLOWED[:8]])
def test_refused_pairs_through_put_estado_are_409_too(make_expediente, citizen, clerk_client, source, target):
    expediente = make_expediente(citizen, estado=source)
    response = clerk_client.put(detail_url(expediente.pk), {"estado": target}, format="json")
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["errors"][0]["field"] == "estado"


@pytest.mark.parametrize(("source", "target"), STAFF_ONLY, ids=[f"{a}->{b}" for a, b in STAFF_ONLY])
def test_a_citizen_on_a_staff_only_step_is_403(make_expediente, citizen, citizen_client, source, target):
    expediente = make_expediente(citizen, estado=source)
    response = citizen_client.post(f"{detail_url(expediente.pk)}/transitions", {"to": target}, format="json")
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "permission_denied"
    response = citizen_client.patch(detail_url(expediente.pk), {"estado": target}, format="json")
    assert response.status_code == 403
    expediente.refresh_from_db()
    assert expediente.estado == source
    # What the citizen is offered agrees with what they are refused.
    assert target not in citizen_client.get(detail_url(expediente.pk)).json()["allowed_transitions"]


@pytest.mark.parametrize("value", ["cerrado", "", "INICIADO", None, 3])
def test_unknown_estado_is_422(make_expediente, citizen, clerk_client, value):
    expediente = make_expediente(citizen)
    response = clerk_client.put(detail_url(expediente.pk), {"estado": value}, format="json")
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == "estado"
    response = clerk_client.post(f"{detail_url(expediente.pk)}/transitions", {"to": value}, format="json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "to"


def test_patch_with_estado_and_fields_writes_a_transition_and_an_update(make_expediente, citizen, citizen_client):
    expediente = make_expediente(citizen)
    response = citizen_client.patch(
        detail_url(expediente.pk), {"estado": "en_revision", "concepto": "completo"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["version"] == expediente.version + 1

    audits = list(AuditEvent.objects.filter(entity_id=str(expediente.pk)).exclude(action="create").order_by("id"))
    assert [(a.action, a.changes) for a in audits] == [
        ("transition", {"estado": ["iniciado", "en_revision"]}),
        ("update", {"concepto": ["", "completo"]}),
    ]
    assert list(Event.objects.exclude(type="expediente.created").values_list("type", flat=True)) == [
        "expediente.status_changed",
        "expediente.updated",
    ]


def test_a_refused_transition_in_a_patch_applies_nothing(make_expediente, citizen, citizen_client):
    expediente = make_expediente(citizen)
    response = citizen_client.patch(detail_url(expediente.pk), {"estado": "aprobado", "concepto": "x"}, format="json")
    assert response.status_code == 409
    expediente.refresh_from_db()
    assert (expediente.estado, expediente.concepto) == ("iniciado", "")


def test_allowed_transitions_depend_on_the_caller(make_expediente, citizen, citizen_client, clerk_client):
    expediente = make_expediente(citizen, estado=Estado.EN_REVISION)
    assert citizen_client.get(detail_url(expediente.pk)).json()["allowed_transitions"] == []
    assert clerk_client.get(detail_url(expediente.pk)).json()["allowed_transitions"] == [
        "requiere_subsanacion",
        "aprobado",
        "rechazado",
    ]


def test_history_is_paginated_oldest_first(make_expediente, citizen, citizen_client):
    expediente = make_expediente(citizen, estado=Estado.ARCHIVADO)
    first = citizen_client.get(f"{detail_url(expediente.pk)}/history?per_page=2")
    assert first.status_code == 200
    body = first.json()
    assert body["total"] == 4
    assert body["has_next"] is True
    assert [entry["action"] for entry in body["data"]] == ["create", "transition"]
    last = citizen_client.get(f"{detail_url(expediente.pk)}/history?per_page=2&page=2").json()
    assert [entry["changes"]["estado"][1] for entry in last["data"]] == ["aprobado", "archivado"]
    cursor = citizen_client.get(f"{detail_url(expediente.pk)}/history?cursor=&per_page=3").json()
    assert len(cursor["data"]) == 3
    assert cursor["next_cursor"]
