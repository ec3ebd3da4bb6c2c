"""The trainer's pages (names in var/EXAMS_API.md), under /exams/manage/."""

from django.urls import path

from ..views import trainer as views

urlpatterns = [
    path("manage/", views.trainer_exams, name="trainer_exams"),
    path("manage/<int:exam_id>/attempts/", views.exam_attempts, name="exam_attempts"),
    path("manage/<int:exam_id>/statistics/", views.exam_statistics, name="exam_statistics"),
    path(
        "manage/<int:exam_id>/export/<str:fmt>/",
        views.exam_results_export,
        name="exam_results_export",
    ),
    path("manage/grading/", views.grading_queue, name="grading_queue"),
    path("manage/grading/<int:aq_id>/", views.essay_grade, name="essay_grade"),
    path("manage/attempt/<int:attempt_id>/", views.trainer_attempt, name="trainer_attempt"),
]
