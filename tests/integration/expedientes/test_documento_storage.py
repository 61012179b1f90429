"""Documento files in storage: downloads, and no orphan object whichever transaction fails."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage

from expedientes.models import Documento
from tests.support.expedientes import docs_url, upload
from tests.support.files import pdf_bytes, png_bytes, stored_documento_files

# Every test runs on both storage backends: the local filesystem and an S3 bucket (moto server).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("storage_backend")]


def test_download_returns_the_same_bytes_with_content_disposition(expediente, citizen_client):
    content = pdf_bytes("descarga")
    doc_id = upload(citizen_client, expediente.pk, content, name="x.pdf", nombre='Resolución "final".pdf').json()["id"]

    response = citizen_client.get(f"{docs_url(expediente.pk)}/{doc_id}/download")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''Resoluci%C3%B3n%20%22final%22.pdf" in disposition


def test_ascii_filename_is_quoted_safely(expediente, citizen_client):
    doc_id = upload(citizen_client, expediente.pk, b"hola", nombre='a"b\\c.txt').json()["id"]
    response = citizen_client.get(f"{docs_url(expediente.pk)}/{doc_id}/download")
    assert response["Content-Disposition"] == 'attachment; filename="a\\"b\\\\c.txt"'


def test_client_path_in_filename_is_not_kept(expediente, citizen_client):
    body = upload(citizen_client, expediente.pk, b"hola", name="../../etc/passwd").json()
    assert body["nombre"] == "passwd"
    assert ".." not in Documento.objects.get(pk=body["id"]).file.name


def test_download_of_a_lost_object_is_404_not_500(expediente, citizen_client):
    doc_id = upload(citizen_client, expediente.pk, png_bytes()).json()["id"]
    default_storage.delete(Documento.objects.get(pk=doc_id).file.name)  # gone behind the API's back

    response = citizen_client.get(f"{docs_url(expediente.pk)}/{doc_id}/download")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- no orphan objects, whichever transaction fails --------------------------------------------
def test_a_failure_after_the_upload_removes_the_stored_object(expediente, citizen, monkeypatch):
    from expedientes import services

    seen_while_failing: list[list[str]] = []

    def fail(**kwargs):
        seen_while_failing.append(stored_documento_files())
        raise RuntimeError("audit write failed")

    monkeypatch.setattr(services.documentos, "record", fail)
    with pytest.raises(RuntimeError, match="audit write failed"):
        services.add_documento(
            expediente_id=expediente.pk, actor=citizen, nombre="a.pdf", tipo="anexo", upload=io.BytesIO(pdf_bytes())
        )

    assert len(seen_while_failing[0]) == 1  # the object was stored before the failure...
    assert stored_documento_files() == []  # ...and is gone with the transaction
    assert Documento.objects.count() == 0


def test_an_enclosing_transaction_that_rolls_back_removes_the_stored_object(expediente, citizen):
    from django.db import transaction

    from expedientes import services

    with pytest.raises(RuntimeError, match="later step failed"), transaction.atomic():
        documento = services.add_documento(
            expediente_id=expediente.pk, actor=citizen, nombre="a.pdf", tipo="anexo", upload=io.BytesIO(pdf_bytes())
        )
        assert stored_documento_files() == [documento.file.name.split("/")[-1]]
        raise RuntimeError("later step failed")

    assert stored_documento_files() == []
    assert Documento.objects.count() == 0


def test_a_committed_upload_keeps_its_object(expediente, citizen, django_capture_on_commit_callbacks):
    import gc

    from expedientes import services

    with django_capture_on_commit_callbacks(execute=True):
        documento = services.add_documento(
            expediente_id=expediente.pk, actor=citizen, nombre="a.pdf", tipo="anexo", upload=io.BytesIO(pdf_bytes())
        )
    gc.collect()
    assert stored_documento_files() == [documento.file.name.split("/")[-1]]


def test_download_streams_with_its_length(expediente, citizen_client, storage_backend):
    content = png_bytes(64, 64)
    doc_id = upload(citizen_client, expediente.pk, content, name="f.png").json()["id"]

    response = citizen_client.get(f"{docs_url(expediente.pk)}/{doc_id}/download")

    assert response.status_code == 200
    assert response.streaming
    assert int(response["Content-Length"]) == len(content)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == content
    backend = type(default_storage._wrapped).__name__  # what served it
    assert backend == {"filesystem": "FileSystemStorage", "s3": "S3Storage"}[storage_backend]


@pytest.mark.django_db(transaction=True)
def test_a_failing_commit_hook_before_ours_does_not_delete_a_committed_object(make_expediente, citizen):
    from django.db import transaction

    from expedientes import services

    expediente = make_expediente(citizen)

    def earlier_hook_fails() -> None:
        raise RuntimeError("an earlier commit hook failed")

    with pytest.raises(RuntimeError, match="earlier commit hook"), transaction.atomic():
        transaction.on_commit(earlier_hook_fails)
        documento = services.add_documento(
            expediente_id=expediente.pk, actor=citizen, nombre="a.pdf", tipo="anexo", upload=io.BytesIO(pdf_bytes())
        )

    # The transaction committed: the row and its object are both there.
    assert Documento.objects.filter(pk=documento.pk).exists()
    assert stored_documento_files() == [documento.file.name.split("/")[-1]]
    default_storage.delete(documento.file.name)
