"""Seed-user pages (namespace "seedusers", mounted at /seed-users/)."""

from django.urls import path

from . import views

app_name = "seedusers"

urlpatterns = [
    path("", views.nomination_list, name="nominations"),
    path("nominate/", views.nominate, name="nominate"),
    path("nominations/<int:pk>/", views.nomination_detail, name="nomination_detail"),
    path("nominations/<int:pk>/decide/", views.nomination_decide, name="nomination_decide"),
    path("nominations/<int:pk>/activate/", views.nomination_activate, name="nomination_activate"),
    path(
        "nominations/<int:pk>/step-down/", views.nomination_step_down, name="nomination_step_down"
    ),
    path("coverage/", views.coverage, name="coverage"),
    path("activities/", views.activity_list, name="activities"),
    path("activities/<int:pk>/decide/", views.activity_decide, name="activity_decide"),
    path("issues.csv", views.issues_csv, name="issues_csv"),
    path("leaderboard/", views.leaderboard, name="leaderboard"),
    path("me/", views.my_seed, name="my_seed"),
    path("me/volunteer/", views.volunteer, name="volunteer"),
    path("me/log/", views.activity_log, name="activity_log"),
    path("colleagues/", views.colleagues, name="colleagues"),
]
