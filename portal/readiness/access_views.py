"""The "no training, no access" pages: the list with its filters and summary, its CSV for HIS
account provisioning, a manager's exception request and the rollout lead's decision on it.
Thin: the rules are in access.py."""

import secrets

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.exports import csv_response
from portal.org.models import Department
from portal.pagination import paginate
from portal.records.services import audit_record, client_ip

from . import access, evaluation, selectors
from .models import AccessException
from .views import readiness_required

NO_ACCESS = "no_access"


def _filters(request, wave) -> dict:
    """The department filter (one of the wave's departments the viewer sees, else none) and
    whether only people without access are shown."""
    visible = selectors.department_ids_visible(viewer=request.user)
    ids = evaluation.wave_department_ids(wave)
    if visible is not None:
        ids &= visible
    departments = list(Department.objects.filter(pk__in=ids).order_by("code"))
    try:
        wanted = int(request.GET.get("department") or 0)
    except ValueError:
        wanted = 0
    department = next((d for d in departments if d.pk == wanted), None)
    return {
        "departments": departments,
        "department": department,
        "no_access_only": request.GET.get("show") == NO_ACCESS,
    }


def _rows(request, wave, filters, today) -> list[access.AccessRow]:
    rows = access.access_rows_for(
        viewer=request.user,
        wave=wave,
        today=today,
        department_id=filters["department"].pk if filters["department"] else None,
    )
    return rows


@readiness_required
def access_list(request, pk: int):
    today = timezone.localdate()
    wave = selectors.wave_get(viewer=request.user, pk=pk)
    filters = _filters(request, wave)
    rows = _rows(request, wave, filters, today)
    summary = access.access_summary(rows)
    if filters["no_access_only"]:
        rows = [r for r in rows if not r.access]
    exceptions = access.exceptions_for_wave(viewer=request.user, wave=wave)
    open_requests = list(exceptions.filter(status=AccessException.Status.REQUESTED))
    pending = {e.staff_id for e in open_requests}
    return render(
        request,
        "readiness/access_list.html",
        {
            "wave": wave,
            "today": today,
            "summary": summary,
            "open_requests": open_requests,
            "pending": pending,
            "may_request": access.may_request(request.user),
            "may_decide": selectors.is_rollout_lead(request.user),
            "no_access": NO_ACCESS,
            **filters,
            **paginate(request, rows),
        },
    )


@readiness_required
def access_csv(request, pk: int):
    today = timezone.localdate()
    wave = selectors.wave_get(viewer=request.user, pk=pk)
    filters = _filters(request, wave)
    rows = _rows(request, wave, filters, today)
    if filters["no_access_only"]:
        rows = [r for r in rows if not r.access]
    # Names and certification of staff leave the portal: who took them is on the record.
    audit_record(
        action="readiness.access_list_download",
        actor=request.user,
        obj=wave,
        after={
            "rows": len(rows),
            "department": filters["department"].pk if filters["department"] else None,
            "no_access_only": filters["no_access_only"],
        },
        ip=client_ip(request),
    )
    return csv_response(access.access_table(wave=wave, rows=rows, today=today))


@readiness_required
def exception_request(request, pk: int):
    wave = selectors.wave_get(viewer=request.user, pk=pk)
    source = request.POST if request.method == "POST" else request.GET
    staff = access.wave_staff_get(viewer=request.user, wave=wave, pk=source.get("staff"))
    if not access.may_request(request.user, staff):
        raise PermissionDenied
    today = timezone.localdate()
    errors: list[str] = []
    posted = {"reason": "", "expires_on": ""}
    if request.method == "POST":
        posted = {
            "reason": request.POST.get("reason", ""),
            "expires_on": request.POST.get("expires_on", "").strip(),
        }
        try:
            expires_on = parse_date(posted["expires_on"]) if posted["expires_on"] else None
        except ValueError:
            expires_on = None
        try:
            access.exception_request(
                actor=request.user,
                wave=wave,
                staff=staff,
                reason=posted["reason"],
                expires_on=expires_on,
                token=request.POST.get("token", ""),
                ip=client_ip(request),
            )
        except ValidationError as exc:
            errors = [str(m) for m in exc.messages]
        else:
            messages.success(
                request,
                _("The exception for %(name)s is requested; the rollout lead decides on it.")
                % {"name": staff.full_name},
            )
            return redirect("readiness:access_list", wave.pk)
    certified, valid_until = access.staff_certification(staff)
    return render(
        request,
        "readiness/access_exception_new.html",
        {
            "wave": wave,
            "staff": staff,
            "certified": certified,
            "valid_until": valid_until,
            "errors": errors,
            "posted": posted,
            "token": request.POST.get("token") or secrets.token_hex(16),
            "today": today,
            "latest": access.latest_allowed(wave, today),
        },
        status=400 if errors else 200,
    )


@readiness_required
@require_POST
def exception_decide(request, pk: int):
    if not selectors.is_rollout_lead(request.user):
        raise PermissionDenied
    exception = access.exception_get(viewer=request.user, pk=pk)
    approve = request.POST.get("decision") == "approve"
    if not approve and request.POST.get("decision") != "decline":
        messages.error(request, _("Choose approve or decline."))
        return redirect("readiness:access_list", exception.wave_id)
    try:
        decided = access.exception_decide(
            actor=request.user, exception=exception, approve=approve, ip=client_ip(request)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(str(m) for m in exc.messages))
    else:
        text = (
            _("Access for %(name)s is approved until %(day)s.")
            if decided.status == AccessException.Status.APPROVED
            else _("The exception for %(name)s is declined.")
        )
        messages.success(
            request, text % {"name": exception.staff.full_name, "day": decided.expires_on}
        )
    return redirect("readiness:access_list", exception.wave_id)
