from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The project package as an app: base templates, static files, locale, the demo command."""

    name = "portal"
    verbose_name = "Readyline"
