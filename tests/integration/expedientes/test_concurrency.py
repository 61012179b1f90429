"""Real threads against a real PostgreSQL: creates, racing transitions, failures mid-write."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from django.db import DatabaseError

from events.models import AuditEvent, Event
from expedientes import services
from expedientes.models import Documento, Expediente
from tests.support.concurrency import run_concurrently
from tests.support.expedientes import URL, detail_url

pytestmark = pytest.mark.django_db(transaction=True)


def test_ten_concurrent_creates_get_ten_distinct_ids(citizen, client_for):
    def create(index: int) -> Any:
        return client_for(citizen).post(
            URL, {"numero": f"CONCURRENT-{index}", "solicitante": f"User {index}"}, format="json"
        )

    responses = run_concurrently([partial(create, index) for index in range(10)])

    assert [r.status_code for r in responses] == [201] * 10, responses
    ids = {r.json()["id"] for r in responses}
    assert len(ids) == 10
    assert Expediente.objects.filter(pk__in=ids).count() == 10
    assert AuditEvent.objects.filter(entity_type="expediente", action="create").count() == 10


def test_concurrent_creates_of_one_numero_yield_one_row_and_409s(citizen, client_for):
    def create(index: int) -> Any:
        return client_for(citizen).post(URL, {"numero": "SAME-1", "solicitante": f"User {index}"}, format="json")

    responses = run_concurrently([partial(create, index) for index in range(6)])

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 5, statuses
    assert all(r.json()["code"] == "conflict" for r in responses if r.status_code == 409)
    assert Expediente.objects.filter(numero="SAME-1").count() == 1
    assert Event.objects.filter(type="expediente.created").count() == 1


@pytest.mark.parametrize("how", ["put", "transition"])
def test_five_concurrent_read_then_transition_one_wins(citizen, client_for, how):
    created = client_for(citizen).post(URL, {"numero": "CONCURRENT-RW", "solicitante": "Test"}, format="json")
    exp_id = created.json()["id"]

    def read_then_transition(index: int) -> tuple[Any, Any]:
        client = client_for(citizen)
        read = client.get(detail_url(exp_id))
        if how == "put":
            write = client.put(detail_url(exp_id), {"estado": "en_revision"}, format="json")
        else:
            write = client.post(f"{detail_url(exp_id)}/transitions", {"to": "en_revision"}, format="json")
        return read, write

    results = run_concurrently([partial(read_then_transition, index) for index in range(5)])

    assert all(read.status_code == 200 for read, _ in results)
    statuses = sorted(write.status_code for _, write in results)
    assert statuses == [200, 409, 409, 409, 409], statuses
    assert all(write.json()["code"] == "invalid_transition" for _, write in results if write.status_code == 409)

    row = Expediente.objects.get(pk=exp_id)
    assert row.estado == "en_revision"
    assert row.version == 2
    transitions = AuditEvent.objects.filter(entity_id=str(exp_id), action="transition")
    assert [t.changes["estado"] for t in transitions] == [["iniciado", "en_revision"]]
    assert Event.objects.filter(type="expediente.status_changed").count() == 1


def test_concurrent_writers_with_the_same_if_match_one_wins_others_412(citizen, client_for):
    created = client_for(citizen).post(URL, {"numero": "IFMATCH-1", "solicitante": "Test"}, format="json")
    exp_id, etag = created.json()["id"], created["ETag"]

    def write(index: int) -> Any:
        return client_for(citizen).patch(
            detail_url(exp_id), {"concepto": f"writer {index}"}, format="json", HTTP_IF_MATCH=etag
        )

    responses = run_concurrently([partial(write, index) for index in range(4)])

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 412, 412, 412], statuses
    winner = next(r for r in responses if r.status_code == 200).json()
    row = Expediente.objects.get(pk=exp_id)
    assert (row.concepto, row.version) == (winner["concepto"], 2)


def _fail_on_record(monkeypatch: pytest.MonkeyPatch) -> None:
    """The service's second write (the audit record) fails after the row was written."""

    def broken(**kwargs: Any) -> None:
        raise DatabaseError("simulated failure while writing the audit event")

    monkeypatch.setattr("expedientes.services.lifecycle.record", broken)
    monkeypatch.setattr("expedientes.services.documentos.record", broken)


def test_database_failure_during_create_is_500_and_nothing_persists(citizen, client_for, monkeypatch):
    _fail_on_record(monkeypatch)
    client = client_for(citizen)
    client.raise_request_exception = False

    response = client.post(URL, {"numero": "TEST", "solicitante": "User"}, format="json")

    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "server_error"
    assert body["detail"] == "Internal server error"
    assert "simulated" not in response.content.decode()
    assert Expediente.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_database_failure_during_transition_is_500_and_nothing_persists(citizen, client_for, monkeypatch):
    client = client_for(citizen)
    client.raise_request_exception = False
    exp_id = client.post(URL, {"numero": "TEST", "solicitante": "User"}, format="json").json()["id"]
    _fail_on_record(monkeypatch)

    response = client.put(detail_url(exp_id), {"estado": "en_revision"}, format="json")

    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    row = Expediente.objects.get(pk=exp_id)
    assert (row.estado, row.version) == ("iniciado", 1)
    assert not AuditEvent.objects.filter(action="transition").exists()
    assert not Event.objects.filter(type="expediente.status_changed").exists()


def test_database_failure_during_upload_is_500_and_leaves_no_file(citizen, client_for, monkeypatch):
    from django.core.files.storage import default_storage
    from django.core.files.uploadedfile import SimpleUploadedFile

    from expedientes.models import Documento
    from tests.support.files import pdf_bytes

    client = client_for(citizen)
    client.raise_request_exception = False
    exp_id = client.post(URL, {"numero": "TEST", "solicitante": "User"}, format="json").json()["id"]
    _fail_on_record(monkeypatch)

    response = client.post(
        f"{detail_url(exp_id)}/documentos",
        {"file": SimpleUploadedFile("a.pdf", pdf_bytes()), "tipo": "anexo"},
        format="multipart",
    )

    assert response.status_code == 500
    assert Documento.objects.count() == 0
    assert not default_storage.exists("documentos") or default_storage.listdir("documentos")[1] == []


def test_concurrent_deletes_of_one_documento_delete_and_audit_once(make_expediente, citizen, clerk, client_for):
    expediente = make_expediente(citizen)
    documento = services.add_documento(expediente_id=expediente.pk, actor=citizen, nombre="acta", tipo="otro")
    url = f"{detail_url(expediente.pk)}/documentos/{documento.pk}"

    responses = run_concurrently([lambda user=user: client_for(user).delete(url) for user in [citizen, clerk] * 4])

    statuses = sorted(getattr(response, "status_code", response) for response in responses)
    assert statuses == [204] + [404] * 7, responses
    assert not Documento.objects.filter(pk=documento.pk).exists()
    deletes = AuditEvent.objects.filter(entity_type="documento", entity_id=str(documento.pk), action="delete")
    assert deletes.count() == 1
