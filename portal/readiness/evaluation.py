"""Evaluating a wave's readiness: the criteria per department × job role × shift, rolled up.

The figures come from small tables kept current elsewhere, never from raw attempts:

- certification coverage: the certification status table (assessments.CertificationStatus),
  covered = certified or expiring (within the recertification window or the grace period);
- practical first-time pass rate: the same table's `practical_first_passed` (the first counted
  practical attempt passed), over the rows where it is known;
- average proficiency: the mean current score of the rows that have one;
- overdue assignments: courses' assignments (active, due before today, not completed), over the
  active assignments, added up from each person's counts on the staff row
  (courses.services.assignment_counts; the counts that do not hold today are made afresh);
- seed-user coverage: seedusers' coverage (per department × shift): active seed users against
  required, capped at required.

The rule (documented in the README):

1. A cell (department × role × shift) has each criterion's value computed over its own people;
   a criterion with no people to count (no track for the role, no assignments) has no value and
   no colour (grey) and does not count.
2. A department's value of a criterion is computed over all its people pooled (not the mean of
   its cells), so big teams weigh more; the same for the wave over all its departments.
3. A value is green at or beyond the criterion's green threshold, amber at or beyond amber,
   else red (for overdue assignments lower is better: green up to green, amber up to amber).
   A role-specific criterion row replaces the general one for that role's cells.
4. The colour of a cell, a department or the wave is its worst criterion colour.

Queries: one GROUP BY over the status table (read from the covering index `status_cells`, in
group order), one over the active staff's assignment counts (the index
`staff_assignment_counts`) and one over the assignments of the few whose counts do not hold
today, the seed-user counts (`seedusers.selectors.coverage_counts`), the waves' departments and
the tree, the criteria, the departments, and with cells the roles and shifts: a fixed number
whatever the hospital's size or the number of departments. The heat map groups by department
only; cells (department × role × shift) are for the department page, the evidence pack and
the API. A wave that holds most of the hospital is counted whole and the other departments
dropped here, rather than listing a thousand ids in the SQL.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

from django.db.models import Count, Q, Sum

from assessments.models import CertificationStatus
from courses.models import Assignment
from courses.selectors.assignment_counts import overdue_on, stale
from portal.org.models import Department, JobRole, Shift, StaffMember

from .models import Criterion, Wave

K = Criterion.Kind
S = CertificationStatus.Status
GREEN, AMBER, RED, GREY = "green", "amber", "red", "grey"
ORDER = {GREEN: 0, GREY: 0, AMBER: 1, RED: 2}


# Which counts a criterion's value is made of: (part, whole).
PARTS = {
    K.COVERAGE: ("covered", "rows"),
    K.FIRST_PASS: ("first_passed", "first_known"),
    K.PROFICIENCY: ("score_sum", "scored"),
    K.OVERDUE: ("overdue", "assignments"),
    K.SEED_USERS: ("seeds_active", "seeds_required"),
}
KINDS = [kind for kind, _label in K.choices]  # once: iterating the enum costs per call
TENTH = Decimal("0.1")
HUNDRED = Decimal(100)


@lru_cache(maxsize=8192)
def _figure(kind: str, part, whole: int) -> Decimal | None:
    """A criterion's value from its two counts (memoised: cells repeat the same small counts)."""
    if not whole:
        return None
    if kind == K.PROFICIENCY:
        return (part / whole).quantize(TENTH)
    return (HUNDRED * part / whole).quantize(TENTH)


@dataclass
class Counts:
    """The raw counts behind the criteria of one group of people (addable)."""

    rows: int = 0
    covered: int = 0
    first_known: int = 0
    first_passed: int = 0
    scored: int = 0
    score_sum: Decimal = Decimal("0")
    assignments: int = 0
    overdue: int = 0
    seeds_required: int = 0
    seeds_active: int = 0

    def add(self, other: Counts) -> None:
        # Spelt out: looping over the dataclass fields with getattr/setattr cost more than the
        # rest of the roll-up (tests/readiness checks every field is added).
        self.rows += other.rows
        self.covered += other.covered
        self.first_known += other.first_known
        self.first_passed += other.first_passed
        self.scored += other.scored
        self.score_sum += other.score_sum
        self.assignments += other.assignments
        self.overdue += other.overdue
        self.seeds_required += other.seeds_required
        self.seeds_active += other.seeds_active

    def value(self, kind: str) -> Decimal | None:
        """The criterion's value in percent (proficiency: the mean score), None if nothing to
        count."""
        if kind not in PARTS:
            raise ValueError(kind)
        part, whole = PARTS[kind]
        return _figure(kind, getattr(self, part), getattr(self, whole))


@dataclass
class Value:
    kind: str
    value: Decimal | None
    rag: str
    green: Decimal | None = None
    amber: Decimal | None = None


def figure_json(figure: Decimal | None, *, exact: bool = False) -> float | str | None:
    """A figure for JSON: a number (the API's schema says so), or with `exact` its decimal text
    (the evidence pack: frozen and hashed over its canonical JSON, so no float rounding may
    touch it, and every pack recorded so far holds text)."""
    if figure is None:
        return None
    return str(figure) if exact else float(figure)


def values_json(values, *, exact: bool = False) -> list[dict]:
    """Criterion values (`Value`) as JSON: kind, value, colour and thresholds, the figures as
    `figure_json` writes them. The one serialisation of the API and the evidence pack."""
    return [
        {
            "kind": v.kind,
            "value": figure_json(v.value, exact=exact),
            "rag": v.rag,
            "green": figure_json(v.green, exact=exact),
            "amber": figure_json(v.amber, exact=exact),
        }
        for v in values
    ]


@dataclass
class Cell:
    department_id: int
    job_role_id: int | None
    shift_id: int | None
    counts: Counts
    values: list[Value] = field(default_factory=list)
    rag: str = GREY


@dataclass
class DepartmentReadiness:
    department: Department
    counts: Counts
    cells: list[Cell]
    values: list[Value] = field(default_factory=list)
    rag: str = GREY


@dataclass
class WaveReadiness:
    wave: Wave
    today: date
    departments: list[DepartmentReadiness]
    counts: Counts
    values: list[Value] = field(default_factory=list)
    rag: str = GREY
    roles: dict = field(default_factory=dict)  # id -> JobRole
    shifts: dict = field(default_factory=dict)  # id -> Shift

    @property
    def days_to_go_live(self) -> int:
        return (self.wave.go_live_date - self.today).days


def rag_for(kind: str, value: Decimal | None, green: Decimal, amber: Decimal) -> str:
    if value is None:
        return GREY
    if kind in Criterion.LOWER_IS_BETTER:
        return GREEN if value <= green else AMBER if value <= amber else RED
    return GREEN if value >= green else AMBER if value >= amber else RED


def worst(rags) -> str:
    rags = [r for r in rags if r != GREY]
    return max(rags, key=ORDER.__getitem__) if rags else GREY


def _subtree(children: dict, roots) -> set[int]:
    found, todo = set(), list(roots)
    while todo:
        pk = todo.pop()
        if pk not in found:
            found.add(pk)
            todo.extend(children.get(pk, ()))
    return found


def _wave_scope(wave: Wave) -> tuple[set[int], int]:
    """The wave's department ids (as `wave_department_ids`) and how many departments the
    hospital has: two queries (the waves' departments and the tree, which is small)."""
    links = list(Wave.departments.through.objects.values_list("wave_id", "department_id"))
    children: dict[int | None, list[int]] = {}
    total = 0
    for pk, parent_id in Department.objects.order_by().values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
        total += 1
    roots = {dept_id for wave_id, dept_id in links if wave_id == wave.pk}
    others = {dept_id for wave_id, dept_id in links if wave_id != wave.pk}
    claimed = _subtree(children, others - roots)
    return _subtree(children, roots) - (claimed - roots), total


def wave_department_ids(wave: Wave) -> set[int]:
    """The wave's departments with their sub-departments, except sub-departments another wave
    names itself."""
    return _wave_scope(wave)[0]


def _sql_scope(ids: set[int], total: int) -> set[int] | None:
    """The department ids to name in the SQL, or None: count the whole hospital and drop the
    other departments in Python. A list of most of the hospital's departments costs more to
    build and search (a thousand parameters) than the few rows it leaves out."""
    return None if 2 * len(ids) > total else ids


# ---------------------------------------------------------------------------------------------
# Counting: one aggregate each, keyed by `group` (a cell, or a department for the heat map);
# `scope` as _sql_scope's


CELL = ("department_id", "job_role_id", "shift_id")
DEPARTMENT = ("department_id",)


def _status_counts(scope, group) -> dict[tuple, Counts]:
    rows = CertificationStatus.objects.all()
    if scope is not None:
        rows = rows.filter(department_id__in=list(scope))
    rows = (
        rows.values_list(*group)
        .annotate(
            rows=Count("*"),
            covered=Count("pk", filter=Q(status__in=[S.CERTIFIED, S.EXPIRING])),
            first_known=Count("pk", filter=Q(practical_first_passed__isnull=False)),
            first_passed=Count("pk", filter=Q(practical_first_passed=True)),
            scored=Count("score"),
            score_sum=Sum("score"),
        )
        .order_by()
    )
    width = len(group)
    out = {}
    for row in rows:
        n, covered, known, passed, scored, score_sum = row[width:]
        out[row[:width]] = Counts(
            rows=n,
            covered=covered,
            first_known=known,
            first_passed=passed,
            scored=scored,
            score_sum=Decimal(str(score_sum or 0)),
        )
    return out


def _assignment_counts(scope, today: date, group) -> dict[tuple, list[int]]:
    """{group: [active assignments, overdue]} of active staff, added up from the counts on the
    staff rows (courses.services.assignment_counts; the index `staff_assignment_counts` holds
    them all). The overdue counts that do not hold on `today` (`stale`: an open assignment fell
    due since they were made) are left out of the sum and those people's overdue assignments
    counted instead, so the figure is today's whenever the counts were made."""
    fresh = ~stale(today)
    staff = StaffMember.objects.filter(active=True, assignments_active__gt=0)
    late = Assignment.objects.filter(overdue_on(today), staff__active=True).filter(
        stale(today, prefix="staff__")
    )
    if scope is not None:
        staff = staff.filter(department_id__in=list(scope))
        late = late.filter(staff__department_id__in=list(scope))
    rows = (
        staff.values_list(*group)
        .annotate(n=Sum("assignments_active"), late=Sum("assignments_overdue", filter=fresh))
        .order_by()
    )
    width = len(group)
    out = {row[:width]: [row[width], row[width + 1] or 0] for row in rows}
    for *key, n in (
        late.values_list(*(f"staff__{name}" for name in group)).annotate(Count("pk")).order_by()
    ):
        out.setdefault(tuple(key), [0, 0])[1] += n
    return out


def _seed_counts(scope) -> dict[tuple, tuple[int, int]]:
    """{(department, shift): (required, active capped at required)} from the active seed-user
    programme (none: no seed-user criterion values)."""
    from seedusers import selectors as seeds

    programme = seeds.programmes_active().first()
    if programme is None:
        return {}
    return {
        key: (required, min(active, required))
        for key, (required, active) in seeds.coverage_counts(
            programme=programme, department_ids=scope
        ).items()
    }


def _criteria(wave: Wave) -> dict[tuple[str, int | None], Criterion]:
    return {(c.kind, c.job_role_id): c for c in wave.criteria.filter(active=True)}


class _Rater:
    """Values and colours by the criteria of a role (the role's own row, else the general one),
    the criteria looked up once per role rather than once per cell."""

    def __init__(self, criteria: dict):
        self.criteria = criteria
        self.plans: dict[int | None, list[tuple]] = {}
        # (kind, part, whole, green, amber) -> Value, shared by the cells with those counts
        # (small cells repeat them; nothing changes a Value once made).
        self.rated: dict[tuple, Value] = {}

    def plan(self, role_id):
        plan = self.plans.get(role_id)
        if plan is None:
            plan = []
            for kind in KINDS:
                criterion = self.criteria.get((kind, role_id)) or self.criteria.get((kind, None))
                if criterion is not None:
                    plan.append((kind, *PARTS[kind], criterion.green, criterion.amber))
            self.plans[role_id] = plan
        return plan

    def values(self, counts: Counts, role_id=None) -> list[Value]:
        values = []
        rated = self.rated
        for kind, part, whole, green, amber in self.plan(role_id):
            key = (kind, getattr(counts, part), getattr(counts, whole), green, amber)
            found = rated.get(key)
            if found is None:
                value = _figure(*key[:3])
                found = rated[key] = Value(
                    kind, value, rag_for(kind, value, green, amber), green, amber
                )
            values.append(found)
        return values


def wave_readiness(
    *, wave: Wave, today: date, department_ids=None, cells: bool = True
) -> WaveReadiness:
    """The readiness of the wave (or of some of its departments: `department_ids`, e.g. a
    manager's), per department and, with `cells`, per department × role × shift. Without
    cells (the heat map, the wave list, snapshots) the counts are grouped by department only:
    the same department and wave figures (rule 2 pools people, not cells), fewer rows."""
    ids, total = _wave_scope(wave)
    if department_ids is not None:
        ids &= set(department_ids)
    scope = _sql_scope(ids, total)
    group = CELL if cells else DEPARTMENT
    rater = _Rater(_criteria(wave))
    counted: dict[tuple, Counts] = {}
    for key, counts in _status_counts(scope, group).items():
        if key[0] in ids:
            counted[key] = counts
    for key, (n, late) in _assignment_counts(scope, today, group).items():
        if key[0] in ids and n:
            counts = counted.get(key)
            if counts is None:
                counts = counted[key] = Counts()
            counts.assignments += n
            counts.overdue += late
    by_department: dict[int, list[tuple]] = defaultdict(list)
    for key, counts in counted.items():
        by_department[key[0]].append((key, counts))
    # Seed users are counted per department × shift, whatever the role.
    seeds_by_department: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (dept_id, _shift_id), seed_counts in _seed_counts(scope).items():
        if dept_id in ids:
            seeds_by_department[dept_id].append(seed_counts)
            by_department.setdefault(dept_id, [])
    # One query whatever the count (in_bulk with ids splits into batches of 999 on SQLite).
    chosen = Department.objects.all() if scope is None else Department.objects.filter(pk__in=ids)
    departments = {d.pk: d for d in chosen if d.pk in by_department}
    roles = JobRole.objects.in_bulk() if cells else {}
    shifts = Shift.objects.in_bulk() if cells else {}
    role_codes = {pk: r.code for pk, r in roles.items()}
    shift_codes = {pk: s.code for pk, s in shifts.items()}
    result = []
    wave_counts = Counts()
    for dept_id, entries in by_department.items():
        dept_counts = Counts()
        dept_cells = []
        for key, counts in entries:
            dept_counts.add(counts)
            if cells:
                cell = Cell(*key, counts=counts)
                cell.values = rater.values(counts, cell.job_role_id)
                cell.rag = worst(v.rag for v in cell.values)
                dept_cells.append(cell)
        for required, active in seeds_by_department.get(dept_id, ()):
            dept_counts.seeds_required += required
            dept_counts.seeds_active += active
        dept = DepartmentReadiness(departments[dept_id], dept_counts, dept_cells)
        dept.values = rater.values(dept_counts)
        dept.rag = worst(v.rag for v in dept.values)
        dept_cells.sort(
            key=lambda c: (role_codes.get(c.job_role_id, ""), shift_codes.get(c.shift_id, ""))
        )
        wave_counts.add(dept_counts)
        result.append(dept)
    result.sort(key=lambda d: (-ORDER[d.rag], d.department.code))
    readiness = WaveReadiness(wave, today, result, wave_counts, roles=roles, shifts=shifts)
    readiness.values = rater.values(wave_counts)
    readiness.rag = worst(v.rag for v in readiness.values)
    return readiness
