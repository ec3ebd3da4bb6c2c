"""The examiner's pages: the candidates to examine (/exams/manage/examine/) and the rubric of
one attempt (/exams/manage/examine/attempt/<id>/): who sees whom, scoring and re-scoring,
messages on bad input (nothing saved), double submits, live scoring of an open attempt, and a
query count that does not grow with the candidates."""

import pytest
from django.utils import timezone
from django.utils.html import escape

from assessments.models import Attempt, ExaminerAssignment, RubricItem, RubricScore
from portal.accounts import roles
from portal.records.models import AuditEvent
from tests.factories import DepartmentFactory, UserFactory, job_role, person

from . import factories as f
from .factories import trains
from .practical_factories import practical_exam, solution_actions
from .test_practical_services import _fresh_scenarios, sit_practical  # noqa: F401

pytestmark = pytest.mark.django_db

HOME = "/exams/manage/examine/"
SLUG = "nurse-bcma-wrong-patient"
RUBRIC = [("Checks the patient's identity aloud", 2), ("Explains the medicine", 2)]


def score_url(attempt) -> str:
    return f"{HOME}attempt/{attempt.pk}/"


@pytest.fixture
def world(role_groups):
    """A rubric exam (both) with two candidates, each assigned to their own examiner (learners,
    not trainers: senior nurses), a trainer of the exam; Ann has finished, Bo is still at it."""
    examiner_a = person([roles.LEARNER]).user
    examiner_b = person([roles.LEARNER]).user
    ann = person([roles.LEARNER], full_name="Ann Candidate")
    bo = person([roles.LEARNER], full_name="Bo Candidate")
    exam = practical_exam(
        assessed_by="both",
        rubric=RUBRIC,
        examiners=[(examiner_a, ann), (examiner_b, bo)],
        title="Medication round OSCE",
    )
    trainer = person([roles.TRAINER]).user
    trains(exam, trainer)
    return {
        "exam": exam,
        "trainer": trainer,
        "examiner_a": examiner_a,
        "examiner_b": examiner_b,
        "ann": ann,
        "bo": bo,
        "ann_attempt": sit_practical(exam, ann, solution_actions(SLUG)),
        "bo_attempt": sit_practical(exam, bo, solution_actions(SLUG)[:3], finish=False),
        "items": list(RubricItem.objects.filter(exam=exam).order_by("sort_order")),
    }


def post_data(world, values=("done", "done"), rating="4", comments=""):
    data = {f"item-{i.pk}": v for i, v in zip(world["items"], values, strict=False) if v}
    if rating is not None:
        data["global_rating"] = rating
    data["comments"] = comments
    return data


def names(response) -> list[str]:
    return [row.staff.full_name for row in response.context["rows"]]


# ---------------------------------------------------------------------------------------------
# The candidates


def test_an_examiner_sees_only_their_candidates(client, world):
    client.force_login(world["examiner_a"])
    response = client.get(HOME)
    assert response.status_code == 200
    assert names(response) == ["Ann Candidate"]
    row = response.context["rows"][0]
    assert row.attempt == world["ann_attempt"] and not row.scored
    html = response.content.decode()
    assert "not scored yet" in html and f'href="{score_url(world["ann_attempt"])}"' in html


def test_the_exams_trainer_and_a_superuser_see_every_candidate(client, world):
    unassigned = person([roles.LEARNER], full_name="Cy Candidate")
    sit_practical(world["exam"], unassigned, [])
    for user in (world["trainer"], UserFactory(is_superuser=True)):
        client.force_login(user)
        assert names(client.get(HOME)) == ["Ann Candidate", "Bo Candidate", "Cy Candidate"]


def test_a_candidate_without_an_attempt_is_listed_as_not_started(client, world):
    newcomer = person([roles.LEARNER], full_name="Al Newcomer")
    ExaminerAssignment.objects.create(
        exam=world["exam"], examiner=world["examiner_a"], staff=newcomer
    )
    client.force_login(world["examiner_a"])
    response = client.get(HOME)
    assert names(response) == ["Al Newcomer", "Ann Candidate"]
    assert response.context["rows"][0].attempt is None
    assert "not started yet" in response.content.decode()


def test_the_latest_attempt_and_its_score_are_shown(client, world):
    exam, ann = world["exam"], world["ann"]
    second = sit_practical(exam, ann, solution_actions(SLUG)[:2], finish=False)
    client.force_login(world["examiner_a"])
    client.post(score_url(second), post_data(world))
    row = client.get(HOME).context["rows"][0]
    assert row.attempt == second and row.scored and row.score.percent == 100


def test_another_trainer_sees_none_of_these_candidates(client, world):
    other = person([roles.TRAINER]).user
    theirs = practical_exam(
        world["exam"].scenario, assessed_by="rubric", rubric=RUBRIC, title="Theirs"
    )
    trains(theirs, other)
    client.force_login(other)
    assert names(client.get(HOME)) == []


@pytest.mark.parametrize("role", [roles.LEARNER, roles.MANAGER, roles.HR, roles.AUDITOR])
def test_people_who_examine_nobody_get_403(client, world, role):
    client.force_login(person([roles.LEARNER, role]).user)
    assert client.get(HOME).status_code == 403
    assert client.get(score_url(world["ann_attempt"])).status_code == 403


def test_the_candidate_cannot_open_their_own_rubric(client, world):
    client.force_login(world["ann"].user)
    assert client.get(score_url(world["ann_attempt"])).status_code == 403
    assert client.post(score_url(world["ann_attempt"]), post_data(world)).status_code == 403
    assert not RubricScore.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    for url in (HOME, score_url(world["ann_attempt"])):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# ---------------------------------------------------------------------------------------------
# One attempt


def test_an_examiner_not_assigned_to_the_candidate_gets_404(client, world):
    client.force_login(world["examiner_b"])
    assert client.get(score_url(world["ann_attempt"])).status_code == 404
    assert client.post(score_url(world["ann_attempt"]), post_data(world)).status_code == 404
    assert client.get(f"{HOME}attempt/999999/").status_code == 404
    assert not RubricScore.objects.exists()


def test_attempts_of_exams_without_a_rubric_are_404(client, world):
    sim_only = practical_exam(world["exam"].scenario, title="Simulation only")
    trains(sim_only, world["trainer"])
    attempt = sit_practical(sim_only, person([roles.LEARNER]), [])
    knowledge = f.exam(questions=[f.question("single")])
    trains(knowledge, world["trainer"])
    other = f.sit(knowledge, person([roles.LEARNER]), [])
    client.force_login(world["trainer"])
    assert client.get(score_url(attempt)).status_code == 404
    assert client.get(score_url(other)).status_code == 404


def test_the_checklist_shows_every_item_with_its_points(client, world):
    client.force_login(world["examiner_a"])
    response = client.get(score_url(world["ann_attempt"]))
    html = response.content.decode()
    assert response.status_code == 200
    for item in world["items"]:
        assert escape(item.text) in html
        for value in ("done", "partly", "not_done"):
            assert f'id="item-{item.pk}-{value}"' in html
    assert 'data-points="2"' in html and 'data-points="1"' in html
    assert html.count('name="global_rating"') == 5 and "Clear fail" in html and "Excellent" in html


def test_scoring_saves_and_a_rescore_shows_the_previous_values(client, world):
    attempt = world["ann_attempt"]
    first, second = world["items"]
    client.force_login(world["examiner_a"])
    response = client.post(
        score_url(attempt), post_data(world, ("done", "partly"), "4", "Calm and clear")
    )
    assert response.status_code == 302 and response["Location"] == score_url(attempt)
    score = RubricScore.objects.get(attempt=attempt)
    assert score.items == {str(first.pk): "done", str(second.pk): "partly"}
    assert (score.points, score.percent, score.global_rating) == (3, 75, 4)
    assert score.comments == "Calm and clear" and score.examiner == world["examiner_a"]
    attempt.refresh_from_db()
    assert attempt.needs_grading is False and attempt.percent == (100 + 75) / 2
    response = client.get(score_url(attempt))
    html = response.content.decode()
    assert "Saved the rubric of Ann Candidate: 3 of 4 points (75.00 %), Clear pass." in html
    assert f'id="item-{first.pk}-done" value="done" data-points="2" checked' in html
    assert f'id="item-{second.pk}-partly" value="partly" data-points="1" checked' in html
    assert 'id="rating-4" value="4" checked' in html and "Calm and clear</textarea>" in html
    assert "Save the new score" in html


def test_a_missing_item_is_named_and_nothing_is_saved(client, world):
    attempt = world["ann_attempt"]
    first, second = world["items"]
    client.force_login(world["examiner_a"])
    response = client.post(score_url(attempt), post_data(world, ("done", ""), "4", "Note"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was saved." in html and "1 checklist item is not marked yet." in html
    assert f'<fieldset class="rubric-item invalid" data-item="{second.pk}"' in html
    assert f'<fieldset class="rubric-item" data-item="{first.pk}"' in html
    # What was posted is kept for the examiner to finish.
    assert f'id="item-{first.pk}-done" value="done" data-points="2" checked' in html
    assert "Note</textarea>" in html
    assert not RubricScore.objects.exists()


def test_a_missing_or_unknown_rating_is_refused(client, world):
    attempt = world["ann_attempt"]
    client.force_login(world["examiner_a"])
    for rating in (None, "", "9", "excellent"):
        response = client.post(score_url(attempt), post_data(world, rating=rating))
        assert response.status_code == 200
        assert "Choose a global rating, from 1 (clear fail) to 5 (excellent)." in (
            response.content.decode()
        )
    assert not RubricScore.objects.exists()


def test_bad_input_leaves_an_earlier_score_unchanged(client, world):
    attempt = world["ann_attempt"]
    client.force_login(world["examiner_a"])
    client.post(score_url(attempt), post_data(world, ("done", "done"), "5"))
    before = RubricScore.objects.get(attempt=attempt)
    events = AuditEvent.objects.filter(action="attempt.rubric_score").count()
    client.post(score_url(attempt), post_data(world, ("not_done", "bogus"), "1"))
    after = RubricScore.objects.get(attempt=attempt)
    assert (after.items, after.global_rating, after.scored_at) == (
        before.items,
        before.global_rating,
        before.scored_at,
    )
    assert AuditEvent.objects.filter(action="attempt.rubric_score").count() == events


def test_a_double_submit_is_harmless(client, world):
    attempt = world["ann_attempt"]
    client.force_login(world["examiner_a"])
    data = post_data(world, ("done", "not_done"), "3")
    assert client.post(score_url(attempt), data).status_code == 302
    assert client.post(score_url(attempt), data).status_code == 302
    assert RubricScore.objects.filter(attempt=attempt).count() == 1
    attempt.refresh_from_db()
    assert attempt.percent == (100 + 50) / 2 and attempt.passed is False


def test_live_scoring_an_open_attempt(client, world):
    attempt = world["bo_attempt"]
    client.force_login(world["examiner_b"])
    html = client.get(score_url(attempt)).content.decode()
    assert "in progress: you may score it live" in html
    response = client.post(score_url(attempt), post_data(world), follow=True)
    assert "The attempt is still open: the grade follows when it finishes." in (
        response.content.decode()
    )
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.IN_PROGRESS and attempt.percent is None
    assert RubricScore.objects.get(attempt=attempt).percent == 100


def test_the_exams_trainer_may_score_and_is_recorded_as_the_examiner(client, world):
    client.force_login(world["trainer"])
    response = client.post(score_url(world["ann_attempt"]), post_data(world))
    assert response.status_code == 302
    assert RubricScore.objects.get(attempt=world["ann_attempt"]).examiner == world["trainer"]


def test_the_pages_render_in_chinese(client, world):
    client.force_login(world["examiner_a"])
    client.post("/i18n/setlang/", {"language": "zh-hans"})
    for url in (HOME, score_url(world["ann_attempt"])):
        response = client.get(url)
        assert response.status_code == 200 and '<html lang="zh-hans">' in response.content.decode()


# ---------------------------------------------------------------------------------------------
# Query counts


HOME_MAX_QUERIES = 12  # session, user, groups, assignment check; count, page, people, exams,
# attempts; page frame (nav, badge)


@pytest.mark.parametrize("count", [10, 1000])
def test_the_candidates_query_count_does_not_grow(
    client, role_groups, django_assert_max_num_queries, count
):
    from portal.org.models import StaffMember

    examiner = person([roles.LEARNER]).user
    exam = practical_exam(assessed_by="rubric", rubric=RUBRIC)
    trainer = person([roles.TRAINER]).user
    trains(exam, trainer)
    department, role = DepartmentFactory(), job_role()
    people = StaffMember.objects.bulk_create(
        StaffMember(
            employee_no=f"Q{n:05d}",
            full_name=f"Candidate {n:04d}",
            department=department,
            job_role=role,
        )
        for n in range(count)
    )
    ExaminerAssignment.objects.bulk_create(
        ExaminerAssignment(exam=exam, examiner=examiner, staff=p, sort_order=n)
        for n, p in enumerate(people)
    )
    now = timezone.now()
    Attempt.objects.bulk_create(
        Attempt(exam=exam, staff=p, number=1, started_at=now) for p in people[::2]
    )
    for user in (examiner, trainer):
        client.force_login(user)
        with django_assert_max_num_queries(HOME_MAX_QUERIES):
            response = client.get(HOME)
        assert response.status_code == 200
        assert response.context["page"].paginator.count == count
        assert len(response.context["rows"]) == min(count, 50)
