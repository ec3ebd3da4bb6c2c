"""Races on real PostgreSQL connections for practical attempts: the same action sent twice at
once (a double click that reached two workers) is recorded once; two different actions with
the same number (two tabs) record one and refuse the other as stale; an action racing the
finish either lands before it or is refused — never after the grade. PostgreSQL only."""

import pytest

from assessments.models import Attempt, SimulationAction
from assessments.services.attempts import SaveRefused, attempt_start, attempt_submit
from assessments.services.practical import StaleAction, practical_act
from tests.conftest import has_postgres, need
from tests.factories import StaffFactory

from .practical_factories import practical_exam
from .test_attempt_concurrency import race

pytestmark = pytest.mark.postgres

OPEN = {"type": "patient_open", "patient": "MRN300112"}
SCAN = {"type": "scan_wristband", "barcode": "WB300112"}
VITALS = {
    "type": "vitals_record",
    "patient": "MRN300112",
    "temperature": 36.7,
    "pulse": 68,
    "resp_rate": 16,
    "bp_systolic": 132,
    "bp_diastolic": 78,
    "spo2": 97,
    "pain": 0,
}


@pytest.fixture
def sitting(transactional_db):
    need(has_postgres(), "PostgreSQL")
    from assessments.services.practical import scenario_cache_clear

    scenario_cache_clear()
    nurse = StaffFactory()
    attempt = attempt_start(exam=practical_exam(), staff=nurse)
    return attempt, nurse


def test_the_same_action_sent_at_once_is_recorded_once(sitting):
    attempt, nurse = sitting

    def act():
        return practical_act(attempt=attempt, staff=nurse, action=OPEN, seq=1)

    results, errors = race(act, 6)
    assert not errors
    assert SimulationAction.objects.filter(attempt=attempt).count() == 1
    assert sorted(r.duplicate for r in results) == [False] + [True] * 5


def test_two_tabs_acting_with_one_number_record_one(sitting):
    attempt, nurse = sitting
    actions = iter([OPEN, SCAN])

    def act():
        return practical_act(attempt=attempt, staff=nurse, action=next(actions), seq=1)

    results, errors = race(act, 2)
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], StaleAction)
    assert SimulationAction.objects.filter(attempt=attempt).count() == 1


def test_an_action_racing_the_finish_is_in_the_grade_or_refused(sitting):
    attempt, nurse = sitting
    jobs = iter(["act", "finish"])

    def job():
        if next(jobs) == "act":
            return practical_act(attempt=attempt, staff=nurse, action=VITALS, seq=1)
        return attempt_submit(attempt=Attempt.objects.get(pk=attempt.pk), staff=nurse)

    _results, errors = race(job, 2)
    assert all(isinstance(e, SaveRefused) for e in errors)
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED
    logged = SimulationAction.objects.filter(attempt=attempt).count()
    assert logged in (0, 1) and bool(errors) == (logged == 0)
    # The stored result was graded from exactly the log that exists: the vital signs count
    # when (and only when) they were recorded before the finish.
    (vitals,) = [
        c
        for task in attempt.simulation["tasks"]
        for c in task["checks"]
        if c["id"] == "vitals-recorded"
    ]
    assert vitals["passed"] is (logged == 1)
