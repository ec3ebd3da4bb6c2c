# Wagtail loads wagtail_hooks from each app; each concept keeps its admin wiring in courses/admin/.
from .admin import authoring, classroom, curricula, feedback, scorm  # noqa: F401
