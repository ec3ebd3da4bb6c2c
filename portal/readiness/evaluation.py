"""Evaluating a wave's readiness: the criteria per department × job role × shift, rolled up.

The figures come from small tables kept current elsewhere, never from raw attempts:

- certification coverage: the certification status table (assessments.CertificationStatus),
  covered = certified or expiring (within the recertification window or the grace period);
- practical first-time pass rate: the same table's `practical_first_passed` (the first counted
  practical attempt passed), over the rows where it is known;
- average proficiency: the mean current score of the rows that have one;
- overdue assignments: courses' assignments (active, due before today, not completed), over the
  active assignments;
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

Queries: one GROUP BY over the status table by department, role and shift (the index
`status_readiness` serves it), one over assignments, the seed-user coverage (a fixed number),
the criteria and the departments: a fixed number whatever the hospital's size.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum

from assessments.models import CertificationStatus
from courses.models import Assignment
from portal.org.models import Department, JobRole, Shift
from portal.org.selectors import department_subtree_ids

from .models import Criterion, Wave

K = Criterion.Kind
S = CertificationStatus.Status
GREEN, AMBER, RED, GREY = "green", "amber", "red", "grey"
ORDER = {GREEN: 0, GREY: 0, AMBER: 1, RED: 2}


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
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def value(self, kind: str) -> Decimal | None:
        """The criterion's value in percent (proficiency: the mean score), None if nothing to
        count."""

        def pct(part, whole):
            return None if not whole else (Decimal(100) * part / whole).quantize(Decimal("0.1"))

        if kind == K.COVERAGE:
            return pct(self.covered, self.rows)
        if kind == K.FIRST_PASS:
            return pct(self.first_passed, self.first_known)
        if kind == K.PROFICIENCY:
            return (
                None if not self.scored else (self.score_sum / self.scored).quantize(Decimal("0.1"))
            )
        if kind == K.OVERDUE:
            return pct(self.overdue, self.assignments)
        if kind == K.SEED_USERS:
            return pct(self.seeds_active, self.seeds_required)
        raise ValueError(kind)


@dataclass
class Value:
    kind: str
    value: Decimal | None
    rag: str
    green: Decimal | None = None
    amber: Decimal | None = None


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


def wave_department_ids(wave: Wave) -> set[int]:
    """The wave's departments with their sub-departments, except sub-departments another wave
    names itself."""
    roots = list(wave.departments.values_list("pk", flat=True))
    ids = department_subtree_ids(roots)
    others = set(
        Wave.departments.through.objects.exclude(wave_id=wave.pk).values_list(
            "department_id", flat=True
        )
    )
    claimed = department_subtree_ids(list(others - set(roots))) if others else set()
    return ids - (claimed - set(roots))


# ---------------------------------------------------------------------------------------------
# Counting


def _status_counts(department_ids) -> dict[tuple, Counts]:
    rows = (
        CertificationStatus.objects.filter(department_id__in=department_ids)
        .values("department_id", "job_role_id", "shift_id")
        .annotate(
            rows=Count("pk"),
            covered=Count("pk", filter=Q(status__in=[S.CERTIFIED, S.EXPIRING])),
            first_known=Count("pk", filter=Q(practical_first_passed__isnull=False)),
            first_passed=Count("pk", filter=Q(practical_first_passed=True)),
            scored=Count("score"),
            score_sum=Sum("score"),
        )
        .order_by()
    )
    out = {}
    for r in rows:
        out[(r["department_id"], r["job_role_id"], r["shift_id"])] = Counts(
            rows=r["rows"],
            covered=r["covered"],
            first_known=r["first_known"],
            first_passed=r["first_passed"],
            scored=r["scored"],
            score_sum=Decimal(str(r["score_sum"] or 0)),
        )
    return out


def _assignment_counts(department_ids, today: date) -> dict[tuple, tuple[int, int]]:
    rows = (
        Assignment.objects.filter(
            status=Assignment.Status.ACTIVE,
            staff__active=True,
            staff__department_id__in=department_ids,
        )
        .values("staff__department_id", "staff__job_role_id", "staff__shift_id")
        .annotate(
            n=Count("pk"),
            overdue=Count("pk", filter=Q(due_date__lt=today, completed_at__isnull=True)),
        )
        .order_by()
    )
    return {
        (r["staff__department_id"], r["staff__job_role_id"], r["staff__shift_id"]): (
            r["n"],
            r["overdue"],
        )
        for r in rows
    }


def _seed_counts(department_ids) -> dict[tuple, tuple[int, int]]:
    """{(department, shift): (required, active capped at required)} from the active seed-user
    programme covering the departments (none: no seed-user criterion values)."""
    from seedusers import selectors as seeds

    programme = seeds.programmes_active().first()
    if programme is None:
        return {}
    out = {}
    for dept in seeds.coverage(
        programme=programme, viewer=None, department_ids=department_ids, suggest=False
    ):
        for cell in dept.cells:
            out[(dept.department.pk, cell.shift.pk)] = (
                cell.required,
                min(cell.active, cell.required),
            )
    return out


def _criteria(wave: Wave) -> dict[tuple[str, int | None], Criterion]:
    return {(c.kind, c.job_role_id): c for c in wave.criteria.filter(active=True)}


def _values(counts: Counts, criteria: dict, role_id: int | None) -> list[Value]:
    values = []
    for kind, _label in K.choices:
        criterion = criteria.get((kind, role_id)) or criteria.get((kind, None))
        if criterion is None:
            continue
        value = counts.value(kind)
        values.append(
            Value(
                kind,
                value,
                rag_for(kind, value, criterion.green, criterion.amber),
                criterion.green,
                criterion.amber,
            )
        )
    return values


def wave_readiness(*, wave: Wave, today: date, department_ids=None) -> WaveReadiness:
    """The readiness of the wave (or of some of its departments: `department_ids`, e.g. a
    manager's), per department and per department × role × shift."""
    ids = wave_department_ids(wave)
    if department_ids is not None:
        ids &= set(department_ids)
    criteria = _criteria(wave)
    status = _status_counts(ids)
    assignments = _assignment_counts(ids, today)
    seeds = _seed_counts(ids)
    cells: dict[tuple, Cell] = {}
    for key, counts in status.items():
        cells[key] = Cell(*key, counts=counts)
    for key, (n, overdue) in assignments.items():
        cell = cells.setdefault(key, Cell(*key, counts=Counts()))
        cell.counts.assignments += n
        cell.counts.overdue += overdue
    by_department: dict[int, list[Cell]] = defaultdict(list)
    for cell in cells.values():
        by_department[cell.department_id].append(cell)
    for dept_id, _shift_id in seeds:
        by_department.setdefault(dept_id, [])
    # One query whatever the count (in_bulk with ids splits into batches of 999 on SQLite).
    departments = {d.pk: d for d in Department.objects.filter(pk__in=ids)}
    seeds_by_department: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (seed_dept, _shift), counts in seeds.items():
        seeds_by_department[seed_dept].append(counts)
    roles = JobRole.objects.in_bulk()
    shifts = Shift.objects.in_bulk()
    result = []
    wave_counts = Counts()
    for dept_id, dept_cells in by_department.items():
        dept_counts = Counts()
        for cell in dept_cells:
            cell.values = _values(cell.counts, criteria, cell.job_role_id)
            cell.rag = worst(v.rag for v in cell.values)
            dept_counts.add(cell.counts)
        # Seed users are counted per department × shift, whatever the role.
        for required, active in seeds_by_department.get(dept_id, ()):
            dept_counts.seeds_required += required
            dept_counts.seeds_active += active
        dept = DepartmentReadiness(departments[dept_id], dept_counts, dept_cells)
        dept.values = _values(dept_counts, criteria, None)
        dept.rag = worst(v.rag for v in dept.values)
        dept.cells.sort(
            key=lambda c: (
                getattr(roles.get(c.job_role_id), "code", ""),
                getattr(shifts.get(c.shift_id), "code", ""),
            )
        )
        wave_counts.add(dept_counts)
        result.append(dept)
    result.sort(key=lambda d: (-ORDER[d.rag], d.department.code))
    readiness = WaveReadiness(wave, today, result, wave_counts, roles=roles, shifts=shifts)
    readiness.values = _values(wave_counts, criteria, None)
    readiness.rag = worst(v.rag for v in readiness.values)
    return readiness
