"""Organisation edits in the Wagtail admin go through org_record_save and are audited."""

import pytest

from portal.accounts import roles
from portal.org.models import Department
from portal.records.models import AuditEvent
from tests.factories import DepartmentFactory, job_role, person, shift

pytestmark = pytest.mark.django_db


def _staff_form(member, **changes):
    data = {
        "employee_no": member.employee_no,
        "full_name": member.full_name,
        "department": member.department_id,
        "job_role": member.job_role_id,
        "title": member.title,
        "shift": member.shift_id,
        "hire_date": "",
        "active": "on",
        "managed_departments": [],
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_trainer_moves_a_nurse_and_the_audit_trail_shows_it(client):
    trainer = person([roles.TRAINER])
    nurse = person([roles.LEARNER])
    card = DepartmentFactory(code="CARD")
    client.force_login(trainer.user)
    response = client.post(
        f"/cms/org/staff/edit/{nurse.pk}/",
        _staff_form(nurse, department=card.pk, job_role=job_role("doctor").pk),
    )
    assert response.status_code == 302, response.content[:500]
    nurse.refresh_from_db()
    assert nurse.department == card
    event = AuditEvent.objects.get(action="staffmember.update", object_id=str(nurse.pk))
    assert event.actor_id == trainer.user.pk
    assert set(event.after) == {"department", "job_role"}
    assert event.after["department"] == card.pk


def test_deactivating_staff_in_the_admin_blocks_their_login(client):
    hr = person([roles.HR])
    leaver = person([roles.LEARNER])
    client.force_login(hr.user)
    form = _staff_form(leaver)
    del form["active"]
    assert client.post(f"/cms/org/staff/edit/{leaver.pk}/", form).status_code == 302
    leaver.user.refresh_from_db()
    assert leaver.user.is_active is False
    assert AuditEvent.objects.get(action="staffmember.update").after == {"active": False}


def test_creating_a_department_is_audited(client):
    client.force_login(person([roles.TRAINER]).user)
    response = client.post(
        "/cms/org/departments/new/",
        {
            "code": "ICU",
            "name": "Intensive care",
            "name_zh": "重症医学科",
            "kind": "clinical",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content[:500]
    icu = Department.objects.get(code="ICU")
    assert AuditEvent.objects.get(action="department.create").object_id == str(icu.pk)


def test_a_department_cannot_move_under_its_own_branch(client):
    root = DepartmentFactory(code="ROOT")
    child = DepartmentFactory(code="CHILD", parent=root)
    client.force_login(person([roles.TRAINER]).user)
    response = client.post(
        f"/cms/org/departments/edit/{root.pk}/",
        {"code": "ROOT", "name": root.name, "kind": "clinical", "parent": child.pk, "active": "on"},
    )
    assert response.status_code == 200
    assert "cannot be placed under itself" in response.content.decode()
    root.refresh_from_db()
    assert root.parent is None
    assert not AuditEvent.objects.filter(action="department.update").exists()


def test_learner_cannot_reach_the_admin(client):
    client.force_login(person([roles.LEARNER], shift=shift("night")).user)
    assert client.get("/cms/org/staff/").status_code == 302
