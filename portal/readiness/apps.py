from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReadinessConfig(AppConfig):
    """Go-live readiness: rollout waves, criteria, the RAG dashboard, snapshots, go / no-go
    decisions, the access list and its API."""

    name = "portal.readiness"
    label = "readiness"
    verbose_name = _("Go-live readiness")

    def ready(self):
        from portal.org import golive

        from .waves import wave_go_live_dates

        golive.GO_LIVE_DATES = wave_go_live_dates
