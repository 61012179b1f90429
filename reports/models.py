"""The expedientes' estado changes, one narrow row each, kept from the audit trail by the database."""

from __future__ import annotations

from django.db import models
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
                include=["to_estado", "started_at", "expediente_id"],
                condition=models.Q(to_estado__in=["aprobado", "rechazado"]),
                name="reports_move_decision_at",
            ),
            # The trigger's "previous move of this expediente".
            models.Index(fields=["expediente_id", "-at"], name="reports_move_expediente"),
        ]

    def __str__(self) -> str:
        return f"expediente {self.expediente_id}: {self.from_estado} -> {self.to_estado}"
