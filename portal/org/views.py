from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.accounts.roles import MANAGER, has_role
from portal.pagination import paginate
from portal.progress import progress_get

from . import selectors, services
from .forms import RosterConfirmForm, RosterUploadForm, StaffFilterForm
from .roster import COLUMNS


def _may_list_staff(user) -> bool:
    return selectors.sees_all_staff(user) or has_role(user, MANAGER)


@login_required
def staff_list(request):
    if not _may_list_staff(request.user):
        raise PermissionDenied
    form = StaffFilterForm(
        request.GET or None, departments=selectors.departments_visible(viewer=request.user)
    )
    filters = form.cleaned_data if form.is_valid() else {}
    staff = selectors.staff_list(
        viewer=request.user,
        q=filters.get("q", ""),
        department_id=getattr(filters.get("department"), "pk", None),
        job_role_id=getattr(filters.get("job_role"), "pk", None),
        shift_id=getattr(filters.get("shift"), "pk", None),
        active=None if filters.get("inactive") else True,
    )
    return render(request, "org/staff_list.html", {"form": form, **paginate(request, staff)})


@login_required
def staff_detail(request, pk: int):
    if not _may_list_staff(request.user):
        raise PermissionDenied
    member = selectors.staff_get(viewer=request.user, pk=pk)
    return render(request, "org/staff_detail.html", {"member": member})


@login_required
@permission_required("org.import_roster", raise_exception=True)
def roster_import_list(request):
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        roster_import = services.roster_import_create(
            actor=request.user, filename=upload.name, data=upload.read()
        )
        return redirect("org:roster_import_detail", pk=roster_import.pk)
    imports = selectors.roster_imports_visible(viewer=request.user)[:20]
    return render(request, "org/roster_import_list.html", {"form": form, "imports": imports})


@login_required
@permission_required("org.import_roster", raise_exception=True)
def roster_import_detail(request, pk: int):
    roster_import = selectors.roster_import_get(viewer=request.user, pk=pk)
    return render(
        request,
        "org/roster_import_detail.html",
        {
            "imp": roster_import,
            "form": RosterConfirmForm(),
            "progress": progress_get(f"roster-import-{roster_import.pk}"),
        },
    )


@require_POST
@login_required
@permission_required("org.import_roster", raise_exception=True)
def roster_import_confirm(request, pk: int):
    roster_import = selectors.roster_import_get(viewer=request.user, pk=pk)
    form = RosterConfirmForm(request.POST)
    form.is_valid()
    queued = services.roster_import_confirm(
        actor=request.user,
        roster_import=roster_import,
        deactivate_missing=form.cleaned_data.get("deactivate_missing", False),
    )
    if not queued:
        messages.info(request, _("This import was already confirmed; it is applied only once."))
    return redirect("org:roster_import_detail", pk=pk)


@login_required
@permission_required("org.import_roster", raise_exception=True)
def roster_import_progress(request, pk: int):
    roster_import = selectors.roster_import_get(viewer=request.user, pk=pk)
    progress = progress_get(f"roster-import-{roster_import.pk}")
    return JsonResponse({"status": roster_import.status, **progress})


@login_required
@permission_required("org.import_roster", raise_exception=True)
def roster_template(request):
    example = [
        "N0001",
        "王芳",
        "wang.fang@hospital.example",
        "ED",
        "nurse",
        "护师",
        "day",
        "2019-07-01",
        "yes",
    ]
    body = "\ufeff" + ",".join(COLUMNS) + "\r\n" + ",".join(example) + "\r\n"
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="roster-template.csv"'
    return response
