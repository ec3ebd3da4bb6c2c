"""Readiness pages (namespace "readiness", mounted at /readiness/). The dashboard's views are in
views.py; decisions and evaluations in decision_urls.py; the access list in access_urls.py;
API tokens in token_urls.py."""

from django.urls import include, path

from . import views

app_name = "readiness"

urlpatterns = [
    path("", views.wave_list, name="waves"),
    path("waves/<int:pk>/", views.wave_dashboard, name="wave"),
    path(
        "waves/<int:pk>/departments/<int:department_id>/",
        views.department_detail,
        name="department",
    ),
    path(
        "waves/<int:pk>/departments/<int:department_id>/people/",
        views.cell_people,
        name="people",
    ),
    path("", include("portal.readiness.decision_urls")),
    path("", include("portal.readiness.access_urls")),
    path("", include("portal.readiness.token_urls")),
]
