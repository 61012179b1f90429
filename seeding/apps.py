from django.apps import AppConfig


class SeedingConfig(AppConfig):
    """``manage.py seed``: a database at scale for benchmarks. No models; may read every app."""

    name = "seeding"
    verbose_name = "Seeding"
