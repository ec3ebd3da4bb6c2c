"""The examinee's simulated HIS, the attempt page of a practical exam (under /exams/)."""

from django.urls import path

from ..views import his as views

urlpatterns = [
    path("attempt/<int:attempt_id>/his/", views.his_page, name="his_page"),
    path("attempt/<int:attempt_id>/his/act/", views.his_act, name="his_act"),
    path("attempt/<int:attempt_id>/his/finish/", views.his_finish, name="his_finish"),
    path("attempt/<int:attempt_id>/his/result/", views.his_result, name="his_result"),
]
