"""Webhook deliveries lose their counters: the worker's status updates took counter rows that a
publishing request could hold while waiting on an endpoint the worker had locked (a deadlock).
The dashboard counts pending and failed deliveries from the table instead."""

from django.db import migrations, models

from core.tallies import TallySpec, install_sql, uninstall_sql

DELIVERY = "events_webhookdelivery"
DELIVERY_SPECS = (TallySpec(DELIVERY, ("status",)),)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0005_audit_and_feed_filter_indexes"),
    ]

    operations = [
        migrations.RunSQL(
            uninstall_sql(DELIVERY, DELIVERY_SPECS), reverse_sql=install_sql(DELIVERY, DELIVERY_SPECS)
        ),
        migrations.AddIndex(
            model_name="webhookdelivery",
            index=models.Index(
                condition=models.Q(("status__in", ["pending", "failed"])),
                fields=["status"],
                name="events_delivery_status",
            ),
        ),
    ]
