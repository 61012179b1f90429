"""Triggers that keep the expedientes counters of core_tally exact, and the counts of existing rows.

The specs are written out here (not imported from expedientes.tallies) so this migration keeps
installing the same thing whatever the app declares later.
"""

from django.db import migrations

from core.tallies import TallySpec, install_sql, uninstall_sql

TABLE = "expedientes_expediente"
SPECS = (
    TallySpec(TABLE, ("estado",)),
    TallySpec(TABLE, ("owner_id", "estado")),
    TallySpec(TABLE, ("assigned_to_id", "estado")),
)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_tally_counters"),
        ("expedientes", "0002_estado_index"),
    ]

    operations = [migrations.RunSQL(install_sql(TABLE, SPECS), reverse_sql=uninstall_sql(TABLE, SPECS))]
