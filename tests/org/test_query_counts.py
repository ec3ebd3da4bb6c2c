"""List, dashboard and report views: the same number of queries at 10 and at 1,000 rows."""

import pytest

from portal.accounts import roles
from portal.org.models import RosterImport, StaffMember
from portal.records.services import AuditEntry, audit_record_many
from tests.factories import DepartmentFactory, UserFactory, job_role, person, shift

pytestmark = pytest.mark.django_db

MAX_QUERIES = 16  # the page shell: session, user, roles, nav badge


def _staff(count, department):
    nurse, day = job_role("nurse"), shift("day")
    StaffMember.objects.bulk_create(
        StaffMember(
            employee_no=f"Q{i:06d}",
            full_name=f"护士{i}",
            department=department,
            job_role=nurse,
            shift=day,
        )
        for i in range(count)
    )


@pytest.mark.parametrize("rows", [10, 1000])
def test_staff_list_for_hr(client, django_assert_max_num_queries, rows):
    _staff(rows, DepartmentFactory(code="ED"))
    client.force_login(person([roles.HR]).user)
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get("/org/staff/").status_code == 200


@pytest.mark.parametrize("rows", [10, 1000])
def test_staff_list_for_manager(client, django_assert_max_num_queries, rows):
    ed = DepartmentFactory(code="ED")
    for i in range(rows // 10):  # a wide department tree too
        DepartmentFactory(code=f"ED-{i}", parent=ed)
    _staff(rows, ed)
    manager = person([roles.MANAGER], department=ed)
    manager.managed_departments.add(ed)
    client.force_login(manager.user)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get("/org/staff/?job_role=&q=")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == rows + 1


@pytest.mark.parametrize("rows", [10, 1000])
def test_audit_list(client, django_assert_max_num_queries, rows):
    audit_record_many(entries=[AuditEntry(action="staff.update", object_id=i) for i in range(rows)])
    client.force_login(UserFactory(roles=[roles.AUDITOR]))
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get("/records/audit/?action=staff").status_code == 200


@pytest.mark.parametrize("rows", [10, 1000])
def test_roster_import_pages(client, django_assert_max_num_queries, rows):
    hr = UserFactory(roles=[roles.HR])
    diff = {
        "new": [
            {
                "row": i,
                "employee_no": f"N{i}",
                "full_name": "x",
                "department": "ED",
                "job_role": "nurse",
            }
            for i in range(rows)
        ],
        "changed": [],
        "missing": [],
    }
    imports = RosterImport.objects.bulk_create(
        RosterImport(
            uploaded_by=hr,
            filename=f"r{i}.csv",
            content=b"",
            sha256="",
            diff=diff,
            summary={"rows": rows, "new": rows},
        )
        for i in range(min(rows, 50))
    )
    client.force_login(hr)
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get("/org/roster/").status_code == 200
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get(f"/org/roster/{imports[0].pk}/").status_code == 200


def test_my_training(client, django_assert_max_num_queries):
    client.force_login(person([roles.LEARNER]).user)
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get("/training/").status_code == 200
