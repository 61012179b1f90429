"""Triggers that keep the orders counters of core_tally exact, and the counts of existing rows.

The specs are written out here (not imported from orders.tallies) so this migration keeps
installing the same thing whatever the app declares later.
"""

from django.db import migrations

from core.tallies import TallySpec, install_sql, uninstall_sql

TABLE = "orders_order"
SPECS = (
    TallySpec(TABLE, ("status",), amount="total"),
    TallySpec(TABLE, ("user_id", "status"), amount="total"),
)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_tally_counters"),
        ("orders", "0002_payment"),
    ]

    operations = [migrations.RunSQL(install_sql(TABLE, SPECS), reverse_sql=uninstall_sql(TABLE, SPECS))]
