from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("roster/", views.roster_import_list, name="roster_import_list"),
    path("roster/template.csv", views.roster_template, name="roster_template"),
    path("roster/<int:pk>/", views.roster_import_detail, name="roster_import_detail"),
    path("roster/<int:pk>/confirm/", views.roster_import_confirm, name="roster_import_confirm"),
    path("roster/<int:pk>/progress/", views.roster_import_progress, name="roster_import_progress"),
]
