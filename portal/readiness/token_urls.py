"""API tokens for integrations (included into the "readiness" namespace by urls.py)."""

from django.urls import path

from . import token_views as views

urlpatterns = [
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
