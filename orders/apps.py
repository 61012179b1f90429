from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    label = "orders"

    def ready(self) -> None:
        from core import tallies
        from orders.tallies import TALLIES

        tallies.register(*TALLIES)
