"""The certification status page (scoped to the viewer's departments) and the proficiency page
("why is my score 82?", with history)."""

import pytest
from django.urls import reverse

from assessments.models import CertificationStatus
from assessments.services.certification import status_refresh
from assessments.services.trainer import attempt_exclude
from portal.accounts import roles
from tests.assessments.certification_factories import attempt, certify, track
from tests.factories import DepartmentFactory, StaffFactory, UserFactory, job_role, person

pytestmark = pytest.mark.django_db
STATUS = reverse("assessments:certification_status")
MINE = reverse("assessments:my_proficiency")


@pytest.fixture
def world(role_groups):
    ed, card = DepartmentFactory(code="ED"), DepartmentFactory(code="CARD")
    t = track(courses=0)
    in_ed = StaffFactory(job_role=job_role("cashier"), department=ed, full_name="Ed Cashier")
    in_card = StaffFactory(job_role=job_role("cashier"), department=card, full_name="Card Cashier")
    certify(in_ed, t, when="2026-01-10")
    manager = person([roles.MANAGER])
    manager.managed_departments.set([ed])
    status_refresh(staff_ids=[in_ed.pk, in_card.pk])
    return {"track": t, "ed": in_ed, "card": in_card, "manager": manager.user}


def test_a_manager_sees_only_their_departments(client, world):
    client.force_login(world["manager"])
    page = client.get(STATUS).content.decode()
    assert "Ed Cashier" in page and "Card Cashier" not in page
    assert "status-chart-data" in page  # the chart by department


def test_hr_and_the_rollout_lead_see_everyone(client, world):
    for role in (roles.HR, roles.ROLLOUT_LEAD):
        client.force_login(UserFactory(roles=[role]))
        page = client.get(STATUS).content.decode()
        assert "Ed Cashier" in page and "Card Cashier" in page


@pytest.mark.parametrize("role", [roles.LEARNER, roles.TRAINER, roles.AUDITOR])
def test_others_may_not_see_the_status_page(client, world, role):
    client.force_login(UserFactory(roles=[role]))
    assert client.get(STATUS).status_code == 403


def test_filters_by_status(client, world):
    client.force_login(UserFactory(roles=[roles.HR]))
    page = client.get(STATUS, {"status": "not_started"}).content.decode()
    assert "Card Cashier" in page and "Ed Cashier" not in page


@pytest.mark.parametrize("rows", [10, 1000])
def test_status_page_query_count_does_not_grow(
    client, role_groups, rows, django_assert_max_num_queries
):
    _bulk_rows(track(courses=0), rows)
    client.force_login(UserFactory(roles=[roles.HR]))
    with django_assert_max_num_queries(14):
        page = client.get(STATUS)
    assert page.status_code == 200 and page.context["total"] == rows


def _bulk_rows(t, count):
    from portal.org.models import StaffMember

    departments = [DepartmentFactory() for _ in range(5)]
    role = job_role("cashier")
    staff = StaffMember.objects.bulk_create(
        StaffMember(
            employee_no=f"B{n:05d}",
            full_name=f"Bulk {n}",
            department=departments[n % 5],
            job_role=role,
        )
        for n in range(count)
    )
    statuses = CertificationStatus.Status.values
    CertificationStatus.objects.bulk_create(
        CertificationStatus(
            staff=s,
            track=t,
            department=s.department,
            job_role=role,
            status=statuses[n % len(statuses)],
        )
        for n, s in enumerate(staff)
    )


def test_my_proficiency_explains_the_score_term_by_term(client, role_groups):
    t = track(courses=0)
    me = person([roles.LEARNER], job_role=job_role("cashier"))
    attempt(t.knowledge_exam, me, when="2026-01-09", percent=70)
    attempt(t.practical_exam, me, when="2026-01-10", percent=90, efficiency=1.0)
    status_refresh(staff_ids=[me.pk])
    client.force_login(me.user)
    page = client.get(MINE).content.decode()
    assert "Proficiency score 82.0: Proficient (75 to under 90)" in page
    assert "Knowledge: 70.0 × 40% = 28" in page
    assert "Total: 28.0 + 54.0 = 82.0" in page
    assert 'data-trend="trend-' in page


def test_an_excluded_attempt_is_listed_with_who_and_why(client, role_groups):
    t = track(courses=0)
    me = person([roles.LEARNER], job_role=job_role("cashier"))
    trainer = UserFactory(roles=[roles.TRAINER], first_name="Li Na", email="li.na@h.example")
    t.knowledge_exam.trainers.add(trainer)
    t.knowledge_exam.save()
    bad = attempt(t.knowledge_exam, me, when="2026-01-09", percent=10)
    attempt(t.knowledge_exam, me, when="2026-01-10", percent=80)
    attempt_exclude(attempt=bad, actor=trainer, reason="The network failed mid-exam")
    client.force_login(me.user)
    page = client.get(MINE).content.decode()
    assert "excluded by Li Na: The network failed mid-exam" in page


def test_the_page_in_chinese(client, role_groups):
    t = track(courses=0)
    me = person([roles.LEARNER], job_role=job_role("cashier"))
    attempt(t.knowledge_exam, me, when="2026-01-09", percent=70)
    client.force_login(me.user)
    page = client.get(MINE, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "熟练度得分 28.0" in page


def test_someone_elses_proficiency_is_hr_only(client, role_groups):
    t = track(courses=0)
    other = person([roles.LEARNER], job_role=job_role("cashier"))
    attempt(t.knowledge_exam, other, when="2026-01-09", percent=70)
    url = reverse("assessments:staff_proficiency", args=[other.pk])
    for role in (roles.LEARNER, roles.MANAGER, roles.TRAINER, roles.ROLLOUT_LEAD):
        client.force_login(UserFactory(roles=[role]))
        assert client.get(url).status_code == 404
    client.force_login(UserFactory(roles=[roles.HR]))
    assert "28.0" in client.get(url).content.decode()


def test_a_login_without_a_staff_record_gets_an_explanation(client, role_groups):
    client.force_login(UserFactory(roles=[roles.LEARNER]))
    assert "not linked to a staff record" in client.get(MINE).content.decode()
