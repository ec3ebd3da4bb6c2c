"""The chase list page and its CSV / Excel exports: who may see what, filters, query counts."""

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from freezegun import freeze_time
from openpyxl import load_workbook

from courses.models import Assignment, CoursePage
from portal.accounts import roles
from portal.org.models import StaffMember
from tests.courses.factories import course
from tests.factories import DepartmentFactory, StaffFactory, UserFactory, job_role, person, shift

from .test_chase_selectors import assign

pytestmark = pytest.mark.django_db

TODAY = date(2025, 3, 12)
LIST, CSV, XLSX = "/learning/chase/", "/learning/chase/export.csv", "/learning/chase/export.xlsx"


@dataclass
class World:
    ed: object
    obs: object
    card: object
    manager: object
    page: CoursePage


@pytest.fixture
def world(role_groups):
    ed = DepartmentFactory(code="ED", name="Emergency", name_zh="急诊科")
    obs = DepartmentFactory(code="ED-OBS", name="Observation", parent=ed)
    card = DepartmentFactory(code="CARD", name="Cardiology")
    manager = person([roles.LEARNER, roles.MANAGER], department=ed, full_name="Manager")
    manager.managed_departments.add(ed)
    page = course(title="Barcode medication administration", title_zh="扫码给药", lessons=1)
    late = TODAY - timedelta(days=3)
    assign(StaffFactory(full_name="Wang Fang", department=ed, shift=shift("night")), page, late)
    assign(StaffFactory(full_name="Li Na", department=obs), page, TODAY + timedelta(days=9))
    assign(StaffFactory(full_name="Zhao Lei", department=card), page, late)
    return World(ed=ed, obs=obs, card=card, manager=manager, page=page)


def names(response) -> set[str]:
    return {row.staff.full_name for row in response.context["page"]}


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.mark.parametrize("url", [LIST, CSV, XLSX])
@pytest.mark.parametrize("role", [roles.LEARNER, roles.TRAINER, roles.AUDITOR])
def test_refused_to_learners_trainers_auditors(client, world, url, role):
    client.force_login(person([roles.LEARNER, role], department=world.ed).user)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", [LIST, CSV, XLSX])
def test_anonymous_is_sent_to_sign_in(client, world, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@freeze_time("2025-03-12 09:00")
def test_manager_sees_own_departments_only(client, world):
    client.force_login(world.manager.user)
    response = client.get(LIST)
    assert response.status_code == 200
    assert names(response) == {"Wang Fang", "Li Na"}
    assert "Zhao Lei" not in response.content.decode()
    body = response.content.decode()
    assert "Overdue" in body and "Barcode medication administration" in body
    assert 'id="chase-chart-data"' in body and "courses/vendor/chart.umd.min.js" in body


@freeze_time("2025-03-12 09:00")
def test_another_departments_id_in_the_filter_shows_none_of_its_staff(client, world):
    client.force_login(world.manager.user)
    response = client.get(LIST, {"department": world.card.pk, "status": "all"})
    assert response.status_code == 200
    assert response.context["form"].errors["department"]
    assert "Zhao Lei" not in response.content.decode()
    assert names(response) == {"Wang Fang", "Li Na"}
    for url in (CSV, XLSX):
        response = client.get(url, {"department": world.card.pk})
        assert response.status_code == 400
        assert "Zhao Lei" not in response.content.decode()


@freeze_time("2025-03-12 09:00")
@pytest.mark.parametrize("role", [roles.HR, roles.ROLLOUT_LEAD, "superuser"])
def test_hr_leads_and_administrators_see_every_department(client, world, role):
    if role == "superuser":
        user = UserFactory(is_superuser=True, is_staff=True)
    else:
        user = person([roles.LEARNER, role]).user
    client.force_login(user)
    response = client.get(LIST)
    assert names(response) == {"Wang Fang", "Li Na", "Zhao Lei"}
    response = client.get(LIST, {"department": world.card.pk})
    assert names(response) == {"Zhao Lei"}


@freeze_time("2025-03-12 09:00")
def test_filters(client, world):
    client.force_login(world.manager.user)
    assert names(client.get(LIST, {"shift": shift("night").pk})) == {"Wang Fang"}
    assert names(client.get(LIST, {"status": "overdue"})) == {"Wang Fang"}
    assert names(client.get(LIST, {"department": world.obs.pk})) == {"Li Na"}
    assert names(client.get(LIST, {"job_role": job_role("doctor").pk})) == set()
    response = client.get(LIST, {"status": "bogus"})
    assert response.context["form"].errors["status"]
    assert names(response) == {"Wang Fang", "Li Na"}


@freeze_time("2025-03-12 09:00")
def test_csv_export_has_the_lists_rows_and_filters(client, world):
    client.force_login(world.manager.user)
    response = client.get(CSV, {"status": "overdue"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="chase-list-2025-03-12.csv"'
    header, *rows = csv_rows(response)
    assert header == [
        "Name",
        "Employee number",
        "Department",
        "Job role",
        "Shift",
        "Item",
        "Due",
        "Status",
        "Percent",
    ]
    member = StaffMember.objects.get(full_name="Wang Fang")
    assert rows == [
        [
            "Wang Fang",
            member.employee_no,
            "Emergency",
            "Nurse",
            "Night",
            "Barcode medication administration",
            "2025-03-09",
            "Overdue",
            "0",
        ]
    ]


@freeze_time("2025-03-12 09:00")
def test_csv_export_in_chinese(client, world):
    client.force_login(world.manager.user)
    client.cookies["django_language"] = "zh-hans"
    header, *rows = csv_rows(client.get(CSV, {"status": "overdue"}, HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert rows[0][2] == "急诊科"
    assert rows[0][5] == "扫码给药"


@freeze_time("2025-03-12 09:00")
def test_exports_defuse_formulas(client, world):
    StaffMember.objects.filter(full_name="Wang Fang").update(
        full_name='=HYPERLINK("http://evil.example","Click")'
    )
    client.force_login(world.manager.user)
    _header, *rows = csv_rows(client.get(CSV, {"status": "overdue"}))
    assert rows[0][0] == '\'=HYPERLINK("http://evil.example","Click")'

    response = client.get(XLSX, {"status": "overdue"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('filename="chase-list-2025-03-12.xlsx"')
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Name"
    cell = sheet.cell(row=2, column=1)
    # Kept as typed text: the sheet shows the name, never runs it.
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://evil.example","Click")'
    assert rows[1][7] == "Overdue"
    assert rows[1][6].date() == date(2025, 3, 9)


def _many(count: int, department, page):
    nurse, night = job_role("nurse"), shift("night")
    staff = StaffMember.objects.bulk_create(
        StaffMember(
            employee_no=f"Q{i:06d}",
            full_name=f"护士{i}",
            department=department,
            job_role=nurse,
            shift=night,
        )
        for i in range(count)
    )
    course_type = ContentType.objects.get_for_model(CoursePage)
    Assignment.objects.bulk_create(
        Assignment(
            staff=member,
            content_type=course_type,
            object_id=page.pk,
            due_date=TODAY - timedelta(days=i % 3),
            completed_at=timezone.now() if i % 5 == 0 else None,
        )
        for i, member in enumerate(staff)
    )


# 17 today (session, user, permissions, roles, scope, filters, count, page, titles, chart,
# dropdowns) plus the navigation's unread count.
MAX_QUERIES = 18


@freeze_time("2025-03-12 09:00")
@pytest.mark.parametrize("rows", [10, 1000])
def test_query_count_is_constant(client, world, django_assert_max_num_queries, rows):
    for i in range(rows // 100):  # a wider department tree too
        DepartmentFactory(code=f"ED-{i}", parent=world.ed)
    _many(rows, world.ed, world.page)
    client.force_login(world.manager.user)
    query = {"shift": shift("night").pk, "status": "all", "department": world.ed.pk}
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(LIST, query)
    assert response.context["page"].paginator.count == rows + 1
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(CSV, query)
        assert len(csv_rows(response)) == rows + 2
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(XLSX, query)
        assert response.status_code == 200


@freeze_time("2025-03-12 09:00")
def test_manager_without_departments_sees_nobody(client, world):
    client.force_login(person([roles.LEARNER, roles.MANAGER], department=world.ed).user)
    response = client.get(LIST, {"status": "all"})
    assert response.status_code == 200
    assert names(response) == set()
    assert "Nobody to chase with these filters." in response.content.decode()
    assert len(csv_rows(client.get(CSV, {"status": "all"}))) == 1
