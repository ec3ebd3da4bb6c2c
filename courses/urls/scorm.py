from django.urls import path

from ..views import scorm

urlpatterns = [
    path("lessons/<int:pk>/scorm/", scorm.scorm_player, name="scorm_player"),
    path("lessons/<int:pk>/scorm/commit/", scorm.scorm_commit_view, name="scorm_commit"),
    path(
        "scorm/<int:package_id>/content/<path:path>",
        scorm.scorm_content,
        name="scorm_content",
    ),
]
