"""The trainer's replay of a practical attempt and the examiner's rubric pages, under
/exams/manage/."""

from django.urls import path

from ..views import examiner, replay

urlpatterns = [
    path(
        "manage/attempt/<int:attempt_id>/replay/",
        replay.practical_replay,
        name="practical_replay",
    ),
    path("manage/examine/", examiner.examiner_home, name="examiner_home"),
    path(
        "manage/examine/<int:exam_id>/station/<int:staff_id>/start/",
        examiner.station_start,
        name="station_start",
    ),
    path(
        "manage/examine/attempt/<int:attempt_id>/",
        examiner.rubric_score,
        name="rubric_score",
    ),
]
