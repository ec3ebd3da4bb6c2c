"""The enrolment engine: curricula × roster -> assignments. Every due rule, department limits with
sub-departments, the earliest due date winning, withdrawal and re-activation (progress kept),
idempotency and the audit trail."""

from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from freezegun import freeze_time

from courses.models import Assignment, CoursePage, CourseProgress, Curriculum, CurriculumItem
from courses.services.enrolment import assignments_recompute
from portal.records.models import AuditEvent
from tests.courses.factories import course
from tests.factories import DepartmentFactory, StaffFactory, job_role
from tests.readiness.factories import wave

pytestmark = pytest.mark.django_db

Rule = CurriculumItem.DueRule
NOTHING = {"created": 0, "updated": 0, "reactivated": 0, "withdrawn": 0, "unchanged": 0}


def counts(**changed) -> dict:
    return {**NOTHING, **changed}


def curriculum(role="nurse", items=(), departments=(), active=True, name=None) -> Curriculum:
    """A curriculum for `role` with items given as (course page, rule, date or days)."""
    found = Curriculum.objects.create(
        name=name or f"{role} curriculum", job_role=job_role(role), active=active
    )
    found.departments.set(departments)
    course_type = ContentType.objects.get_for_model(CoursePage)
    for order, (page, rule, value) in enumerate(items):
        CurriculumItem.objects.create(
            curriculum=found,
            sort_order=order,
            content_type=course_type,
            object_id=page.pk,
            due_rule=rule,
            due_date=value if rule == Rule.FIXED else None,
            due_days=None if rule == Rule.FIXED else value,
        )
    return found


def staff(role="nurse", department=None, **fields):
    return StaffFactory(
        job_role=job_role(role), department=department or DepartmentFactory(), **fields
    )


def owed(member, page) -> Assignment:
    return Assignment.objects.get(
        staff=member,
        content_type=ContentType.objects.get_for_model(CoursePage),
        object_id=page.pk,
    )


def active_pages(member) -> set[int]:
    return set(
        Assignment.objects.filter(staff=member, status=Assignment.Status.ACTIVE).values_list(
            "object_id", flat=True
        )
    )


# ---------------------------------------------------------------------------------------------
# Due rules


def test_fixed_date():
    page = course(lessons=0)
    curriculum(items=[(page, Rule.FIXED, date(2026, 5, 1))])
    nurse = staff()
    assert assignments_recompute() == counts(created=1)
    assignment = owed(nurse, page)
    assert assignment.due_date == date(2026, 5, 1)
    assert assignment.status == Assignment.Status.ACTIVE
    assert assignment.curriculum.name == "nurse curriculum"


def test_days_before_the_departments_go_live():
    page = course(lessons=0)
    curriculum(items=[(page, Rule.BEFORE_GO_LIVE, 14)])
    ward = DepartmentFactory()
    wave([ward], go_live=date(2026, 3, 1))
    nurse = staff(department=ward)
    assignments_recompute()
    assert owed(nurse, page).due_date == date(2026, 2, 15)


def test_go_live_comes_from_the_nearest_ancestor_else_there_is_no_due_date():
    page = course(lessons=0)
    curriculum(items=[(page, Rule.BEFORE_GO_LIVE, 7)])
    hospital = DepartmentFactory(code="H")
    medicine = DepartmentFactory(code="IM", parent=hospital)
    wave([hospital], go_live=date(2026, 9, 1))
    wave([medicine], go_live=date(2026, 6, 1))
    ward = DepartmentFactory(code="IM-01", parent=medicine)
    team = DepartmentFactory(code="IM-01-T1", parent=ward)
    surgery = DepartmentFactory(code="GS", parent=hospital)
    elsewhere = DepartmentFactory(code="LAB")
    in_team, in_surgery, in_lab = (
        staff(department=team),
        staff(department=surgery),
        staff(department=elsewhere),
    )
    assignments_recompute()
    assert owed(in_team, page).due_date == date(2026, 5, 25)  # IM's date, two levels up
    assert owed(in_surgery, page).due_date == date(2026, 8, 25)  # the hospital's
    assert owed(in_lab, page).due_date is None  # nobody above has one: assigned, no due date


def test_days_after_hire_and_none_without_a_hire_date():
    page = course(lessons=0)
    curriculum(items=[(page, Rule.AFTER_HIRE, 30)])
    hired = staff(hire_date=date(2026, 1, 10))
    unknown = staff(hire_date=None)
    assignments_recompute()
    assert owed(hired, page).due_date == date(2026, 2, 9)
    assert owed(unknown, page).due_date is None


def test_due_dates_follow_the_roster_and_the_departments():
    page = course(lessons=0)
    curriculum(items=[(page, Rule.BEFORE_GO_LIVE, 10)])
    ward = DepartmentFactory()
    its_wave = wave([ward], go_live=date(2026, 4, 11))
    nurse = staff(department=ward)
    assignments_recompute()
    its_wave.go_live_date = date(2026, 5, 11)
    its_wave.save()
    assert assignments_recompute() == counts(updated=1)
    assert owed(nurse, page).due_date == date(2026, 5, 1)


# ---------------------------------------------------------------------------------------------
# Who: role, department limits, active


def test_only_the_curriculums_role_is_assigned():
    page = course(lessons=0)
    curriculum("nurse", items=[(page, Rule.FIXED, date(2026, 5, 1))])
    nurse, doctor = staff("nurse"), staff("doctor")
    assignments_recompute()
    assert active_pages(nurse) == {page.pk}
    assert active_pages(doctor) == set()


def test_department_limits_include_sub_departments():
    page = course(lessons=0)
    emergency = DepartmentFactory(code="ED")
    triage = DepartmentFactory(code="ED-01", parent=emergency)
    team = DepartmentFactory(code="ED-01-T1", parent=triage)
    cardiology = DepartmentFactory(code="CARD")
    curriculum(items=[(page, Rule.FIXED, date(2026, 5, 1))], departments=[emergency])
    in_ed, in_triage, in_team = (staff(department=d) for d in (emergency, triage, team))
    in_cardiology = staff(department=cardiology)
    doctor_in_ed = staff("doctor", department=emergency)
    assignments_recompute()
    for member in (in_ed, in_triage, in_team):
        assert active_pages(member) == {page.pk}
    assert active_pages(in_cardiology) == set()
    assert active_pages(doctor_in_ed) == set()


def test_a_limit_to_a_sub_department_leaves_its_parent_out():
    page = course(lessons=0)
    emergency = DepartmentFactory(code="ED")
    triage = DepartmentFactory(code="ED-01", parent=emergency)
    curriculum(items=[(page, Rule.FIXED, date(2026, 5, 1))], departments=[triage])
    in_ed, in_triage = staff(department=emergency), staff(department=triage)
    assignments_recompute()
    assert active_pages(in_ed) == set()
    assert active_pages(in_triage) == {page.pk}


def test_inactive_curricula_assign_nothing():
    page = course(lessons=0)
    curriculum(items=[(page, Rule.FIXED, date(2026, 5, 1))], active=False)
    staff()
    assert assignments_recompute() == counts()
    assert not Assignment.objects.exists()


def test_an_unpublished_course_is_not_assigned_and_comes_back_when_published():
    page = course(lessons=0)
    curriculum(items=[(page, Rule.FIXED, date(2026, 5, 1))])
    nurse = staff()
    assignments_recompute()
    page.unpublish()
    assert assignments_recompute() == counts(withdrawn=1)
    page.save_revision().publish()
    assert assignments_recompute() == counts(reactivated=1)
    assert active_pages(nurse) == {page.pk}


# ---------------------------------------------------------------------------------------------
# Two curricula, one item


def test_the_earliest_due_date_wins():
    page = course(lessons=0)
    ward = DepartmentFactory()
    wave([ward], go_live=date(2026, 5, 1))
    curriculum(items=[(page, Rule.FIXED, date(2026, 6, 1))], name="Hospital-wide")
    early = curriculum(items=[(page, Rule.BEFORE_GO_LIVE, 30)], name="Ward go-live")
    curriculum(items=[(page, Rule.AFTER_HIRE, 365)], name="Newcomers")
    nurse = staff(department=ward, hire_date=date(2026, 1, 1))
    assert assignments_recompute() == counts(created=1)
    assignment = owed(nurse, page)
    assert assignment.due_date == date(2026, 4, 1)
    assert assignment.curriculum == early


def test_after_hire_wins_when_it_is_earliest_and_a_date_beats_none():
    page = course(lessons=0)
    curriculum(items=[(page, Rule.BEFORE_GO_LIVE, 30)], name="Go-live (no date yet)")
    newcomers = curriculum(items=[(page, Rule.AFTER_HIRE, 14)], name="Newcomers")
    hired = staff(hire_date=date(2026, 2, 1))
    no_hire_date = staff(hire_date=None)
    assignments_recompute()
    assert (owed(hired, page).due_date, owed(hired, page).curriculum) == (
        date(2026, 2, 15),
        newcomers,
    )
    assert owed(no_hire_date, page).due_date is None


def test_when_the_winning_curriculum_goes_the_other_one_takes_over():
    page = course(lessons=0)
    first = curriculum(items=[(page, Rule.FIXED, date(2026, 4, 1))], name="A")
    second = curriculum(items=[(page, Rule.FIXED, date(2026, 7, 1))], name="B")
    nurse = staff()
    assignments_recompute()
    assert owed(nurse, page).curriculum == first
    first.active = False
    first.save()
    assert assignments_recompute() == counts(updated=1)
    assignment = owed(nurse, page)
    assert (assignment.due_date, assignment.curriculum) == (date(2026, 7, 1), second)


# ---------------------------------------------------------------------------------------------
# Withdraw, re-activate, never delete


@freeze_time("2026-03-02 09:00:00")
def test_a_role_change_withdraws_and_assigns_the_new_roles_items():
    nursing, medicine = course(lessons=0), course(lessons=0, roles=("doctor",))
    curriculum("nurse", items=[(nursing, Rule.FIXED, date(2026, 5, 1))])
    curriculum("doctor", items=[(medicine, Rule.FIXED, date(2026, 6, 1))])
    member = staff("nurse")
    assignments_recompute()
    member.job_role = job_role("doctor")
    member.save()
    assert assignments_recompute() == counts(created=1, withdrawn=1)
    withdrawn = owed(member, nursing)
    assert withdrawn.status == Assignment.Status.WITHDRAWN
    assert withdrawn.withdrawn_at.isoformat() == "2026-03-02T09:00:00+00:00"
    assert active_pages(member) == {medicine.pk}


def test_leaving_withdraws_everything_and_coming_back_reactivates_with_progress_kept():
    page, other = course(lessons=1), course(lessons=0)
    curriculum(items=[(page, Rule.FIXED, date(2026, 5, 1)), (other, Rule.AFTER_HIRE, 10)])
    nurse = staff(hire_date=date(2026, 1, 1))
    assignments_recompute()
    done_at = date(2026, 2, 1)
    Assignment.objects.filter(object_id=page.pk).update(completed_at=f"{done_at}T10:00:00Z")
    CourseProgress.objects.create(staff=nurse, course=page, percent=100)
    kept = owed(nurse, page).pk

    nurse.active = False
    nurse.save()
    assert assignments_recompute() == counts(withdrawn=2)
    assert active_pages(nurse) == set()
    assert Assignment.objects.filter(staff=nurse).count() == 2  # never deleted

    nurse.active = True
    nurse.save()
    assert assignments_recompute() == counts(reactivated=2)
    back = owed(nurse, page)
    assert back.pk == kept
    assert (back.status, back.withdrawn_at) == (Assignment.Status.ACTIVE, None)
    assert back.completed_at.date() == done_at
    assert CourseProgress.objects.get(staff=nurse, course=page).percent == 100


def test_a_removed_item_is_withdrawn_not_deleted():
    page, other = course(lessons=0), course(lessons=0)
    found = curriculum(items=[(page, Rule.FIXED, date(2026, 5, 1)), (other, Rule.FIXED, None)])
    nurse = staff()
    assignments_recompute()
    found.items.filter(object_id=other.pk).delete()
    assert assignments_recompute() == counts(withdrawn=1, unchanged=1)
    assert active_pages(nurse) == {page.pk}
    found.delete()
    assert assignments_recompute() == counts(withdrawn=1)
    assert Assignment.objects.count() == 2
    assert set(Assignment.objects.values_list("curriculum", flat=True)) == {None}


# ---------------------------------------------------------------------------------------------
# Idempotent, scoped, audited


def test_a_second_run_changes_nothing():
    pages = [course(lessons=0) for _ in range(3)]
    ward = DepartmentFactory()
    wave([ward], go_live=date(2026, 6, 1))
    curriculum(
        items=[
            (pages[0], Rule.FIXED, date(2026, 5, 1)),
            (pages[1], Rule.BEFORE_GO_LIVE, 21),
            (pages[2], Rule.AFTER_HIRE, 30),
        ]
    )
    curriculum("doctor", items=[(pages[0], Rule.FIXED, date(2026, 5, 1))])
    for hire in (date(2026, 1, 1), None):
        staff(department=ward, hire_date=hire)
        staff("doctor", department=ward, hire_date=hire)
    staff(active=False)
    assert assignments_recompute() == counts(created=8)
    rows = list(Assignment.objects.order_by("pk").values())
    assert assignments_recompute() == counts(unchanged=8)
    assert list(Assignment.objects.order_by("pk").values()) == rows


def test_recompute_of_named_staff_leaves_the_others_alone():
    page = course(lessons=0)
    curriculum(items=[(page, Rule.FIXED, date(2026, 5, 1))])
    first, second = staff(), staff()
    assert assignments_recompute(staff_ids=[first.pk]) == counts(created=1)
    assert active_pages(second) == set()
    second.active = False
    second.save()
    assert assignments_recompute(staff_ids=[first.pk, second.pk]) == counts(unchanged=1)
    assert assignments_recompute(staff_ids=[]) == counts()


def test_many_named_staff_are_filtered_in_python(monkeypatch):
    from courses.services import enrolment

    monkeypatch.setattr(enrolment, "IDS_IN_SQL", 1)
    page = course(lessons=0)
    curriculum(items=[(page, Rule.FIXED, date(2026, 5, 1))])
    first, second, third = staff(), staff(), staff()
    assert assignments_recompute(staff_ids=[first.pk, second.pk]) == counts(created=2)
    assert active_pages(third) == set()


def test_many_different_new_due_dates_are_written_in_bulk():
    page = course(lessons=0)
    found = curriculum(items=[(page, Rule.AFTER_HIRE, 30)])
    crew = [staff(hire_date=date(2025, 1, 1) + timedelta(days=n)) for n in range(60)]
    assignments_recompute()
    found.items.update(due_days=60)
    assert assignments_recompute() == counts(updated=60)
    for member in crew:
        assert owed(member, page).due_date == member.hire_date + timedelta(days=60)


def test_each_run_writes_one_audit_event_with_its_counts():
    page = course(lessons=0)
    curriculum(items=[(page, Rule.FIXED, date(2026, 5, 1))])
    staff(), staff()
    assignments_recompute()
    nurse = staff()
    assignments_recompute(staff_ids=[nurse.pk])
    events = list(AuditEvent.objects.filter(action="assignments.recompute").order_by("pk"))
    assert [e.after for e in events] == [
        {**counts(created=2), "staff": "all"},
        {**counts(created=1), "staff": 1},
    ]
