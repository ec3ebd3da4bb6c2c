# Wagtail loads wagtail_hooks from each app; each concept keeps its admin wiring in
# assessments/admin/.
from .admin import bank, certification, exams, practical  # noqa: F401
