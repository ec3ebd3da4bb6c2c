from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    """Question bank and imports, knowledge and practical exams, attempts and grading (later:
    certificates, proficiency)."""

    name = "assessments"
    verbose_name = _("Exams")

    def ready(self):
        from django.utils.translation import gettext

        # Exams are items a curriculum can require (courses' item kind registry).
        from . import curriculum, receivers  # noqa: F401
        from .simulation import messages

        # The simulated HIS is plain Python: its messages are translated through Django's
        # catalogue in the language of the request that shows them.
        messages.translate = gettext
