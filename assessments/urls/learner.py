"""The learner's exam pages (namespace "assessments", mounted at /exams/)."""

from django.urls import path

from ..views import learner as views

urlpatterns = [
    path("<int:exam_id>/", views.exam_detail, name="exam_detail"),
    path("<int:exam_id>/start/", views.attempt_start_view, name="attempt_start"),
    path("attempt/<int:attempt_id>/", views.attempt_page, name="attempt_page"),
    path("attempt/<int:attempt_id>/save/", views.attempt_save, name="attempt_save"),
    path("attempt/<int:attempt_id>/submit/", views.attempt_submit_view, name="attempt_submit"),
    path("attempt/<int:attempt_id>/review/", views.attempt_review, name="attempt_review"),
]
