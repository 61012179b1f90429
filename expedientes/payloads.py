"""What the expedientes app's audit trail and events carry: the API representation of each resource.

Services build payloads here and never import serializers (the API's shapes live there).
"""

from __future__ import annotations

from typing import Any

from expedientes.models import Documento, Expediente
from expedientes.serializers import documento_representation, representation

AUDITED_FIELDS = ("numero", "solicitante", "concepto", "estado", "owner")


def expediente_payload(expediente: Expediente) -> dict[str, Any]:
    """The expediente as the API shows it to nobody in particular (no per-user fields)."""
    return representation(expediente)


def documento_payload(documento: Documento) -> dict[str, Any]:
    return documento_representation(documento)


def updatable(expediente: Expediente) -> dict[str, Any]:
    """The fields a ``PUT``/``PATCH`` may change besides ``estado``, as the API names them."""
    return {
        "solicitante": expediente.solicitante,
        "concepto": expediente.concepto,
        "assigned_to": expediente.assigned_to_id,
    }
