"""``manage.py process_outbox``: the beat sweep as a command (and the retry engine without a broker)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from events import health, outbox


class Command(BaseCommand):
    help = (
        "Enqueue every due webhook delivery and email that no worker holds; "
        "without a broker (eager mode) send them right here."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--limit", type=int, default=None, help="At most this many rows of each kind.")

    def handle(self, *args: Any, **options: Any) -> None:
        health.disable_stale_endpoints()
        result = outbox.sweep(limit=options["limit"])
        if options["verbosity"] >= 1:
            self.stdout.write(f"process_outbox: {result.deliveries} deliveries, {result.emails} emails")
