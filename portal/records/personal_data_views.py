"""Downloads of the personal-data export: one's own, and HR's for any staff member. Thin: the
export and its audit are in portal/records/personal_data.py."""

import json
import re

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404

from portal.org.models import StaffMember
from portal.org.selectors import staff_for_user

from . import hr
from .personal_data import personal_data_export
from .services import client_ip


def _download(request, staff: StaffMember) -> HttpResponse:
    data = personal_data_export(staff=staff, actor=request.user, ip=client_ip(request))
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", staff.employee_no) or str(staff.pk)
    response = HttpResponse(body.encode("utf-8"), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="personal-data-{safe}.json"'
    # Personal data: never from a shared cache.
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
def my_data(request):
    staff = staff_for_user(user=request.user)
    if staff is None:
        raise Http404
    return _download(request, staff)


@login_required
def staff_data(request, pk: int):
    """HR only (403 for everyone else, whoever the id names, so the answer says nothing about
    the id); an unknown id is 404 for HR."""
    if not hr.may_see_hr_records(request.user):
        raise PermissionDenied
    staff = get_object_or_404(StaffMember, pk=pk)
    return _download(request, staff)
