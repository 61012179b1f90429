"""Every write on expedientes and documentos: one transaction each, audited and published.

All state changes of an expediente go through :func:`transition_expediente` (or the shared
``_transition`` step when a ``PUT``/``PATCH`` carries ``estado``), which locks the row, checks the
workflow table and the actor's role, writes, bumps the version and records the event.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.permissions import is_staff_user
from core.etag import ensure_version
from core.exceptions import (
    Conflict,
    HasDependents,
    InvalidTransition,
    NotFound,
    PermissionDeniedError,
    ValidationFailed,
)
from core.storage import save_until_rollback
from events.services import diff, record
from expedientes import workflow
from expedientes.models import Documento, Estado, Expediente
from expedientes.serializers import documento_representation, representation
from expedientes.uploads import inspect

UNIQUE_NUMERO = "expedientes_numero_unique"
UPDATABLE_FIELDS = ("solicitante", "concepto", "assigned_to")


@dataclass(frozen=True)
class TransitionResult:
    expediente: Expediente
    allowed_transitions: list[str]


def _lock(expediente_id: int) -> Expediente:
    try:
        return Expediente.objects.select_for_update().get(pk=expediente_id)
    except Expediente.DoesNotExist:
        raise NotFound.for_resource("Expediente") from None


def _is_unique_numero_violation(exc: IntegrityError) -> bool:
    diag = getattr(exc.__cause__, "diag", None)
    name = getattr(diag, "constraint_name", None)
    return name == UNIQUE_NUMERO or (name is None and UNIQUE_NUMERO in str(exc))


def create_expediente(*, actor: Any, numero: str, solicitante: str, concepto: str = "") -> Expediente:
    """Open an expediente owned by ``actor`` in ``iniciado``; a taken ``numero`` is ``409 conflict``."""
    with transaction.atomic():
        try:
            # A savepoint of its own, so the unique violation of a concurrent twin is caught here.
            with transaction.atomic():
                expediente = Expediente.objects.create(
                    numero=numero, solicitante=solicitante, concepto=concepto, estado=Estado.INICIADO, owner=actor
                )
        except IntegrityError as exc:
            if _is_unique_numero_violation(exc):
                message = _("An expediente with this numero already exists.")
                raise Conflict(message, errors=[{"field": "numero", "message": message, "code": "unique"}]) from None
            raise
        data = representation(expediente)
        record(
            actor=actor,
            entity_type="expediente",
            entity_id=expediente.pk,
            action="create",
            changes={key: [None, data[key]] for key in ("numero", "solicitante", "concepto", "estado", "owner")},
            event_type="expediente.created",
            data=data,
        )
    return expediente


def _check_transition(expediente: Expediente, target: str, actor: Any, field: str) -> None:
    allowed = workflow.allowed_targets(expediente.estado, actor, expediente.owner_id)
    rule = workflow.rule_for(expediente.estado, target)
    if rule is None:
        raise InvalidTransition(
            _("Cannot go from %(from)s to %(to)s.") % {"from": expediente.estado, "to": target},
            allowed=allowed,
            field=field,
        )
    if not workflow.may_take(rule, actor, expediente.owner_id):
        raise PermissionDeniedError(
            _("Only staff may move an expediente from %(from)s to %(to)s.") % {"from": expediente.estado, "to": target}
        )


def _record_transition(expediente: Expediente, source: str, actor: Any, comment: str = "") -> None:
    changes: dict[str, Any] = {"estado": [source, expediente.estado]}
    if comment:
        changes["comment"] = [None, comment]
    data = {**representation(expediente), "from": source, "to": expediente.estado}
    if comment:
        data["comment"] = comment
    record(
        actor=actor,
        entity_type="expediente",
        entity_id=expediente.pk,
        action="transition",
        changes=changes,
        event_type="expediente.status_changed",
        data=data,
    )


def transition_expediente(
    *,
    expediente_id: int,
    actor: Any,
    to: str,
    comment: str = "",
    expected_versions: set[int] | None = None,
) -> TransitionResult:
    """Move an expediente along the workflow table.

    Locks the row, checks ``If-Match``, the table (``409 invalid_transition``) and the actor's role
    (``403``), writes, bumps the version and records ``expediente.status_changed``. Of concurrent
    conflicting calls exactly one wins; the others are judged against the winner's state.
    """
    with transaction.atomic():
        expediente = _lock(expediente_id)
        ensure_version(expediente.version, expected_versions)
        _check_transition(expediente, to, actor, field="to")
        source = expediente.estado
        expediente.estado = to
        expediente.version += 1
        expediente.save(update_fields=["estado", "version", "updated_at"])
        _record_transition(expediente, source, actor, comment)
    return TransitionResult(
        expediente=expediente,
        allowed_transitions=workflow.allowed_targets(expediente.estado, actor, expediente.owner_id),
    )


def _validate_assignee(user_id: int | None) -> None:
    if user_id is None:
        return
    user = get_user_model().objects.filter(pk=user_id, is_active=True, deleted_at__isnull=True).first()
    if user is None:
        raise ValidationFailed.field("assigned_to", _("No active user with this id."), code="does_not_exist")
    if not is_staff_user(user):
        raise ValidationFailed.field("assigned_to", _("Expedientes can only be assigned to staff."), code="invalid")


def update_expediente(
    *,
    expediente_id: int,
    actor: Any,
    fields: dict[str, Any],
    expected_versions: set[int] | None = None,
) -> Expediente:
    """Partial update of ``solicitante``, ``concepto``, ``assigned_to`` (staff) and ``estado`` (workflow).

    A change of ``estado`` is a transition (audited as such, ``expediente.status_changed``); the
    other changed fields are one ``update`` (``expediente.updated``). Nothing changed, nothing written.
    """
    with transaction.atomic():
        expediente = _lock(expediente_id)
        ensure_version(expediente.version, expected_versions)

        before = {
            "solicitante": expediente.solicitante,
            "concepto": expediente.concepto,
            "assigned_to": expediente.assigned_to_id,
        }
        after = {name: fields[name] for name in UPDATABLE_FIELDS if name in fields}
        changes = diff(before, after)
        if "assigned_to" in changes:
            if not is_staff_user(actor):
                raise PermissionDeniedError(_("Only staff may assign expedientes."))
            _validate_assignee(changes["assigned_to"][1])

        target = fields.get("estado")
        source = expediente.estado
        if target is not None:
            _check_transition(expediente, target, actor, field="estado")

        if not changes and target is None:
            return expediente

        for name, (_old, new) in changes.items():
            setattr(expediente, "assigned_to_id" if name == "assigned_to" else name, new)
        if target is not None:
            expediente.estado = target
        expediente.version += 1
        expediente.save(update_fields=["solicitante", "concepto", "assigned_to", "estado", "version", "updated_at"])

        if target is not None:
            _record_transition(expediente, source, actor)
        if changes:
            record(
                actor=actor,
                entity_type="expediente",
                entity_id=expediente.pk,
                action="update",
                changes=changes,
                event_type="expediente.updated",
                data=representation(expediente),
            )
    return expediente


def delete_expediente(*, expediente_id: int, actor: Any, expected_versions: set[int] | None = None) -> None:
    """Delete an expediente that is still ``iniciado`` and has no documentos (``409`` otherwise)."""
    with transaction.atomic():
        expediente = _lock(expediente_id)
        ensure_version(expediente.version, expected_versions)
        if expediente.estado != Estado.INICIADO:
            raise InvalidTransition(
                _("Only an expediente in %(allowed)s can be deleted; this one is %(estado)s.")
                % {"allowed": Estado.INICIADO.value, "estado": expediente.estado},
                allowed=workflow.allowed_targets(expediente.estado, actor, expediente.owner_id),
                field="estado",
            )
        count = expediente.documentos.count()
        if count:
            message = ngettext(
                "The expediente has %(count)d documento; delete it first.",
                "The expediente has %(count)d documentos; delete them first.",
                count,
            ) % {"count": count}
            raise HasDependents(message, errors=[{"field": "documentos", "message": message, "code": "has_dependents"}])
        data = representation(expediente)
        pk = expediente.pk
        expediente.delete()
        record(
            actor=actor,
            entity_type="expediente",
            entity_id=pk,
            action="delete",
            changes={key: [data[key], None] for key in ("numero", "solicitante", "concepto", "estado", "owner")},
            event_type="expediente.deleted",
            data=data,
        )


# --- documentos ---------------------------------------------------------------------------------
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
        expediente = _lock(expediente_id)
        if expediente.estado == Estado.ARCHIVADO:
            raise Conflict(_("Documentos cannot be added to an archivado expediente."))
        documento = Documento(expediente=expediente, nombre=nombre, tipo=tipo, uploaded_by=actor)
        if inspected is not None:
            documento.file.name = stored_name
            documento.content_type = inspected.content_type
            documento.size = inspected.size
            documento.sha256 = inspected.sha256
        documento.save()
        data = documento_representation(documento)
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
        expediente = _lock(expediente_id)
        documento = Documento.objects.select_for_update().filter(pk=documento_id).first()
        if documento is None:
            raise NotFound.for_resource("Documento")
        if not is_staff_user(actor):
            if expediente.owner_id != actor.pk:
                raise NotFound.for_resource("Documento")
            if expediente.estado != Estado.INICIADO:
                raise PermissionDeniedError(_("Documentos can only be removed by their owner while iniciado."))
        data = documento_representation(documento)
        stored_name = documento.file.name
        pk = documento.pk
        documento.delete()
        record(
            actor=actor,
            entity_type="documento",
            entity_id=pk,
            action="delete",
            changes={key: [value, None] for key, value in data.items() if key not in ("id", "created_at")},
        )
        if stored_name:
            storage = storages["default"]
            transaction.on_commit(lambda: storage.delete(stored_name))
