"""The certification status table: rows computed from evidence, certificates issued once,
recertification, grace, expiry, revocation, roster changes, history and the check."""

from datetime import date

import pytest
from freezegun import freeze_time

from assessments.models import Attempt, Certificate, CertificationStatus, ProficiencyRecord
from assessments.services.certification import status_diff, status_refresh
from portal.records.models import AuditEvent
from tests.assessments.certification_factories import attempt, certify, complete_course, track
from tests.factories import StaffFactory, job_role

pytestmark = pytest.mark.django_db
S = CertificationStatus.Status


def _row(staff, t) -> CertificationStatus:
    return CertificationStatus.objects.get(staff=staff, track=t)


def test_nobody_started_then_in_progress_then_certified():
    t = track(courses=2)
    cashier = StaffFactory(job_role=job_role("cashier"))
    nurse = StaffFactory(job_role=job_role("nurse"))
    status_refresh(staff_ids=[cashier.pk, nurse.pk])
    row = _row(cashier, t)
    assert (row.status, row.requirements_done, row.requirements_total) == (S.NOT_STARTED, 0, 4)
    assert not CertificationStatus.objects.filter(staff=nurse).exists()  # not the nurse's role

    courses = list(t.required_courses.order_by("pk"))
    complete_course(cashier, courses[0], when="2026-01-05")
    status_refresh(staff_ids=[cashier.pk])
    row = _row(cashier, t)
    assert (row.status, row.requirements_done) == (S.IN_PROGRESS, 1)
    assert row.missing == [f"course:{courses[1].pk}", "knowledge", "practical"]

    certify(cashier, t, when="2026-01-10")
    with freeze_time("2026-02-01"):
        report = status_refresh(staff_ids=[cashier.pk])
    row = _row(cashier, t)
    assert row.status == S.CERTIFIED and row.missing == []
    assert (row.certified_on, row.valid_until) == (date(2026, 1, 10), date(2027, 1, 9))
    assert len(report.certificates) == 1
    cert = Certificate.objects.get(staff=cashier)
    assert row.certificate == cert and cert.holder_name == cashier.full_name
    assert AuditEvent.objects.filter(action="certificate.issue", object_id=str(cert.pk)).exists()


def test_refresh_is_idempotent_and_issues_one_certificate():
    t = track()
    person = StaffFactory(job_role=job_role("cashier"))
    certify(person, t, when="2026-01-10")
    with freeze_time("2026-02-01"):
        status_refresh(staff_ids=[person.pk])
        second = status_refresh(staff_ids=[person.pk])
    assert second.certificates == [] and second.changed == 0 and second.records == 0
    assert Certificate.objects.filter(staff=person).count() == 1
    assert ProficiencyRecord.objects.filter(staff=person, track=t).count() == 1


def test_a_failed_or_excluded_pass_does_not_certify():
    t = track(courses=0)
    person = StaffFactory(job_role=job_role("cashier"))
    attempt(t.knowledge_exam, person, when="2026-01-09", percent=95)
    attempt(t.practical_exam, person, when="2026-01-10", percent=95, critical=["right-patient"])
    attempt(t.practical_exam, person, when="2026-01-11", percent=95, excluded=True)
    status_refresh(staff_ids=[person.pk])
    row = _row(person, t)
    assert row.status == S.IN_PROGRESS and row.missing == ["practical"]
    assert not Certificate.objects.exists()


@pytest.mark.parametrize(
    "today, status",
    [
        ("2026-11-09", S.CERTIFIED),  # the day before recertification opens (60 days)
        ("2026-11-10", S.EXPIRING),
        ("2027-01-09", S.EXPIRING),  # the last valid day
        ("2027-02-08", S.EXPIRING),  # the last day of grace (30 days)
        ("2027-02-09", S.EXPIRED),
    ],
)
def test_expiry_dates(today, status):
    t = track(courses=0)
    person = StaffFactory(job_role=job_role("cashier"))
    certify(person, t, when="2026-01-10")
    with freeze_time("2026-01-11"):
        status_refresh(staff_ids=[person.pk])
    with freeze_time(today):
        status_refresh(staff_ids=[person.pk])
    row = _row(person, t)
    assert row.status == status
    assert (row.recertify_from, row.grace_until) == (date(2026, 11, 10), date(2027, 2, 8))


def test_recertification_needs_both_exams_again_and_issues_a_new_certificate():
    t = track(courses=1)
    person = StaffFactory(job_role=job_role("cashier"))
    certify(person, t, when="2026-01-10")
    with freeze_time("2026-01-11"):
        status_refresh(staff_ids=[person.pk])
    first = Certificate.objects.get()
    attempt(t.knowledge_exam, person, when="2026-12-01")
    with freeze_time("2026-12-02"):
        status_refresh(staff_ids=[person.pk])
    row = _row(person, t)
    assert row.status == S.EXPIRING and row.missing == ["practical"]
    attempt(t.practical_exam, person, when="2026-12-03")
    with freeze_time("2026-12-04"):
        status_refresh(staff_ids=[person.pk])
    row = _row(person, t)
    renewed = Certificate.objects.exclude(pk=first.pk).get()
    assert renewed.replaces == first
    assert row.status == S.CERTIFIED and row.certificate == renewed
    assert (renewed.valid_from, renewed.valid_until) == (date(2026, 12, 3), date(2027, 12, 2))


def test_role_change_moves_the_row_and_keeps_the_certificate():
    t = track(courses=0)
    person = StaffFactory(job_role=job_role("cashier"))
    certify(person, t, when="2026-01-10")
    status_refresh(staff_ids=[person.pk])
    person.job_role = job_role("nurse")
    person.save()
    report = status_refresh(staff_ids=[person.pk])
    assert report.removed == 1
    assert not CertificationStatus.objects.filter(staff=person).exists()
    assert Certificate.objects.filter(staff=person).count() == 1


def test_status_row_follows_department_and_shift():
    t = track(courses=0)
    person = StaffFactory(job_role=job_role("cashier"))
    status_refresh(staff_ids=[person.pk])
    other = StaffFactory().department
    person.department = other
    person.save()
    status_refresh(staff_ids=[person.pk])
    assert _row(person, t).department == other


def test_track_limited_to_departments_includes_sub_departments():
    from tests.factories import DepartmentFactory

    parent = DepartmentFactory()
    child = DepartmentFactory(parent=parent)
    t = track(courses=0)
    t.departments.set([parent])
    inside = StaffFactory(job_role=job_role("cashier"), department=child)
    outside = StaffFactory(job_role=job_role("cashier"))
    status_refresh(staff_ids=[inside.pk, outside.pk])
    assert CertificationStatus.objects.filter(track=t).get().staff == inside


def test_history_appends_when_the_score_changes_and_keeps_the_explanation():
    t = track(courses=0)
    person = StaffFactory(job_role=job_role("cashier"))
    attempt(t.knowledge_exam, person, when="2026-01-09", percent=70)
    status_refresh(staff_ids=[person.pk])
    attempt(t.practical_exam, person, when="2026-01-10", percent=90, efficiency=1.0)
    status_refresh(staff_ids=[person.pk])
    records = list(ProficiencyRecord.objects.filter(staff=person, track=t))
    assert [r.score for r in records] == [28, 82]  # 0.4 x 70; then 28 + 0.6 x 90
    assert [r.complete for r in records] == [False, True]
    assert records[1].explanation["en"][0].startswith("Proficiency score 82.0: Proficient")
    assert records[1].explanation["zh"][0].startswith("熟练度得分 82.0")
    assert _row(person, t).score == 82 and _row(person, t).level == "proficient"


def test_the_check_finds_a_row_changed_behind_the_services_back():
    t = track(courses=0)
    person = StaffFactory(job_role=job_role("cashier"))
    certify(person, t, when="2026-01-10")
    status_refresh(staff_ids=[person.pk])
    assert status_diff() == []
    CertificationStatus.objects.filter(staff=person).update(status=S.EXPIRED, score=99)
    fields = sorted(d.field for d in status_diff())
    assert fields == ["score", "status"]
    status_refresh(staff_ids=[person.pk])
    assert status_diff() == []


def test_the_check_finds_a_missing_certificate_and_a_missing_row():
    t = track(courses=0)
    person = StaffFactory(job_role=job_role("cashier"))
    certify(person, t, when="2026-01-10")
    fields = {d.field for d in status_diff()}
    assert fields == {"certificate", "row"}


def test_people_are_told_when_certified_and_when_recertification_opens():
    from courses.models import Notification

    t = track(courses=0)
    person_ = StaffFactory(job_role=job_role("cashier"))
    certify(person_, t, when="2026-01-10")
    with freeze_time("2026-01-11"):
        status_refresh(staff_ids=[person_.pk])
        status_refresh(staff_ids=[person_.pk])
    assert [n.title.split(":")[0] for n in Notification.objects.filter(user=person_.user)] == [
        "Certified"
    ]
    with freeze_time("2026-11-10"):
        status_refresh(staff_ids=[person_.pk])
        status_refresh(staff_ids=[person_.pk])
    titles = [n.title for n in Notification.objects.filter(user=person_.user).order_by("pk")]
    assert len(titles) == 2 and titles[1].startswith("Recertification open")
    assert "2027-01-09" in Notification.objects.order_by("pk").last().body


@freeze_time("2026-03-01")
def test_the_first_counted_practical_attempt_is_recorded_for_readiness():
    t = track(courses=0, knowledge=False)
    first_try, second_try, never = (StaffFactory(job_role=job_role("cashier")) for _ in range(3))
    attempt(t.practical_exam, first_try, when="2026-02-01", percent=90, efficiency=1.0)
    attempt(t.practical_exam, second_try, when="2026-02-01", percent=40, efficiency=1.0)
    attempt(t.practical_exam, second_try, when="2026-02-05", percent=90, efficiency=1.0)
    status_refresh(staff_ids=[first_try.pk, second_try.pk, never.pk])
    assert _row(first_try, t).practical_first_passed is True
    assert _row(second_try, t).practical_first_passed is False  # certified, but not first time
    assert _row(second_try, t).status == S.CERTIFIED
    assert _row(never, t).practical_first_passed is None
    # An excluded first attempt (an audited decision) does not count: the next one is first.
    failed = Attempt.objects.filter(staff=second_try).order_by("finished_at").first()
    failed.excluded, failed.excluded_reason = True, "Scanner broken"
    failed.save()
    status_refresh(staff_ids=[second_try.pk])
    assert _row(second_try, t).practical_first_passed is True
    assert status_diff() == []
