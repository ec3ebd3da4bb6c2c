"""The seed-user pages: query counts that do not grow with the data, bad input refused with a
specific message and nothing changed, the floor-issue CSV."""

import csv
import io

import pytest
from django.urls import reverse

from portal.org.models import StaffMember
from seedusers.models import Activity, Nomination
from tests.factories import DepartmentFactory, job_role, person, shift

from .factories import activity, lead_user, manager, nomination, programme, score

pytestmark = pytest.mark.django_db
N = Nomination.Status


def _seed_users(n, department, shifts):
    """`n` active seed users (staff without logins) spread over the shifts, each with a
    confirmed coaching session, and a scored colleague per shift not yet nominated."""
    role = job_role("nurse")
    staff = StaffMember.objects.bulk_create(
        StaffMember(
            employee_no=f"S{i:06d}",
            full_name=f"Seed {i}",
            department=department,
            job_role=role,
            shift=shifts[i % len(shifts)],
        )
        for i in range(n)
    )
    prog = programme(staff_per_seed_user=2)
    nominations = Nomination.objects.bulk_create(
        Nomination(programme=prog, staff=s, status=N.ACTIVE, reason="x") for s in staff
    )
    Activity.objects.bulk_create(
        Activity(
            nomination=nom,
            kind=Activity.Kind.COACHING,
            day="2026-03-02",
            minutes=30,
            colleagues=2,
            topic="MAR",
            status=Activity.Status.CONFIRMED,
            points=3,
            token=f"t{nom.pk}",
        )
        for nom in nominations
    )
    for on in shifts:
        extra = person([], department=department, shift=on)
        score(extra, 88)
    return prog


@pytest.fixture
def shifts():
    return [shift(c) for c in ("day", "night", "wkend")]


@pytest.mark.parametrize("n", [10, 1000])
@pytest.mark.parametrize(
    "url", ["seedusers:coverage", "seedusers:leaderboard", "seedusers:nominations"]
)
def test_programme_pages_keep_their_query_count(
    client, role_groups, shifts, django_assert_max_num_queries, n, url
):
    ward = DepartmentFactory(code="W1")
    prog = _seed_users(n, ward, shifts)
    client.force_login(manager(ward).user)
    with django_assert_max_num_queries(22):
        response = client.get(reverse(url), {"programme": prog.pk})
    assert response.status_code == 200


@pytest.mark.parametrize("n", [10, 1000])
def test_activities_and_colleagues_keep_their_query_count(
    client, role_groups, shifts, django_assert_max_num_queries, n
):
    ward = DepartmentFactory(code="W1")
    prog = _seed_users(n, ward, shifts)
    client.force_login(manager(ward).user)
    with django_assert_max_num_queries(22):
        assert (
            client.get(reverse("seedusers:activities"), {"status": "confirmed"}).status_code == 200
        )
    seed = person([], department=ward, shift=shifts[0])
    nomination(prog, seed, status=N.ACTIVE)
    client.force_login(seed.user)
    with django_assert_max_num_queries(22):
        assert client.get(reverse("seedusers:colleagues")).status_code == 200


def test_coverage_page_shows_gaps_and_suggests_the_best_colleague(client, role_groups, shifts):
    ward = DepartmentFactory(code="W1")
    prog = programme(staff_per_seed_user=10)
    day_seed = person([], department=ward, shift=shifts[0], full_name="Day Seed")
    nomination(prog, day_seed, status=N.ACTIVE)
    for name, value in (("Night Best", 95), ("Night Good", 80)):
        score(person([], department=ward, shift=shifts[1], full_name=name), value)
    client.force_login(lead_user())  # no roster record: no department of her own in the page
    body = client.get(reverse("seedusers:coverage"), {"programme": prog.pk}).content.decode()
    night = body[body.index('data-shift="night"') :]
    night = night[: night.index("</tr>")]
    assert "1 missing" in night
    assert night.index("Night Best") < night.index("Night Good")
    day = body[body.index('data-shift="day"') :]
    assert "missing" not in day[: day.index("</tr>")]


def test_nominating_without_a_reason_is_refused_and_changes_nothing(client, role_groups):
    ward = DepartmentFactory(code="W1")
    prog = programme()
    nurse = person([], department=ward)
    client.force_login(manager(ward).user)
    response = client.post(
        reverse("seedusers:nominate"), {"programme": prog.pk, "staff": nurse.pk, "reason": " "}
    )
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not Nomination.objects.exists()


def test_a_double_submitted_activity_is_logged_once(client, role_groups):
    ward = DepartmentFactory(code="W1")
    seed = person([], department=ward)
    nom = nomination(programme(), seed, status=N.ACTIVE)
    client.force_login(seed.user)
    data = {
        "kind": "coaching",
        "day": "2026-03-02",
        "minutes": "30",
        "colleagues": "2",
        "topic": "Barcode scanning",
        "token": "same-form",
    }
    for _ in range(2):
        assert client.post(reverse("seedusers:activity_log"), data).status_code == 302
    assert nom.activities.count() == 1


def test_an_incomplete_activity_says_what_is_missing(client, role_groups):
    seed = person([], department=DepartmentFactory(code="W1"))
    nom = nomination(programme(), seed, status=N.ACTIVE)
    client.force_login(seed.user)
    response = client.post(
        reverse("seedusers:activity_log"),
        {"kind": "issue", "day": "2026-03-02", "token": "t1", "category": "billing"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert body.count("Needed for this kind of activity.") == 2  # severity, description
    assert not nom.activities.exists()


def test_rejecting_without_a_reason_is_refused(client, role_groups):
    ward = DepartmentFactory(code="W1")
    nom = nomination(programme(), person([], department=ward), status=N.ACTIVE)
    act = activity(nom, minutes=20, colleagues=1, topic="x")
    client.force_login(manager(ward).user)
    response = client.post(
        reverse("seedusers:activity_decide", args=[act.pk]), {"decision": "reject"}, follow=True
    )
    assert "Say why the activity is not confirmed." in response.content.decode()
    act.refresh_from_db()
    assert act.status == "pending"


def test_issues_csv_lists_floor_issues_of_the_managers_departments_defused(client, role_groups):
    ward, other = DepartmentFactory(code="W1"), DepartmentFactory(code="W2")
    prog = programme()
    mine = nomination(prog, person([], department=ward), status=N.ACTIVE)
    theirs = nomination(prog, person([], department=other), status=N.ACTIVE)
    activity(
        mine,
        kind="issue",
        category="billing",
        severity="high",
        description="=HYPERLINK(1) split receipt prints twice",
    )
    activity(theirs, kind="issue", category="orders", severity="low", description="Elsewhere")
    activity(mine, minutes=10, colleagues=1, topic="Not an issue")
    client.force_login(manager(ward).user)
    response = client.get(reverse("seedusers:issues_csv"), {"programme": prog.pk})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Reference" and len(rows) == 2
    assert rows[1][5:8] == [
        "Billing and payment",
        "High",
        "'=HYPERLINK(1) split receipt prints twice",
    ]
