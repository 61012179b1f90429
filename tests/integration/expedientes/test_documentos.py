"""Documentos: metadata, listing, scoping between citizens and expedientes, deletion rules."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage

from events.models import AuditEvent, Event
from expedientes.models import Documento, Estado
from tests.support.expedientes import URL, docs_url, upload
from tests.support.files import png_bytes, stored_documento_files

# Every test runs on both storage backends: the local filesystem and an S3 bucket (moto server).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("storage_backend")]


def test_metadata_only_documento(expediente, citizen, citizen_client):
    response = citizen_client.post(
        docs_url(expediente.pk), {"nombre": "solicitud.pdf", "tipo": "solicitud"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["expediente"] == expediente.pk
    assert (body["nombre"], body["tipo"], body["has_file"]) == ("solicitud.pdf", "solicitud", False)
    assert (body["content_type"], body["size"], body["sha256"]) == (None, None, None)
    assert AuditEvent.objects.filter(entity_type="documento", entity_id=str(body["id"]), action="create").exists()
    assert Event.objects.get(type="documento.added").data["id"] == body["id"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"tipo": "anexo"}, "nombre"),
        ({"nombre": "", "tipo": "anexo"}, "nombre"),
        ({"nombre": "x"}, "tipo"),
        ({"nombre": "x", "tipo": "factura"}, "tipo"),
        ({"nombre": "n" * 256, "tipo": "otro"}, "nombre"),
    ],
)
def test_invalid_metadata_is_422(expediente, citizen_client, payload, field):
    response = citizen_client.post(docs_url(expediente.pk), payload, format="json")
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == field
    assert Documento.objects.count() == 0


def test_other_citizen_cannot_see_or_download(expediente, citizen_client, other_citizen, client_for):
    doc_id = upload(citizen_client, expediente.pk, png_bytes()).json()["id"]
    intruder = client_for(other_citizen)
    for path in ("", f"/{doc_id}", f"/{doc_id}/download"):
        response = intruder.get(docs_url(expediente.pk) + path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"
    assert intruder.post(docs_url(expediente.pk), {"nombre": "x", "tipo": "otro"}, format="json").status_code == 404
    assert intruder.delete(f"{docs_url(expediente.pk)}/{doc_id}").status_code == 404


def test_documento_of_another_expediente_is_404(make_expediente, citizen, expediente, citizen_client):
    other = make_expediente(citizen)
    doc_id = citizen_client.post(docs_url(other.pk), {"nombre": "x", "tipo": "otro"}, format="json").json()["id"]
    response = citizen_client.get(f"{docs_url(expediente.pk)}/{doc_id}")
    assert response.status_code == 404
    assert response.json()["detail"] == "Documento not found"


def test_download_of_metadata_only_documento_is_404(expediente, citizen_client):
    doc_id = citizen_client.post(docs_url(expediente.pk), {"nombre": "x", "tipo": "otro"}, format="json").json()["id"]
    assert citizen_client.get(f"{docs_url(expediente.pk)}/{doc_id}/download").status_code == 404


def test_list_and_detail(expediente, citizen_client, clerk_client):
    first = upload(citizen_client, expediente.pk, png_bytes()).json()
    citizen_client.post(docs_url(expediente.pk), {"nombre": "meta", "tipo": "otro"}, format="json")
    listing = clerk_client.get(docs_url(expediente.pk)).json()
    assert listing["total"] == 2
    assert [doc["nombre"] for doc in listing["data"]] == ["meta", "archivo.pdf"]
    assert clerk_client.get(f"{docs_url(expediente.pk)}/{first['id']}").json() == first


def test_no_documentos_on_an_archivado_expediente(make_expediente, citizen, citizen_client, clerk_client):
    archived = make_expediente(citizen, estado=Estado.ARCHIVADO)
    for client in (citizen_client, clerk_client):
        response = client.post(docs_url(archived.pk), {"nombre": "tarde", "tipo": "otro"}, format="json")
        assert response.status_code == 409
        assert response.json()["code"] == "conflict"
    response = upload(citizen_client, archived.pk, png_bytes())
    assert response.status_code == 409
    assert Documento.objects.count() == 0
    # The file stored before the refusal was removed again.
    assert stored_documento_files() == []


def test_delete_documento_rules(
    make_expediente, citizen, citizen_client, clerk_client, django_capture_on_commit_callbacks
):
    expediente = make_expediente(citizen)
    doc = upload(citizen_client, expediente.pk, png_bytes()).json()
    stored = Documento.objects.get(pk=doc["id"]).file.name
    assert default_storage.exists(stored)

    with django_capture_on_commit_callbacks(execute=True):
        assert citizen_client.delete(f"{docs_url(expediente.pk)}/{doc['id']}").status_code == 204
    assert not Documento.objects.filter(pk=doc["id"]).exists()
    assert not default_storage.exists(stored)
    assert AuditEvent.objects.filter(entity_type="documento", entity_id=str(doc["id"]), action="delete").exists()
    assert citizen_client.get(f"{docs_url(expediente.pk)}/{doc['id']}").status_code == 404

    second = citizen_client.post(docs_url(expediente.pk), {"nombre": "b", "tipo": "otro"}, format="json").json()
    clerk_client.put(f"{URL}/{expediente.pk}", {"estado": "en_revision"}, format="json")
    response = citizen_client.delete(f"{docs_url(expediente.pk)}/{second['id']}")
    assert response.status_code == 403
    assert response.json()["detail"] == "Documentos can only be removed by their owner while iniciado."
    assert clerk_client.delete(f"{docs_url(expediente.pk)}/{second['id']}").status_code == 204


def test_another_citizens_documento_is_not_found_by_name(make_expediente, make_user, citizen, citizen_client):
    """Someone else's documento does not exist for a citizen, whatever door it is asked through."""
    from core.exceptions import NotFound, not_found_detail
    from expedientes import services

    doc = citizen_client.post(docs_url(make_expediente(citizen).pk), {"nombre": "a", "tipo": "otro"}, format="json")
    stranger = make_user("citizen")
    with pytest.raises(NotFound) as raised:
        services.delete_documento(documento_id=doc.json()["id"], actor=stranger)
    assert str(raised.value.detail) == str(not_found_detail("Documento"))
    assert Documento.objects.filter(pk=doc.json()["id"]).exists()


def test_a_documento_trail_names_who_and_every_field_on_create_and_delete(make_expediente, citizen, citizen_client):
    """The create and delete records hold the actor and every field of the documento's representation
    (its id and creation time are the record's own, never changes)."""
    expediente = make_expediente(citizen)
    doc = citizen_client.post(docs_url(expediente.pk), {"nombre": "acta", "tipo": "otro"}, format="json").json()
    assert citizen_client.delete(f"{docs_url(expediente.pk)}/{doc['id']}").status_code == 204
    created, deleted = AuditEvent.objects.filter(entity_type="documento", entity_id=str(doc["id"])).order_by("id")
    assert (created.action, deleted.action) == ("create", "delete")
    assert created.actor_id == deleted.actor_id == citizen.pk
    fields = {key: value for key, value in doc.items() if key not in ("id", "created_at")}
    assert deleted.changes == {key: [value, None] for key, value in fields.items()}
    assert created.changes == {key: [None, value] for key, value in fields.items()}


def test_a_documento_gone_before_its_delete_is_not_found_by_name(make_expediente, citizen, clerk):
    from core.exceptions import NotFound, not_found_detail
    from expedientes import services

    with pytest.raises(NotFound) as raised:
        services.delete_documento(documento_id=2**31, actor=clerk)
    assert str(raised.value.detail) == str(not_found_detail("Documento"))
