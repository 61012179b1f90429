from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    label = "events"

    def ready(self) -> None:
        from core import tallies
        from events.tallies import TALLIES

        tallies.register(*TALLIES)

        from core.metrics import register_scrape_collector
        from events.metrics import OutboxCollector

        register_scrape_collector(OutboxCollector())
