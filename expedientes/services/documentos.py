"""Every write of a documento: stored until rollback, under the expediente's lock, audited."""

from __future__ import annotations

import uuid
from typing import IO, Any

from django.core.files.storage import storages
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.permissions import is_staff_user
from core.exceptions import Conflict, NotFound, PermissionDeniedError
from core.storage import save_until_rollback
from core.versioned_writes import removed
from events.services import record
from expedientes.models import Documento, Estado
from expedientes.payloads import documento_payload
from expedientes.services.lifecycle import lock_expediente
from expedientes.uploads import inspect


def _store(upload: IO[bytes]) -> str:
    """Save under a server-generated name (the client's filename never reaches the storage), to be
    deleted again unless the current transaction commits."""
    return save_until_rollback(storages["default"], f"documentos/{uuid.uuid4().hex}", upload)


def add_documento(
    *, expediente_id: int, actor: Any, nombre: str, tipo: str, upload: IO[bytes] | None = None
) -> Documento:
    """Attach a documento (metadata only, or with a file checked for size and type).

    ``409 conflict`` on an ``archivado`` expediente. The file is stored first in the transaction,
    before any lock is taken, and deleted again when the transaction does not commit (a refusal, a
    failure, or an enclosing transaction that rolls back): no orphan object is left behind.
    """
    inspected = inspect(upload) if upload is not None else None
    with transaction.atomic():
        stored_name = _store(upload) if upload is not None else ""
        expediente = lock_expediente(expediente_id)
        if expediente.estado == Estado.ARCHIVADO:
            raise Conflict(_("Documentos cannot be added to an archivado expediente."))
        documento = Documento(expediente=expediente, nombre=nombre, tipo=tipo, uploaded_by=actor)
        if inspected is not None:
            documento.file.name = stored_name
            documento.content_type = inspected.content_type
            documento.size = inspected.size
            documento.sha256 = inspected.sha256
        documento.save()
        data = documento_payload(documento)
        record(
            actor=actor,
            entity_type="documento",
            entity_id=documento.pk,
            action="create",
            changes={key: [None, value] for key, value in data.items() if key not in ("id", "created_at")},
            event_type="documento.added",
            data=data,
        )
    return documento


def delete_documento(*, documento_id: int, actor: Any) -> None:
    """Remove a documento: its owner while the expediente is ``iniciado``, staff at any time."""
    with transaction.atomic():
        expediente_id = Documento.objects.filter(pk=documento_id).values_list("expediente_id", flat=True).first()
        if expediente_id is None:
            raise NotFound.for_resource("Documento")
        # Lock order expediente -> documento, as add_documento and delete_expediente take it; read
        # again under the lock, so of two concurrent deletes the second sees the row gone (404)
        # instead of deleting nothing and auditing a second delete.
        expediente = lock_expediente(expediente_id)
        documento = Documento.objects.select_for_update().filter(pk=documento_id).first()
        if documento is None:
            raise NotFound.for_resource("Documento")
        if not is_staff_user(actor):
            if expediente.owner_id != actor.pk:
                raise NotFound.for_resource("Documento")
            if expediente.estado != Estado.INICIADO:
                raise PermissionDeniedError(_("Documentos can only be removed by their owner while iniciado."))
        data = documento_payload(documento)
        stored_name = documento.file.name
        pk = documento.pk
        documento.delete()
        record(
            actor=actor,
            entity_type="documento",
            entity_id=pk,
            action="delete",
            changes=removed({key: value for key, value in data.items() if key not in ("id", "created_at")}),
        )
        if stored_name:
            storage = storages["default"]
            transaction.on_commit(lambda: storage.delete(stored_name))
