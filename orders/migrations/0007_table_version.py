"""The version trigger of orders_order: every write statement moves the table's version (core.versions)."""

from django.db import migrations

from core.versions import install_sql, uninstall_sql

TABLE = "orders_order"


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_table_versions"),
        ("orders", "0006_created_revenue_index"),
    ]

    operations = [migrations.RunSQL(install_sql(TABLE), reverse_sql=uninstall_sql(TABLE))]
