"""Every write on expedientes and documentos: one transaction each, audited and published."""

from expedientes.services.documentos import add_documento, delete_documento
from expedientes.services.lifecycle import (
    TransitionResult,
    create_expediente,
    delete_expediente,
    transition_expediente,
    update_expediente,
)

__all__ = [
    "TransitionResult",
    "add_documento",
    "create_expediente",
    "delete_documento",
    "delete_expediente",
    "transition_expediente",
    "update_expediente",
]
