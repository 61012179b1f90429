"""Documentos: metadata, uploads checked by their bytes, limits, downloads, scoping, deletion."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from events.models import AuditEvent, Event
from expedientes.models import Documento, Estado
from tests.conftest import stored_documento_files
from tests.integration.expedientes.conftest import URL, pdf_bytes, png_bytes

# Every test runs on both storage backends: the local filesystem and an S3 bucket (moto server).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("storage_backend")]

MIB = 1024 * 1024


def docs_url(expediente_id: int) -> str:
    return f"{URL}/{expediente_id}/documentos"


def stored_files() -> list[str]:
    return stored_documento_files()


def upload(client, expediente_id, content, name="archivo.pdf", **fields):
    data = {"file": SimpleUploadedFile(name, content, content_type="application/octet-stream"), **fields}
    return client.post(docs_url(expediente_id), data, format="multipart")


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def odt_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def plain_zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return buffer.getvalue()


@pytest.fixture
def expediente(make_expediente, citizen):
    return make_expediente(citizen)


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


@pytest.mark.parametrize(
    ("content", "name", "content_type"),
    [
        (pdf_bytes(), "informe.pdf", "application/pdf"),
        (png_bytes(), "foto.png", "image/png"),
        (
            b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64,
            "foto.jpg",
            "image/jpeg",
        ),
        ("Texto plano con acentos: áéíóú ñ\n".encode(), "nota.txt", "text/plain"),
        (docx_bytes(), "carta.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (odt_bytes(), "carta.odt", "application/vnd.oasis.opendocument.text"),
    ],
    ids=["pdf", "png", "jpeg", "text", "docx", "odt"],
)
def test_upload_accepts_allowed_types_detected_from_the_bytes(expediente, citizen_client, content, name, content_type):
    response = upload(citizen_client, expediente.pk, content, name=name, tipo="anexo")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["content_type"] == content_type
    assert body["size"] == len(content)
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["has_file"] is True
    assert body["nombre"] == name
    assert body["tipo"] == "anexo"

    row = Documento.objects.get(pk=body["id"])
    # Stored under a server-generated name, never the client's.
    assert name not in row.file.name
    with default_storage.open(row.file.name, "rb") as handle:
        assert handle.read() == content


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


def test_exactly_ten_mib_is_accepted_and_one_byte_more_is_413(expediente, citizen_client, settings):
    assert settings.DOCUMENTO_MAX_BYTES == 10 * MIB
    exact = b"%PDF-1.4\n" + b"0" * (10 * MIB - 9)
    ok = upload(citizen_client, expediente.pk, exact)
    assert ok.status_code == 201, ok.content
    assert ok.json()["size"] == 10 * MIB

    response = upload(citizen_client, expediente.pk, exact + b"0")
    assert response.status_code == 413, response.content
    assert response.json()["code"] == "payload_too_large"
    assert Documento.objects.count() == 1


def test_oversized_content_length_is_refused_before_reading(expediente, citizen_client):
    response = citizen_client.generic(
        "POST",
        docs_url(expediente.pk),
        b"--x\r\n",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(50 * MIB),
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


@override_settings(DOCUMENTO_MAX_BYTES=1024)
def test_the_limit_is_a_setting(expediente, citizen_client):
    assert upload(citizen_client, expediente.pk, b"a" * 1024).status_code == 201
    assert upload(citizen_client, expediente.pk, b"a" * 1025).status_code == 413


@pytest.mark.parametrize(
    "content",
    [
        b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200,
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200,
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        b"text with a NUL \x00 byte",
        b"\xff\xfe invalid utf-8 \xc3\x28",
        plain_zip_bytes(),
    ],
    ids=["elf", "mz", "gif", "nul", "bad-utf8", "zip"],
)
def test_other_types_are_415_even_when_named_pdf(expediente, citizen_client, content):
    response = upload(citizen_client, expediente.pk, content, name="inocente.pdf")
    assert response.status_code == 415, response.content
    assert response.json()["code"] == "unsupported_media_type"
    assert Documento.objects.count() == 0


def test_empty_file_is_422(expediente, citizen_client):
    response = upload(citizen_client, expediente.pk, b"")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "file"


def test_malformed_multipart_is_400(expediente, citizen_client):
    response = citizen_client.generic(
        "POST", docs_url(expediente.pk), b"garbage without boundaries", content_type="multipart/form-data"
    )
    assert response.status_code in (400, 422), response.content
    response = citizen_client.generic(
        "POST",
        docs_url(expediente.pk),
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nunterminated',
        content_type="multipart/form-data; boundary=b",
    )
    assert response.status_code in (400, 422), response.content
    assert Documento.objects.count() == 0


def test_multipart_without_file_needs_metadata(expediente, citizen_client):
    response = citizen_client.post(docs_url(expediente.pk), {"nombre": "solo datos"}, format="multipart")
    assert response.status_code == 422
    response = citizen_client.post(
        docs_url(expediente.pk), {"nombre": "solo datos", "tipo": "otro"}, format="multipart"
    )
    assert response.status_code == 201
    assert response.json()["has_file"] is False


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


def test_download_of_a_lost_object_is_404_not_500(expediente, citizen_client):
    doc_id = upload(citizen_client, expediente.pk, png_bytes()).json()["id"]
    default_storage.delete(Documento.objects.get(pk=doc_id).file.name)  # gone behind the API's back

    response = citizen_client.get(f"{docs_url(expediente.pk)}/{doc_id}/download")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


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
    assert stored_files() == []


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
    assert clerk_client.delete(f"{docs_url(expediente.pk)}/{second['id']}").status_code == 204


# --- no orphan objects, whichever transaction fails --------------------------------------------
def test_a_failure_after_the_upload_removes_the_stored_object(expediente, citizen, monkeypatch):
    from expedientes import services

    seen_while_failing: list[list[str]] = []

    def fail(**kwargs):
        seen_while_failing.append(stored_files())
        raise RuntimeError("audit write failed")

    monkeypatch.setattr(services.documentos, "record", fail)
    with pytest.raises(RuntimeError, match="audit write failed"):
        services.add_documento(
            expediente_id=expediente.pk, actor=citizen, nombre="a.pdf", tipo="anexo", upload=io.BytesIO(pdf_bytes())
        )

    assert len(seen_while_failing[0]) == 1  # the object was stored before the failure...
    assert stored_files() == []  # ...and is gone with the transaction
    assert Documento.objects.count() == 0


def test_an_enclosing_transaction_that_rolls_back_removes_the_stored_object(expediente, citizen):
    from django.db import transaction

    from expedientes import services

    with pytest.raises(RuntimeError, match="later step failed"), transaction.atomic():
        documento = services.add_documento(
            expediente_id=expediente.pk, actor=citizen, nombre="a.pdf", tipo="anexo", upload=io.BytesIO(pdf_bytes())
        )
        assert stored_files() == [documento.file.name.split("/")[-1]]
        raise RuntimeError("later step failed")

    assert stored_files() == []
    assert Documento.objects.count() == 0


def test_a_committed_upload_keeps_its_object(expediente, citizen, django_capture_on_commit_callbacks):
    import gc

    from expedientes import services

    with django_capture_on_commit_callbacks(execute=True):
        documento = services.add_documento(
            expediente_id=expediente.pk, actor=citizen, nombre="a.pdf", tipo="anexo", upload=io.BytesIO(pdf_bytes())
        )
    gc.collect()
    assert stored_files() == [documento.file.name.split("/")[-1]]


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
    assert stored_files() == [documento.file.name.split("/")[-1]]
    default_storage.delete(documento.file.name)
