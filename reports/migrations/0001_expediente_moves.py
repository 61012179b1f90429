"""The expedientes' moves (estado changes) kept from the audit trail: the table, the trigger that
fills it on every audit insert, and the moves of the existing trail (computed with a window
function). The SQL comes from ``reports.moves``, whose constants never change once a migration uses them.
"""

from django.db import migrations, models

from reports.moves import INSTALL_SQL, MOVES_FROM_TRAIL_SQL, UNINSTALL_SQL


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("events", "0007_translatable_labels"),
        ("expedientes", "0007_translatable_labels"),
    ]

    operations = [
        migrations.CreateModel(
            name='ExpedienteMove',
            fields=[
                ('id', models.BigIntegerField(primary_key=True, serialize=False)),
                ('expediente_id', models.BigIntegerField()),
                ('at', models.DateTimeField()),
                ('from_estado', models.CharField(max_length=32)),
                ('to_estado', models.CharField(max_length=32)),
                ('entered_at', models.DateTimeField()),
                ('started_at', models.DateTimeField()),
            ],
            options={
                'verbose_name': 'expediente move',
                'verbose_name_plural': 'expediente moves',
                'indexes': [models.Index(fields=['at'], include=('from_estado', 'to_estado', 'entered_at', 'started_at', 'expediente_id'), name='reports_move_at'), models.Index(condition=models.Q(('to_estado__in', ['aprobado', 'rechazado'])), fields=['at'], include=('to_estado', 'started_at', 'expediente_id'), name='reports_move_decision_at'), models.Index(fields=['expediente_id', '-at'], name='reports_move_expediente')],
            },
        ),
        migrations.RunSQL(INSTALL_SQL + MOVES_FROM_TRAIL_SQL + "ANALYZE reports_expedientemove;", reverse_sql=UNINSTALL_SQL),
    ]
