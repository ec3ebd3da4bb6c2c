"""Certificates (namespace "assessments", mounted at /exams/). The public verification page is
outside the namespace, at /verify/ (portal/urls.py)."""

from django.urls import path

from ..views import certificates as views

urlpatterns = [
    path("certificates/", views.my_certificates, name="my_certificates"),
    path("certificates/<int:pk>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    path("certificates/manage/", views.certificate_manage, name="certificate_manage"),
    path("certificates/manage/<int:pk>/", views.certificate_detail, name="certificate_detail"),
    path(
        "certificates/manage/<int:pk>/revoke/",
        views.certificate_revoke_view,
        name="certificate_revoke",
    ),
    path(
        "certificates/manage/<int:pk>/reissue/",
        views.certificate_reissue_view,
        name="certificate_reissue",
    ),
]
