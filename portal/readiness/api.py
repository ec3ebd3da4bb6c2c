"""The read-only JSON API for integrations (HIS account provisioning, BI tools), mounted at
/api/ (docs at /api/docs, schema at /api/openapi.json).

Every call carries `Authorization: Bearer <secret>` of an API token (portal/readiness/tokens.py);
a browser session is not enough. The order of the checks: a missing, unknown or revoked token
is refused (401), and such calls count per client address (UNKNOWN_PER_MINUTE, then 429 with
Retry-After, so nobody can guess secrets or flood the audit trail from one address); a live
token's call counts against its requests per minute (429 with Retry-After beyond); then the
endpoint's scope (403 naming it). Every call is audited with the token's prefix, the path and
the status, and notes the token's last use (one UPDATE a minute at most), except the refusals
of an address over its limit after the first one of the minute. The queries of each endpoint
are a fixed number whatever the hospital's size.
"""

from __future__ import annotations

import math
import time
from datetime import date
from functools import wraps
from typing import Literal

from allauth.account.adapter import get_adapter as get_account_adapter
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Path, Query, Schema
from ninja.decorators import decorate_view
from ninja.security import HttpBearer

from portal.org.models import Department
from portal.org.selectors import department_subtree_ids
from portal.records.services import audit_record, client_ip

from . import access, evaluation, tokens
from .models import ApiToken, Wave

Scope = ApiToken.Scope
Rag = Literal["green", "amber", "red", "grey"]
WaveStatus = Literal[tuple(Wave.Status.values)]  # the model's, in the schema as an enum
ID_MAX = 2**31 - 1  # a database integer: larger ids are no wave, not an error


# Calls a minute from one client address without a valid token (a missing, unknown or revoked
# one). Generous: a ward's PCs and an integration host share addresses, and a caller with a
# valid token is never counted here.
UNKNOWN_PER_MINUTE = 120


class RateLimited(Exception):
    def __init__(self, wait: int, detail: str):
        self.wait = wait
        self.detail = detail


class ScopeMissing(Exception):
    def __init__(self, scope: str):
        self.scope = scope


def _minute_count(name: str, now: float) -> int:
    """Count one call under `name` in the current minute; the calls counted so far. A fixed
    window in the cache (Redis in production: add and incr are atomic, so of concurrent calls
    each sees its own count)."""
    key = f"readiness:api-rate:{name}:{int(now // 60)}"
    cache.add(key, 0, timeout=120)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=120)
        return 1


def _seconds_to_next_minute(now: float) -> int:
    return max(1, math.ceil(60 - now % 60))


def _rate_wait(token: ApiToken) -> int | None:
    """Count the call in the token's current minute; the seconds to wait if over its limit."""
    now = time.time()
    if _minute_count(token.prefix, now) > token.per_minute:
        return _seconds_to_next_minute(now)
    return None


def _client_address(request) -> str:
    """The caller's address as allauth's sign-in limits see it: X-Forwarded-For read only as
    far as ALLAUTH_TRUSTED_PROXY_COUNT allows (or the trusted client IP header), else
    REMOTE_ADDR. A header that does not match the configured proxies is no reason to fail a
    call: the peer's address is counted instead."""
    try:
        return get_account_adapter(request).get_client_ip(request)
    except (PermissionDenied, ImproperlyConfigured):
        return request.META.get("REMOTE_ADDR") or "unknown"


def _unknown_limit(request) -> None:
    """Count a call without a valid token against its address; beyond the limit refuse it
    (429), and audit only the first refusal of the minute (`request.api_audit` False for the
    rest: a flood of refusals is one line in the trail, not thousands)."""
    now = time.time()
    count = _minute_count(f"ip:{_client_address(request)}", now)
    if count <= UNKNOWN_PER_MINUTE:
        return
    request.api_audit = count == UNKNOWN_PER_MINUTE + 1
    raise RateLimited(
        _seconds_to_next_minute(now),
        _("Too many requests without a valid token from this address: try again later."),
    )


class TokenAuth(HttpBearer):
    """Bearer token auth for one scope."""

    def __init__(self, scope: str):
        self.scope = scope
        super().__init__()

    def __call__(self, request):
        # Ninja calls authenticate() only for a Bearer header: a missing header or another
        # scheme comes back as None here too, and is counted like an unknown token.
        api_token = super().__call__(request)
        if api_token is None:
            _unknown_limit(request)
        return api_token

    def authenticate(self, request, token: str):
        api_token = tokens.token_authenticate(token)
        if api_token is None:
            return None
        request.api_token = api_token
        wait = _rate_wait(api_token)
        if wait is not None:
            raise RateLimited(
                wait, _("Too many requests: this token's limit per minute is reached.")
            )
        if self.scope not in (api_token.scopes or []):
            raise ScopeMissing(self.scope)
        return api_token


api = NinjaAPI(
    title="Readyline API",
    version="1",
    description=(
        "Read-only data of Readyline for integrations: rollout waves, their readiness per "
        "department, job role and shift, and the access list of a wave. Authenticate with "
        "`Authorization: Bearer <secret>` of an API token (created by the rollout lead under "
        "Readiness → API tokens); each endpoint needs its scope."
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(RateLimited)
def _rate_limited(request, exc: RateLimited):
    response = api.create_response(
        request,
        {"detail": exc.detail},
        status=429,
    )
    response["Retry-After"] = str(exc.wait)
    return response


@api.exception_handler(ScopeMissing)
def _scope_missing(request, exc: ScopeMissing):
    return api.create_response(
        request,
        {"detail": _('This token lacks the scope "%(scope)s".') % {"scope": exc.scope}},
        status=403,
    )


def _audited(run):
    """Audit the call (token prefix, path, status) and note the token's use, whatever the
    outcome, after Ninja has answered (auth, scope and rate refusals included)."""

    @wraps(run)
    def wrapper(request, *args, **kwargs):
        try:
            response = run(request, *args, **kwargs)
        except Exception:
            _audit(request, 500)
            raise
        _audit(request, response.status_code)
        return response

    return wrapper


def _audit(request, status: int) -> None:
    if not getattr(request, "api_audit", True):
        return
    token = getattr(request, "api_token", None)
    if token is not None:
        tokens.token_touch(token)
        prefix = token.prefix
    else:
        header = request.headers.get("Authorization", "")
        prefix = tokens.secret_prefix(header.split(" ", 1)[1] if " " in header else "")
    audit_record(
        action="api.call",
        obj=token,
        object_type="" if token else "readiness.apitoken",
        after={
            "token": prefix,
            "method": request.method,
            "path": request.get_full_path()[:500],
            "status": status,
        },
        ip=client_ip(request),
        actor_label=f"API token {prefix}" if prefix else "API (no valid token)",
    )


# ---------------------------------------------------------------------------------------------
# Schemas


class Error(Schema):
    detail: str


class ValidationErrors(Schema):
    detail: list[dict]


def _responses(ok, *, not_found: bool = True) -> dict:
    out = {200: ok, 401: Error, 403: Error, 429: Error}
    if not_found:
        out.update({404: Error, 422: ValidationErrors})
    return out


class WaveOut(Schema):
    id: int
    name: str
    name_zh: str
    status: WaveStatus
    go_live_date: date
    dual_track_until: date | None
    department_codes: list[str]


class ValueOut(Schema):
    kind: str
    value: float | None
    rag: Rag
    green: float | None
    amber: float | None


class CountsOut(Schema):
    rows: int  # certification status rows: one per person and certification track
    covered: int
    assignments: int
    overdue: int


class CellOut(Schema):
    job_role: str | None
    job_role_name: str | None
    shift: str | None
    shift_name: str | None
    rag: Rag
    counts: CountsOut
    values: list[ValueOut]


class DepartmentOut(Schema):
    id: int
    code: str
    name: str
    name_zh: str
    rag: Rag
    counts: CountsOut
    values: list[ValueOut]
    cells: list[CellOut]


class ReadinessOut(Schema):
    wave: WaveOut
    today: date
    days_to_go_live: int
    rag: Rag
    counts: CountsOut
    values: list[ValueOut]
    departments: list[DepartmentOut]


class AccessRowOut(Schema):
    staff_id: int
    employee_number: str
    name: str
    department_code: str
    department_name: str
    job_role: str | None
    job_role_name: str | None
    certified: bool
    valid_until: date | None
    exception_status: str | None
    exception_until: date | None
    access: bool


class AccessListOut(Schema):
    wave: int
    today: date
    department: str | None
    rows: list[AccessRowOut]


# ---------------------------------------------------------------------------------------------
# Building the answers


def _wave_out(wave: Wave, codes: list[str]) -> dict:
    return {
        "id": wave.pk,
        "name": wave.name,
        "name_zh": wave.name_zh,
        "status": wave.status,
        "go_live_date": wave.go_live_date,
        "dual_track_until": wave.dual_track_until,
        "department_codes": codes,
    }


def _wave_get(pk: int) -> Wave:
    wave = Wave.objects.filter(pk=pk).first()
    if wave is None:
        raise Http404(_("No such wave."))
    return wave


def _counts(c: evaluation.Counts) -> dict:
    return {
        "rows": c.rows,
        "covered": c.covered,
        "assignments": c.assignments,
        "overdue": c.overdue,
    }


def _cell(cell: evaluation.Cell, readiness: evaluation.WaveReadiness) -> dict:
    role = readiness.roles.get(cell.job_role_id)
    shift = readiness.shifts.get(cell.shift_id)
    return {
        "job_role": role.code if role else None,
        "job_role_name": role.name if role else None,
        "shift": shift.code if shift else None,
        "shift_name": shift.name if shift else None,
        "rag": cell.rag,
        "counts": _counts(cell.counts),
        "values": evaluation.values_json(cell.values),
    }


# ---------------------------------------------------------------------------------------------
# Endpoints


@api.get(
    "/waves",
    response=_responses(list[WaveOut], not_found=False),
    auth=TokenAuth(Scope.WAVES),
    url_name="waves",
    operation_id="waves_list",
    summary="Rollout waves",
    tags=["waves"],
)
@decorate_view(_audited)
def waves(request):
    """Every rollout wave by go-live date, with the codes of the departments it names (their
    sub-departments go live with them unless another wave names them). Scope: `waves`."""
    rows = Wave.objects.order_by("go_live_date", "name", "pk").prefetch_related("departments")
    return [_wave_out(w, sorted(d.code for d in w.departments.all())) for w in rows]


@api.get(
    "/waves/{id}/readiness",
    response=_responses(ReadinessOut),
    auth=TokenAuth(Scope.READINESS),
    url_name="wave_readiness",
    operation_id="wave_readiness",
    summary="Readiness of a wave",
    tags=["readiness"],
)
@decorate_view(_audited)
def wave_readiness(request, id: int = Path(..., ge=1, le=ID_MAX)):
    """The wave's readiness today: its colour (RAG) and criterion values, and per department
    the same and its job role × shift cells (see the README for the rule). Scope:
    `readiness`."""
    wave = _wave_get(id)
    readiness = evaluation.wave_readiness(wave=wave, today=timezone.localdate())
    codes = sorted(wave.departments.values_list("code", flat=True))
    return {
        "wave": _wave_out(wave, codes),
        "today": readiness.today,
        "days_to_go_live": readiness.days_to_go_live,
        "rag": readiness.rag,
        "counts": _counts(readiness.counts),
        "values": evaluation.values_json(readiness.values),
        "departments": [
            {
                "id": d.department.pk,
                "code": d.department.code,
                "name": d.department.name,
                "name_zh": d.department.name_zh,
                "rag": d.rag,
                "counts": _counts(d.counts),
                "values": evaluation.values_json(d.values),
                "cells": [_cell(c, readiness) for c in d.cells],
            }
            for d in readiness.departments
        ],
    }


@api.get(
    "/waves/{id}/access-list",
    response=_responses(AccessListOut),
    auth=TokenAuth(Scope.ACCESS_LIST),
    url_name="wave_access_list",
    operation_id="wave_access_list",
    summary="Access list of a wave",
    tags=["access list"],
)
@decorate_view(_audited)
def wave_access_list(
    request,
    id: int = Path(..., ge=1, le=ID_MAX),
    department: str | None = Query(None, max_length=50, description="A department's code"),
):
    """ "No training, no access": everyone of the wave's departments with their certification,
    any access exception and whether they get access to the new HIS today. `department`
    limits the rows to one department with its sub-departments (by its code; unknown code:
    404). Names follow the request's Accept-Language (English by default). Scope:
    `access_list`."""

    wave = _wave_get(id)
    department_ids = None
    if department:
        found = Department.objects.filter(code=department).values_list("pk", flat=True).first()
        if found is None:
            raise Http404(_("No such department."))
        department_ids = department_subtree_ids([found])
    today = timezone.localdate()
    rows = access.access_rows(wave=wave, today=today, department_ids=department_ids)
    return {
        "wave": wave.pk,
        "today": today,
        "department": department or None,
        "rows": [
            {
                "staff_id": r.staff_id,
                "employee_number": r.employee_number,
                "name": r.name,
                "department_code": r.department_code,
                "department_name": r.department_name,
                "job_role": r.job_role,
                "job_role_name": r.job_role_name,
                "certified": r.certified,
                "valid_until": r.valid_until,
                "exception_status": r.exception_status,
                "exception_until": r.exception_until,
                "access": r.access,
            }
            for r in rows
        ],
    }
