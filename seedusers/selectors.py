"""Reads of seed-user programmes, scoped to the viewer.

Who sees what: the rollout lead, HR and superusers every department; a department manager the
departments they manage (with sub-departments); a seed user their own department's training
status (read-only) and their own activities. Every list here costs a fixed number of queries.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Max, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber
from django.http import Http404

from assessments.models import CertificationStatus
from courses.models import CourseProgress
from portal.accounts.roles import ROLLOUT_LEAD, has_role
from portal.org.models import Department, Shift, StaffMember
from portal.org.selectors import department_subtree_ids, managed_department_ids, sees_all_staff

from .models import Activity, Nomination, Programme

N = Nomination.Status
COVERED = (CertificationStatus.Status.CERTIFIED, CertificationStatus.Status.EXPIRING)
SUGGESTIONS = 3


# ---------------------------------------------------------------------------------------------
# Who may


def is_rollout_lead(viewer) -> bool:
    return viewer.is_authenticated and (viewer.is_superuser or has_role(viewer, ROLLOUT_LEAD))


def sees_every_department(viewer) -> bool:
    return is_rollout_lead(viewer) or sees_all_staff(viewer)


def department_ids_visible(*, viewer) -> set[int] | None:
    """None: every department; otherwise the managed departments (maybe none)."""
    if sees_every_department(viewer):
        return None
    return managed_department_ids(viewer=viewer)


def may_see_programmes(viewer) -> bool:
    return viewer.is_authenticated and (
        sees_every_department(viewer) or bool(managed_department_ids(viewer=viewer))
    )


def may_nominate(viewer, staff: StaffMember) -> bool:
    """A manager nominates staff of their departments; the rollout lead anyone."""
    if is_rollout_lead(viewer):
        return True
    return staff.department_id in managed_department_ids(viewer=viewer)


# ---------------------------------------------------------------------------------------------
# Programmes


def programme_department_ids(programme: Programme) -> set[int] | None:
    """The departments a programme covers, sub-departments included; None: the hospital."""
    roots = list(programme.departments.values_list("pk", flat=True))
    return department_subtree_ids(roots) if roots else None


def programmes_active() -> QuerySet:
    return Programme.objects.filter(active=True).order_by("name")


def programme_get(*, pk: int) -> Programme:
    programme = Programme.objects.filter(pk=pk).first()
    if programme is None:
        raise Http404
    return programme


def programme_covers(programme: Programme, department_id: int) -> bool:
    ids = programme_department_ids(programme)
    return ids is None or department_id in ids


def ratio_for(programme: Programme, kind: str, ratios: dict[str, int] | None = None) -> int:
    if ratios is None:
        ratios = dict(programme.ratios.values_list("kind", "staff_per_seed_user"))
    return ratios.get(kind) or programme.staff_per_seed_user


def required_seed_users(staff: int, ratio: int) -> int:
    """At least one on every shift that has staff, and one per `ratio` staff: ceil(n / ratio)."""
    if staff <= 0:
        return 0
    return max(1, -(-staff // ratio))


# ---------------------------------------------------------------------------------------------
# Evidence: proficiency and the advanced curriculum


def current_scores(staff_ids) -> dict[int, Decimal]:
    """Each person's highest current proficiency score on the tracks of their role."""
    rows = (
        CertificationStatus.objects.filter(staff_id__in=staff_ids, score__isnull=False)
        .values("staff_id")
        .annotate(best=Max("score"))
        .order_by()
    )
    return {r["staff_id"]: r["best"] for r in rows}


def certified_staff(staff_ids) -> set[int]:
    return set(
        CertificationStatus.objects.filter(staff_id__in=staff_ids, status__in=COVERED).values_list(
            "staff_id", flat=True
        )
    )


def courses_completed(staff_ids, course_ids) -> dict[int, set[int]]:
    done: dict[int, set[int]] = {}
    rows = CourseProgress.objects.filter(
        staff_id__in=staff_ids, course_id__in=course_ids, completed_at__isnull=False
    ).values_list("staff_id", "course_id")
    for staff_id, course_id in rows:
        done.setdefault(staff_id, set()).add(course_id)
    return done


@dataclass
class Training:
    """Where a seed user stands on the advanced track."""

    courses: list  # [(course page, done)]
    certified: bool  # on their role's track (certified or expiring)
    score: Decimal | None
    threshold: Decimal

    @property
    def courses_done(self) -> int:
        return sum(1 for _course, done in self.courses if done)

    @property
    def score_met(self) -> bool:
        return self.score is not None and self.score >= self.threshold

    @property
    def complete(self) -> bool:
        return self.certified and self.score_met and self.courses_done == len(self.courses)


def training_for(nominations: list[Nomination]) -> dict[int, Training]:
    """{nomination id: Training}, for nominations of one or more programmes (a few queries)."""
    if not nominations:
        return {}
    staff_ids = {n.staff_id for n in nominations}
    programmes = {n.programme_id: n.programme for n in nominations}
    course_lists = {pk: list(p.advanced_courses.order_by("title")) for pk, p in programmes.items()}
    all_courses = {c.pk for courses in course_lists.values() for c in courses}
    done = courses_completed(staff_ids, all_courses)
    certified = certified_staff(staff_ids)
    scores = current_scores(staff_ids)
    return {
        n.pk: Training(
            courses=[(c, c.pk in done.get(n.staff_id, ())) for c in course_lists[n.programme_id]],
            certified=n.staff_id in certified,
            score=scores.get(n.staff_id),
            threshold=programmes[n.programme_id].proficiency_threshold,
        )
        for n in nominations
    }


@dataclass
class Check:
    label: str
    met: bool
    detail: str = ""


def prerequisites(programme: Programme, staff: StaffMember, *, today: date, score) -> list[Check]:
    """What a nominee must meet before approval without an override."""
    from django.utils.translation import gettext as _

    checks = [
        Check(_("Active on the roster, with a login"), staff.active and bool(staff.user_id)),
        Check(
            _("In a department the programme covers"),
            programme_covers(programme, staff.department_id),
        ),
    ]
    if programme.min_months_service:
        months = None
        if staff.hire_date:
            months = (today.year - staff.hire_date.year) * 12 + today.month - staff.hire_date.month
            months -= today.day < staff.hire_date.day
        checks.append(
            Check(
                _("At least %(n)d months of service") % {"n": programme.min_months_service},
                months is not None and months >= programme.min_months_service,
                _("hire date unknown")
                if months is None
                else _("%(n)d months") % {"n": max(months, 0)},
            )
        )
    if programme.min_proficiency:
        checks.append(
            Check(
                _("Proficiency score at least %(n)s") % {"n": programme.min_proficiency},
                score is not None and score >= programme.min_proficiency,
                _("no score yet") if score is None else f"{score:.1f}",
            )
        )
    return checks


# ---------------------------------------------------------------------------------------------
# Nominations


def nominations_visible(*, viewer, programme: Programme | None = None) -> QuerySet:
    rows = Nomination.objects.select_related(
        "programme", "staff__department", "staff__shift", "staff__job_role", "nominated_by"
    )
    if programme is not None:
        rows = rows.filter(programme=programme)
    ids = department_ids_visible(viewer=viewer)
    if ids is None:
        return rows
    return rows.filter(staff__department_id__in=ids) if ids else rows.none()


def nomination_get(*, viewer, pk: int) -> Nomination:
    """One nomination the viewer may see (their departments', or their own), else 404."""
    nomination = (
        Nomination.objects.select_related("programme", "staff__department", "staff__shift")
        .filter(pk=pk)
        .first()
    )
    if nomination is None:
        raise Http404
    if nomination.staff.user_id == viewer.pk:
        return nomination
    ids = department_ids_visible(viewer=viewer)
    if ids is not None and nomination.staff.department_id not in ids:
        raise Http404
    return nomination


def nominations_of(staff: StaffMember) -> list[Nomination]:
    return list(
        Nomination.objects.filter(staff=staff).select_related("programme").order_by("-created_at")
    )


def serving_nomination(staff: StaffMember | None) -> Nomination | None:
    """The person's current seed-user nomination (in training, certified or active), if any."""
    if staff is None:
        return None
    return (
        Nomination.objects.filter(
            staff=staff, status__in=[N.APPROVED, N.IN_TRAINING, N.CERTIFIED, N.ACTIVE]
        )
        .select_related("programme", "staff__department")
        .order_by("-created_at")
        .first()
    )


def staff_nominable(*, viewer, programme: Programme) -> QuerySet:
    """Staff the viewer may nominate in this programme: active, in its departments and the
    viewer's, with no open nomination in it."""
    staff = StaffMember.objects.filter(active=True).select_related("department", "shift")
    ids = programme_department_ids(programme)
    if ids is not None:
        staff = staff.filter(department_id__in=ids)
    if not is_rollout_lead(viewer):
        staff = staff.filter(department_id__in=managed_department_ids(viewer=viewer))
    taken = Nomination.objects.filter(programme=programme, status__in=Nomination.OPEN)
    return staff.exclude(pk__in=taken.values("staff_id")).order_by("department__code", "full_name")


# ---------------------------------------------------------------------------------------------
# Coverage


@dataclass
class Cell:
    shift: Shift
    staff: int
    required: int
    active: int
    candidates: list = field(default_factory=list)  # [(staff member, score)]

    @property
    def gap(self) -> int:
        return max(self.required - self.active, 0)


@dataclass
class DepartmentCoverage:
    department: Department
    ratio: int
    cells: list[Cell]
    unshifted: int  # staff with no shift: not counted in any cell

    @property
    def staff(self) -> int:
        return sum(c.staff for c in self.cells)

    @property
    def required(self) -> int:
        return sum(c.required for c in self.cells)

    @property
    def active(self) -> int:
        return sum(c.active for c in self.cells)

    @property
    def gaps(self) -> int:
        return sum(c.gap for c in self.cells)


def coverage(
    *,
    programme: Programme,
    viewer,
    department_id=None,
    department_ids=None,
    suggest: bool = True,
) -> list[DepartmentCoverage]:
    """Per department and shift of the programme (and the viewer's scope): active seed users
    against required (ceil(staff / ratio), at least one on a shift with staff), gaps first,
    and for each gap the best-scoring staff of that department and shift not yet nominated.
    Seven queries whatever the hospital's size. `viewer=None` is the system's own read (the
    readiness evaluation), limited to `department_ids`, without suggestions when `suggest`
    is false."""
    ids = programme_department_ids(programme)
    visible = None if viewer is None else department_ids_visible(viewer=viewer)
    if department_ids is not None:
        visible = set(department_ids) if visible is None else visible & set(department_ids)
    staff = StaffMember.objects.filter(active=True)
    if ids is not None:
        staff = staff.filter(department_id__in=ids)
    if visible is not None:
        staff = staff.filter(department_id__in=visible)
    if department_id:
        staff = staff.filter(department_id__in=department_subtree_ids([department_id]))
    counts = staff.values("department_id", "shift_id").annotate(n=Count("pk")).order_by()
    active = (
        Nomination.objects.filter(programme=programme, status=N.ACTIVE, staff__in=staff)
        .values("staff__department_id", "staff__shift_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    seeds = {(r["staff__department_id"], r["staff__shift_id"]): r["n"] for r in active}
    ratios = dict(programme.ratios.values_list("kind", "staff_per_seed_user"))
    shifts = {s.pk: s for s in Shift.objects.all()}
    by_department: dict[int, dict] = {}
    for row in counts:
        entry = by_department.setdefault(row["department_id"], {"cells": {}, "unshifted": 0})
        if row["shift_id"] is None:
            entry["unshifted"] += row["n"]
        else:
            entry["cells"][row["shift_id"]] = row["n"]
    # One query whatever the count: in_bulk(ids) splits into batches of 999 on SQLite.
    departments = {d.pk: d for d in Department.objects.filter(pk__in=list(by_department))}
    result = []
    for dept_id, entry in by_department.items():
        dept = departments[dept_id]
        ratio = ratio_for(programme, dept.kind, ratios)
        cells = [
            Cell(
                shift=shifts[shift_id],
                staff=n,
                required=required_seed_users(n, ratio),
                active=seeds.get((dept_id, shift_id), 0),
            )
            for shift_id, n in sorted(entry["cells"].items(), key=lambda i: shifts[i[0]].code)
        ]
        result.append(DepartmentCoverage(dept, ratio, cells, entry["unshifted"]))
    if suggest:
        _suggest(programme, staff, result)
    result.sort(key=lambda d: (-d.gaps, d.department.code))
    return result


def coverage_counts(
    *, programme: Programme, department_ids=None
) -> dict[tuple[int, int], tuple[int, int]]:
    """{(department id, shift id): (required, active)}: the figures of `coverage`'s cells
    (active is not capped), without their objects, sorting or suggestions, for the system's
    own read (the readiness evaluation). `department_ids` None: every department the programme
    covers; otherwise only those. Five queries at most whatever the hospital's size, and no
    list of ids in the SQL when `department_ids` is None."""
    covered = programme_department_ids(programme)
    staff = StaffMember.objects.filter(active=True, shift__isnull=False)
    nominations = Nomination.objects.filter(
        programme=programme, status=N.ACTIVE, staff__active=True, staff__shift__isnull=False
    )
    if department_ids is not None:
        staff = staff.filter(department_id__in=list(department_ids))
        nominations = nominations.filter(staff__department_id__in=list(department_ids))
    # COUNT(*), not of a column: the staff are counted from the index `staff_shift` alone.
    counts = staff.values_list("department_id", "shift_id").annotate(n=Count("*")).order_by()
    active = (
        nominations.values_list("staff__department_id", "staff__shift_id")
        .annotate(n=Count("*"))
        .order_by()
    )
    seeds = {(dept_id, shift_id): n for dept_id, shift_id, n in active}
    ratios = dict(programme.ratios.values_list("kind", "staff_per_seed_user"))
    # The programme's departments are dropped here rather than listed in the SQL.
    kinds = dict(Department.objects.order_by().values_list("pk", "kind"))
    return {
        (dept_id, shift_id): (
            required_seed_users(n, ratio_for(programme, kinds[dept_id], ratios)),
            seeds.get((dept_id, shift_id), 0),
        )
        for dept_id, shift_id, n in counts
        if covered is None or dept_id in covered
    }


def _suggest(programme: Programme, staff: QuerySet, departments: list) -> None:
    """Fill each gap's candidates in one query: per department and shift, the staff not
    nominated in the programme, best current score first (people with no score yet are not
    suggested: there is nothing to rank them by)."""
    gaps = {(d.department.pk, c.shift.pk): c for d in departments for c in d.cells if c.gap}
    if not gaps:
        return
    taken = Nomination.objects.filter(programme=programme, status__in=Nomination.OPEN)
    # One row per person (their highest score over their tracks): ranking status rows would
    # list someone holding two tracks twice.
    best = (
        StaffMember.objects.filter(pk__in=staff.values("pk"), shift__isnull=False)
        .exclude(pk__in=taken.values("staff_id"))
        .annotate(best_score=Max("certification_statuses__score"))
        .filter(best_score__isnull=False)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("department_id"), F("shift_id")],
                order_by=[F("best_score").desc(), F("full_name").asc()],
            )
        )
        .filter(rank__lte=SUGGESTIONS)
        .order_by("rank")
    )
    for member in best:
        cell = gaps.get((member.department_id, member.shift_id))
        if cell is not None:
            cell.candidates.append((member, member.best_score))


def coverage_totals(departments: list[DepartmentCoverage]) -> dict:
    required = sum(d.required for d in departments)
    active = sum(min(c.active, c.required) for d in departments for c in d.cells)
    return {
        "departments": len(departments),
        "required": required,
        "active": sum(d.active for d in departments),
        "gaps": sum(d.gaps for d in departments),
        "percent": round(100 * active / required) if required else None,
    }


# ---------------------------------------------------------------------------------------------
# Activities, points, leaderboard


def activities_visible(*, viewer) -> QuerySet:
    rows = Activity.objects.select_related(
        "nomination__staff__department", "nomination__programme", "shift", "decided_by"
    )
    ids = department_ids_visible(viewer=viewer)
    if ids is None:
        return rows
    return rows.filter(nomination__staff__department_id__in=ids) if ids else rows.none()


def activity_get(*, viewer, pk: int) -> Activity:
    activity = activities_visible(viewer=viewer).filter(pk=pk).first()
    if activity is None:
        raise Http404
    return activity


def may_confirm(viewer, activity: Activity) -> bool:
    """The manager of the seed user's department (or the rollout lead); never oneself."""
    if activity.nomination.staff.user_id == viewer.pk:
        return False
    if is_rollout_lead(viewer):
        return True
    return activity.nomination.staff.department_id in managed_department_ids(viewer=viewer)


def issues_for_export(*, viewer, programme: Programme | None = None) -> QuerySet:
    rows = activities_visible(viewer=viewer).filter(kind=Activity.Kind.ISSUE)
    if programme is not None:
        rows = rows.filter(nomination__programme=programme)
    return rows.select_related("nomination__staff__job_role").order_by("day", "pk")


def points_by_staff(staff_ids) -> dict[int, int]:
    """Confirmed points per person over every programme (HR records and exports)."""
    rows = (
        Activity.objects.filter(
            nomination__staff_id__in=staff_ids, status=Activity.Status.CONFIRMED
        )
        .values("nomination__staff_id")
        .annotate(points=Sum("points"))
        .order_by()
    )
    return {r["nomination__staff_id"]: r["points"] for r in rows}


def leaderboard(*, programme: Programme, viewer, department_id=None) -> QuerySet:
    """Seed users of the programme (certified, active or stepped down), most points
    first: one query for any page of it."""
    confirmed = Q(activities__status=Activity.Status.CONFIRMED)
    rows = nominations_visible(viewer=viewer, programme=programme).filter(
        status__in=[N.CERTIFIED, N.ACTIVE, N.STEPPED_DOWN]
    )
    if department_id:
        rows = rows.filter(staff__department_id__in=department_subtree_ids([department_id]))
    return rows.annotate(
        points=Sum("activities__points", filter=confirmed, default=0),
        sessions=Count("activities", filter=confirmed & Q(activities__kind="coaching")),
        helped=Sum("activities__colleagues", filter=confirmed, default=0),
        minutes=Sum("activities__minutes", filter=confirmed, default=0),
    ).order_by("-points", "staff__full_name")


def points_by_department(*, programme: Programme, viewer, limit: int = 20) -> list[dict]:
    rows = (
        activities_visible(viewer=viewer)
        .filter(nomination__programme=programme, status=Activity.Status.CONFIRMED)
        .values("nomination__staff__department__name", "nomination__staff__department__name_zh")
        .annotate(points=Sum("points"))
        .order_by("-points")
    )
    return list(rows[:limit])


# ---------------------------------------------------------------------------------------------
# Colleagues (what a seed user sees)


def colleagues_status(*, seed: Nomination) -> QuerySet:
    """The certification status rows of the seed user's own department (exactly it, not its
    sub-departments), read-only, least advanced first."""
    return (
        CertificationStatus.objects.filter(department_id=seed.staff.department_id)
        .exclude(staff_id=seed.staff_id)
        .select_related("staff", "track", "shift", "job_role")
        .order_by("requirements_done", "staff__full_name")
    )
