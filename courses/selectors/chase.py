"""The manager's chase list: who in the viewer's departments is overdue or has not started.

The status of an assignment is the enrolment selector's (courses.selectors.enrolment, the same
rule as My training): done when completed; overdue when not done and past its due date; in
progress when the person has opened a lesson of the course or has course progress above 0 %;
otherwise not started.

Everything is computed in SQL (annotations), so the list, its counts, the chart and the exports
cost a fixed number of queries whatever the number of rows.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from courses.models import Assignment, CourseProgress
from courses.selectors.enrolment import assignments_for_departments, course_content_type
from portal.accounts.roles import MANAGER, has_role
from portal.org.models import Department
from portal.org.selectors import department_subtree_ids, managed_department_ids, sees_all_staff

OVERDUE, NOT_STARTED, IN_PROGRESS, DONE = "overdue", "not_started", "in_progress", "done"
STATUSES = [OVERDUE, NOT_STARTED, IN_PROGRESS, DONE]  # also the sort order: overdue first
STATUS_LABELS = {
    OVERDUE: _("Overdue"),
    NOT_STARTED: _("Not started"),
    IN_PROGRESS: _("In progress"),
    DONE: _("Done"),
}
# The status filter: the default shows whom to chase.
ATTENTION, ALL = "attention", "all"
STATUS_FILTERS = [
    (ATTENTION, _("Overdue or not started")),
    (OVERDUE, _("Overdue")),
    (NOT_STARTED, _("Not started")),
    (IN_PROGRESS, _("In progress")),
    (DONE, _("Done")),
    (ALL, _("All")),
]
CHART_DEPARTMENTS = 30


@dataclass(frozen=True)
class Bilingual:
    """A title in English and Chinese; `label` picks the active language's (at render time)."""

    en: str
    zh: str = ""

    @property
    def label(self) -> str:
        if self.zh and (get_language() or "").startswith("zh"):
            return self.zh
        return self.en

    def __str__(self):
        return self.label


# ---------------------------------------------------------------------------------------------
# Who may chase whom


def chase_may_view(viewer) -> bool:
    """Department managers (their departments), HR, rollout leads and administrators (all)."""
    return viewer.is_authenticated and (sees_all_staff(viewer) or has_role(viewer, MANAGER))


def chase_scope(*, viewer) -> set[int] | None:
    """Department ids the viewer may chase: None means every department; an empty set nobody."""
    if not viewer.is_authenticated:
        return set()
    if sees_all_staff(viewer):
        return None
    return managed_department_ids(viewer=viewer)


def chase_departments(*, scope: set[int] | None) -> QuerySet:
    departments = Department.objects.all()
    return departments if scope is None else departments.filter(pk__in=scope)


# ---------------------------------------------------------------------------------------------
# Assignments with their status


def chase_assignments(
    *,
    scope: set[int] | None,
    today: date,
    department_id: int | None = None,
    job_role_id: int | None = None,
    shift_id: int | None = None,
) -> QuerySet:
    """Current assignments of active staff in scope (and in the filters) with `progress_status`
    (the enrolment selector's rule, shared with My training), `chase_percent` and `chase_rank`
    (0 = overdue ... 3 = done). A department filter includes its sub-departments and never
    reaches outside the scope."""
    if scope is None:
        department_ids = set(Department.objects.values_list("pk", flat=True))
    else:
        department_ids = set(scope)
    if department_id:
        department_ids &= department_subtree_ids([department_id])
    assignments = assignments_for_departments(department_ids=department_ids, today=today)
    if job_role_id:
        assignments = assignments.filter(staff__job_role_id=job_role_id)
    if shift_id:
        assignments = assignments.filter(staff__shift_id=shift_id)
    course_percent = CourseProgress.objects.filter(
        staff_id=OuterRef("staff_id"), course_id=OuterRef("object_id")
    ).values("percent")[:1]
    return assignments.annotate(
        chase_percent=Case(
            When(completed_at__isnull=False, then=Value(100)),
            When(
                content_type_id=course_content_type().pk,
                then=Coalesce(Subquery(course_percent), Value(0)),
            ),
            default=Value(0),
            output_field=IntegerField(),
        ),
        chase_rank=Case(
            *[When(progress_status=s, then=Value(i)) for i, s in enumerate(STATUSES)],
            output_field=IntegerField(),
        ),
    )


def status_filtered(assignments: QuerySet, status: str) -> QuerySet:
    if status == ATTENTION:
        return assignments.filter(progress_status__in=[OVERDUE, NOT_STARTED])
    if status in STATUS_LABELS:
        return assignments.filter(progress_status=status)
    return assignments


def chase_rows(assignments: QuerySet, *, status: str = ATTENTION) -> QuerySet:
    """The list: overdue first, then not started, in progress, done; by department and name."""
    return (
        status_filtered(assignments, status)
        .select_related("staff", "staff__department", "staff__job_role", "staff__shift")
        # Titles come from item_titles (two columns per item), not whole pages.
        .prefetch_related(None)
        .order_by(
            "chase_rank",
            "staff__department__code",
            F("due_date").asc(nulls_last=True),
            "staff__full_name",
            "pk",
        )
    )


@dataclass
class DepartmentCounts:
    department: Bilingual
    code: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def chase_summary(assignments: QuerySet) -> list[DepartmentCounts]:
    """Assignments per department and status (one query), most overdue first."""
    rows = (
        assignments.order_by()
        .values(
            "staff__department_id",
            "staff__department__code",
            "staff__department__name",
            "staff__department__name_zh",
        )
        .annotate(**{s: Count("pk", filter=Q(progress_status=s)) for s in STATUSES})
    )
    summary = [
        DepartmentCounts(
            department=Bilingual(row["staff__department__name"], row["staff__department__name_zh"]),
            code=row["staff__department__code"],
            counts={s: row[s] for s in STATUSES},
        )
        for row in rows
    ]
    summary.sort(key=lambda d: (-d.counts[OVERDUE], -d.counts[NOT_STARTED], d.code))
    return summary


def chart_data(summary: list[DepartmentCounts], limit: int = CHART_DEPARTMENTS) -> dict:
    """What chase_chart.js draws: one stacked bar per department."""
    shown = summary[:limit]
    return {
        "labels": [d.department.label for d in shown],
        "series": [
            {"key": s, "label": str(STATUS_LABELS[s]), "data": [d.counts[s] for d in shown]}
            for s in (DONE, IN_PROGRESS, NOT_STARTED, OVERDUE)
        ],
        "more": max(len(summary) - limit, 0),
    }


# ---------------------------------------------------------------------------------------------
# Titles of the assigned items (generic: courses now, exams later)


def item_titles(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], Bilingual]:
    """(content type id, object id) -> title, one query per kind of item (not per row)."""
    ids_by_type: dict[int, set[int]] = defaultdict(set)
    for type_id, object_id in pairs:
        ids_by_type[type_id].add(object_id)
    titles = {}
    for type_id, ids in ids_by_type.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        if model is None:
            continue
        names = {f.name for f in model._meta.get_fields()}
        if "title" in names:
            fields = ["pk", "title", "title_zh"] if "title_zh" in names else ["pk", "title"]
            for pk, *text in model._base_manager.filter(pk__in=ids).values_list(*fields):
                titles[(type_id, pk)] = Bilingual(*text)
        else:
            for obj in model._base_manager.filter(pk__in=ids):
                titles[(type_id, obj.pk)] = Bilingual(str(obj))
    return titles


def item_title(titles: dict, type_id: int, object_id: int) -> Bilingual:
    return titles.get((type_id, object_id)) or Bilingual(f"#{object_id}")


def rows_with_titles(rows: Iterable[Assignment]) -> list[Assignment]:
    """The page's rows, each with `item_title` (a Bilingual) and `progress_status_label`."""
    rows = list(rows)
    titles = item_titles((row.content_type_id, row.object_id) for row in rows)
    for row in rows:
        row.item_title = item_title(titles, row.content_type_id, row.object_id)
        row.progress_status_label = STATUS_LABELS[row.progress_status]
    return rows


# ---------------------------------------------------------------------------------------------
# Export


EXPORT_FIELDS = [
    "staff__full_name",
    "staff__employee_no",
    "staff__department__name",
    "staff__department__name_zh",
    "staff__job_role__name",
    "staff__job_role__name_zh",
    "staff__shift__name",
    "staff__shift__name_zh",
    "content_type_id",
    "object_id",
    "due_date",
    "progress_status",
    "chase_percent",
]


def export_header() -> list[str]:
    return [
        str(_("Name")),
        str(_("Employee number")),
        str(_("Department")),
        str(_("Job role")),
        str(_("Shift")),
        str(_("Item")),
        str(_("Due")),
        str(_("Status")),
        str(_("Percent")),
    ]


def export_rows(rows: QuerySet) -> Iterator[list]:
    """The list's rows as plain values, streamed from the database (a constant number of
    queries: the item titles first, then one pass over the rows)."""
    titles = item_titles(rows.order_by().values_list("content_type_id", "object_id").distinct())
    for row in rows.values(*EXPORT_FIELDS).iterator(chunk_size=2000):
        yield [
            row["staff__full_name"],
            row["staff__employee_no"],
            Bilingual(row["staff__department__name"], row["staff__department__name_zh"]).label,
            Bilingual(row["staff__job_role__name"], row["staff__job_role__name_zh"]).label,
            Bilingual(row["staff__shift__name"] or "", row["staff__shift__name_zh"] or "").label,
            item_title(titles, row["content_type_id"], row["object_id"]).label,
            row["due_date"],
            str(STATUS_LABELS[row["progress_status"]]),
            row["chase_percent"],
        ]
