"""Certification in the demo hospital: a track per role, staff at every stage (certified at
different levels, expiring, expired, failed practical, revoked, in progress, the cashier login
with only the practical exam left), certificates that render, a second run that creates
nothing, and a status table equal to a recompute."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from assessments.demo import build_exams
from assessments.demo_certification import REVOKE_REASON, TRACKS, build_certification
from assessments.demo_practical import build_practical
from assessments.models import (
    Attempt,
    Certificate,
    CertificationStatus,
    CertificationTrack,
    ExaminerAssignment,
    ProficiencyRecord,
    RubricScore,
)
from assessments.services.certification import status_diff
from courses.demo_content import build_courses
from courses.demo_learning import build_learning
from courses.models import CourseProgress
from portal.demo.hospital import DOMAIN, build_hospital
from portal.records.models import AuditEvent

S = CertificationStatus.Status


@pytest.fixture(scope="module")
def demo_built(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        build_hospital()
        build_courses()
        build_learning()
        build_exams()
        build_practical()
        yield build_certification()
        transaction.set_rollback(True)


@pytest.fixture
def demo(db, demo_built):
    return demo_built


def _row(local: str) -> CertificationStatus:
    return CertificationStatus.objects.select_related("track").get(
        staff__user__email=f"{local}@{DOMAIN}"
    )


def test_a_track_per_role_with_its_courses_and_exams(demo):
    assert "4 tracks (4 new)" in demo
    for role in TRACKS:
        track = CertificationTrack.objects.get(code=f"demo-{role}")
        assert track.job_role.code == role and track.active
        assert track.knowledge_exam.kind == "knowledge" and track.practical_exam.kind == "practical"
        courses = list(track.required_courses.all())
        assert courses and all(role in {r.code for r in c.job_roles.all()} for c in courses)
        periods = (track.validity_months, track.recertify_days_before, track.grace_days)
        assert periods == (12, 60, 30)


def test_every_stage_is_there(demo):
    today = timezone.localdate()
    statuses = set(CertificationStatus.objects.values_list("status", flat=True))
    assert statuses == set(S.values)
    certified = CertificationStatus.objects.filter(status=S.CERTIFIED)
    assert certified.count() >= 5
    assert {"competent", "proficient", "expert"} <= set(certified.values_list("level", flat=True))
    expiring = CertificationStatus.objects.filter(status=S.EXPIRING)
    assert expiring and all(0 < (r.valid_until - today).days <= 30 for r in expiring)
    assert all(r.grace_until < today for r in CertificationStatus.objects.filter(status=S.EXPIRED))
    failed = {
        a.staff_id
        for a in Attempt.objects.filter(exam__kind="practical", passed=False)
        if a.simulation and a.simulation.get("critical_failures")
    }
    rows = CertificationStatus.objects.filter(staff_id__in=failed, status=S.IN_PROGRESS)
    assert any(r.missing == ["practical"] for r in rows)  # courses and knowledge done


def test_the_revoked_certificate_was_revoked_by_hr(demo):
    row = CertificationStatus.objects.select_related("certificate").get(status=S.REVOKED)
    cert = row.certificate
    assert cert.revoked_reason == REVOKE_REASON and cert.revoked_by.email == f"hr@{DOMAIN}"
    assert AuditEvent.objects.filter(action="certificate.revoke", object_id=str(cert.pk)).exists()


def test_the_demo_logins_tell_a_story(demo):
    nurse = _row("learner-nurse")
    assert nurse.status == S.CERTIFIED and nurse.certificate is not None
    practical = Attempt.objects.get(staff=nurse.staff, exam=nurse.track.practical_exam)
    assert practical.scenario_version_id and practical.passed  # played in the simulated HIS
    assert RubricScore.objects.filter(attempt=practical).exists()
    cashier = _row("learner-cashier")
    assert cashier.status == S.IN_PROGRESS and cashier.missing == ["practical"]


def test_certificates_render(demo):
    try:
        from assessments.documents import certificate_pdf
    except ImportError:
        pytest.skip("assessments.documents (the certificate PDF) does not exist yet")
    cert = Certificate.objects.filter(revoked_at__isnull=True).first()
    assert certificate_pdf(cert).startswith(b"%PDF")


def _snapshot() -> dict:
    return {
        "attempts": Attempt.objects.count(),
        "certificates": Certificate.objects.count(),
        "records": ProficiencyRecord.objects.count(),
        "courses": sorted(CourseProgress.objects.values_list("pk", "completed_at")),
        "examiners": ExaminerAssignment.objects.count(),
        "rubric": RubricScore.objects.count(),
        "audit": AuditEvent.objects.count(),
        "rows": sorted(CertificationStatus.objects.values_list("pk", "status", "score")),
    }


def test_a_second_run_creates_nothing(demo):
    before = _snapshot()
    build_practical()  # the nurse login's rubric-scored attempt must not draw it in again
    summary = build_certification()
    assert _snapshot() == before
    assert "0 attempts and 0 course completions added, 0 certificates issued, 0 revoked" in summary


def test_the_table_equals_a_recompute(demo):
    assert status_diff() == []
    out = StringIO()
    call_command("recompute_status", "--check", stdout=out)
    assert out.getvalue().rstrip().endswith(": no differences")
