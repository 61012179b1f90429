"""Triggers that keep the counters of core_tally exact for the audit trail, the domain events and
webhook deliveries, and the counts of existing rows.

The specs are written out here (not imported from events.tallies) so this migration keeps
installing the same thing whatever the app declares later.
"""

from django.db import migrations

from core.tallies import TallySpec, install_sql, uninstall_sql

AUDIT = "events_auditevent"
EVENT = "events_event"
DELIVERY = "events_webhookdelivery"
AUDIT_SPECS = (
    TallySpec(AUDIT, ("action",)),
    TallySpec(AUDIT, ("entity_type", "action")),
    TallySpec(AUDIT, ("actor_id", "action")),
)
EVENT_SPECS = (TallySpec(EVENT, ("type",)),)
DELIVERY_SPECS = (TallySpec(DELIVERY, ("status",)),)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_tally_counters"),
        ("events", "0003_outbox"),
    ]

    operations = [
        migrations.RunSQL(install_sql(table, specs), reverse_sql=uninstall_sql(table, specs))
        for table, specs in ((AUDIT, AUDIT_SPECS), (EVENT, EVENT_SPECS), (DELIVERY, DELIVERY_SPECS))
    ]
