"""What recomputes assignments, after commit: roster imports and admin edits of staff (org's
staff_changed signal), a rollout wave's go-live date (department_changed, sent by wave_save),
curricula (their own save path, see test_curricula_admin) and courses being unpublished or
deleted. The task is thin and idempotent."""

from datetime import date
from unittest import mock

import pytest
from django import forms

from courses import receivers
from courses.models import Assignment, CurriculumItem
from courses.tasks.enrolment import assignments_recompute_task
from portal.accounts import roles
from portal.org import services as org_services
from portal.org.models import Department, StaffMember
from portal.org.signals import department_changed, staff_changed
from portal.readiness.models import Wave
from portal.readiness.waves import wave_save
from portal.records.models import AuditEvent
from tests.courses.factories import course
from tests.courses.test_enrolment_engine import active_pages, curriculum, owed, staff
from tests.factories import DepartmentFactory, job_role, person
from tests.org.test_admin_edits import _staff_form
from tests.org.test_roster_read import cells, roster_csv
from tests.readiness.factories import wave

pytestmark = pytest.mark.django_db

Rule = CurriculumItem.DueRule


@pytest.fixture
def ed(db):
    department = DepartmentFactory(code="ED")
    wave([department], go_live=date(2026, 6, 1))
    return department


@pytest.fixture
def nursing(ed):
    page = course(lessons=1)
    curriculum("nurse", items=[(page, Rule.BEFORE_GO_LIVE, 14)], name="Nurses")
    return page


def roster_import(rows, capture, deactivate_missing=False):
    """Upload, confirm and let the worker run whatever that queues, as the import views do."""
    with capture(execute=True):
        imp = org_services.roster_import_create(
            actor=None, filename="roster.csv", data=roster_csv(rows)
        )
        org_services.roster_import_confirm(
            actor=None, roster_import=imp, deactivate_missing=deactivate_missing
        )
    imp.refresh_from_db()
    assert imp.status == imp.Status.APPLIED, imp.errors
    return imp


# ---------------------------------------------------------------------------------------------
# Roster imports


def test_a_nurse_added_by_roster_import_gets_the_nurse_curriculum(
    ed, nursing, django_capture_on_commit_callbacks
):
    roster_import(
        [cells(employee_no="N1", email="wang.fang@hospital.example")],
        django_capture_on_commit_callbacks,
    )
    nurse = StaffMember.objects.get(employee_no="N1")
    assert active_pages(nurse) == {nursing.pk}
    assert owed(nurse, nursing).due_date == date(2026, 5, 18)
    assert AuditEvent.objects.filter(action="assignments.recompute").count() == 1
    assert AuditEvent.objects.get(action="assignments.recompute").after["staff"] == 1


def test_a_roster_role_change_withdraws_and_leaving_withdraws(
    ed, nursing, django_capture_on_commit_callbacks
):
    roster_import(
        [cells(employee_no="N1"), cells(employee_no="N2")], django_capture_on_commit_callbacks
    )
    first, second = StaffMember.objects.order_by("employee_no")
    roster_import(
        [cells(employee_no="N1", role_code="doctor")],
        django_capture_on_commit_callbacks,
        deactivate_missing=True,
    )
    assert active_pages(first) == set()
    assert active_pages(second) == set()
    assert Assignment.objects.filter(status=Assignment.Status.WITHDRAWN).count() == 2


def test_a_roster_shift_change_moves_the_persons_readiness_cell(
    ed, nursing, django_capture_on_commit_callbacks
):
    """The status table copies the shift (readiness counts department × role × shift): a
    change of shift alone is a change that matters."""
    from assessments.models import CertificationStatus
    from tests.assessments.certification_factories import track
    from tests.factories import shift

    track(role="nurse", courses=0)
    day, night = shift("day"), shift("night")
    roster_import([cells(employee_no="N1", shift="day")], django_capture_on_commit_callbacks)
    nurse = StaffMember.objects.get(employee_no="N1")
    assert CertificationStatus.objects.get(staff=nurse).shift == day
    roster_import([cells(employee_no="N1", shift="night")], django_capture_on_commit_callbacks)
    assert StaffMember.objects.get(pk=nurse.pk).shift == night
    assert CertificationStatus.objects.get(staff=nurse).shift == night


def test_a_roster_change_that_does_not_matter_queues_nothing(
    ed, nursing, django_capture_on_commit_callbacks
):
    roster_import([cells(employee_no="N1")], django_capture_on_commit_callbacks)
    with mock.patch.object(assignments_recompute_task, "delay_on_commit") as queued:
        roster_import(
            [cells(employee_no="N1", title="主管护师")], django_capture_on_commit_callbacks
        )
    queued.assert_not_called()


# ---------------------------------------------------------------------------------------------
# Admin edits


def test_moving_staff_in_the_admin_recomputes_them(
    client, ed, nursing, django_capture_on_commit_callbacks
):
    lab = DepartmentFactory(code="LAB")
    curriculum("nurse", items=[(nursing, Rule.FIXED, date(2026, 1, 1))], departments=[lab])
    nurse = staff(department=ed)
    client.force_login(person([roles.TRAINER]).user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/cms/org/staff/edit/{nurse.pk}/", _staff_form(nurse, department=lab.pk)
        )
    assert response.status_code == 302
    assert owed(nurse, nursing).due_date == date(2026, 1, 1)


def test_creating_staff_in_the_admin_assigns_them(
    client, ed, nursing, django_capture_on_commit_callbacks
):
    client.force_login(person([roles.HR]).user)
    data = {
        "employee_no": "A1",
        "full_name": "新护士",
        "department": ed.pk,
        "job_role": job_role("nurse").pk,
        "title": "护士",
        "hire_date": "2026-01-05",
        "active": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/cms/org/staff/new/", data).status_code == 302
    assert active_pages(StaffMember.objects.get(employee_no="A1")) == {nursing.pk}


class DepartmentForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = ["code", "name", "parent"]


class WaveForm(forms.ModelForm):
    class Meta:
        model = Wave
        fields = ["name", "departments", "go_live_date", "status"]


def test_moving_a_waves_go_live_date_moves_its_staffs_due_dates(
    ed, nursing, django_capture_on_commit_callbacks
):
    ward = DepartmentFactory(code="ED-01", parent=ed)
    in_ed, in_ward, elsewhere = staff(department=ed), staff(department=ward), staff()
    assignments_recompute_task(staff_ids=None)
    its_wave = ed.waves.get()
    form = WaveForm(
        {
            "name": its_wave.name,
            "departments": [ed.pk],
            "go_live_date": "2026-07-01",
            "status": its_wave.status,
        },
        instance=its_wave,
    )
    assert form.is_valid(), form.errors
    with (
        mock.patch.object(assignments_recompute_task, "delay_on_commit") as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        wave_save(actor=None, form=form)
    queued.assert_called_once_with(staff_ids=sorted([in_ed.pk, in_ward.pk]))
    assignments_recompute_task(**queued.call_args.kwargs)
    assert owed(in_ed, nursing).due_date == date(2026, 6, 17)
    assert owed(in_ward, nursing).due_date == date(2026, 6, 17)
    assert owed(elsewhere, nursing).due_date is None


def test_renaming_a_department_queues_nothing(ed, django_capture_on_commit_callbacks):
    form = DepartmentForm({"code": "ED", "name": "Urgent care"}, instance=ed)
    assert form.is_valid()
    with (
        mock.patch.object(assignments_recompute_task, "delay_on_commit") as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        org_services.org_record_save(actor=None, form=form)
    queued.assert_not_called()


# ---------------------------------------------------------------------------------------------
# Receivers and the task


def test_many_staff_ids_become_a_recompute_of_everybody():
    with mock.patch.object(assignments_recompute_task, "delay_on_commit") as queued:
        staff_changed.send(sender=StaffMember, staff_ids=list(range(receivers.MAX_IDS + 1)))
        staff_changed.send(sender=StaffMember, staff_ids=[3, 1, 3])
        staff_changed.send(sender=StaffMember, staff_ids=[])
        department_changed.send(sender=Department, department_ids=[DepartmentFactory().pk])
    assert [c.kwargs for c in queued.call_args_list] == [{"staff_ids": None}, {"staff_ids": [1, 3]}]


def test_the_task_is_idempotent(ed, nursing):
    nurse = staff(department=ed)
    assert assignments_recompute_task(staff_ids=[nurse.pk])["created"] == 1
    assert assignments_recompute_task(staff_ids=[nurse.pk]) == {
        "created": 0,
        "updated": 0,
        "reactivated": 0,
        "withdrawn": 0,
        "unchanged": 1,
    }
    assert assignments_recompute_task.time_limit and assignments_recompute_task.acks_late


def test_unpublishing_a_required_course_withdraws_it_and_publishing_brings_it_back(
    ed, nursing, django_capture_on_commit_callbacks
):
    nurse = staff(department=ed)
    assignments_recompute_task()
    with django_capture_on_commit_callbacks(execute=True):
        nursing.unpublish()
    assert active_pages(nurse) == set()
    with django_capture_on_commit_callbacks(execute=True):
        nursing.save_revision().publish()
    assert active_pages(nurse) == {nursing.pk}
    # Publishing again (an edit) when everybody already has it queues nothing.
    with (
        mock.patch.object(assignments_recompute_task, "delay_on_commit") as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        nursing.save_revision().publish()
    queued.assert_not_called()


def test_deleting_a_required_course_withdraws_it(ed, nursing, django_capture_on_commit_callbacks):
    nurse = staff(department=ed)
    assignments_recompute_task()
    with django_capture_on_commit_callbacks(execute=True):
        nursing.delete()
    assert active_pages(nurse) == set()
    assert Assignment.objects.get(staff=nurse).status == Assignment.Status.WITHDRAWN


def test_courses_nobody_requires_queue_nothing(django_capture_on_commit_callbacks):
    page = course(lessons=0)
    with (
        mock.patch.object(assignments_recompute_task, "delay_on_commit") as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        page.unpublish()
        page.save_revision().publish()
        page.delete()
    queued.assert_not_called()
