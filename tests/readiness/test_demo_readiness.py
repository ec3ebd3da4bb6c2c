"""Readiness in the demo hospital: the pilot (Emergency and Pharmacy) live, its decision taken
and signed off before go-live with one condition met and one open, its post-go-live evaluation
and an approved access exception; wave 2 (the rest of the hospital) in training with green,
amber and red departments and rising snapshots; the status table equal to a recompute; and a
second run that changes nothing."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from assessments.models import CertificationStatus
from assessments.services.certification import status_diff
from courses.demo_learning import HOSPITAL_WAVE, PILOT, PILOT_WAVE
from courses.models import Assignment
from portal.demo.hospital import DOMAIN
from portal.org.models import Department
from portal.readiness import access, decisions, evaluation, snapshots
from portal.readiness.models import (
    AccessException,
    Condition,
    Criterion,
    Decision,
    Evaluation,
    SignOff,
    Snapshot,
    Wave,
)
from portal.records.models import AuditEvent
from portal.records.selectors import audit_chain_verify

E = AccessException.Status


@pytest.fixture(scope="module")
def demo_built(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def demo(db, demo_built):
    return demo_built


def _pilot() -> Wave:
    return Wave.objects.get(name=PILOT_WAVE[0])


def _wave2() -> Wave:
    return Wave.objects.get(name=HOSPITAL_WAVE[0])


def _codes(ids) -> set[str]:
    return set(Department.objects.filter(pk__in=ids).values_list("code", flat=True))


def test_the_pilot_is_emergency_and_pharmacy_live_in_its_dual_track_period(demo):
    today = timezone.localdate()
    pilot = _pilot()
    assert set(pilot.departments.values_list("code", flat=True)) == set(PILOT) == {"ED", "PHARM"}
    assert _codes(evaluation.wave_department_ids(pilot)) == {"ED", "ED-OBS", "PHARM"}
    assert pilot.status == Wave.Status.LIVE
    assert 14 <= (today - pilot.go_live_date).days <= 42  # some weeks ago
    assert 0 < (pilot.dual_track_until - today).days <= 7  # a few days from now


def test_wave_2_is_every_other_top_level_department_in_training_in_six_weeks(demo):
    today = timezone.localdate()
    wave = _wave2()
    top_level = set(Department.objects.filter(parent=None).values_list("code", flat=True))
    assert set(wave.departments.values_list("code", flat=True)) == top_level - {"ED", "PHARM"}
    assert wave.status == Wave.Status.TRAINING
    assert 35 <= (wave.go_live_date - today).days <= 49
    # Its seed users train later: the criterion is there, not counted yet.
    seeds = wave.criteria.get(kind=Criterion.Kind.SEED_USERS, job_role=None)
    assert not seeds.active


def test_the_pilot_decision_was_taken_and_signed_before_go_live(demo):
    pilot = _pilot()
    decision = Decision.objects.get(wave=pilot)
    go_live = pilot.go_live_date
    decided_on = timezone.localdate(decision.decided_at)
    assert decision.outcome == Decision.Outcome.CONDITIONS and decision.decided_by.email == (
        f"rollout-lead@{DOMAIN}"
    )
    assert decided_on < go_live
    # The evidence pack is the one of that day, intact, the wave as it was then.
    evidence = decision.evidence
    assert evidence["today"] == decided_on.isoformat()
    assert evidence["wave"]["status"] == Wave.Status.READY
    assert evidence["wave"]["days_to_go_live"] == (go_live - decided_on).days > 0
    assert decisions.evidence_sha256(evidence) == decision.evidence_sha256
    assert {d["code"] for d in evidence["departments"]} >= {"ED", "ED-OBS"}
    signoffs = {s.capacity: s for s in decision.signoffs.select_related("user")}
    assert len(signoffs) == 3 and "Nursing director (acting)" in signoffs
    assert signoffs["IT lead"].user.email == f"rollout-lead@{DOMAIN}"
    assert all(decided_on <= timezone.localdate(s.signed_at) < go_live for s in signoffs.values())
    done = decision.conditions.filter(done_at__isnull=False)
    open_ = decision.conditions.filter(done_at__isnull=True)
    assert done.count() == 1 and open_.count() == 1
    assert timezone.localdate(done.get().done_at) < go_live
    assert "night shift" in open_.get().text


def test_the_decision_is_in_an_intact_audit_trail(demo):
    decision = Decision.objects.get(wave=_pilot())
    events = AuditEvent.objects.filter(action__startswith="readiness.")
    assert events.filter(action="readiness.decision", object_id=str(decision.pk)).exists()
    assert events.filter(action="readiness.signoff").count() == 3
    assert events.filter(action="readiness.condition_done").count() == 1
    when = events.get(action="readiness.decision").at
    assert when == decision.decided_at  # written at the story's moment
    assert audit_chain_verify().ok


def test_the_pilot_has_its_post_go_live_evaluation(demo):
    rows = {e.measure: (e.before, e.after) for e in Evaluation.objects.filter(wave=_pilot())}
    M = Evaluation.Measure
    assert rows == {
        M.TICKETS: (Decimal("14.00"), Decimal("6.50")),
        M.TASK_TIME: (Decimal("6.20"), Decimal("4.80")),
        M.SATISFACTION: (Decimal("3.10"), Decimal("4.00")),
        M.ERRORS: (Decimal("2.40"), Decimal("1.10")),
    }
    # Shown beside the figures when deciding wave 2.
    earlier = decisions.evaluations_earlier(wave=_wave2())
    assert [w["wave"] for w in earlier] == [PILOT_WAVE[0]] and len(earlier[0]["measures"]) == 4


def test_wave_2_has_green_amber_and_red_departments(demo):
    readiness = evaluation.wave_readiness(wave=_wave2(), today=timezone.localdate())
    rags = {d.department.code: d.rag for d in readiness.departments}
    assert {"green", "amber", "red"} <= set(rags.values())
    coverage = {
        d.department.code: next(v for v in d.values if v.kind == Criterion.Kind.COVERAGE)
        for d in readiness.departments
    }
    assert {v.rag for v in coverage.values()} == {"green", "amber", "red"}
    assert coverage["GS"].value >= 90 and rags["GS"] == "green"
    assert 80 <= coverage["PAED"].value < 90


def test_wave_2_snapshots_rise_over_thirty_days(demo):
    wave = _wave2()
    trend = snapshots.coverage_trend(wave=wave)
    assert len(trend.days) == 31 and trend.days[-1] == timezone.localdate()
    values = trend.coverage
    # Week on week it rises (day to day it may dip: a certificate revoked today counted before).
    assert all(later > earlier for earlier, later in zip(values, values[7:], strict=False))
    assert values[-1] - values[0] >= 30
    assert trend.projected_at_go_live is not None and trend.on_track is not None


def test_the_demo_doctor_is_overdue_on_the_basics_of_wave_2(demo):
    doctor = Assignment.objects.filter(
        staff__user__email=f"learner-doctor@{DOMAIN}",
        status=Assignment.Status.ACTIVE,
        completed_at__isnull=True,
        due_date__lt=timezone.localdate(),
    )
    assert doctor.exists()
    assert doctor.first().staff.department.code == "CARD"


def test_access_exceptions_one_approved_in_the_pilot_one_requested_in_wave_2(demo):
    pilot, wave = _pilot(), _wave2()
    granted = AccessException.objects.select_related("staff__department").get(wave=pilot)
    assert granted.status == E.APPROVED and granted.expires_on == pilot.dual_track_until
    assert granted.staff.department.code == "ED" and granted.staff.job_role.code == "nurse"
    assert granted.requested_by.email == f"manager@{DOMAIN}"
    assert granted.decided_by.email == f"rollout-lead@{DOMAIN}"
    assert "Locum" in granted.reason
    assert access.staff_certification(granted.staff)[0] is False
    waiting = AccessException.objects.get(wave=wave)
    assert waiting.status == E.REQUESTED and waiting.decided_by is None
    assert waiting.expires_on >= timezone.localdate() + timedelta(days=1)


def test_the_status_table_equals_a_recompute(demo):
    assert status_diff() == []
    out = StringIO()
    call_command("recompute_status", "--check", stdout=out)
    assert out.getvalue().rstrip().endswith(": no differences")


def _state() -> dict:
    return {
        "waves": sorted(
            Wave.objects.values_list("pk", "go_live_date", "dual_track_until", "status")
        ),
        "criteria": Criterion.objects.count(),
        "decisions": sorted(Decision.objects.values_list("pk", "evidence_sha256")),
        "conditions": sorted(Condition.objects.values_list("pk", "done_at")),
        "signoffs": SignOff.objects.count(),
        "evaluations": sorted(Evaluation.objects.values_list("pk", "before", "after")),
        "exceptions": sorted(AccessException.objects.values_list("pk", "staff_id", "status")),
        "snapshots": Snapshot.objects.count(),
        "statuses": sorted(CertificationStatus.objects.values_list("pk", "status", "score")),
        "readiness_audit": AuditEvent.objects.filter(action__startswith="readiness.").count(),
    }


def test_running_the_demo_again_changes_nothing(demo):
    before = _state()
    out = StringIO()
    call_command("demo", stdout=out)
    assert _state() == before
    assert "0 decision, 0 evaluation measures, 0 access exceptions" in out.getvalue()
