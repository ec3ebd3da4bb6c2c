"""Learner and trainer pages of the exams, one module per concept (mounted at /exams/)."""

from . import learner, trainer

app_name = "assessments"
urlpatterns = [*learner.urlpatterns, *trainer.urlpatterns]
