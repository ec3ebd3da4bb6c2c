"""Practical attempts through their services: the action log (`practical_act`: retries,
stale and missing numbers, refused actions, closed attempts), the grade (`practical_grade`:
simulation, rubric, both, as the module docstring says) and the examiner's rubric
(`rubric_score_save`: audited, scoped, validated, live on an open attempt)."""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from assessments.models import Attempt, RubricItem, RubricScore, SimulationAction
from assessments.services import practical
from assessments.services.attempts import SaveRefused, attempt_start, attempt_submit
from assessments.services.practical import StaleAction, practical_act, practical_grade
from assessments.services.practical import rubric_score_save as score_save
from portal.accounts import roles
from portal.records.models import AuditEvent
from tests.factories import UserFactory, person

from .factories import trains
from .practical_factories import practical_exam, scenario, solution_actions

pytestmark = pytest.mark.django_db

SLUG = "nurse-bcma-wrong-patient"
RUBRIC = [
    ("Introduces themself and checks the patient's identity aloud", 2),
    ("Explains the medicine", 2),
]


@pytest.fixture(autouse=True)
def _fresh_scenarios():
    """Parsed scenarios are cached by version id, and a rolled-back test database hands the
    same ids out again: every test starts with an empty cache."""
    practical._SCENARIOS.clear()
    yield
    practical._SCENARIOS.clear()


def sit_practical(exam, staff, actions, *, finish=True, start=None):
    """An attempt started through the services, each action through practical_act at its `t`
    (seq 1..n), submitted a minute after the last action unless finish is False."""
    start = start or timezone.now() - timedelta(minutes=20)
    attempt = attempt_start(exam=exam, staff=staff, now=start)
    last = 0.0
    for seq, action in enumerate(actions, start=1):
        last = float(action.get("t", last))
        clean = {k: v for k, v in action.items() if k != "t"}
        practical_act(
            attempt=attempt,
            staff=staff,
            action=clean,
            seq=seq,
            now=start + timedelta(seconds=last),
        )
    if finish:
        attempt_submit(attempt=attempt, staff=staff, now=start + timedelta(seconds=last + 60))
    attempt.refresh_from_db()
    return attempt


def all_done(exam) -> dict:
    return {str(i.pk): "done" for i in RubricItem.objects.filter(exam=exam)}


@pytest.fixture
def candidate():
    return person([roles.LEARNER])


@pytest.fixture
def examiner():
    return person([roles.LEARNER]).user


# ---------------------------------------------------------------------------------------------
# practical_act


def _open(exam, staff):
    return attempt_start(exam=exam, staff=staff)


def test_a_retried_action_is_recorded_once(candidate):
    exam = practical_exam()
    attempt = _open(exam, candidate)
    action = {"type": "patient_open", "patient": "MRN300112"}
    first = practical_act(attempt=attempt, staff=candidate, action=action, seq=1)
    again = practical_act(attempt=attempt, staff=candidate, action=dict(action), seq=1)
    assert (first.seq, first.duplicate, first.error) == (1, False, "")
    assert (again.seq, again.duplicate) == (1, True)
    assert SimulationAction.objects.filter(attempt=attempt).count() == 1


def test_a_stale_page_is_refused(candidate):
    exam = practical_exam()
    attempt = _open(exam, candidate)
    practical_act(
        attempt=attempt,
        staff=candidate,
        action={"type": "patient_open", "patient": "MRN300112"},
        seq=1,
    )
    with pytest.raises(StaleAction):
        practical_act(
            attempt=attempt,
            staff=candidate,
            action={"type": "scan_wristband", "barcode": "WB300112"},
            seq=1,
        )
    assert list(SimulationAction.objects.filter(attempt=attempt).values_list("seq", flat=True)) == [
        1
    ]


def test_a_gap_in_the_numbers_is_refused(candidate):
    exam = practical_exam()
    attempt = _open(exam, candidate)
    with pytest.raises(StaleAction):
        practical_act(
            attempt=attempt,
            staff=candidate,
            action={"type": "patient_open", "patient": "MRN300112"},
            seq=2,
        )
    assert not SimulationAction.objects.filter(attempt=attempt).exists()


@pytest.mark.parametrize("seq", [0, -1, "1", True, None])
def test_the_action_number_must_be_a_whole_number_from_1(candidate, seq):
    attempt = _open(practical_exam(), candidate)
    with pytest.raises(ValueError):
        practical_act(attempt=attempt, staff=candidate, action={"type": "patient_search"}, seq=seq)


def test_a_refused_action_is_recorded_with_its_error(candidate):
    exam = practical_exam()
    attempt = _open(exam, candidate)
    result = practical_act(
        attempt=attempt,
        staff=candidate,
        action={"type": "administer", "order": "O900", "outcome": "given"},
        seq=1,
    )
    assert result.error and not result.duplicate
    row = SimulationAction.objects.get(attempt=attempt, seq=1)
    assert row.error == result.error
    assert row.action == {"type": "administer", "order": "O900", "outcome": "given"}
    # The log goes on after a refusal.
    ok = practical_act(
        attempt=attempt,
        staff=candidate,
        action={"type": "scan_wristband", "barcode": "WB300112"},
        seq=2,
    )
    assert (ok.seq, ok.error) == (2, "")


def test_someone_else_cannot_act_in_the_attempt(candidate):
    attempt = _open(practical_exam(), candidate)
    with pytest.raises(PermissionDenied):
        practical_act(attempt=attempt, staff=person(), action={"type": "patient_search"}, seq=1)


def test_a_finished_attempt_takes_no_more_actions(candidate):
    exam = practical_exam()
    attempt = sit_practical(exam, candidate, solution_actions(SLUG)[:2])
    assert attempt.state == Attempt.State.FINISHED
    with pytest.raises(SaveRefused) as refused:
        practical_act(
            attempt=attempt, staff=candidate, action={"type": "patient_search", "query": "x"}, seq=3
        )
    assert not refused.value.overdue
    assert SimulationAction.objects.filter(attempt=attempt).count() == 2


def test_an_attempt_past_its_deadline_takes_no_more_actions(candidate):
    exam = practical_exam(time_limit_minutes=5)
    start = timezone.now() - timedelta(minutes=30)
    attempt = attempt_start(exam=exam, staff=candidate, now=start)
    with pytest.raises(SaveRefused) as refused:
        practical_act(attempt=attempt, staff=candidate, action={"type": "patient_search"}, seq=1)
    assert refused.value.overdue
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED
    assert not SimulationAction.objects.filter(attempt=attempt).exists()


# ---------------------------------------------------------------------------------------------
# practical_grade


def test_simulation_only_the_reference_solution_passes(candidate):
    exam = practical_exam()
    attempt = sit_practical(exam, candidate, solution_actions(SLUG))
    assert attempt.simulation["passed"] is True
    assert attempt.percent == Decimal("100.00")
    assert attempt.passed is True and attempt.needs_grading is False


def test_simulation_only_a_critical_failure_fails_whatever_the_score(candidate):
    exam = practical_exam(pass_mark_percent=0)
    attempt = sit_practical(
        exam, candidate, solution_actions(SLUG, "flawed-override-wrong-patient")
    )
    assert attempt.simulation["critical_failures"]
    assert attempt.passed is False
    assert attempt.percent == Decimal(str(attempt.simulation["score"])).quantize(Decimal("0.01"))


def test_simulation_only_below_the_pass_mark_fails(candidate):
    exam = practical_exam()
    attempt = sit_practical(exam, candidate, solution_actions(SLUG, "flawed-no-drug-scan"))
    assert not attempt.simulation["critical_failures"]
    assert attempt.percent < exam.pass_mark_percent and attempt.passed is False


def test_rubric_only_waits_for_the_examiner_then_takes_the_rubric(candidate, examiner):
    exam = practical_exam(assessed_by="rubric", rubric=RUBRIC, examiners=[(examiner, candidate)])
    attempt = sit_practical(exam, candidate, [])
    assert attempt.simulation is None and attempt.scenario_version_id is None
    assert attempt.needs_grading is True and attempt.percent is None and attempt.passed is None
    items = all_done(exam)
    first = RubricItem.objects.filter(exam=exam).order_by("sort_order").first()
    items[str(first.pk)] = "partly"  # 1 + 2 of 4 points: 75 %
    score_save(attempt=attempt, examiner=examiner, items=items, global_rating=4)
    attempt.refresh_from_db()
    assert attempt.needs_grading is False
    assert attempt.percent == Decimal("75.00") and attempt.passed is False  # pass mark 80
    score_save(attempt=attempt, examiner=examiner, items=all_done(exam), global_rating=2)
    attempt.refresh_from_db()
    # Full points but a borderline fail: the rating must reach borderline pass.
    assert attempt.percent == Decimal("100.00") and attempt.passed is False
    score_save(attempt=attempt, examiner=examiner, items=all_done(exam), global_rating=3)
    attempt.refresh_from_db()
    assert attempt.passed is True


def test_both_waits_for_the_rubric_then_takes_the_mean_and_needs_both_to_pass(candidate, examiner):
    exam = practical_exam(assessed_by="both", rubric=RUBRIC, examiners=[(examiner, candidate)])
    attempt = sit_practical(exam, candidate, solution_actions(SLUG))
    assert attempt.simulation["score"] == 100.0
    assert attempt.needs_grading is True and attempt.percent is None and attempt.passed is None
    items = {str(i.pk): "not_done" for i in RubricItem.objects.filter(exam=exam)}
    score_save(attempt=attempt, examiner=examiner, items=items, global_rating=3)
    attempt.refresh_from_db()
    # (100 + 0) / 2; the simulation passes on its own, the rubric does not.
    assert attempt.percent == Decimal("50.00") and attempt.passed is False
    score_save(attempt=attempt, examiner=examiner, items=all_done(exam), global_rating=5)
    attempt.refresh_from_db()
    assert attempt.percent == Decimal("100.00") and attempt.passed is True


def test_both_a_critical_simulation_failure_fails_even_with_a_perfect_rubric(candidate, examiner):
    exam = practical_exam(
        assessed_by="both", rubric=RUBRIC, examiners=[(examiner, candidate)], pass_mark_percent=0
    )
    attempt = sit_practical(
        exam, candidate, solution_actions(SLUG, "flawed-override-wrong-patient")
    )
    score_save(attempt=attempt, examiner=examiner, items=all_done(exam), global_rating=5)
    attempt.refresh_from_db()
    sim = Decimal(str(attempt.simulation["score"]))
    assert attempt.percent == ((sim + 100) / 2).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert attempt.passed is False


def test_regrading_twice_gives_the_same_result(candidate, examiner):
    exam = practical_exam(assessed_by="both", rubric=RUBRIC, examiners=[(examiner, candidate)])
    attempt = sit_practical(exam, candidate, solution_actions(SLUG, "flawed-no-drug-scan"))
    score_save(attempt=attempt, examiner=examiner, items=all_done(exam), global_rating=4)
    attempt.refresh_from_db()
    graded = (attempt.simulation, attempt.percent, attempt.passed, attempt.needs_grading)
    for _ in range(2):
        practical._SCENARIOS.clear()  # parse again too: the result must not depend on the cache
        again = practical_grade(Attempt.objects.select_related("exam").get(pk=attempt.pk))
        again.refresh_from_db()
        assert (again.simulation, again.percent, again.passed, again.needs_grading) == graded


# ---------------------------------------------------------------------------------------------
# rubric_score_save


def test_a_score_is_audited_with_before_and_after(candidate, examiner):
    exam = practical_exam(assessed_by="rubric", rubric=RUBRIC, examiners=[(examiner, candidate)])
    attempt = sit_practical(exam, candidate, [])
    score = score_save(
        attempt=attempt, examiner=examiner, items=all_done(exam), global_rating=4, comments="Calm"
    )
    assert (score.points, score.max_points, score.percent) == (Decimal(4), Decimal(4), Decimal(100))
    first = AuditEvent.objects.get(action="attempt.rubric_score")
    assert first.object_id == str(attempt.pk) and first.actor_id == examiner.pk
    assert first.before["rubric"] is None and first.before["attempt"]["needs_grading"] is True
    assert (
        first.after["rubric"]["global_rating"] == 4 and first.after["rubric"]["comments"] == "Calm"
    )
    assert first.after["attempt"]["passed"] is True

    items = {str(i.pk): "not_done" for i in RubricItem.objects.filter(exam=exam)}
    score_save(attempt=attempt, examiner=examiner, items=items, global_rating=1)
    second = AuditEvent.objects.filter(action="attempt.rubric_score").order_by("-pk").first()
    assert second.before["rubric"]["global_rating"] == 4
    assert second.before["attempt"]["passed"] is True
    assert (
        second.after["rubric"]["global_rating"] == 1 and second.after["attempt"]["passed"] is False
    )
    assert RubricScore.objects.filter(attempt=attempt).count() == 1


def test_an_examiner_not_assigned_to_the_candidate_may_not_score(candidate, examiner):
    other_candidate = person([roles.LEARNER])
    exam = practical_exam(
        assessed_by="rubric", rubric=RUBRIC, examiners=[(examiner, other_candidate)]
    )
    attempt = sit_practical(exam, candidate, [])
    for who in (examiner, candidate.user, person([roles.TRAINER]).user):
        with pytest.raises(PermissionDenied):
            score_save(attempt=attempt, examiner=who, items=all_done(exam), global_rating=4)
    assert not RubricScore.objects.exists()
    assert not AuditEvent.objects.filter(action="attempt.rubric_score").exists()


def test_the_exams_trainers_and_superusers_may_score(candidate):
    exam = practical_exam(assessed_by="rubric", rubric=RUBRIC)
    trainer = person([roles.TRAINER]).user
    trains(exam, trainer)
    attempt = sit_practical(exam, candidate, [])
    score_save(attempt=attempt, examiner=trainer, items=all_done(exam), global_rating=4)
    boss = UserFactory(is_superuser=True)
    score_save(attempt=attempt, examiner=boss, items=all_done(exam), global_rating=5)
    assert RubricScore.objects.get(attempt=attempt).examiner == boss


def test_missing_items_and_rating_are_refused_with_a_message_and_change_nothing(
    candidate, examiner
):
    exam = practical_exam(assessed_by="rubric", rubric=RUBRIC, examiners=[(examiner, candidate)])
    attempt = sit_practical(exam, candidate, [])
    first, second = RubricItem.objects.filter(exam=exam).order_by("sort_order")
    cases = [
        ({str(first.pk): "done"}, 4, second.text),
        ({str(first.pk): "done", str(second.pk): "maybe"}, 4, second.text),
        ({}, 4, first.text),
        (all_done(exam), None, "global rating"),
        (all_done(exam), 7, "global rating"),
        (all_done(exam), "excellent", "global rating"),
    ]
    for items, rating, expected in cases:
        with pytest.raises(ValueError) as refused:
            score_save(attempt=attempt, examiner=examiner, items=items, global_rating=rating)
        assert expected in str(refused.value), (items, rating)
    assert not RubricScore.objects.exists()
    assert not AuditEvent.objects.filter(action="attempt.rubric_score").exists()
    attempt.refresh_from_db()
    assert attempt.needs_grading is True


def test_an_exam_without_a_rubric_cannot_be_scored(candidate):
    exam = practical_exam()
    attempt = sit_practical(exam, candidate, [])
    with pytest.raises(ValueError, match="no examiner rubric"):
        score_save(
            attempt=attempt, examiner=UserFactory(is_superuser=True), items={}, global_rating=3
        )


def test_live_scoring_an_open_attempt_grades_it_when_it_finishes(candidate, examiner):
    exam = practical_exam(assessed_by="both", rubric=RUBRIC, examiners=[(examiner, candidate)])
    start = timezone.now() - timedelta(minutes=10)
    actions = solution_actions(SLUG)
    attempt = sit_practical(exam, candidate, actions, finish=False, start=start)
    score_save(attempt=attempt, examiner=examiner, items=all_done(exam), global_rating=4)
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.IN_PROGRESS
    assert attempt.percent is None and attempt.passed is None
    assert RubricScore.objects.get(attempt=attempt).percent == Decimal("100.00")
    attempt_submit(attempt=attempt, staff=candidate, now=start + timedelta(minutes=5))
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED
    assert attempt.needs_grading is False
    assert attempt.percent == Decimal("100.00") and attempt.passed is True


def test_a_regrade_years_later_uses_the_his_date_of_the_attempt(candidate):
    """A date of birth after the attempt's day was refused then; regrading later (when it is
    no longer in the future) gives the same state and the same grade."""
    from freezegun import freeze_time

    exam = practical_exam(scenario(slug="cashier-register-insured-payment"))
    with freeze_time("2026-12-07 09:00"):
        attempt = attempt_start(exam=exam, staff=candidate)
        register = {"type": "patient_register", "name": "Baby Li", "dob": "2026-12-08", "sex": "F"}
        result = practical_act(attempt=attempt, staff=candidate, action=register, seq=1)
        assert "in the future" in result.error
        attempt_submit(attempt=attempt, staff=candidate)
    attempt.refresh_from_db()
    graded = attempt.simulation
    with freeze_time("2030-01-01"):
        again = practical_grade(Attempt.objects.get(pk=attempt.pk))
    assert again.simulation == graded


@pytest.mark.parametrize(("pass_mark", "passed"), [(80, True), (90, False)])
def test_the_exam_pass_mark_decides_not_the_scenario_s(candidate, pass_mark, passed):
    """The scenario passes at 80 %; a trainer may set the exam apart. The stored result and the
    attempt agree on the exam's mark."""
    slug = "admin-onboard-nurse-least-privilege"
    exam = practical_exam(scenario(slug=slug), pass_mark_percent=pass_mark)
    attempt = sit_practical(exam, candidate, solution_actions(slug, "flawed-wrong-department"))
    assert 80 < attempt.percent < 90
    assert attempt.passed is passed and attempt.simulation["passed"] is passed
    assert attempt.simulation["pass_mark"] == pass_mark


def test_without_a_limit_on_the_exam_the_scenario_s_time_limit_applies(candidate):
    exam = practical_exam(time_limit_minutes=None)
    attempt = attempt_start(exam=exam, staff=candidate)
    minutes = attempt.scenario_version.definition["time_limit_minutes"]
    assert attempt.deadline == attempt.started_at + timedelta(minutes=minutes)
