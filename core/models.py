from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(TimeStampedModel):
    """A row with an optimistic-concurrency ``version``; services bump it on every write."""

    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        abstract = True


class IdempotencyKey(models.Model):
    """One ``Idempotency-Key`` use: claimed before the view runs, holding its final response after.

    ``user_id`` is a plain integer so ``core`` stays free of the accounts app (and the row is
    only a cache of a response: it need not outlive nor block a user).
    """

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress"
        COMPLETED = "completed"

    user_id = models.BigIntegerField()
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(max_length=16, choices=State.choices, default=State.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    response_body = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    locked_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user_id", "method", "path", "key"], name="core_idempotency_scope_unique")
        ]
        indexes = [models.Index(fields=["expires_at"], name="core_idempotency_expires")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"


class Tally(models.Model):
    """Exact row counts (and one summed amount) per group, kept by triggers on the counted tables.

    One logical counter, say "expedientes with estado aprobado of owner 7", is the sum of up to
    ``core.tallies.SLOTS`` rows that differ by ``slot``: each database session adds to the slot of
    its backend, so concurrent writers rarely wait on the same row. ``name`` says which table and
    columns are counted (``expedientes_expediente:owner_id,estado``), ``k1``/``k2`` hold those
    columns' values as text (``""`` when the counter has one column). See ``core.tallies``.
    """

    pk = models.CompositePrimaryKey("name", "k1", "k2", "slot")
    name = models.CharField(max_length=120)
    k1 = models.TextField()
    k2 = models.TextField(default="")
    slot = models.SmallIntegerField()
    n = models.BigIntegerField(default=0)
    # Unbounded numeric in the database (a sum over any number of rows has no fixed width).
    amount = models.DecimalField(max_digits=1000, decimal_places=2, default=0)

    class Meta:
        db_table = "core_tally"
        verbose_name = _("tally")
        verbose_name_plural = _("tallies")

    def __str__(self) -> str:
        return f"{self.name}[{self.k1},{self.k2}]#{self.slot}={self.n}"


class TableVersion(models.Model):
    """How many write statements a table has had, kept by a trigger: a version of its rows.

    What is derived from a table (a count of a search) is cached under the table's version; a write
    moves it, so a cached value is never read for rows it was not computed from. Spread over slots
    like the tallies (one per database session, ``core.versions``) so writers rarely wait.
    """

    pk = models.CompositePrimaryKey("table", "slot")
    table = models.CharField(max_length=120)
    slot = models.SmallIntegerField()
    n = models.BigIntegerField(default=0)

    class Meta:
        db_table = "core_table_version"
        verbose_name = _("table version")
        verbose_name_plural = _("table versions")

    def __str__(self) -> str:
        return f"{self.table}#{self.slot}={self.n}"
