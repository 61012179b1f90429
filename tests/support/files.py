"""Files for the tests: real PNG, PDF and office (zip) bytes built by hand, and the storage backends'
settings."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

S3_KEYS = {"access_key": "test-access-key", "secret_key": "test-secret-key", "region_name": "us-east-1"}


def s3_environment(endpoint: str, bucket: str) -> dict[str, str]:
    """The variables a deployment sets for ``STORAGE_BACKEND=s3``, pointed at ``endpoint``."""
    return {
        "STORAGE_BACKEND": "s3",
        "AWS_S3_ENDPOINT_URL": endpoint,
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_ACCESS_KEY_ID": S3_KEYS["access_key"],
        "AWS_SECRET_ACCESS_KEY": S3_KEYS["secret_key"],
        "AWS_S3_REGION_NAME": S3_KEYS["region_name"],
    }


def stored_documento_files() -> list[str]:
    """Names of the files under ``documentos/`` in the default storage, whichever backend."""
    from django.core.files.storage import storages

    try:
        return sorted(storages["default"].listdir("documentos")[1])
    except FileNotFoundError:
        return []


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """A valid PNG image built by hand (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def pdf_bytes(text: str = "Hola") -> bytes:
    """A minimal but well-formed one-page PDF with a correct xref table."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def zip_bytes(members: dict[str, str]) -> bytes:
    """A zip archive holding ``members`` (name -> text), in that order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    return zip_bytes({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})


def odt_bytes() -> bytes:
    return zip_bytes(
        {"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<office:document-content/>"}
    )


def plain_zip_bytes() -> bytes:
    return zip_bytes({"readme.txt": "hello"})
