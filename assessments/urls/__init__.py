"""Learner and trainer pages of the exams, one module per concept (mounted at /exams/)."""

from . import certificates, certification, examiner, his, learner, trainer

app_name = "assessments"
urlpatterns = [
    *learner.urlpatterns,
    *trainer.urlpatterns,
    *his.urlpatterns,
    *examiner.urlpatterns,
    *certification.urlpatterns,
    *certificates.urlpatterns,
]
