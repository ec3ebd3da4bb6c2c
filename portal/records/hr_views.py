"""HR's pages: search, transcripts (HR's view and everyone's own), exports. Thin: the reads
are in portal/records/hr.py, the writes in portal/records/hr_exports.py."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
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
    context = paginate(request, hr.hr_status_rows_ordered(rows))
    return render(
        request,
        "records/hr_search.html",
        {"form": form, "filters": filters, "formats": HrExport.Format.choices, **context},
    )


def _transcript_context(staff) -> dict:
    return {"transcript": hr.transcript_build(staff=staff)}


def _hr_staff(request, pk: int):
    if not hr.may_see_hr_records(request.user):
        raise Http404
    return hr.transcript_staff_get(viewer=request.user, pk=pk)


def _audit_view(request, staff, action: str) -> None:
    if staff.user_id != request.user.pk:
        audit_record(
            action=action,
            actor=request.user,
            object_type="org.staffmember",
            object_id=staff.pk,
            ip=client_ip(request),
        )


@login_required
def transcript(request, pk: int):
    staff = _hr_staff(request, pk)
    _audit_view(request, staff, "transcript.view")
    return render(request, "records/hr_transcript.html", _transcript_context(staff))


@login_required
def transcript_pdf(request, pk: int):
    staff = _hr_staff(request, pk)
    _audit_view(request, staff, "transcript.pdf")
    return _pdf(staff)


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
    return _pdf(staff)


def _pdf(staff):
    content = pdf_render("records/pdf/transcript.html", _transcript_context(staff))
    return pdf_response(content, f"transcript-{staff.employee_no}.pdf")


@hr_required
@require_POST
def hr_export_create(request):
    form = HrSearchForm(request.POST)
    fmt = request.POST.get("format", "")
    try:
        export = hr_exports.hr_export_request(
            actor=request.user, filters=form.filters(), fmt=fmt, ip=client_ip(request)
        )
    except ValueError:
        raise Http404 from None
    return redirect("records:hr_export_detail", pk=export.pk)


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
    audit_record(
        action="hr_export.download",
        actor=request.user,
        obj=export,
        after={"file": export.file, "sha256": export.sha256},
        ip=client_ip(request),
    )
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)
