# Celery's autodiscovery imports courses.tasks: every concept's tasks are registered from here.
from . import classroom, enrolment, reminders, scorm  # noqa: F401
