"""Readiness figures: per department × role × shift, rolled up by the documented rule, equal to
a from-scratch recompute from the raw evidence; thresholds, roles' own criteria, the trend and
its projection; the dashboard pages' query counts."""

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from freezegun import freeze_time

from assessments.services.certification import plans_for, status_refresh
from courses.models import Assignment, CoursePage
from courses.services.assignment_counts import assignment_counts_refresh
from portal.accounts import roles
from portal.org.models import StaffMember
from portal.readiness import evaluation, snapshots
from portal.readiness.models import Criterion, Snapshot, Wave
from tests.assessments.certification_factories import attempt, track
from tests.courses.factories import course
from tests.factories import DepartmentFactory, job_role, person, shift

pytestmark = pytest.mark.django_db
K = Criterion.Kind
TODAY = date(2026, 3, 1)


def _wave(departments, go_live=date(2026, 4, 1), **fields) -> Wave:
    wave = Wave.objects.create(name="Pilot", go_live_date=go_live, **fields)
    wave.departments.set(departments)
    for kind, (green, amber) in Criterion.DEFAULTS.items():
        Criterion.objects.create(wave=wave, kind=kind, green=green, amber=amber)
    return wave


def _hospital(seed=7, n=60):
    """Two departments (one with a sub-department), two roles, two shifts; random evidence:
    knowledge and practical attempts (some failed first), overdue and done assignments."""
    rng = random.Random(seed)
    ed = DepartmentFactory(code="ED")
    obs = DepartmentFactory(code="ED-OBS", parent=ed)
    ph = DepartmentFactory(code="PH")
    nurse, cashier = job_role("nurse"), job_role("cashier")
    tracks = {r.code: track(role=r.code, courses=0) for r in (nurse, cashier)}
    day, night = shift("day"), shift("night")
    page = course(roles=("nurse",), lessons=0)
    ct = ContentType.objects.get_for_model(CoursePage)
    staff = StaffMember.objects.bulk_create(
        StaffMember(
            employee_no=f"R{i:05d}",
            full_name=f"Person {i}",
            department=rng.choice([ed, obs, ph]),
            job_role=rng.choice([nurse, cashier]),
            shift=rng.choice([day, night, None]),
        )
        for i in range(n)
    )
    for member in staff:
        t = tracks[member.job_role.code]
        if rng.random() < 0.7:
            attempt(t.knowledge_exam, member, when="2026-02-01", percent=rng.choice([50, 90]))
        if rng.random() < 0.6:
            first = rng.choice([40, 90])
            attempt(t.practical_exam, member, when="2026-02-02", percent=first, efficiency=0.8)
            if first < 80 and rng.random() < 0.5:
                attempt(t.practical_exam, member, when="2026-02-10", percent=88, efficiency=0.9)
        if rng.random() < 0.8:
            Assignment.objects.create(
                staff=member,
                content_type=ct,
                object_id=page.pk,
                due_date=TODAY - timedelta(days=rng.choice([-10, 3])),
                completed_at=None if rng.random() < 0.5 else evaluation_now(),
            )
    status_refresh(staff_ids=[s.pk for s in staff], now=evaluation_now())
    # Written directly above, so counted here (the enrolment and progress services count what
    # they write themselves).
    assignment_counts_refresh(staff_ids=[s.pk for s in staff])
    return ed, obs, ph, staff


def evaluation_now():
    from django.utils import timezone

    return timezone.make_aware(timezone.datetime(2026, 3, 1, 12))


def _recompute(staff, today):
    """The figures from raw evidence: plans_for recomputes every status row from attempts and
    courses (not reading the status table); assignments are counted one by one."""
    cells = defaultdict(evaluation.Counts)
    for plan in plans_for(staff_ids=[s.pk for s in staff], now=evaluation_now()):
        values = plan.values()
        c = cells[(values["department_id"], values["job_role_id"], values["shift_id"])]
        c.rows += 1
        c.covered += values["status"] in ("certified", "expiring")
        if values["practical_first_passed"] is not None:
            c.first_known += 1
            c.first_passed += values["practical_first_passed"]
        if values["score"] is not None:
            c.scored += 1
            c.score_sum += Decimal(str(values["score"]))
    for a in Assignment.objects.select_related("staff"):
        c = cells[(a.staff.department_id, a.staff.job_role_id, a.staff.shift_id)]
        c.assignments += 1
        c.overdue += a.due_date < today and a.completed_at is None
    return cells


@freeze_time("2026-03-01 12:00")
def test_readiness_equals_a_recompute_from_raw_evidence():
    ed, obs, ph, staff = _hospital()
    wave = _wave([ed, ph])
    readiness = evaluation.wave_readiness(wave=wave, today=TODAY)
    expected = _recompute(staff, TODAY)
    got = {
        (c.department_id, c.job_role_id, c.shift_id): c.counts
        for d in readiness.departments
        for c in d.cells
    }
    assert set(got) == set(expected)
    for key, counts in expected.items():
        for kind in (K.COVERAGE, K.FIRST_PASS, K.PROFICIENCY, K.OVERDUE):
            assert got[key].value(kind) == counts.value(kind), (key, kind)
    # Pooled roll-up: the wave's coverage is everyone's, not the mean of departments'.
    rows = sum(c.rows for c in expected.values())
    covered = sum(c.covered for c in expected.values())
    wave_value = next(v for v in readiness.values if v.kind == K.COVERAGE).value
    assert wave_value == (Decimal(100) * covered / rows).quantize(Decimal("0.1"))
    # The sub-department goes live with its department.
    assert {d.department.code for d in readiness.departments} == {"ED", "ED-OBS", "PH"}


def test_rag_thresholds_and_the_worst_colour_wins():
    assert evaluation.rag_for(K.COVERAGE, Decimal("90"), Decimal("90"), Decimal("80")) == "green"
    assert evaluation.rag_for(K.COVERAGE, Decimal("85"), Decimal("90"), Decimal("80")) == "amber"
    assert evaluation.rag_for(K.COVERAGE, Decimal("79.9"), Decimal("90"), Decimal("80")) == "red"
    assert evaluation.rag_for(K.OVERDUE, Decimal("5"), Decimal("5"), Decimal("10")) == "green"
    assert evaluation.rag_for(K.OVERDUE, Decimal("7"), Decimal("5"), Decimal("10")) == "amber"
    assert evaluation.rag_for(K.OVERDUE, Decimal("12"), Decimal("5"), Decimal("10")) == "red"
    assert evaluation.rag_for(K.COVERAGE, None, Decimal("90"), Decimal("80")) == "grey"
    assert evaluation.worst(["green", "grey", "amber"]) == "amber"
    assert evaluation.worst(["grey"]) == "grey"


@freeze_time("2026-03-01 12:00")
def test_a_roles_own_criterion_replaces_the_general_one_for_its_cells():
    ed, _obs, ph, _staff = _hospital(n=40)
    wave = _wave([ed, ph])
    nurse = job_role("nurse")
    Criterion.objects.create(
        wave=wave, kind=K.COVERAGE, job_role=nurse, green=Decimal("0"), amber=Decimal("0")
    )
    readiness = evaluation.wave_readiness(wave=wave, today=TODAY)
    for dept in readiness.departments:
        for cell in dept.cells:
            coverage = next(v for v in cell.values if v.kind == K.COVERAGE)
            if cell.job_role_id == nurse.pk and coverage.value is not None:
                assert coverage.rag == "green" and coverage.green == 0


def test_another_waves_sub_department_is_not_counted_twice():
    ed = DepartmentFactory(code="ED")
    obs = DepartmentFactory(code="ED-OBS", parent=ed)
    pilot, later = _wave([ed]), _wave([obs], go_live=date(2026, 9, 1))
    assert evaluation.wave_department_ids(pilot) == {ed.pk}
    assert evaluation.wave_department_ids(later) == {obs.pk}


def test_projection_finds_the_crossing_and_the_value_at_go_live():
    start = date(2026, 3, 1)
    points = [(start + timedelta(days=i), 50 + 2 * i) for i in range(10)]  # +2 points a day
    at, crossing = snapshots.projection(points, go_live=start + timedelta(days=30), threshold=90)
    assert at == 100.0  # capped
    assert crossing == start + timedelta(days=20)
    flat = [(start + timedelta(days=i), 60) for i in range(5)]
    assert snapshots.projection(flat, go_live=start + timedelta(days=30), threshold=90) == (
        60.0,
        None,
    )
    assert snapshots.projection(points[:1], go_live=start, threshold=90) == (None, None)


@freeze_time("2026-03-01 12:00")
def test_snapshots_are_daily_idempotent_and_feed_the_trend():
    ed, _obs, ph, _staff = _hospital(n=30)
    wave = _wave([ed, ph], status=Wave.Status.TRAINING)
    assert snapshots.snapshots_take(today=TODAY) == 3
    assert snapshots.snapshots_take(today=TODAY) == 3
    assert Snapshot.objects.filter(day=TODAY).count() == 3
    # Earlier days as the beat job would have left them: the trend reads them, not today's data.
    for back, covered_share in ((14, 0.2), (7, 0.35)):
        for snap in Snapshot.objects.filter(day=TODAY):
            Snapshot.objects.create(
                wave=wave,
                department=snap.department,
                day=TODAY - timedelta(days=back),
                rag="red",
                staff=snap.staff,
                covered=int(snap.staff * covered_share),
            )
    trend = snapshots.coverage_trend(wave=wave, today=TODAY)
    assert trend.days == [TODAY - timedelta(days=14), TODAY - timedelta(days=7), TODAY]
    assert trend.coverage[0] < trend.coverage[1]  # 20 % then 35 % of the same people
    today_rows = Snapshot.objects.filter(day=TODAY)
    staff_today = sum(r.staff for r in today_rows)
    assert trend.coverage[2] == round(100 * sum(r.covered for r in today_rows) / staff_today, 1)
    assert trend.projected_at_go_live is not None and trend.green == 90.0


@pytest.mark.parametrize("n", [10, 1000])
def test_dashboard_pages_keep_their_query_count(
    client, role_groups, django_assert_max_num_queries, n
):
    ed = DepartmentFactory(code="ED")
    nurse = job_role("nurse")
    t = track(role="nurse", courses=0)
    day = shift("day")
    staff = StaffMember.objects.bulk_create(
        StaffMember(
            employee_no=f"Q{i:05d}", full_name=f"N {i}", department=ed, job_role=nurse, shift=day
        )
        for i in range(n)
    )
    del t
    status_refresh(staff_ids=[s.pk for s in staff])
    wave = _wave([ed])
    snapshots.snapshots_take()
    lead = person([roles.ROLLOUT_LEAD])
    client.force_login(lead.user)
    for url in (
        reverse("readiness:waves"),
        reverse("readiness:wave", args=[wave.pk]),
        reverse("readiness:department", args=[wave.pk, ed.pk]),
        reverse("readiness:people", args=[wave.pk, ed.pk]) + f"?role={nurse.pk}&shift={day.pk}",
    ):
        with django_assert_max_num_queries(30):
            assert client.get(url).status_code == 200, url


def test_counts_add_sums_every_field():
    names = list(evaluation.Counts.__dataclass_fields__)
    one = evaluation.Counts(**{name: i + 1 for i, name in enumerate(names)})
    two = evaluation.Counts(**{name: 10 * (i + 1) for i, name in enumerate(names)})
    one.add(two)
    assert [getattr(one, name) for name in names] == [11 * (i + 1) for i in range(len(names))]


def _cells(readiness):
    return {
        (c.department_id, c.job_role_id, c.shift_id): (
            c.counts,
            [(v.kind, v.value) for v in c.values],
        )
        for d in readiness.departments
        for c in d.cells
    }


@freeze_time("2026-03-01 12:00")
def test_a_subset_of_departments_has_the_figures_of_the_whole_wave():
    """Whichever way the departments are scoped (named in the SQL for a few, dropped in Python
    for most of the hospital), the figures are the whole wave's; a department of no wave, with
    people, evidence and assignments of its own, is never counted."""
    ed, obs, ph, staff = _hospital(n=50)
    outside = DepartmentFactory(code="ZZ")
    StaffMember.objects.filter(pk__in=[s.pk for s in staff[:8]]).update(department=outside)
    status_refresh(staff_ids=[s.pk for s in staff], now=evaluation_now())
    wave = _wave([ed, ph])
    whole = evaluation.wave_readiness(wave=wave, today=TODAY)
    everyone = _cells(whole)
    assert {d.department.code for d in whole.departments} == {"ED", "ED-OBS", "PH"}
    assert outside.pk not in {key[0] for key in everyone}
    expected = {k: c for k, c in _recompute(staff, TODAY).items() if k[0] != outside.pk}
    assert set(everyone) == set(expected)
    for key, counts in expected.items():
        for kind in (K.COVERAGE, K.FIRST_PASS, K.PROFICIENCY, K.OVERDUE):
            assert everyone[key][0].value(kind) == counts.value(kind), (key, kind)
    for subset in ([ph.pk], [ed.pk, obs.pk], [ph.pk, outside.pk]):  # 1, 2, 1 of 4 departments
        part = _cells(evaluation.wave_readiness(wave=wave, today=TODAY, department_ids=subset))
        assert part == {k: v for k, v in everyone.items() if k[0] in subset}, subset
        assert part


@freeze_time("2026-03-01 12:00")
def test_seed_user_figures_are_the_coverage_pages():
    from seedusers import selectors as seeds
    from seedusers.models import KindRatio, Nomination
    from tests.seedusers import factories as seed_factories

    ed, obs, ph, staff = _hospital(n=60)
    programme = seed_factories.programme(staff_per_seed_user=4)
    programme.departments.set([ed])  # ED and ED-OBS, not PH
    KindRatio.objects.create(programme=programme, kind=obs.kind, staff_per_seed_user=3)
    for member in staff[::3]:
        Nomination.objects.create(programme=programme, staff=member, status="active", reason="x")
    StaffMember.objects.filter(pk=staff[0].pk).update(active=False)  # an inactive seed user
    wave = _wave([ed, ph])
    ids = evaluation.wave_department_ids(wave)
    readiness = evaluation.wave_readiness(wave=wave, today=TODAY)
    pages = seeds.coverage(programme=programme, viewer=None, department_ids=ids, suggest=False)
    expected = {
        d.department.pk: (
            sum(c.required for c in d.cells),
            sum(min(c.active, c.required) for c in d.cells),
        )
        for d in pages
    }
    got = {
        d.department.pk: (d.counts.seeds_required, d.counts.seeds_active)
        for d in readiness.departments
    }
    assert {k: v for k, v in got.items() if v != (0, 0)} == expected
    assert expected[ed.pk][0] > 0 and expected[obs.pk][1] > 0
    assert got[ph.pk] == (0, 0)
    assert seeds.coverage_counts(programme=programme, department_ids=[obs.pk]) == {
        (obs.pk, c.shift.pk): (c.required, c.active)
        for d in pages
        if d.department.pk == obs.pk
        for c in d.cells
    }


def test_query_count_is_the_same_for_five_and_a_thousand_departments():
    """No in_bulk batches (999 ids each on SQLite) and no query per department: the same count
    for a wave of 5 departments, of all 1,000, and for 5 departments of the big wave."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from portal.org.models import Department
    from seedusers.models import Nomination
    from tests.seedusers import factories as seed_factories

    nurse, day = job_role("nurse"), shift("day")
    track(role="nurse", courses=0)
    departments = Department.objects.bulk_create(
        Department(code=f"Q{i:04d}", name=f"Q {i}", name_zh=f"科{i}") for i in range(1000)
    )
    staff = StaffMember.objects.bulk_create(
        StaffMember(
            employee_no=f"Q{i:05d}", full_name=f"N {i}", department=d, job_role=nurse, shift=day
        )
        for i, d in enumerate(departments)
    )
    status_refresh(staff_ids=[s.pk for s in staff])
    page = course(roles=("nurse",), lessons=0)
    ct = ContentType.objects.get_for_model(CoursePage)
    Assignment.objects.bulk_create(
        Assignment(staff=s, content_type=ct, object_id=page.pk, due_date=TODAY) for s in staff
    )
    assignment_counts_refresh(staff_ids=[s.pk for s in staff])
    programme = seed_factories.programme()
    Nomination.objects.bulk_create(
        Nomination(programme=programme, staff=s, status="active", reason="x") for s in staff[::7]
    )
    small, big = _wave(departments[:5]), _wave(departments, go_live=date(2026, 9, 1))

    def count(**kwargs):
        with CaptureQueriesContext(connection) as captured:
            readiness = evaluation.wave_readiness(today=TODAY, **kwargs)
        return len(captured), len(readiness.departments)

    five = count(wave=small)
    thousand = count(wave=big)
    subset = count(wave=big, department_ids=[d.pk for d in departments[5:10]])
    assert (five[1], thousand[1], subset[1]) == (5, 1000, 5)
    assert five[0] == thousand[0] == subset[0]


@freeze_time("2026-03-01 12:00")
def test_the_heat_map_by_department_has_the_figures_of_the_cells_pooled():
    ed, obs, ph, staff = _hospital(n=60)
    wave = _wave([ed, ph])
    with_cells = evaluation.wave_readiness(wave=wave, today=TODAY)
    by_department = evaluation.wave_readiness(wave=wave, today=TODAY, cells=False)
    assert by_department.values == with_cells.values
    assert by_department.counts == with_cells.counts
    cells = {d.department.pk: d for d in with_cells.departments}
    assert [d.department.pk for d in by_department.departments] == [
        d.department.pk for d in with_cells.departments
    ]
    for dept in by_department.departments:
        assert dept.cells == []
        assert (dept.counts, dept.values, dept.rag) == (
            cells[dept.department.pk].counts,
            cells[dept.department.pk].values,
            cells[dept.department.pk].rag,
        )


def test_overdue_is_counted_for_the_day_asked_whenever_the_counts_were_made():
    """Counts made on 1 March; asked about 12 March (assignments due on the 5th fell due: those
    people's counts are stale and counted from their assignments) and about 20 February (before
    the day they were made), without a recount in between: the figures are each day's."""
    with freeze_time("2026-03-01 12:00"):
        ed, obs, ph, staff = _hospital(n=60)
        ct = ContentType.objects.get_for_model(CoursePage)
        later = course(roles=("nurse",), lessons=0)
        for member in staff[::4]:
            Assignment.objects.create(
                staff=member, content_type=ct, object_id=later.pk, due_date=date(2026, 3, 5)
            )
        assignment_counts_refresh(staff_ids=[s.pk for s in staff])
    wave = _wave([ed, ph])
    for today in (date(2026, 3, 12), date(2026, 2, 20), TODAY):
        expected = _recompute(staff, today)
        for cells in (True, False):
            readiness = evaluation.wave_readiness(wave=wave, today=today, cells=cells)
            assert readiness.counts.assignments == sum(c.assignments for c in expected.values())
            assert readiness.counts.overdue == sum(c.overdue for c in expected.values()), today
        got = _cells(readiness := evaluation.wave_readiness(wave=wave, today=today))
        for key, counts in expected.items():
            assert got[key][0].value(K.OVERDUE) == counts.value(K.OVERDUE), (key, today)
