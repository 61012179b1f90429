from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    label = "orders"

    def ready(self) -> None:
        from core import tallies, versions
        from orders.models import Order
        from orders.tallies import TALLIES

        tallies.register(*TALLIES)
        versions.register(Order._meta.db_table)  # searches' totals are cached per version
