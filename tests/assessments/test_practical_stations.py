"""OSCE stations: a practical exam scored by the examiner alone. The candidate has nothing to
start on screen; the assigned examiner opens the attempt when the candidate begins, and saving
the rubric finishes and grades it (exactly once, audited). Others cannot start or score it."""

import pytest

from assessments.models import Attempt, Exam
from assessments.services.practical import station_attempt_start
from portal.accounts import roles
from portal.records.models import AuditEvent
from tests.factories import person

from .practical_factories import practical_exam

pytestmark = pytest.mark.django_db

RUBRIC = [("Introduces self and checks identity", 2), ("Hand hygiene", 2), ("Explains", 1)]


@pytest.fixture
def station(role_groups):
    examiner = person([roles.LEARNER]).user  # a senior nurse, not a trainer
    candidate = person([roles.LEARNER])
    exam = practical_exam(
        scenario_=None,
        assessed_by="rubric",
        rubric=RUBRIC,
        examiners=[(examiner, candidate)],
        title="Medication round station",
    )
    return {"exam": exam, "examiner": examiner, "candidate": candidate}


def start_url(exam, staff) -> str:
    return f"/exams/manage/examine/{exam.pk}/station/{staff.pk}/start/"


def test_the_candidate_has_nothing_to_start(client, station):
    exam, candidate = station["exam"], station["candidate"]
    client.force_login(candidate.user)
    page = client.get(f"/exams/{exam.pk}/").content.decode()
    assert "data-station" in page and 'data-action="start"' not in page
    response = client.post(f"/exams/{exam.pk}/start/", follow=True)
    assert "Your examiner starts this exam with you at the station." in response.content.decode()
    assert not Attempt.objects.filter(exam=exam).exists()


def test_the_examiner_starts_scores_and_so_finishes_the_station(client, station):
    exam, examiner, candidate = station["exam"], station["examiner"], station["candidate"]
    client.force_login(examiner)
    home = client.get("/exams/manage/examine/").content.decode()
    assert "data-station-start" in home and candidate.full_name in home

    response = client.post(start_url(exam, candidate))
    attempt = Attempt.objects.get(exam=exam, staff=candidate)
    assert response["Location"] == f"/exams/manage/examine/attempt/{attempt.pk}/"
    assert attempt.state == Attempt.State.IN_PROGRESS and attempt.scenario_version_id is None
    # Starting again continues the open attempt.
    client.post(start_url(exam, candidate))
    assert Attempt.objects.filter(exam=exam, staff=candidate).count() == 1

    items = list(exam.rubric_items.order_by("sort_order"))
    data = {f"item-{i.pk}": "done" for i in items} | {"global_rating": "4", "comments": "Safe."}
    client.post(f"/exams/manage/examine/attempt/{attempt.pk}/", data)
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED
    assert attempt.finished_by == Attempt.FinishedBy.EXAMINER
    assert attempt.passed is True and attempt.percent == 100
    finish = AuditEvent.objects.get(action="attempt.finish", object_id=str(attempt.pk))
    assert finish.actor == examiner

    # The candidate sees the result of the station.
    client.force_login(candidate.user)
    result = client.get(f"/exams/attempt/{attempt.pk}/his/result/").content.decode()
    assert "data-grade" in result and "100%" in result


def test_a_low_rating_fails_the_station_whatever_the_points(client, station):
    exam, examiner, candidate = station["exam"], station["examiner"], station["candidate"]
    attempt = station_attempt_start(exam=exam, staff=candidate, examiner=examiner)
    client.force_login(examiner)
    items = list(exam.rubric_items.order_by("sort_order"))
    data = {f"item-{i.pk}": "done" for i in items} | {"global_rating": "2"}
    client.post(f"/exams/manage/examine/attempt/{attempt.pk}/", data)
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED and attempt.passed is False


def test_only_an_assigned_examiner_or_trainer_may_start_a_station(client, station):
    exam, candidate = station["exam"], station["candidate"]
    other_examiner = person([roles.TRAINER]).user  # a trainer, but not of this exam
    client.force_login(other_examiner)
    assert client.post(start_url(exam, candidate)).status_code == 404
    client.force_login(candidate.user)
    assert client.post(start_url(exam, candidate)).status_code == 403
    assert not Attempt.objects.filter(exam=exam).exists()


def test_a_simulation_exam_is_not_started_by_an_examiner(client, station):
    examiner, candidate = station["examiner"], station["candidate"]
    simulated = practical_exam(assessed_by="both", rubric=RUBRIC, examiners=[(examiner, candidate)])
    client.force_login(examiner)
    assert client.post(start_url(simulated, candidate)).status_code == 404
    with pytest.raises(ValueError):
        station_attempt_start(exam=simulated, staff=candidate, examiner=examiner)
    assert simulated.kind == Exam.Kind.PRACTICAL


def test_nobody_examines_themselves_not_even_a_trainer_of_the_exam(client, station):
    from django.core.exceptions import PermissionDenied

    from assessments.services.practical import rubric_score_save
    from tests.assessments.factories import trains

    exam, candidate = station["exam"], station["candidate"]
    trains(exam, candidate.user)  # the candidate also trains this exam
    with pytest.raises(PermissionDenied):
        station_attempt_start(exam=exam, staff=candidate, examiner=candidate.user)
    attempt = station_attempt_start(exam=exam, staff=candidate, examiner=station["examiner"])
    client.force_login(candidate.user)
    assert client.get(f"/exams/manage/examine/attempt/{attempt.pk}/").status_code in (403, 404)
    items = {str(i.pk): "done" for i in exam.rubric_items.all()}
    with pytest.raises(PermissionDenied):
        rubric_score_save(attempt=attempt, examiner=candidate.user, items=items, global_rating=5)
