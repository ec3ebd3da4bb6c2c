"""The learner, manager and trainer pages of the courses app, one module per concept."""

from . import chase, classroom, feedback, learning, notifications, scorm

app_name = "courses"
urlpatterns = [
    *learning.urlpatterns,
    *notifications.urlpatterns,
    *chase.urlpatterns,
    *classroom.urlpatterns,
    *feedback.urlpatterns,
    *scorm.urlpatterns,
]
