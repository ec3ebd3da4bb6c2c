"""Certification status and proficiency pages (namespace "assessments", mounted at /exams/)."""

from django.urls import path

from ..views import certification as views

urlpatterns = [
    path("certification/status/", views.certification_status, name="certification_status"),
    path("proficiency/", views.my_proficiency, name="my_proficiency"),
    path("proficiency/<int:staff_id>/", views.staff_proficiency, name="staff_proficiency"),
]
