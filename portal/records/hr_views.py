"""HR's pages: search, transcripts (HR's view and everyone's own), exports. Thin: the reads
are in portal/records/hr.py, the writes in portal/records/hr_exports.py."""

import re
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.org.selectors import staff_for_user
from portal.pagination import paginate
from portal.pdf import pdf_render, pdf_response
from portal.progress import progress_get

from . import hr, hr_exports
from .hr_forms import HrSearchForm
from .models import HrExport
from .services import audit_record, client_ip


def hr_required(view):
    """Signed in (else the sign-in page) and holding the HR permission (else 403)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not hr.may_see_hr_records(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@hr_required
def hr_search(request):
    form = HrSearchForm(request.GET or None)
    filters = form.filters()
    rows = hr.hr_status_search(viewer=request.user, filters=filters)
    levels = hr.hr_level_counts(rows)
    chart = {
        "labels": [level["label"] or str(_("no score yet")) for level in levels],
        "values": [level["count"] for level in levels],
        "label": str(_("Rows")),
    }
    context = paginate(request, hr.hr_status_rows_ordered(rows))
    marks = hr.staff_marks([row.staff_id for row in context["page"]])
    for row in context["page"]:
        row.level_label = hr.level_label(row.level)
        row.marks = marks.get(row.staff_id, [])
    return render(
        request,
        "records/hr_search.html",
        {"form": form, "filters": filters, "levels": levels, "chart": chart, **context},
    )


def _transcript_context(staff) -> dict:
    return {"transcript": hr.transcript_build(staff=staff)}


def _hr_staff(request, pk: int):
    if not hr.may_see_hr_records(request.user):
        raise Http404
    return hr.transcript_staff_get(viewer=request.user, pk=pk)


def _audit(request, staff, action: str) -> None:
    audit_record(
        action=action,
        actor=request.user,
        obj=staff,
        after={"employee_no": staff.employee_no},
        ip=client_ip(request),
    )


def _audit_view(request, staff) -> None:
    """Reading someone else's transcript is audited; reading one's own is not."""
    if staff.user_id != request.user.pk:
        _audit(request, staff, "transcript.view")


@login_required
def transcript(request, pk: int):
    staff = _hr_staff(request, pk)
    _audit_view(request, staff)
    return render(request, "records/hr_transcript.html", _transcript_context(staff))


@login_required
def transcript_pdf(request, pk: int):
    staff = _hr_staff(request, pk)
    return _pdf(request, staff)


def _own_staff(request):
    staff = staff_for_user(user=request.user)
    return hr.transcript_staff_get(viewer=request.user, pk=staff.pk) if staff else None


@login_required
def my_transcript(request):
    staff = _own_staff(request)
    if staff is None:
        return render(request, "records/hr_transcript.html", {"transcript": None})
    return render(request, "records/hr_transcript.html", _transcript_context(staff))


@login_required
def my_transcript_pdf(request):
    staff = _own_staff(request)
    if staff is None:
        raise Http404
    return _pdf(request, staff)


def _pdf(request, staff):
    """Every transcript PDF is audited, one's own too: a PDF leaves the portal."""
    content = pdf_render("records/pdf/transcript.html", _transcript_context(staff))
    _audit(request, staff, "transcript.pdf")
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", staff.employee_no) or str(staff.pk)
    return pdf_response(content, f"transcript-{safe}.pdf")


@hr_required
@require_POST
def hr_export_create(request):
    form = HrSearchForm(request.POST)
    if not form.is_valid():
        # Never fall back to "no filters": that would export everybody.
        messages.error(request, _("The filters are not valid; nothing was exported."))
        return redirect("records:hr_search")
    try:
        export = hr_exports.hr_export_request(
            actor=request.user,
            filters=form.filters(),
            fmt=request.POST.get("format", ""),
            ip=client_ip(request),
        )
    except ValueError:
        return HttpResponseBadRequest(_("Unknown export format."))
    return redirect("records:hr_export_detail", pk=export.pk)


@hr_required
def hr_export_list(request):
    exports = hr_exports.hr_exports_visible(viewer=request.user)
    return render(request, "records/hr_exports.html", paginate(request, exports))


def _export(request, pk: int) -> HrExport:
    try:
        return hr_exports.hr_export_get(viewer=request.user, pk=pk)
    except HrExport.DoesNotExist:
        raise Http404 from None


# progress.js (shared with the roster import) polls while the job says "confirmed" and
# reloads the page on anything else; the page stops polling once it says "applied".
_JS_STATUS = {
    HrExport.Status.QUEUED: "confirmed",
    HrExport.Status.RUNNING: "confirmed",
    HrExport.Status.DONE: "applied",
    HrExport.Status.FAILED: "failed",
}


@hr_required
def hr_export_detail(request, pk: int):
    export = _export(request, pk)
    return render(
        request,
        "records/hr_export_detail.html",
        {
            "export": export,
            "js_status": _JS_STATUS[export.status],
            "progress": progress_get(export.progress_key),
        },
    )


@hr_required
def hr_export_progress(request, pk: int):
    export = _export(request, pk)
    progress = progress_get(export.progress_key)
    return JsonResponse(
        {**progress, "status": _JS_STATUS[export.status], "export_status": export.status}
    )


@hr_required
def hr_export_download(request, pk: int):
    export = _export(request, pk)
    path = hr_exports.hr_export_path(export=export)
    if path is None:
        raise Http404
    hr_exports.hr_export_download_audit(export=export, actor=request.user, ip=client_ip(request))
    filename = f"hr-export-{export.created_at:%Y%m%d}-{export.pk}.{export.format}"
    return FileResponse(path.open("rb"), as_attachment=True, filename=filename)
