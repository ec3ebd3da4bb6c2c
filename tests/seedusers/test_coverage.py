import math
from decimal import Decimal

import pytest

from assessments.models import CertificationStatus
from portal.org.models import Department, Shift, StaffMember
from seedusers import hooks, selectors
from seedusers.models import KindRatio, Nomination
from tests.factories import DepartmentFactory, StaffFactory, job_role

from . import factories as f

pytestmark = pytest.mark.django_db

N = Nomination.Status


def shifts():
    return {
        code: Shift.objects.get_or_create(code=code, defaults={"name": code.title()})[0]
        for code in ("day", "evening", "night")
    }


@pytest.fixture
def hospital(role_groups):
    """Two departments (a clinical ward and a pharmacy, 1 per 4) on day and night shifts."""
    s = shifts()
    ward = DepartmentFactory(code="W1", kind=Department.Kind.CLINICAL)
    team = DepartmentFactory(code="W1-T", kind=Department.Kind.NURSING, parent=ward)
    pharmacy = DepartmentFactory(code="PH", kind=Department.Kind.PHARMACY)
    prog = f.programme(staff_per_seed_user=10)
    KindRatio.objects.create(programme=prog, kind=Department.Kind.PHARMACY, staff_per_seed_user=4)

    def staff(department, shift, n, **kwargs):
        return [StaffFactory(department=department, shift=shift, **kwargs) for _ in range(n)]

    ward_day = staff(ward, s["day"], 12)
    ward_night = staff(ward, s["night"], 3)
    staff(ward, None, 2)  # no shift: reported apart
    staff(ward, s["day"], 2, active=False)  # left: not counted
    staff(team, s["day"], 1)
    pharmacy_day = staff(pharmacy, s["day"], 5)
    staff(pharmacy, s["evening"], 4)

    f.nomination(prog, ward_day[0], status=N.ACTIVE)
    f.nomination(prog, ward_day[1], status=N.CERTIFIED)  # not yet on duty
    f.nomination(prog, ward_day[2], status=N.DECLINED)  # may be suggested again
    f.nomination(prog, ward_night[0], status=N.ACTIVE)
    f.nomination(prog, ward_night[1], status=N.ACTIVE)  # more than required
    f.nomination(prog, pharmacy_day[0], status=N.ACTIVE)
    f.nomination(f.programme(), pharmacy_day[1], status=N.ACTIVE)  # another programme

    # Scores on the ward's day shift: the certified nominee scores best but is taken.
    for member, value in zip(ward_day[1:8], [99, 91, 60, 88, 70, 95, 50], strict=True):
        f.score(member, value)
    f.score(ward_day[6], 93, track_code="second-track")  # two tracks: one candidate
    f.score(ward_night[2], 100)  # another shift
    f.score(pharmacy_day[3], 77)
    return {"programme": prog, "ward": ward, "team": team, "pharmacy": pharmacy, "shifts": s}


def recompute(prog, department_ids):
    """Coverage from the raw roster and nominations."""
    ratios = dict(prog.ratios.values_list("kind", "staff_per_seed_user"))
    expected = {}
    for dept in Department.objects.filter(pk__in=department_ids):
        members = list(StaffMember.objects.filter(department=dept, active=True))
        if not members:
            continue
        ratio = ratios.get(dept.kind, prog.staff_per_seed_user)
        cells = {}
        for shift in {m.shift for m in members if m.shift}:
            here = [m for m in members if m.shift == shift]
            seeds = Nomination.objects.filter(
                programme=prog, status=N.ACTIVE, staff__in=here
            ).count()
            required = max(1, math.ceil(len(here) / ratio)) if here else 0
            cells[shift.code] = (len(here), required, seeds)
        unshifted = sum(1 for m in members if m.shift is None)
        expected[dept.code] = (ratio, cells, unshifted)
    return expected


def as_dict(result):
    return {
        d.department.code: (
            d.ratio,
            {c.shift.code: (c.staff, c.required, c.active) for c in d.cells},
            d.unshifted,
        )
        for d in result
    }


def test_coverage_matches_a_recompute(hospital):
    lead = f.lead_user()
    prog = hospital["programme"]
    result = selectors.coverage(programme=prog, viewer=lead)
    everyone = Department.objects.filter(staff__active=True).values_list("pk", flat=True)
    assert as_dict(result) == recompute(prog, set(everyone))
    assert as_dict(result) == {
        "W1": (10, {"day": (12, 2, 1), "night": (3, 1, 2)}, 2),
        "W1-T": (10, {"day": (1, 1, 0)}, 0),
        "PH": (4, {"day": (5, 2, 1), "evening": (4, 1, 0)}, 0),
    }
    # Gaps first, then by code; cells by shift code.
    assert [d.department.code for d in result] == ["PH", "W1", "W1-T"]
    assert [c.shift.code for c in result[0].cells] == ["day", "evening"]
    ward = next(d for d in result if d.department.code == "W1")
    assert (ward.staff, ward.required, ward.active, ward.gaps) == (15, 3, 3, 1)
    assert [c.gap for c in ward.cells] == [1, 0]


def test_candidates_for_gaps(hospital):
    prog = hospital["programme"]
    result = selectors.coverage(programme=prog, viewer=f.lead_user())
    cells = {(d.department.code, c.shift.code): c for d in result for c in d.cells}
    ward_day = cells[("W1", "day")]
    # Best current score first, three at most, the certified nominee (99) left out, the declined
    # one (91) suggested again; the night nurse (100) is on another shift.
    assert [(s.full_name, score) for s, score in ward_day.candidates] == [
        (s.full_name, Decimal(v))
        for s, v in zip(
            StaffMember.objects.filter(
                certification_statuses__score__in=[95, 91, 88], department__code="W1"
            ).order_by("-certification_statuses__score"),
            ["95.0", "91.0", "88.0"],
            strict=True,
        )
    ]
    taken = set(
        Nomination.objects.filter(programme=prog, status__in=Nomination.OPEN).values_list(
            "staff_id", flat=True
        )
    )
    for cell in cells.values():
        assert len(cell.candidates) <= 3
        for member, _score in cell.candidates:
            assert member.pk not in taken
            assert member.shift_id == cell.shift.pk
    pharmacy = hospital["pharmacy"]
    assert [(s.department_id, v) for s, v in cells[("PH", "day")].candidates][0] == (
        pharmacy.pk,
        Decimal("77.0"),
    )
    # No gap, no suggestions.
    assert cells[("W1", "night")].candidates == []


def test_a_candidate_with_two_tracks_is_suggested_once(hospital):
    result = selectors.coverage(programme=hospital["programme"], viewer=f.lead_user())
    ward = next(d for d in result if d.department.code == "W1")
    names = [s.pk for cell in ward.cells for s, _score in cell.candidates]
    assert len(names) == len(set(names))


def test_manager_sees_only_her_departments(hospital):
    boss = f.manager(hospital["ward"])
    result = selectors.coverage(programme=hospital["programme"], viewer=boss.user)
    assert {d.department.code for d in result} == {"W1", "W1-T"}
    one = selectors.coverage(
        programme=hospital["programme"], viewer=boss.user, department_id=hospital["team"].pk
    )
    assert [d.department.code for d in one] == ["W1-T"]
    nobody = f.manager(department=hospital["pharmacy"])
    assert selectors.coverage(programme=hospital["programme"], viewer=nobody.user) == []


def test_programme_departments_limit_coverage(hospital):
    prog = hospital["programme"]
    prog.departments.set([hospital["ward"]])
    result = selectors.coverage(programme=prog, viewer=f.lead_user())
    assert {d.department.code for d in result} == {"W1", "W1-T"}


def test_coverage_totals(hospital):
    result = selectors.coverage(programme=hospital["programme"], viewer=f.lead_user())
    # Required 2+1 (ward) + 1 (team) + 2+1 (pharmacy) = 7; active 1+2+0+1+0 = 4, of which 3
    # count toward the requirement (the ward's night has one more than it needs).
    assert selectors.coverage_totals(result) == {
        "departments": 3,
        "required": 7,
        "active": 4,
        "gaps": 4,
        "percent": round(100 * 3 / 7),
    }
    assert selectors.coverage_totals([])["percent"] is None


# ---------------------------------------------------------------------------------------------
# Query counts


def many_seed_users(n):
    s = shifts()
    ward = DepartmentFactory(code="BIG")
    gap = DepartmentFactory(code="GAP")
    role = job_role("nurse")
    staff = StaffMember.objects.bulk_create(
        StaffMember(
            employee_no=f"Q{i:06d}",
            full_name=f"Seed {i}",
            department=ward,
            job_role=role,
            shift=s["day"] if i % 2 else s["night"],
        )
        for i in range(n)
    )
    others = StaffMember.objects.bulk_create(
        StaffMember(
            employee_no=f"G{i:06d}",
            full_name=f"Gap {i}",
            department=gap,
            job_role=role,
            shift=s["day"],
        )
        for i in range(5)
    )
    track = f.score(others[0], 80).track
    CertificationStatus.objects.bulk_create(
        CertificationStatus(
            staff=o, track=track, department=gap, job_role=role, status="certified", score=70
        )
        for o in others[1:]
    )
    prog = f.programme(staff_per_seed_user=10)
    nominations = Nomination.objects.bulk_create(
        Nomination(programme=prog, staff=m, status=N.ACTIVE, reason="r") for m in staff
    )
    from seedusers.models import Activity

    Activity.objects.bulk_create(
        Activity(
            nomination=nom,
            kind=Activity.Kind.COACHING,
            day="2026-03-02",
            status=Activity.Status.CONFIRMED,
            points=3,
            token=f"t{nom.pk}",
        )
        for nom in nominations
    )
    return prog, staff + others


@pytest.mark.parametrize("n", [10, 1000])
def test_coverage_queries(role_groups, django_assert_max_num_queries, n):
    prog, _staff = many_seed_users(n)
    lead = f.lead_user()
    with django_assert_max_num_queries(9):
        result = list(selectors.coverage(programme=prog, viewer=lead))
    assert {d.department.code: d.active for d in result} == {"BIG": n, "GAP": 0}
    gap = next(d for d in result if d.department.code == "GAP")
    assert len(gap.cells[0].candidates) == 3


@pytest.mark.parametrize("n", [10, 1000])
def test_leaderboard_queries(role_groups, django_assert_max_num_queries, n):
    prog, _staff = many_seed_users(n)
    lead = f.lead_user()
    with django_assert_max_num_queries(4):
        rows = list(selectors.leaderboard(programme=prog, viewer=lead))
        assert {row.staff.department.code for row in rows} == {"BIG"}
    assert len(rows) == n
    assert {row.points for row in rows} == {3}


@pytest.mark.parametrize("n", [10, 1000])
def test_export_points_queries(role_groups, django_assert_max_num_queries, n):
    _prog, staff = many_seed_users(n)
    ids = [s.pk for s in staff]
    with django_assert_max_num_queries(1):
        points = hooks.export_points(ids)
    assert len(points) == n
    assert set(points.values()) == {3}
