from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    """Course and lesson pages, curricula, enrolments, progress, reminders, classroom sessions,
    feedback and SCORM."""

    name = "courses"
    verbose_name = _("Courses")

    def ready(self):
        post_migrate.connect(_setup, dispatch_uid="courses_setup")
        from . import receivers  # noqa: F401  (enrolment recomputes on roster and course changes)


def _setup(sender, **kwargs):
    # post_migrate fires once per app and permissions appear app by app: sync each time
    # (idempotent, a few queries).
    from .setup import trainer_permissions_sync

    trainer_permissions_sync()
