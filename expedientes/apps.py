from django.apps import AppConfig


class ExpedientesConfig(AppConfig):
    name = "expedientes"
    label = "expedientes"

    def ready(self) -> None:
        from core import tallies
        from expedientes.tallies import TALLIES

        tallies.register(*TALLIES)
