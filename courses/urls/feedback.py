from django.urls import path

from ..views import feedback as views

urlpatterns = [
    path("courses/<int:pk>/rate/", views.course_rate, name="course_rate"),
    path("lessons/<int:pk>/report/", views.lesson_report, name="lesson_report"),
    path("feedback/", views.feedback_triage, name="feedback_triage"),
    path("feedback/<int:pk>/resolve/", views.feedback_resolve, name="feedback_resolve"),
    path("feedback/<int:pk>/reopen/", views.feedback_reopen, name="feedback_reopen"),
]
