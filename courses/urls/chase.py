from django.urls import path

from ..views import chase

urlpatterns = [
    path("chase/", chase.chase_list, name="chase_list"),
    path("chase/export.csv", chase.chase_export_csv, name="chase_export_csv"),
    path("chase/export.xlsx", chase.chase_export_xlsx, name="chase_export_xlsx"),
]
