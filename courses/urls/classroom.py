"""Classroom sessions, under /learning/ (namespace "courses")."""

from django.urls import path

from ..views import classroom as views

urlpatterns = [
    path(
        "courses/<int:course_id>/sessions/",
        views.course_sessions,
        name="course_sessions",
    ),
    path("sessions/mine/", views.my_sessions, name="my_sessions"),
    path("sessions/<int:pk>/book/", views.session_book, name="session_book"),
    path("sessions/<int:pk>/cancel/", views.session_cancel, name="session_cancel"),
    path("sessions/<int:pk>/calendar.ics", views.session_calendar, name="session_calendar"),
    path("sessions/<int:pk>/attendance/", views.session_attendance, name="session_attendance"),
]
