from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    label = "events"

    def ready(self) -> None:
        from core import tallies
        from core.metrics import register_scrape_collector
        from events import background, outbox
        from events import tasks as _tasks  # noqa: F401 - registers the tasks outbox publishes by name
        from events import worker as _worker  # noqa: F401 - connects the in-worker sweep to the worker signals
        from events.metrics import OutboxCollector
        from events.tallies import TALLIES

        tallies.register(*TALLIES)
        register_scrape_collector(OutboxCollector())
        outbox.register_background(background.submit)
