"""Every write of an expediente: one transaction each, audited and published.

All state changes of an expediente go through :func:`transition_expediente` (or the shared
``_transition`` step when a ``PUT``/``PATCH`` carries ``estado``), which locks the row, checks the
workflow table and the actor's role, writes, bumps the version and records the event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.permissions import is_staff_user
from core.exceptions import Conflict, HasDependents, InvalidTransition, PermissionDeniedError, ValidationFailed
from core.versioned_writes import diff, lock_versioned, removed, save_versioned
from core.workflow import may_take
from events.services import record
from expedientes import workflow
from expedientes.models import Estado, Expediente
from expedientes.payloads import AUDITED_FIELDS, expediente_payload, updatable

UNIQUE_NUMERO = "expedientes_numero_unique"
UPDATABLE_FIELDS = ("solicitante", "concepto", "assigned_to")
_SAVED_FIELDS = ["solicitante", "concepto", "assigned_to", "estado", "version", "updated_at"]


@dataclass(frozen=True)
class TransitionResult:
    expediente: Expediente
    allowed_transitions: list[str]


def lock_expediente(expediente_id: int, expected_versions: set[int] | None = None) -> Expediente:
    return lock_versioned(Expediente.objects, expediente_id, resource="Expediente", expected_versions=expected_versions)


def _save(expediente: Expediente) -> None:
    expediente.save(update_fields=_SAVED_FIELDS)


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
        data = expediente_payload(expediente)
        record(
            actor=actor,
            entity_type="expediente",
            entity_id=expediente.pk,
            action="create",
            changes={key: [None, data[key]] for key in AUDITED_FIELDS},
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
    if not may_take(rule, is_staff=is_staff_user(actor), is_owner=workflow.is_owner(actor, expediente.owner_id)):
        raise PermissionDeniedError(
            _("Only staff may move an expediente from %(from)s to %(to)s.") % {"from": expediente.estado, "to": target}
        )


def _record_transition(expediente: Expediente, source: str, actor: Any, comment: str = "") -> None:
    changes: dict[str, Any] = {"estado": [source, expediente.estado]}
    if comment:
        changes["comment"] = [None, comment]
    data = {**expediente_payload(expediente), "from": source, "to": expediente.estado}
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


def _estado(expediente: Expediente) -> dict[str, Any]:
    return {"estado": expediente.estado}


def _save_estado(expediente: Expediente) -> None:
    expediente.save(update_fields=["estado", "version", "updated_at"])


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
        expediente = lock_expediente(expediente_id, expected_versions)
        _check_transition(expediente, to, actor, field="to")
        source = expediente.estado
        save_versioned(expediente, {"estado": to}, represent=_estado, save=_save_estado, force=True)
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
    fields: Mapping[str, Any],
    expected_versions: set[int] | None = None,
) -> Expediente:
    """Partial update of ``solicitante``, ``concepto``, ``assigned_to`` (staff) and ``estado`` (workflow).

    A change of ``estado`` is a transition (audited as such, ``expediente.status_changed``); the
    other changed fields are one ``update`` (``expediente.updated``). Nothing changed, nothing written.
    """
    with transaction.atomic():
        expediente = lock_expediente(expediente_id, expected_versions)
        changes = diff(updatable(expediente), {name: fields[name] for name in UPDATABLE_FIELDS if name in fields})
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

        writes = {"assigned_to_id" if name == "assigned_to" else name: new for name, (_old, new) in changes.items()}
        if target is not None:
            writes["estado"] = target
        save_versioned(expediente, writes, represent=updatable, save=_save, force=True)

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
                data=expediente_payload(expediente),
            )
    return expediente


def delete_expediente(*, expediente_id: int, actor: Any, expected_versions: set[int] | None = None) -> None:
    """Delete an expediente that is still ``iniciado`` and has no documentos (``409`` otherwise)."""
    with transaction.atomic():
        expediente = lock_expediente(expediente_id, expected_versions)
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
        data = expediente_payload(expediente)
        pk = expediente.pk
        expediente.delete()
        record(
            actor=actor,
            entity_type="expediente",
            entity_id=pk,
            action="delete",
            changes=removed({key: data[key] for key in AUDITED_FIELDS}),
            event_type="expediente.deleted",
            data=data,
        )
