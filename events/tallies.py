"""Counters the database keeps for the audit trail and the domain events (installed by migration
0004_tally_triggers).

They answer the page-mode ``total`` of ``GET /audit-events`` (no filter, ``action``,
``entity_type``, ``actor`` and those with ``action``) and of ``GET /events`` (no filter, ``type``).
Webhook deliveries are not counted (migration 0006 removed their counters): a worker finishing
deliveries must never wait on a counter row that a publishing request holds while that request
waits on the worker's endpoint lock (a deadlock seen with a real worker).
"""

from core.tallies import TallySpec

TALLIES = (
    TallySpec("events_auditevent", ("action",)),
    TallySpec("events_auditevent", ("entity_type", "action")),
    TallySpec("events_auditevent", ("actor_id", "action")),
    TallySpec("events_event", ("type",)),
)
