"""Per-day counters for the weekly reports (arrivals, decisions, orders and revenue): the table, the
triggers on expedientes, moves and orders that keep it, and the counts of the existing rows. The SQL
comes from ``reports.daily``, whose constants never change once a migration uses them.
"""
from django.db import migrations, models

from reports.daily import INSTALL_SQL, UNINSTALL_SQL


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0001_expediente_moves'),
        ('expedientes', '0008_open_assignee_index'),
        ('orders', '0006_created_revenue_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='DailyCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('kind', models.CharField(max_length=16)),
                ('slot', models.SmallIntegerField()),
                ('n', models.BigIntegerField(default=0)),
                ('amount', models.DecimalField(decimal_places=2, default=0, max_digits=20)),
            ],
            options={
                'verbose_name': 'daily count',
                'verbose_name_plural': 'daily counts',
                'indexes': [models.Index(fields=['kind', 'day'], include=('n', 'amount'), name='reports_daily_kind_day')],
                'constraints': [models.UniqueConstraint(fields=('day', 'kind', 'slot'), name='reports_daily_key')],
            },
        ),
        migrations.RunSQL(INSTALL_SQL, reverse_sql=UNINSTALL_SQL),
    ]
