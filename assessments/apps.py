from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    """Question bank, exams, practical exams, certificates (later issues). Empty for now."""

    name = "assessments"
