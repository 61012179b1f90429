"""What each expediente change leaves in the audit trail and the event feed, field by field
(docs/api-guide.md#events-webhooks-audit-email), and the exact refusals of assignment and deletion."""

from __future__ import annotations

import pytest

from events.models import AuditEvent, Event
from expedientes.models import Estado
from tests.support.expedientes import URL, detail_url

pytestmark = pytest.mark.django_db


def trail(pk):
    return list(AuditEvent.objects.filter(entity_type="expediente", entity_id=str(pk)).order_by("id"))


def test_create_records_every_field_from_nothing(citizen, citizen_client):
    body = citizen_client.post(
        URL, {"numero": "EXP-T-1", "solicitante": "Ana", "concepto": "Licencia"}, format="json"
    ).json()
    (audit,) = trail(body["id"])
    assert audit.action == "create"
    assert audit.changes == {
        "numero": [None, "EXP-T-1"],
        "solicitante": [None, "Ana"],
        "concepto": [None, "Licencia"],
        "estado": [None, "iniciado"],
        "owner": [None, citizen.pk],
    }
    assert Event.objects.get(type="expediente.created").data == body


def test_a_taken_numero_is_a_conflict_on_the_field(citizen_client):
    payload = {"numero": "EXP-T-2", "solicitante": "Ana"}
    assert citizen_client.post(URL, payload, format="json").status_code == 201
    response = citizen_client.post(URL, payload, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict"
    assert body["errors"] == [
        {"field": "numero", "message": "An expediente with this numero already exists.", "code": "unique"}
    ]
    assert body["detail"] == "An expediente with this numero already exists."


def test_a_transition_with_a_comment_records_it_and_publishes_from_and_to(
    make_expediente, citizen, clerk_client, clerk
):
    expediente = make_expediente(citizen, estado=Estado.EN_REVISION)
    response = clerk_client.post(
        f"{detail_url(expediente.pk)}/transitions", {"to": "aprobado", "comment": "Todo en orden"}, format="json"
    )
    assert response.status_code == 200, response.content
    audit = trail(expediente.pk)[-1]
    assert audit.action == "transition"
    assert audit.actor_id == clerk.pk
    assert audit.changes == {"estado": ["en_revision", "aprobado"], "comment": [None, "Todo en orden"]}
    event = Event.objects.filter(type="expediente.status_changed").latest("id")
    assert event.data["from"] == "en_revision"
    assert event.data["to"] == "aprobado"
    assert event.data["comment"] == "Todo en orden"
    assert event.data["estado"] == "aprobado"
    assert response.json()["allowed_transitions"] == ["archivado"]


def test_a_transition_without_a_comment_records_only_the_estado(make_expediente, citizen, citizen_client):
    expediente = make_expediente(citizen)
    response = citizen_client.post(f"{detail_url(expediente.pk)}/transitions", {"to": "en_revision"}, format="json")
    assert response.status_code == 200, response.content
    assert trail(expediente.pk)[-1].changes == {"estado": ["iniciado", "en_revision"]}
    assert "comment" not in Event.objects.filter(type="expediente.status_changed").latest("id").data


def test_a_step_outside_the_table_names_both_estados_and_the_allowed_ones(make_expediente, citizen, clerk_client):
    expediente = make_expediente(citizen)
    response = clerk_client.post(f"{detail_url(expediente.pk)}/transitions", {"to": "aprobado"}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "invalid_transition"
    assert body["detail"] == "Cannot go from iniciado to aprobado."
    assert [error["field"] for error in body["errors"]] == ["to"]
    assert "en_revision" in body["errors"][0]["message"]


def test_a_staff_step_is_refused_to_the_owner_with_its_reason(make_expediente, citizen, citizen_client):
    expediente = make_expediente(citizen, estado=Estado.EN_REVISION)
    response = citizen_client.post(f"{detail_url(expediente.pk)}/transitions", {"to": "aprobado"}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "Only staff may move an expediente from en_revision to aprobado."


def test_an_update_records_only_what_changed(make_expediente, citizen, clerk, clerk_client):
    expediente = make_expediente(citizen, solicitante="Ana", concepto="Uno")
    response = clerk_client.patch(
        detail_url(expediente.pk), {"solicitante": "Ana", "concepto": "Dos", "assigned_to": clerk.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    audit = trail(expediente.pk)[-1]
    assert audit.action == "update"
    assert audit.actor_id == clerk.pk
    assert audit.changes == {"concepto": ["Uno", "Dos"], "assigned_to": [None, clerk.pk]}
    event = Event.objects.filter(type="expediente.updated").latest("id")
    assert event.data["concepto"] == "Dos"
    assert event.data["assigned_to"] == clerk.pk
    assert response.json()["version"] == expediente.version + 1


def test_an_update_that_changes_nothing_writes_nothing(make_expediente, citizen, citizen_client):
    expediente = make_expediente(citizen, solicitante="Ana")
    before = len(trail(expediente.pk))
    response = citizen_client.patch(detail_url(expediente.pk), {"solicitante": "Ana"}, format="json")
    assert response.status_code == 200
    assert response.json()["version"] == expediente.version
    assert len(trail(expediente.pk)) == before


def test_estado_and_fields_in_one_patch_are_a_transition_and_an_update(make_expediente, citizen, citizen_client):
    expediente = make_expediente(citizen, concepto="Uno")
    response = citizen_client.patch(
        detail_url(expediente.pk), {"estado": "en_revision", "concepto": "Dos"}, format="json"
    )
    assert response.status_code == 200, response.content
    transition, update = trail(expediente.pk)[-2:]
    assert (transition.action, transition.changes) == ("transition", {"estado": ["iniciado", "en_revision"]})
    assert (update.action, update.changes) == ("update", {"concepto": ["Uno", "Dos"]})
    assert response.json()["version"] == expediente.version + 1
    assert response.json()["estado"] == "en_revision"


def test_assignment_refusals_say_why(make_expediente, make_user, citizen, clerk_client, citizen_client, clerk):
    expediente = make_expediente(citizen)
    inactive_clerk = make_user("clerk", is_active=False)
    response = clerk_client.patch(detail_url(expediente.pk), {"assigned_to": inactive_clerk.pk}, format="json")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "assigned_to", "message": "No active user with this id.", "code": "does_not_exist"}
    ]
    response = clerk_client.patch(detail_url(expediente.pk), {"assigned_to": citizen.pk}, format="json")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "assigned_to", "message": "Expedientes can only be assigned to staff.", "code": "invalid"}
    ]
    response = citizen_client.patch(detail_url(expediente.pk), {"assigned_to": clerk.pk}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "Only staff may assign expedientes."


def test_delete_records_every_field_to_nothing(make_expediente, citizen, citizen_client):
    expediente = make_expediente(citizen, solicitante="Ana", concepto="Uno")
    stale = citizen_client.delete(detail_url(expediente.pk), HTTP_IF_MATCH='W/"9"')
    assert stale.status_code == 412
    assert citizen_client.delete(detail_url(expediente.pk), HTTP_IF_MATCH='W/"1"').status_code == 204
    audit = trail(expediente.pk)[-1]
    assert (audit.action, audit.actor_id) == ("delete", citizen.pk)
    assert audit.changes == {
        "numero": [expediente.numero, None],
        "solicitante": ["Ana", None],
        "concepto": ["Uno", None],
        "estado": ["iniciado", None],
        "owner": [citizen.pk, None],
    }
    assert Event.objects.get(type="expediente.deleted").data["numero"] == expediente.numero


def test_delete_past_iniciado_says_which_estado(make_expediente, citizen, clerk_client):
    expediente = make_expediente(citizen, estado=Estado.EN_REVISION)
    response = clerk_client.delete(detail_url(expediente.pk))
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "invalid_transition"
    assert body["detail"] == "Only an expediente in iniciado can be deleted; this one is en_revision."
    assert [error["field"] for error in body["errors"]] == ["estado"]
    assert body["errors"][0]["allowed"] == ["requiere_subsanacion", "aprobado", "rechazado"]


@pytest.mark.parametrize(
    ("count", "detail"), [(1, "1 documento; delete it first."), (2, "2 documentos; delete them first.")]
)
def test_delete_with_documentos_counts_them(make_expediente, citizen, citizen_client, count, detail):
    expediente = make_expediente(citizen)
    for n in range(count):
        response = citizen_client.post(
            f"{detail_url(expediente.pk)}/documentos", {"nombre": f"doc{n}", "tipo": "anexo"}, format="json"
        )
        assert response.status_code == 201, response.content
    response = citizen_client.delete(detail_url(expediente.pk))
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "has_dependents"
    assert body["detail"] == f"The expediente has {detail}"
    assert body["errors"] == [{"field": "documentos", "message": body["detail"], "code": "has_dependents"}]


def test_a_documento_that_is_gone_or_not_yours_is_not_found(
    make_expediente, citizen, citizen_client, client_for, other_citizen
):
    expediente = make_expediente(citizen)
    url = f"{detail_url(expediente.pk)}/documentos"
    documento = citizen_client.post(url, {"nombre": "doc", "tipo": "anexo"}, format="json").json()
    assert client_for(other_citizen).delete(f"{url}/{documento['id']}").status_code == 404
    assert citizen_client.delete(f"{url}/{documento['id']}").status_code == 204
    response = citizen_client.delete(f"{url}/{documento['id']}")
    assert response.status_code == 404
    assert response.json()["detail"] == "Documento not found"
