"""Counters the database keeps for expedientes (installed by migration 0003_tally_triggers).

They answer the page-mode ``total`` of ``GET /expedientes`` without a scan (no filter, ``estado``,
``owner`` or a citizen's own list, ``assigned_to``, and those combined with ``estado``) and the
dashboard's count per estado.
"""

from core.tallies import TallySpec

BY_ESTADO = TallySpec("expedientes_expediente", ("estado",))
BY_OWNER_ESTADO = TallySpec("expedientes_expediente", ("owner_id", "estado"))
BY_ASSIGNEE_ESTADO = TallySpec("expedientes_expediente", ("assigned_to_id", "estado"))
TALLIES = (BY_ESTADO, BY_OWNER_ESTADO, BY_ASSIGNEE_ESTADO)

# documentos_count (a column kept by triggers, migration 0004) counted again from the documentos,
# after a load that skipped the triggers.
RECOUNT_DOCUMENTOS = """
UPDATE expedientes_expediente AS e SET documentos_count = coalesce(d.n, 0)
FROM expedientes_expediente AS x
LEFT JOIN (SELECT expediente_id, count(*) AS n FROM expedientes_documento GROUP BY expediente_id) AS d
    ON d.expediente_id = x.id
WHERE e.id = x.id AND e.documentos_count IS DISTINCT FROM coalesce(d.n, 0)
"""
