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
