from django.apps import AppConfig


class ExpedientesConfig(AppConfig):
    name = "expedientes"
    label = "expedientes"

    def ready(self) -> None:
        from core import tallies, versions
        from expedientes.models import Expediente
        from expedientes.tallies import TALLIES

        tallies.register(*TALLIES)
        versions.register(Expediente._meta.db_table)  # searches' totals are cached per version
