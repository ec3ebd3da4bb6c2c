from django.apps import AppConfig


class CoursesConfig(AppConfig):
    """Course and lesson pages, curricula, enrolments (issue: Courses). Empty for now."""

    name = "courses"
