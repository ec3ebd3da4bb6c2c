"""Certification status (managers for their departments, HR and rollout leads for everyone)
and the proficiency page ("why is my score 82?") with its history."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from portal.org.models import StaffMember
from portal.org.selectors import departments_visible, staff_for_user
from portal.pagination import paginate

from ..models import CertificationStatus
from ..proficiency import DEFAULT_LEVELS, EXCLUDED
from ..selectors import certification as selectors
from ..services.certification import plans_for
from .certification_forms import StatusFilterForm

S = CertificationStatus.Status
STATUS_COLOURS = {
    S.NOT_STARTED: "#98a2b3",
    S.IN_PROGRESS: "#53b1fd",
    S.CERTIFIED: "#067647",
    S.EXPIRING: "#f79009",
    S.EXPIRED: "#b42318",
    S.REVOKED: "#7a2e0e",
}
LEVEL_LABELS = {level.code: level for level in DEFAULT_LEVELS}


def _zh() -> bool:
    return (get_language() or "").startswith("zh")


def level_label(code: str) -> str:
    level = LEVEL_LABELS.get(code)
    return _(level.label_en) if level else ""


@login_required
def certification_status(request):
    if not selectors.may_see_status(request.user):
        raise PermissionDenied
    form = StatusFilterForm(
        request.GET or None, departments=departments_visible(viewer=request.user)
    )
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.status_list(
        viewer=request.user,
        q=filters.get("q", ""),
        department_id=getattr(filters.get("department"), "pk", None),
        job_role_id=getattr(filters.get("job_role"), "pk", None),
        shift_id=getattr(filters.get("shift"), "pk", None),
        track_id=getattr(filters.get("track"), "pk", None),
        status=filters.get("status", ""),
        level=filters.get("level", ""),
    )
    counts = selectors.status_counts(rows)
    departments = selectors.status_by_department(rows)
    total = sum(counts.values())
    covered = counts[S.CERTIFIED] + counts[S.EXPIRING]
    context = {
        "form": form,
        "counts": [(value, label, counts[value]) for value, label in S.choices],
        "total": total,
        "coverage": round(100 * covered / total) if total else None,
        "chart": _department_chart(departments),
        "today": timezone.localdate(),
        **paginate(request, selectors.status_rows_page(rows)),
    }
    return render(request, "assessments/certification/status.html", context)


def _department_chart(departments: list[dict]) -> dict:
    zh = _zh()
    return {
        "labels": [(zh and d["department__name_zh"]) or d["department__name"] for d in departments],
        "datasets": [
            {
                "label": str(label),
                "data": [d[value] for d in departments],
                "backgroundColor": STATUS_COLOURS[value],
            }
            for value, label in S.choices
        ],
    }


@login_required
def my_proficiency(request):
    staff = staff_for_user(user=request.user)
    return _proficiency_page(request, staff, own=True)


@login_required
def staff_proficiency(request, staff_id: int):
    staff = StaffMember.objects.select_related("department", "job_role").filter(pk=staff_id).first()
    if staff is None or not selectors.may_see_proficiency_of(request.user, staff):
        raise Http404
    return _proficiency_page(request, staff, own=staff.user_id == request.user.pk)


def _proficiency_page(request, staff, *, own: bool):
    tracks = []
    if staff is not None:
        history = {}
        for record in selectors.proficiency_history(staff_id=staff.pk):
            history.setdefault(record.track_id, []).append(record)
        lang = "zh" if _zh() else "en"
        for plan in plans_for(staff_ids=[staff.pk]):
            tracks.append(_track_card(plan, history.get(plan.info.track.pk, []), lang))
    return render(
        request,
        "assessments/certification/proficiency.html",
        {"staff": staff, "own": own, "tracks": tracks},
    )


def _track_card(plan, records: list, lang: str) -> dict:
    proficiency, track = plan.proficiency, plan.info.track
    attempts = []
    if proficiency is not None:
        for kind in proficiency.kinds:
            for line in kind.attempts:
                attempts.append(
                    {"kind": kind.kind, "line": line, "excluded": line.why_not == EXCLUDED}
                )
    levels = [
        {"label": _(level.label_en), "minimum": level.minimum} for level in plan.info.formula.levels
    ]
    chart = {
        "labels": [timezone.localtime(r.at).strftime("%Y-%m-%d") for r in records],
        "scores": [float(r.score) for r in records],
        "levels": levels[1:],
        "label": _("Proficiency score"),
    }
    return {
        "track": track,
        "values": plan.values(),
        "level_label": level_label(plan.values()["level"]),
        "explain": proficiency.explain(lang) if proficiency else [],
        "attempts": attempts,
        "records": list(reversed(records)),
        "chart": chart,
        "chart_id": f"trend-{track.pk}",
    }
