"""Expedientes in any estado for tests: their API URLs, the shortest path through the workflow table
to each estado, and a factory that walks a new expediente there through the real services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from expedientes.models import Estado, Expediente

URL = "/api/v1/expedientes"


def detail_url(pk: int) -> str:
    return f"{URL}/{pk}"


def docs_url(expediente_id: int) -> str:
    return f"{URL}/{expediente_id}/documentos"


def upload(client: Any, expediente_id: int, content: bytes, name: str = "archivo.pdf", **fields: Any) -> Any:
    """``POST`` a file (and ``fields``) to the expediente's documentos, as a browser form would."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"file": SimpleUploadedFile(name, content, content_type="application/octet-stream"), **fields}
    return client.post(docs_url(expediente_id), data, format="multipart")


PATH_TO = {
    Estado.INICIADO: [],
    Estado.EN_REVISION: [Estado.EN_REVISION],
    Estado.REQUIERE_SUBSANACION: [Estado.EN_REVISION, Estado.REQUIERE_SUBSANACION],
    Estado.APROBADO: [Estado.EN_REVISION, Estado.APROBADO],
    Estado.RECHAZADO: [Estado.EN_REVISION, Estado.RECHAZADO],
    Estado.ARCHIVADO: [Estado.EN_REVISION, Estado.APROBADO, Estado.ARCHIVADO],
}


def expediente_factory(clerk: Any, numero_prefix: str) -> Callable[..., Expediente]:
    """``factory(owner, estado=..., **fields)``: an expediente owned by ``owner``, walked to ``estado``
    by ``clerk`` through the real service, numbered ``<prefix>-0001``, ``-0002``..."""
    from expedientes import services

    counter = {"n": 0}

    def factory(owner: Any, estado: str = Estado.INICIADO, **fields: Any) -> Expediente:
        counter["n"] += 1
        fields.setdefault("numero", f"{numero_prefix}-{counter['n']:04d}")
        fields.setdefault("solicitante", "Juan Pérez")
        expediente = services.create_expediente(actor=owner, **fields)
        for step in PATH_TO[Estado(estado)]:
            services.transition_expediente(expediente_id=expediente.pk, actor=clerk, to=step)
        expediente.refresh_from_db()
        return expediente

    return factory
