"""The readiness dashboard: waves → departments heat map → department (role × shift) → the
people behind a cell. Thin: the figures are in evaluation.py, trends in snapshots.py."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import CertificationStatus
from courses.models import CoursePage
from courses.selectors.assignment_counts import overdue_on
from portal.org.models import Department, JobRole, Shift, StaffMember
from portal.pagination import paginate

from . import evaluation, selectors, snapshots
from .models import Criterion

K = Criterion.Kind


def readiness_required(view):
    """Signed in and seeing readiness (managers, the rollout lead, HR), else 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not selectors.may_see_readiness(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _criteria_columns():
    return [(value, label) for value, label in K.choices]


@readiness_required
def wave_list(request):
    today = timezone.localdate()
    rows = []
    for wave in selectors.waves_visible(viewer=request.user):
        readiness = selectors.wave_readiness_for(viewer=request.user, wave=wave, today=today)
        rows.append(readiness)
    return render(
        request,
        "readiness/waves.html",
        {
            "rows": rows,
            "columns": _criteria_columns(),
            "may_manage_tokens": selectors.is_rollout_lead(request.user),
        },
    )


@readiness_required
def wave_dashboard(request, pk: int):
    today = timezone.localdate()
    wave = selectors.wave_get(viewer=request.user, pk=pk)
    readiness = selectors.wave_readiness_for(viewer=request.user, wave=wave, today=today)
    visible = selectors.department_ids_visible(viewer=request.user)
    trend = snapshots.coverage_trend(wave=wave, department_ids=visible, today=today)
    return render(
        request,
        "readiness/wave.html",
        {
            "wave": wave,
            "readiness": readiness,
            "columns": _criteria_columns(),
            "trend": trend,
            "chart": {
                **snapshots.trend_chart(trend, go_live=wave.go_live_date),
                "labels_text": {
                    "coverage": str(_("Certification coverage")),
                    "projection": str(_("Projection to go-live")),
                    "threshold": str(_("Green threshold")),
                },
            },
            "may_decide": selectors.may_decide(request.user),
        },
    )


def _department(request, wave, department_id: int) -> Department:
    if not selectors.department_in_wave(
        viewer=request.user, wave=wave, department_id=department_id
    ):
        raise Http404
    return Department.objects.get(pk=department_id)


@readiness_required
def department_detail(request, pk: int, department_id: int):
    today = timezone.localdate()
    wave = selectors.wave_get(viewer=request.user, pk=pk)
    department = _department(request, wave, department_id)
    readiness = evaluation.wave_readiness(wave=wave, today=today, department_ids=[department.pk])
    dept = readiness.departments[0] if readiness.departments else None
    roles = sorted(
        {c.job_role_id for c in dept.cells} if dept else set(),
        key=lambda r: getattr(readiness.roles.get(r), "code", ""),
    )
    shifts = sorted(
        {c.shift_id for c in dept.cells} if dept else set(),
        key=lambda s: getattr(readiness.shifts.get(s), "code", ""),
    )
    grid = []
    by_key = {(c.job_role_id, c.shift_id): c for c in dept.cells} if dept else {}
    for role_id in roles:
        grid.append(
            (
                readiness.roles.get(role_id),
                [(readiness.shifts.get(s), by_key.get((role_id, s))) for s in shifts],
            )
        )
    return render(
        request,
        "readiness/department.html",
        {
            "wave": wave,
            "department": department,
            "dept": dept,
            "shifts": [readiness.shifts.get(s) for s in shifts],
            "grid": grid,
            "columns": _criteria_columns(),
        },
    )


@readiness_required
def cell_people(request, pk: int, department_id: int):
    """The people behind a cell (or a whole department): who is missing what."""
    today = timezone.localdate()
    wave = selectors.wave_get(viewer=request.user, pk=pk)
    department = _department(request, wave, department_id)
    role = JobRole.objects.filter(pk=request.GET.get("role") or None).first()
    shift = Shift.objects.filter(pk=request.GET.get("shift") or None).first()
    show = request.GET.get("show", "")
    overdue = overdue_on(today, prefix="assignments__")
    staff = (
        StaffMember.objects.filter(department=department, active=True)
        .select_related("job_role", "shift")
        .annotate(overdue=Count("assignments", filter=overdue, distinct=True))
    )
    if role:
        staff = staff.filter(job_role=role)
    if shift:
        staff = staff.filter(shift=shift)
    if show == "overdue":
        staff = staff.filter(overdue__gt=0)
    elif show == "uncertified":
        staff = staff.exclude(
            pk__in=CertificationStatus.objects.filter(
                status__in=[
                    CertificationStatus.Status.CERTIFIED,
                    CertificationStatus.Status.EXPIRING,
                ]
            ).values("staff_id")
        )
    context = paginate(request, staff.order_by("-overdue", "full_name"))
    people = list(context["page"])
    rows = CertificationStatus.objects.filter(staff__in=people).select_related(
        "track__knowledge_exam", "track__practical_exam"
    )
    statuses: dict[int, list] = {}
    course_ids = set()
    for row in rows:
        statuses.setdefault(row.staff_id, []).append(row)
        course_ids.update(int(k.split(":")[1]) for k in row.missing if k.startswith("course:"))
    titles = {c.pk: c.title for c in CoursePage.objects.filter(pk__in=course_ids).only("title")}
    for person in people:
        person.statuses = statuses.get(person.pk, [])
        for row in person.statuses:
            row.missing_labels = [_missing_label(row, key, titles) for key in row.missing]
    return render(
        request,
        "readiness/people.html",
        {
            "wave": wave,
            "department": department,
            "role": role,
            "shift": shift,
            "show": show,
            "people": people,
            **context,
        },
    )


def _missing_label(row, key: str, titles: dict) -> str:
    if key.startswith("course:"):
        return titles.get(int(key.split(":")[1]), _("a course"))
    exam = row.track.knowledge_exam if key == "knowledge" else row.track.practical_exam
    kind = _("Knowledge exam") if key == "knowledge" else _("Practical exam")
    return f"{kind}: {exam.display_title}" if exam else kind
