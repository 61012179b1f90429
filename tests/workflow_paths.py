"""Shortest paths through the expedientes workflow table, for fixtures that need an expediente in a given estado."""

from expedientes.models import Estado

PATH_TO = {
    Estado.INICIADO: [],
    Estado.EN_REVISION: [Estado.EN_REVISION],
    Estado.REQUIERE_SUBSANACION: [Estado.EN_REVISION, Estado.REQUIERE_SUBSANACION],
    Estado.APROBADO: [Estado.EN_REVISION, Estado.APROBADO],
    Estado.RECHAZADO: [Estado.EN_REVISION, Estado.RECHAZADO],
    Estado.ARCHIVADO: [Estado.EN_REVISION, Estado.APROBADO, Estado.ARCHIVADO],
}
