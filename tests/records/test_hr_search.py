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
    assert "4 matching records" in response.content.decode()
    first = StaffMember.objects.get(full_name="Person 1")
    link = reverse("records:transcript", args=[first.pk])
    assert f'href="{link}"' in response.content.decode()


@pytest.mark.parametrize("n", [10, 1000])
def test_search_query_count_is_constant(hr_client, django_assert_max_num_queries, n):
    hospital_rows(n)
    with django_assert_max_num_queries(12):
        response = hr_client.get(reverse("records:hr_search"), {"level": "proficient"})
    assert response.context["page"].paginator.count == n
