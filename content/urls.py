"""Help centre search. Mounted before Wagtail's catch-all in portal/urls.py:
`path("help/search/", include("content.urls"))`."""

from django.urls import path

from .views import help_search_view

app_name = "content"
urlpatterns = [path("", help_search_view, name="help_search")]
