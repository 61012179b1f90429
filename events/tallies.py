"""Counters the database keeps for the audit trail, the domain events and webhook deliveries
(installed by migration 0004_tally_triggers).

They answer the page-mode ``total`` of ``GET /audit-events`` (no filter, ``action``,
``entity_type``, ``actor`` and those with ``action``), of ``GET /events`` (no filter, ``type``), of
``GET /webhooks/deliveries`` (no filter, ``status``) and the dashboard's pending and failed
deliveries.
"""

from core.tallies import TallySpec

TALLIES = (
    TallySpec("events_auditevent", ("action",)),
    TallySpec("events_auditevent", ("entity_type", "action")),
    TallySpec("events_auditevent", ("actor_id", "action")),
    TallySpec("events_event", ("type",)),
    TallySpec("events_webhookdelivery", ("status",)),
)
DELIVERIES_BY_STATUS = TALLIES[-1]
