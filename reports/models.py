"""The expedientes' estado changes, one narrow row each, kept from the audit trail by the database."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Func
from django.utils.translation import gettext_lazy as _

from events.models import AppendOnlyModel


class ExpedienteMove(AppendOnlyModel):
    """One transition of one expediente, copied from its ``transition`` audit event (same id) by a
    trigger on the audit table, in the same transaction (see ``reports.moves``).

    Besides the event's time and its ``[from, to]``, the row keeps when the expediente entered the
    estado it leaves (``entered_at``: its previous transition, or its creation) and when it was
    created (``started_at``). A report over a period is then one range of the ``at`` index, instead
    of reading the whole trail of every expediente that moved in it.
    """

    id = models.BigIntegerField(primary_key=True)
    expediente_id = models.BigIntegerField()
    at = models.DateTimeField()
    from_estado = models.CharField(max_length=32)
    to_estado = models.CharField(max_length=32)
    entered_at = models.DateTimeField()
    started_at = models.DateTimeField()
    # The processing-times report's durations, in seconds, computed by the database when the row is
    # written, so its indexes can hold them (a report then reads and sorts them from the index alone).
    stay_seconds = models.GeneratedField(
        expression=Func(F("at"), F("entered_at"), template="date_part('epoch', %(expressions)s)", arg_joiner=" - "),
        output_field=models.FloatField(),
        db_persist=True,
    )
    decision_seconds = models.GeneratedField(
        expression=Func(F("at"), F("started_at"), template="date_part('epoch', %(expressions)s)", arg_joiner=" - "),
        output_field=models.FloatField(),
        db_persist=True,
    )

    class Meta:
        verbose_name = _("expediente move")
        verbose_name_plural = _("expediente moves")
        indexes = [
            # The period's range, answered from the index alone (the reports read nothing else).
            models.Index(
                fields=["at"],
                include=["from_estado", "to_estado", "entered_at", "started_at", "expediente_id"],
                name="reports_move_at",
            ),
            # The decisions alone (a third of the moves).
            models.Index(
                fields=["at"],
                include=["to_estado", "started_at", "expediente_id", "decision_seconds"],
                condition=models.Q(to_estado__in=["aprobado", "rechazado"]),
                name="reports_move_decision_at",
            ),
            # One group of the processing-times report each (the stays in one estado, the decisions of
            # one outcome, or both outcomes: two ranges): read from the index alone, nothing to filter.
            models.Index(fields=["from_estado", "at"], include=["stay_seconds"], name="reports_move_from_at"),
            models.Index(
                fields=["to_estado", "at"],
                include=["decision_seconds"],
                condition=models.Q(to_estado__in=["aprobado", "rechazado"]),
                name="reports_move_outcome_at",
            ),
            # The trigger's "previous move of this expediente".
            models.Index(fields=["expediente_id", "-at"], name="reports_move_expediente"),
        ]

    def __str__(self) -> str:
        return f"expediente {self.expediente_id}: {self.from_estado} -> {self.to_estado}"


class DailyCount(models.Model):
    """How many expedientes arrived, were approved or rejected, and how many orders were placed (with
    their revenue) on one UTC day: counters kept by triggers in the same transaction as the writes
    (see ``reports.daily``). A counter is spread over a few ``slot`` rows; readers sum them."""

    day = models.DateField()
    kind = models.CharField(max_length=16)
    slot = models.SmallIntegerField()
    n = models.BigIntegerField(default=0)
    amount = models.DecimalField(max_digits=20, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("daily count")
        verbose_name_plural = _("daily counts")
        constraints = [models.UniqueConstraint(fields=["day", "kind", "slot"], name="reports_daily_key")]
        indexes = [models.Index(fields=["kind", "day"], include=["n", "amount"], name="reports_daily_kind_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.kind}: {self.n}"
