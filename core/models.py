from django.db import models
from django.utils import timezone


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(TimeStampedModel):
    """A row with an optimistic-concurrency ``version``; services bump it on every write."""

    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True
