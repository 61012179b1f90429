"""The version trigger of expedientes_expediente: every write statement moves the table's version (core.versions)."""

from django.db import migrations

from core.versions import install_sql, uninstall_sql

TABLE = "expedientes_expediente"


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_table_versions"),
        ("expedientes", "0008_open_assignee_index"),
    ]

    operations = [migrations.RunSQL(install_sql(TABLE), reverse_sql=uninstall_sql(TABLE))]
