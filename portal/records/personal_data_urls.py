from django.urls import path

from . import personal_data_views

urlpatterns = [
    path("my-data.json", personal_data_views.my_data, name="my_data"),
    path(
        "hr/staff/<int:pk>/personal-data.json",
        personal_data_views.staff_data,
        name="staff_personal_data",
    ),
]
