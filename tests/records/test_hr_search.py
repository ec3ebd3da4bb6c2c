from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from assessments.models import CertificationStatus, CertificationTrack
from portal.accounts import roles
from portal.org.models import StaffMember
from tests.factories import DepartmentFactory, job_role, person

pytestmark = pytest.mark.django_db

S = CertificationStatus.Status


def hospital_rows(n, *, department=None, role="nurse", title="护士", start=0, **fields):
    """`n` staff (no logins) with one status row each on a track of their role."""
    department = department or DepartmentFactory()
    jr = job_role(role)
    t, _created = CertificationTrack.objects.get_or_create(
        code=f"hr-{role}", defaults={"name": f"{role.title()} track", "job_role": jr}
    )
    staff = StaffMember.objects.bulk_create(
        StaffMember(
            employee_no=f"B{start + i:06d}",
            full_name=f"Person {start + i}",
            department=department,
            job_role=jr,
            title=title,
        )
        for i in range(n)
    )
    fields.setdefault("status", S.CERTIFIED)
    fields.setdefault("certified_on", date(2026, 1, 10))
    fields.setdefault("valid_until", date(2027, 1, 9))
    fields.setdefault("score", Decimal("80.0"))
    fields.setdefault("level", "proficient")
    CertificationStatus.objects.bulk_create(
        CertificationStatus(staff=s, track=t, department=department, job_role=jr, **fields)
        for s in staff
    )
    return staff


@pytest.fixture
def hr_client(client, role_groups):
    client.force_login(person(role_names=[roles.HR]).user)
    return client


def _names(response):
    return {row.staff.full_name for row in response.context["page"]}


def test_filters(hr_client):
    ward = DepartmentFactory(code="W1")
    team = DepartmentFactory(code="W1-T", parent=ward)
    other = DepartmentFactory(code="X")
    hospital_rows(1, department=team, start=1)
    hospital_rows(1, department=other, start=2, role="doctor", title="主任医师")
    hospital_rows(
        1,
        department=other,
        start=3,
        level="novice",
        score=Decimal("30"),
        status=S.IN_PROGRESS,
        certified_on=None,
        valid_until=None,
    )
    hospital_rows(1, department=other, start=4, certified_on=date(2025, 3, 1))
    url = reverse("records:hr_search")
    assert _names(hr_client.get(url, {"department": ward.pk})) == {"Person 1"}
    assert _names(hr_client.get(url, {"job_role": job_role("doctor").pk})) == {"Person 2"}
    assert _names(hr_client.get(url, {"title": "主任"})) == {"Person 2"}
    assert _names(hr_client.get(url, {"level": "novice"})) == {"Person 3"}
    assert _names(hr_client.get(url, {"status": S.IN_PROGRESS})) == {"Person 3"}
    period = {"certified_from": "2025-01-01", "certified_to": "2025-12-31"}
    assert _names(hr_client.get(url, period)) == {"Person 4"}
    response = hr_client.get(url)
    assert response.context["page"].paginator.count == 4
    html = response.content.decode()
    assert '<b id="match-count">4</b>' in html and "matching records" in html
    levels = {level["code"]: level["count"] for level in response.context["levels"]}
    assert levels == {"novice": 1, "competent": 0, "proficient": 3, "expert": 0, "": 0}
    assert response.context["chart"]["values"] == [1, 0, 3, 0, 0]
    assert 'id="level-chart-data"' in html and "records/level_chart.js" in html
    assert "Proficient" in html  # the level's label, not its code
    first = StaffMember.objects.get(full_name="Person 1")
    link = reverse("records:transcript", args=[first.pk])
    assert f'href="{link}"' in response.content.decode()


@pytest.mark.parametrize("n", [10, 1000])
def test_search_query_count_is_constant(hr_client, django_assert_max_num_queries, n):
    hospital_rows(n)
    with django_assert_max_num_queries(13):  # 12, and one for the seed-user marks
        response = hr_client.get(reverse("records:hr_search"), {"level": "proficient"})
    assert response.context["page"].paginator.count == n


def test_the_form_keeps_its_values_and_rows_are_ordered(hr_client):
    b = DepartmentFactory(code="B-DEPT")
    a = DepartmentFactory(code="A-DEPT")
    hospital_rows(1, department=b, start=1)
    hospital_rows(1, department=a, start=3)
    hospital_rows(1, department=a, start=2)
    response = hr_client.get(reverse("records:hr_search"), {"title": "护", "level": "proficient"})
    html = response.content.decode()
    assert 'name="title" value="护"' in html
    assert '<option value="proficient" selected>' in html
    names = [row.staff.full_name for row in response.context["page"]]
    assert names == ["Person 2", "Person 3", "Person 1"]  # department A first, then by name
    # The export buttons carry the same filters.
    assert '<input type="hidden" name="title" value="护">' in html


def test_a_period_that_ends_before_it_starts_is_an_error(hr_client):
    hospital_rows(2)
    period = {"certified_from": "2026-02-01", "certified_to": "2026-01-01"}
    response = hr_client.get(reverse("records:hr_search"), period)
    assert "The period ends before it starts." in response.content.decode()
