from django.urls import path

from ..views import learning

urlpatterns = [
    path("lessons/<int:pk>/complete/", learning.lesson_complete_view, name="lesson_complete"),
    path("lessons/<int:pk>/visit/", learning.lesson_visit_view, name="lesson_visit"),
    path("lessons/<int:pk>/time/", learning.lesson_time_view, name="lesson_time"),
    path("courses/<int:pk>/resume/", learning.course_resume_view, name="course_resume"),
]
