from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    """Question bank and imports, knowledge exams, attempts and grading (later: practical
    exams, certificates, proficiency)."""

    name = "assessments"
    verbose_name = _("Exams")

    def ready(self):
        # Exams are items a curriculum can require (courses' item kind registry).
        from . import curriculum  # noqa: F401
