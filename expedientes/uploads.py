"""Upload handling for documentos: a streaming size limit and content-type detection from the bytes."""

from __future__ import annotations

import codecs
import hashlib
import zipfile
from dataclasses import dataclass
from typing import IO, Any

import filetype
from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.utils.translation import gettext as _

from core.exceptions import PayloadTooLarge, UnsupportedMediaType

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
TEXT = "text/plain"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"

ALLOWED_BY_SNIFFING = {PDF, PNG, JPEG}
ZIP_MIMES = {"application/zip", DOCX, ODT, "application/vnd.oasis.opendocument.spreadsheet"}
CHUNK = 64 * 1024
# Room for the multipart boundaries and the small form fields around the file.
MULTIPART_OVERHEAD = 64 * 1024 + 1024 * 1024


def max_bytes() -> int:
    return int(settings.DOCUMENTO_MAX_BYTES)


def too_large() -> PayloadTooLarge:
    limit = max_bytes()
    message = _("Files may be at most %(limit)d bytes.") % {"limit": limit}
    return PayloadTooLarge(message, errors=[{"field": "file", "message": message, "code": "max_size"}])


def check_content_length(meta: dict[str, Any]) -> None:
    """Refuse an obviously oversized body before a single byte of it is read."""
    try:
        length = int(meta.get("CONTENT_LENGTH") or 0)
    except (TypeError, ValueError):
        return
    if length > max_bytes() + MULTIPART_OVERHEAD:
        raise too_large()


class SizeLimitUploadHandler(FileUploadHandler):
    """First in the chain: stops the upload as soon as a file passes the limit."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > max_bytes():
            raise too_large()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


@dataclass(frozen=True)
class Inspected:
    content_type: str
    size: int
    sha256: str


def _zip_document_type(stream: IO[bytes]) -> str | None:
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names and any(name.startswith("word/") for name in names):
                return DOCX
            if "mimetype" in names:
                with archive.open("mimetype") as handle:
                    if handle.read(100).strip() == ODT.encode():
                        return ODT
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, RuntimeError, NotImplementedError):
        return None
    return None


def _is_utf8_text(stream: IO[bytes]) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    stream.seek(0)
    try:
        while chunk := stream.read(CHUNK):
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def inspect(stream: IO[bytes]) -> Inspected:
    """Size, SHA-256 and the content type read from the bytes (the client's claims are ignored).

    Raises ``PayloadTooLarge`` beyond the limit and ``UnsupportedMediaType`` for anything that is
    not pdf, png, jpeg, docx, odt or UTF-8 text.
    """
    digest = hashlib.sha256()
    size = 0
    stream.seek(0)
    head = b""
    while chunk := stream.read(CHUNK):
        if not head:
            head = chunk[:8192]
        size += len(chunk)
        if size > max_bytes():
            raise too_large()
        digest.update(chunk)

    guess = filetype.guess(head) if head else None
    mime = guess.mime if guess is not None else None
    content_type: str | None = None
    if mime in ALLOWED_BY_SNIFFING:
        content_type = mime
    elif mime in ZIP_MIMES or head.startswith(b"PK\x03\x04"):
        stream.seek(0)
        content_type = _zip_document_type(stream)
    elif mime is None and _is_utf8_text(stream):
        content_type = TEXT
    stream.seek(0)
    if content_type is None:
        detected = mime or _("unrecognised binary data")
        message = _("Unsupported file type (%(detected)s); allowed: pdf, png, jpeg, plain text, docx, odt.") % {
            "detected": detected
        }
        raise UnsupportedMediaType(message, errors=[{"field": "file", "message": message, "code": "unsupported"}])
    return Inspected(content_type=content_type, size=size, sha256=digest.hexdigest())
