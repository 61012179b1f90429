"""The expedientes admin: the expediente's screens (:mod:`~expedientes.admin.expediente`, with its
workflow views in :mod:`~expedientes.admin.workflow`) and the documentos'
(:mod:`~expedientes.admin.documentos`); importing the package registers them."""

from expedientes.admin.display import ESTADO_COLOURS, AssigneeFilter, estado_badge, history_row
from expedientes.admin.documentos import DocumentoAdmin, DocumentoInline
from expedientes.admin.expediente import ExpedienteAdmin

__all__ = [
    "ESTADO_COLOURS",
    "AssigneeFilter",
    "DocumentoAdmin",
    "DocumentoInline",
    "ExpedienteAdmin",
    "estado_badge",
    "history_row",
]
