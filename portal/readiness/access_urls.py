"""The "no training, no access" list and its exceptions (included into the "readiness"
namespace by urls.py)."""

from django.urls import path

from . import access_views as views

urlpatterns = [
    path("waves/<int:pk>/access/", views.access_list, name="access_list"),
    path("waves/<int:pk>/access.csv", views.access_csv, name="access_csv"),
    path(
        "waves/<int:pk>/access/exceptions/new/",
        views.exception_request,
        name="exception_request",
    ),
    path("exceptions/<int:pk>/decide/", views.exception_decide, name="exception_decide"),
]
