from django.apps import AppConfig


class ExpedientesConfig(AppConfig):
    name = "expedientes"
    label = "expedientes"
