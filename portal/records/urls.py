from django.urls import include, path

from . import hr_urls, views

app_name = "records"
urlpatterns = [
    path("audit/", views.audit_list, name="audit_list"),
    *hr_urls.urlpatterns,
    path("", include("portal.records.personal_data_urls")),
]
