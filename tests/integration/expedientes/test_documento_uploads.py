"""Documento uploads: types detected from the bytes, size limits, malformed or empty bodies refused."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.storage import default_storage
from django.test import override_settings

from expedientes.models import Documento
from tests.support.expedientes import docs_url, upload
from tests.support.files import docx_bytes, odt_bytes, pdf_bytes, plain_zip_bytes, png_bytes

# Every test runs on both storage backends: the local filesystem and an S3 bucket (moto server).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("storage_backend")]


MIB = 1024 * 1024


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
