"""Content-type detection from the bytes and the streaming size limit, without HTTP."""

from __future__ import annotations

import hashlib
import io

import pytest

from core.exceptions import PayloadTooLarge, UnsupportedMediaType
from expedientes.uploads import DOCX, ODT, SizeLimitUploadHandler, check_content_length, inspect
from tests.support.files import zip_bytes


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"%PDF-1.7\n%%EOF\n", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "image/png"),
        (b"\xff\xd8\xff\xdb" + b"\x00" * 20, "image/jpeg"),
        ("plain ünïcödé text".encode(), "text/plain"),
        (zip_bytes({"[Content_Types].xml": "<Types/>", "word/document.xml": "<x/>"}), DOCX),
        (zip_bytes({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<x/>"}), ODT),
    ],
)
def test_detects_allowed_types(settings, content, expected):
    settings.DOCUMENTO_MAX_BYTES = 1024 * 1024
    result = inspect(io.BytesIO(content))
    assert result.content_type == expected
    assert result.size == len(content)
    assert result.sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize(
    "content",
    [
        b"\x7fELF" + b"\x01" * 60,
        b"MZ" + b"\x00" * 60,
        zip_bytes({"mimetype": "application/vnd.oasis.opendocument.spreadsheet"}),
        zip_bytes({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<x/>"}),
        b"PK\x03\x04 not really a zip",
        b"\xc3\x28 broken utf-8",
    ],
)
def test_refuses_everything_else(settings, content):
    settings.DOCUMENTO_MAX_BYTES = 1024 * 1024
    with pytest.raises(UnsupportedMediaType):
        inspect(io.BytesIO(content))


def test_size_limit(settings):
    settings.DOCUMENTO_MAX_BYTES = 10
    assert inspect(io.BytesIO(b"a" * 10)).size == 10
    with pytest.raises(PayloadTooLarge):
        inspect(io.BytesIO(b"a" * 11))


def test_upload_handler_stops_mid_stream(settings):
    settings.DOCUMENTO_MAX_BYTES = 10
    handler = SizeLimitUploadHandler()
    handler.new_file("file", "a.txt", "text/plain", 0)
    assert handler.receive_data_chunk(b"a" * 10, 0) == b"a" * 10
    with pytest.raises(PayloadTooLarge):
        handler.receive_data_chunk(b"a", 10)


def test_content_length_check(settings):
    settings.DOCUMENTO_MAX_BYTES = 10 * 1024 * 1024
    check_content_length({"CONTENT_LENGTH": str(10 * 1024 * 1024 + 500)})
    check_content_length({"CONTENT_LENGTH": "not-a-number"})
    with pytest.raises(PayloadTooLarge):
        check_content_length({"CONTENT_LENGTH": str(100 * 1024 * 1024)})
