"""The moves keep their durations (seconds, computed by the database) and indexes hold them per estado
left, per outcome and for all decisions, for the processing-times report. Adding the columns
rewrites the table (about 10 s at a million expedientes)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0002_daily_counts'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='expedientemove',
            name='reports_move_decision_at',
        ),
        migrations.AddField(
            model_name='expedientemove',
            name='decision_seconds',
            field=models.GeneratedField(db_persist=True, expression=models.Func(models.F('at'), models.F('started_at'), arg_joiner=' - ', template="date_part('epoch', %(expressions)s)"), output_field=models.FloatField()),
        ),
        migrations.AddField(
            model_name='expedientemove',
            name='stay_seconds',
            field=models.GeneratedField(db_persist=True, expression=models.Func(models.F('at'), models.F('entered_at'), arg_joiner=' - ', template="date_part('epoch', %(expressions)s)"), output_field=models.FloatField()),
        ),
        migrations.AddIndex(
            model_name='expedientemove',
            index=models.Index(condition=models.Q(('to_estado__in', ['aprobado', 'rechazado'])), fields=['at'], include=('to_estado', 'started_at', 'expediente_id', 'decision_seconds'), name='reports_move_decision_at'),
        ),
        migrations.AddIndex(
            model_name='expedientemove',
            index=models.Index(fields=['from_estado', 'at'], include=('stay_seconds',), name='reports_move_from_at'),
        ),
        migrations.AddIndex(
            model_name='expedientemove',
            index=models.Index(condition=models.Q(('to_estado__in', ['aprobado', 'rechazado'])), fields=['to_estado', 'at'], include=('decision_seconds',), name='reports_move_outcome_at'),
        ),
    ]
