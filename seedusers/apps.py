from django.apps import AppConfig


class SeedusersConfig(AppConfig):
    """Seed-user programmes (a later issue). Empty for now."""

    name = "seedusers"
