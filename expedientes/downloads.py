"""A documento's file, as the admin and the API both serve it."""

from __future__ import annotations

from django.http import FileResponse

from core.storage import attachment
from expedientes.models import Documento


def documento_attachment(documento: Documento) -> FileResponse:
    """The documento's bytes, streamed as an attachment under its name and the content type
    detected at upload (never sniffed by the browser).

    ``FileNotFoundError`` when it has no file (metadata only) or the stored object is gone.
    """
    return attachment(
        documento.file.storage,
        documento.file.name,
        filename=documento.nombre,
        content_type=documento.content_type,
        size=documento.size,
    )
