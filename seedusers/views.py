"""Seed-user pages. Thin: reads in selectors.py, writes in services.py.

- managers, the rollout lead and HR: nominations, coverage, activities, leaderboard, issues CSV;
- every signed-in person: their own seed-user page (volunteer, training, log activities);
- a seed user: the training status of colleagues in their own department.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.exports import Table, csv_response
from portal.org.selectors import staff_for_user
from portal.pagination import paginate
from portal.records.services import client_ip

from . import selectors, services
from .forms import ActivityForm, NominationForm, ProgrammeChoiceForm, VolunteerForm
from .models import Activity, Nomination

N = Nomination.Status


def programmes_required(view):
    """Signed in and seeing some department's seed users (managers, the lead, HR), else 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not selectors.may_see_programmes(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _errors(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def _perform(request, action, success: str) -> bool:
    """Run a service call for a POST: its refusal becomes the page's error message (nothing
    changed), its success the given message."""
    try:
        action()
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return False
    messages.success(request, success)
    return True


def _programme(request):
    """The programme picked in ?programme= (the first active one by default), and its form."""
    programmes = selectors.programmes_active()
    form = ProgrammeChoiceForm(request.GET or None, programmes=programmes)
    programme = None
    if form.is_valid():
        programme = form.cleaned_data.get("programme")
    return programme or programmes.first(), form


def _zh() -> bool:
    return (get_language() or "").startswith("zh")


# ---------------------------------------------------------------------------------------------
# Nominations


@programmes_required
def nomination_list(request):
    programme, picker = _programme(request)
    status = request.GET.get("status", "")
    rows = selectors.nominations_visible(viewer=request.user, programme=programme)
    counts = {value: 0 for value, _label in N.choices}
    for value in rows.values_list("status", flat=True).order_by():
        counts[value] += 1
    if status in counts:
        rows = rows.filter(status=status)
    context = {
        "programme": programme,
        "picker": picker,
        "status": status,
        "counts": [(value, label, counts[value]) for value, label in N.choices],
        "may_decide": request.user.has_perm("seedusers.decide_nomination"),
        "may_nominate": selectors.is_rollout_lead(request.user)
        or bool(selectors.managed_department_ids(viewer=request.user)),
        **paginate(request, rows.order_by("status", "-created_at")),
    }
    return render(request, "seedusers/nominations.html", context)


@login_required
def nominate(request):
    if not (
        selectors.is_rollout_lead(request.user)
        or selectors.managed_department_ids(viewer=request.user)
    ):
        raise PermissionDenied
    programmes = selectors.programmes_active()
    programme, _picker = _programme(request)
    if request.method == "POST":
        programme = programmes.filter(pk=request.POST.get("programme")).first() or programme
    if programme is None:
        messages.error(request, _("There is no active seed-user programme yet."))
        return redirect("seedusers:nominations")
    candidates = selectors.staff_nominable(viewer=request.user, programme=programme)
    scores = selectors.current_scores(candidates.values("pk"))
    choices = [
        (
            s.pk,
            f"{s.full_name} · {s.employee_no} · {s.department.label}"
            + (f" · {s.shift.label}" if s.shift_id else "")
            + (f" · {scores[s.pk]:.1f}" if s.pk in scores else ""),
        )
        for s in candidates[:2000]
    ]
    form = NominationForm(
        request.POST or None,
        programmes=programmes,
        staff_choices=choices,
        initial={"programme": programme, "staff": request.GET.get("staff")},
    )
    if request.method == "POST" and form.is_valid():
        staff = candidates.filter(pk=form.cleaned_data["staff"]).first()
        if staff is None:
            form.add_error(
                "staff", _("Choose someone of your departments who is not nominated yet.")
            )
        else:
            try:
                nomination = services.nomination_create(
                    actor=request.user,
                    programme=form.cleaned_data["programme"],
                    staff=staff,
                    reason=form.cleaned_data["reason"],
                    ip=client_ip(request),
                )
            except ValidationError as exc:
                form.add_error(None, _errors(exc))
            else:
                messages.success(
                    request,
                    _("%(name)s is nominated. The rollout lead decides next.")
                    % {"name": staff.full_name},
                )
                return redirect("seedusers:nomination_detail", nomination.pk)
    return render(request, "seedusers/nominate.html", {"form": form, "programme": programme})


@login_required
def nomination_detail(request, pk: int):
    nomination = selectors.nomination_get(viewer=request.user, pk=pk)
    if nomination.staff.user_id == request.user.pk and not selectors.may_see_programmes(
        request.user
    ):
        return redirect("seedusers:my_seed")
    training = selectors.training_for([nomination])[nomination.pk]
    checks = selectors.prerequisites(
        nomination.programme, nomination.staff, today=timezone.localdate(), score=training.score
    )
    own = nomination.staff.user_id == request.user.pk
    context = {
        "nomination": nomination,
        "training": training,
        "checks": checks,
        "unmet": [c for c in checks if not c.met],
        "may_decide": request.user.has_perm("seedusers.decide_nomination")
        and nomination.status == N.NOMINATED
        and not own,
        "may_manage": selectors.may_nominate(request.user, nomination.staff) and not own,
    }
    return render(request, "seedusers/nomination_detail.html", context)


@login_required
@require_POST
def nomination_decide(request, pk: int):
    nomination = selectors.nomination_get(viewer=request.user, pk=pk)
    approve = request.POST.get("decision") == "approve"
    _perform(
        request,
        lambda: services.nomination_decide(
            actor=request.user,
            nomination_id=nomination.pk,
            approve=approve,
            note=request.POST.get("note", ""),
            override_reason=request.POST.get("override_reason", ""),
            ip=client_ip(request),
        ),
        _("Approved: the seed-user training starts.") if approve else _("Declined."),
    )
    return redirect("seedusers:nomination_detail", nomination.pk)


@login_required
@require_POST
def nomination_activate(request, pk: int):
    nomination = selectors.nomination_get(viewer=request.user, pk=pk)
    _perform(
        request,
        lambda: services.nomination_activate(
            actor=request.user, nomination_id=nomination.pk, ip=client_ip(request)
        ),
        _("Active: on floor duty from today."),
    )
    return redirect("seedusers:nomination_detail", nomination.pk)


@login_required
@require_POST
def nomination_step_down(request, pk: int):
    nomination = selectors.nomination_get(viewer=request.user, pk=pk)
    _perform(
        request,
        lambda: services.nomination_step_down(
            actor=request.user,
            nomination_id=nomination.pk,
            reason=request.POST.get("reason", ""),
            ip=client_ip(request),
        ),
        _("Stepped down. The service so far stays on the record."),
    )
    if nomination.staff.user_id == request.user.pk:
        return redirect("seedusers:my_seed")
    return redirect("seedusers:nomination_detail", nomination.pk)


# ---------------------------------------------------------------------------------------------
# Coverage


@programmes_required
def coverage(request):
    programme, picker = _programme(request)
    departments = selectors.coverage(programme=programme, viewer=request.user) if programme else []
    totals = selectors.coverage_totals(departments)
    shown = departments[:30]
    chart = {
        "labels": [d.department.label for d in shown],
        "datasets": [
            {
                "label": str(_("Required")),
                "data": [d.required for d in shown],
                "backgroundColor": "#d0d5dd",
            },
            {
                "label": str(_("Active")),
                "data": [d.active for d in shown],
                "backgroundColor": "#067647",
            },
        ],
    }
    return render(
        request,
        "seedusers/coverage.html",
        {
            "programme": programme,
            "picker": picker,
            "departments": departments,
            "totals": totals,
            "chart": chart,
            "may_nominate": selectors.is_rollout_lead(request.user)
            or bool(selectors.managed_department_ids(viewer=request.user)),
        },
    )


# ---------------------------------------------------------------------------------------------
# Activities and recognition


@programmes_required
def activity_list(request):
    status = request.GET.get("status", Activity.Status.PENDING)
    rows = selectors.activities_visible(viewer=request.user)
    if status in Activity.Status.values:
        rows = rows.filter(status=status)
    context = paginate(request, rows.order_by("-day", "-logged_at"))
    # selectors.may_confirm for each row, with the viewer's scope read once.
    lead = selectors.is_rollout_lead(request.user)
    managed = selectors.managed_department_ids(viewer=request.user)
    for activity in context["page"]:
        staff = activity.nomination.staff
        activity.may_confirm = staff.user_id != request.user.pk and (
            lead or staff.department_id in managed
        )
    return render(
        request,
        "seedusers/activities.html",
        {"status": status, "statuses": Activity.Status.choices, **context},
    )


@login_required
@require_POST
def activity_decide(request, pk: int):
    activity = selectors.activity_get(viewer=request.user, pk=pk)
    confirm = request.POST.get("decision") == "confirm"
    _perform(
        request,
        lambda: services.activity_decide(
            actor=request.user,
            activity_id=activity.pk,
            confirm=confirm,
            note=request.POST.get("note", ""),
            ip=client_ip(request),
        ),
        _("Confirmed: the points count.") if confirm else _("Not confirmed."),
    )
    return redirect("seedusers:activities")


@programmes_required
def issues_csv(request):
    programme, _picker = _programme(request)
    rows = selectors.issues_for_export(viewer=request.user, programme=programme)
    header = [
        _("Reference"),
        _("Day"),
        _("Department"),
        _("Shift"),
        _("Reported by"),
        _("Category"),
        _("Severity"),
        _("Description"),
        _("Confirmed"),
    ]

    def lines():
        for a in rows.iterator(chunk_size=2000):
            yield [
                f"SEED-{a.pk}",
                a.day,
                a.nomination.staff.department.label,
                a.shift.label if a.shift_id else "",
                a.nomination.staff.full_name,
                a.get_category_display(),
                a.get_severity_display(),
                a.description,
                a.status == Activity.Status.CONFIRMED,
            ]

    table = Table(name="seed-user-floor-issues", header=header, rows=lines(), total=rows.count())
    return csv_response(table)


@programmes_required
def leaderboard(request):
    programme, picker = _programme(request)
    rows = (
        selectors.leaderboard(programme=programme, viewer=request.user)
        if programme
        else Nomination.objects.none()
    )
    by_department = (
        selectors.points_by_department(programme=programme, viewer=request.user)
        if programme
        else []
    )
    zh = _zh()
    chart = {
        "labels": [
            (zh and d["nomination__staff__department__name_zh"])
            or d["nomination__staff__department__name"]
            for d in by_department
        ],
        "datasets": [
            {
                "label": str(_("Confirmed points")),
                "data": [d["points"] for d in by_department],
                "backgroundColor": "#1570ef",
            }
        ],
    }
    return render(
        request,
        "seedusers/leaderboard.html",
        {"programme": programme, "picker": picker, "chart": chart, **paginate(request, rows)},
    )


# ---------------------------------------------------------------------------------------------
# The seed user's own pages


@login_required
def my_seed(request):
    staff = staff_for_user(user=request.user)
    seed = selectors.serving_nomination(staff)
    history = selectors.nominations_of(staff) if staff else []
    open_ids = {n.programme_id for n in history if n.status in Nomination.OPEN}
    volunteer = None
    if staff is not None:
        programmes = selectors.programmes_active().exclude(pk__in=open_ids)
        programmes = [p for p in programmes if selectors.programme_covers(p, staff.department_id)]
        if programmes:
            ids = [p.pk for p in programmes]
            volunteer = VolunteerForm(programmes=selectors.programmes_active().filter(pk__in=ids))
    context = {
        "staff": staff,
        "seed": seed,
        "history": history,
        "volunteer": volunteer,
        "training": selectors.training_for([seed])[seed.pk] if seed else None,
        "form": ActivityForm() if seed and seed.status in (N.CERTIFIED, N.ACTIVE) else None,
        "activities": list(seed.activities.select_related("shift").order_by("-day", "-pk")[:50])
        if seed
        else [],
        "points": selectors.points_by_staff([staff.pk]).get(staff.pk, 0) if staff else 0,
    }
    return render(request, "seedusers/my_seed.html", context)


@login_required
@require_POST
def volunteer(request):
    staff = staff_for_user(user=request.user)
    if staff is None:
        raise PermissionDenied
    form = VolunteerForm(request.POST, programmes=selectors.programmes_active())
    if not form.is_valid():
        messages.error(request, _("Choose a programme and say why you would like to take part."))
        return redirect("seedusers:my_seed")
    _perform(
        request,
        lambda: services.nomination_create(
            actor=request.user,
            programme=form.cleaned_data["programme"],
            staff=staff,
            reason=form.cleaned_data["reason"],
            ip=client_ip(request),
        ),
        _("Thank you. The rollout lead decides on your application."),
    )
    return redirect("seedusers:my_seed")


@login_required
@require_POST
def activity_log(request):
    seed = selectors.serving_nomination(staff_for_user(user=request.user))
    if seed is None:
        raise PermissionDenied
    form = ActivityForm(request.POST)
    if form.is_valid():
        try:
            services.activity_log(
                actor=request.user,
                nomination=seed,
                token=form.cleaned_data["token"],
                data=form.activity_data(),
                ip=client_ip(request),
            )
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, _("Logged. Your manager confirms it, then the points count."))
            return redirect("seedusers:my_seed")
    staff = seed.staff
    return render(
        request,
        "seedusers/my_seed.html",
        {
            "staff": staff,
            "seed": seed,
            "history": selectors.nominations_of(staff),
            "training": selectors.training_for([seed])[seed.pk],
            "form": form,
            "activities": list(seed.activities.select_related("shift").order_by("-day")[:50]),
            "points": selectors.points_by_staff([staff.pk]).get(staff.pk, 0),
        },
        status=400,
    )


@login_required
def colleagues(request):
    """A seed user sees their own department's training status, read-only, nothing else."""
    seed = selectors.serving_nomination(staff_for_user(user=request.user))
    if seed is None:
        raise PermissionDenied
    rows = selectors.colleagues_status(seed=seed)
    return render(
        request,
        "seedusers/colleagues.html",
        {"seed": seed, "department": seed.staff.department, **paginate(request, rows)},
    )
