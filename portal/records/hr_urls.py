from django.urls import path

from . import hr_views

urlpatterns = [
    path("hr/", hr_views.hr_search, name="hr_search"),
    path("hr/staff/<int:pk>/", hr_views.transcript, name="transcript"),
    path("hr/staff/<int:pk>/pdf/", hr_views.transcript_pdf, name="transcript_pdf"),
    path("my-transcript/", hr_views.my_transcript, name="my_transcript"),
    path("my-transcript/pdf/", hr_views.my_transcript_pdf, name="my_transcript_pdf"),
    path("hr/exports/", hr_views.hr_export_list, name="hr_exports"),
    path("hr/exports/new/", hr_views.hr_export_create, name="hr_export_create"),
    path("hr/exports/<int:pk>/", hr_views.hr_export_detail, name="hr_export_detail"),
    path("hr/exports/<int:pk>/progress/", hr_views.hr_export_progress, name="hr_export_progress"),
    path("hr/exports/<int:pk>/download/", hr_views.hr_export_download, name="hr_export_download"),
]
