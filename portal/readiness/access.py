"""The "no training, no access" list: who of a wave's staff may get an account in the new HIS,
and the exceptions for those who may not yet (services and selectors).

Every active staff member of the wave's departments (sub-departments included, as in
`evaluation.wave_department_ids`) is on the list. Certified means exactly what the dashboard's
coverage criterion counts as covered: the person's certification status rows are certified or
expiring (in the recertification window or the grace period). A person has one row per track
that applies to them; they are certified when they have at least one row and every row is
covered, so with one track per role the number certified here is the dashboard's covered count.
Someone whose role has no track is not certified (nothing proves they can use the system).

Access is granted by certification, or by an exception: requested by a department manager for
one person of her departments with a reason and an expiry date, approved or declined by the
rollout lead. An approved exception gives access up to and including its expiry date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Min, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from assessments.models import CertificationStatus
from assessments.selectors.certification import COVERED
from portal.exports import Table
from portal.org.models import StaffMember
from portal.org.selectors import department_subtree_ids, managed_department_ids
from portal.records.services import audit_record

from . import evaluation, selectors
from .models import AccessException, Wave

E = AccessException.Status
# An exception is a bridge, not a way around training: at most this long from the day it is
# requested, and never beyond the wave's dual-track period (after it the old system is gone
# and an untrained user has nothing to fall back on).
EXCEPTION_MAX_DAYS = 90
REQUEST_ACTION = "readiness.access_exception_request"


@dataclass(frozen=True)
class AccessRow:
    staff_id: int
    employee_number: str
    name: str
    department_code: str
    department_name: str
    job_role: str  # job role code
    job_role_name: str
    certified: bool
    valid_until: date | None
    exception_status: str | None  # the person's latest exception in this wave
    exception_until: date | None
    access: bool  # certified, or an approved exception with expires_on >= today


@dataclass(frozen=True)
class AccessSummary:
    staff: int
    certified: int
    by_exception: int
    no_access: int


# ---------------------------------------------------------------------------------------------
# Reads


def _label(name: str, name_zh: str) -> str:
    return name_zh if name_zh and (get_language() or "").startswith("zh") else name


def _certification(staff_filter: Q) -> dict[int, tuple[bool, date | None]]:
    """{staff id: (certified, valid until)} for the status rows matching `staff_filter`: one
    GROUP BY over the status table. Valid until is the earliest end of the covered rows (the
    day the first certificate of the person runs out)."""
    rows = (
        CertificationStatus.objects.filter(staff_filter)
        .values("staff_id")
        .annotate(
            rows=Count("pk"),
            covered=Count("pk", filter=Q(status__in=COVERED)),
            until=Min("valid_until", filter=Q(status__in=COVERED)),
        )
        .order_by()
    )
    out = {}
    for r in rows:
        certified = r["rows"] > 0 and r["covered"] == r["rows"]
        out[r["staff_id"]] = (certified, r["until"] if certified else None)
    return out


def _exceptions(wave: Wave, staff_filter: Q, today: date) -> dict[int, tuple]:
    """{staff id: (latest status, latest expiry, holds an approved unexpired one)}: one query."""
    rows = (
        AccessException.objects.filter(staff_filter, wave=wave)
        .values_list("staff_id", "status", "expires_on")
        .order_by("staff_id", "-requested_at", "-pk")
    )
    out: dict[int, tuple] = {}
    for staff_id, status, expires_on in rows:
        valid = status == E.APPROVED and expires_on >= today
        if staff_id not in out:
            out[staff_id] = (status, expires_on, valid)
        elif valid:
            latest = out[staff_id]
            out[staff_id] = (latest[0], latest[1], True)
    return out


def access_rows(*, wave: Wave, today: date, department_ids=None) -> list[AccessRow]:
    """The access list of the wave (or of some of its departments: `department_ids`, e.g. a
    manager's), by department code and name. Names are in the active language. A fixed number
    of queries whatever the number of staff."""
    ids = evaluation.wave_department_ids(wave)
    if department_ids is not None:
        ids &= set(department_ids)
    if not ids:
        return []
    staff = (
        StaffMember.objects.filter(department_id__in=ids, active=True)
        .values_list(
            "pk",
            "employee_no",
            "full_name",
            "department__code",
            "department__name",
            "department__name_zh",
            "job_role__code",
            "job_role__name",
            "job_role__name_zh",
        )
        .order_by("department__code", "full_name", "employee_no")
    )
    # The dashboard counts the status rows of the departments, whatever their staff; the same
    # filter here, so both read the same rows.
    certification = _certification(Q(department_id__in=ids))
    exceptions = _exceptions(wave, Q(staff__department_id__in=ids), today)
    rows = []
    for pk, number, name, d_code, d_name, d_zh, r_code, r_name, r_zh in staff:
        certified, until = certification.get(pk, (False, None))
        status, expires_on, valid = exceptions.get(pk, (None, None, False))
        rows.append(
            AccessRow(
                staff_id=pk,
                employee_number=number,
                name=name,
                department_code=d_code,
                department_name=_label(d_name, d_zh),
                job_role=r_code,
                job_role_name=_label(r_name, r_zh),
                certified=certified,
                valid_until=until,
                exception_status=status,
                exception_until=expires_on,
                access=certified or valid,
            )
        )
    return rows


def access_summary(rows: Iterable[AccessRow]) -> AccessSummary:
    rows = list(rows)
    return AccessSummary(
        staff=len(rows),
        certified=sum(r.certified for r in rows),
        by_exception=sum(r.access and not r.certified for r in rows),
        no_access=sum(not r.access for r in rows),
    )


def access_rows_for(
    *, viewer, wave: Wave, today: date, department_id: int | None = None
) -> list[AccessRow]:
    """The list as the viewer may see it: a manager only her departments' people; optionally
    one department of the wave (with its sub-departments)."""
    visible = selectors.department_ids_visible(viewer=viewer)
    ids = None if visible is None else set(visible)
    if department_id is not None:
        branch = {department_id} | _descendants(wave, department_id)
        ids = branch if ids is None else ids & branch
    return access_rows(wave=wave, today=today, department_ids=ids)


def _descendants(wave: Wave, department_id: int) -> set[int]:
    return department_subtree_ids([department_id]) & evaluation.wave_department_ids(wave)


def may_request(viewer, staff: StaffMember | None = None) -> bool:
    """The rollout lead (or a superuser) for anyone; a manager for the people of her
    departments (any of them when `staff` is None)."""
    if not (viewer and viewer.is_authenticated):
        return False
    if selectors.is_rollout_lead(viewer):
        return True
    managed = managed_department_ids(viewer=viewer)
    return bool(managed) if staff is None else staff.department_id in managed


def exceptions_for_wave(*, viewer, wave: Wave) -> QuerySet:
    """The wave's exceptions the viewer may see (a manager: those of her departments' people),
    newest first, with the people and users shown next to them."""
    if not selectors.may_see_readiness(viewer):
        raise PermissionDenied
    rows = AccessException.objects.filter(wave=wave).select_related(
        "staff__department", "staff__job_role", "requested_by", "decided_by"
    )
    visible = selectors.department_ids_visible(viewer=viewer)
    if visible is not None:
        rows = rows.filter(staff__department_id__in=visible)
    return rows.order_by("-requested_at", "-pk")


def exception_get(*, viewer, pk: int) -> AccessException:
    """One exception, if the viewer sees its wave and its person's department (else 404)."""
    exception = AccessException.objects.select_related("wave", "staff").filter(pk=pk).first()
    if exception is None:
        raise Http404
    wave = selectors.wave_get(viewer=viewer, pk=exception.wave_id)
    if not exceptions_for_wave(viewer=viewer, wave=wave).filter(pk=pk).exists():
        raise Http404
    return exception


def wave_staff_get(*, viewer, wave: Wave, pk) -> StaffMember:
    """An active staff member of the wave's departments the viewer sees (else 404)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    member = (
        StaffMember.objects.select_related("department", "job_role")
        .filter(pk=pk, active=True)
        .first()
    )
    if member is None or not selectors.department_in_wave(
        viewer=viewer, wave=wave, department_id=member.department_id
    ):
        raise Http404
    return member


def staff_certification(staff: StaffMember) -> tuple[bool, date | None]:
    """Whether the person counts as certified (the list's and the dashboard's definition)."""
    return _certification(Q(staff_id=staff.pk)).get(staff.pk, (False, None))


# ---------------------------------------------------------------------------------------------
# Writes


def latest_allowed(wave: Wave, today: date) -> date:
    """The last day an exception requested today may run to."""
    latest = today + timedelta(days=EXCEPTION_MAX_DAYS)
    if wave.dual_track_until:
        latest = min(latest, wave.dual_track_until)
    return latest


def _request_errors(*, wave, staff, reason, expires_on, today) -> list[str]:
    who = {"name": staff.full_name, "number": staff.employee_no}
    if not staff.active or staff.department_id not in evaluation.wave_department_ids(wave):
        # Nothing else matters for someone the wave does not hold.
        return [_("%(name)s (%(number)s) is not on the staff of this wave's departments.") % who]
    errors = []
    certified, until = staff_certification(staff)
    if certified:
        errors.append(
            _("%(name)s (%(number)s) is already certified (until %(day)s): no exception is needed.")
            % {**who, "day": until.isoformat() if until else "–"}
        )
    latest = AccessException.objects.filter(wave=wave, staff=staff).order_by("-requested_at", "-pk")
    if latest.filter(status=E.REQUESTED).exists():
        errors.append(
            _(
                "There is already an open request for %(name)s (%(number)s): wait for the "
                "rollout lead's decision."
            )
            % who
        )
    approved = latest.filter(status=E.APPROVED, expires_on__gte=today).first()
    if approved is not None:
        errors.append(
            _("%(name)s (%(number)s) already has an approved exception until %(day)s.")
            % {**who, "day": approved.expires_on.isoformat()}
        )
    if not (reason or "").strip():
        errors.append(_("Give the reason for the exception."))
    if not isinstance(expires_on, date):
        errors.append(_("Give the date until which the exception holds."))
    elif expires_on < today:
        errors.append(_("The expiry date %(day)s is in the past.") % {"day": expires_on})
    elif wave.dual_track_until and expires_on > wave.dual_track_until:
        errors.append(
            _("An exception cannot last beyond the end of the wave's dual-track period (%(day)s).")
            % {"day": wave.dual_track_until.isoformat()}
        )
    elif expires_on > latest_allowed(wave, today):
        errors.append(
            _("An exception lasts at most %(days)s days: choose %(day)s or earlier.")
            % {"days": EXCEPTION_MAX_DAYS, "day": latest_allowed(wave, today).isoformat()}
        )
    return errors


def exception_request(
    *,
    actor,
    wave: Wave,
    staff: StaffMember,
    reason: str,
    expires_on: date | None,
    token: str,
    ip: str | None = None,
) -> AccessException:
    """A manager's (or the lead's) request of access for one uncertified person of the wave.
    Refused with every reason that applies, changing nothing. The form's token makes a double
    submit request once (the second returns the first): its unique column, not the lookup,
    is what guarantees it."""
    if not may_request(actor, staff):
        raise PermissionDenied
    token = (token or "").strip()[:64]
    if not token:
        raise ValidationError(_("The form has expired: open it again and resubmit."))
    today = timezone.localdate()
    try:
        with transaction.atomic():
            # One request at a time per person: the check below and the insert see the same
            # state.
            StaffMember.objects.select_for_update().filter(pk=staff.pk).first()
            existing = _requested_with(token)
            if existing is not None:
                return existing
            errors = _request_errors(
                wave=wave, staff=staff, reason=reason, expires_on=expires_on, today=today
            )
            if errors:
                raise ValidationError(errors)
            exception = AccessException.objects.create(
                wave=wave,
                staff=staff,
                reason=reason.strip(),
                expires_on=expires_on,
                requested_by=actor,
                token=token,
            )
            audit_record(
                action=REQUEST_ACTION,
                actor=actor,
                obj=exception,
                after={
                    "wave": wave.pk,
                    "staff": staff.pk,
                    "employee_no": staff.employee_no,
                    "reason": exception.reason,
                    "expires_on": expires_on.isoformat(),
                },
                ip=ip,
            )
    except IntegrityError:
        # The same token sent twice at once past the lookup (the person's lock does not
        # cover a token reused for someone else): the other request inserted it.
        existing = AccessException.objects.filter(token=token).first()
        if existing is None:
            raise
        return existing
    return exception


def _requested_with(token: str) -> AccessException | None:
    return AccessException.objects.filter(token=token).first()


def exception_decide(
    *, actor, exception: AccessException, approve: bool, ip: str | None = None
) -> AccessException:
    """The rollout lead approves or declines a requested exception. Deciding it again the same
    way (a double submit) changes nothing; the other way is refused."""
    if not selectors.is_rollout_lead(actor):
        raise PermissionDenied
    wanted = E.APPROVED if approve else E.DECLINED
    with transaction.atomic():
        row = AccessException.objects.select_for_update().get(pk=exception.pk)
        if row.status == wanted:
            return row
        if row.status != E.REQUESTED:
            raise ValidationError(
                _("This request was already %(status)s on %(day)s.")
                % {
                    "status": row.get_status_display().lower(),
                    "day": timezone.localtime(row.decided_at).date().isoformat()
                    if row.decided_at
                    else "–",
                }
            )
        if approve and row.expires_on < timezone.localdate():
            raise ValidationError(
                _(
                    "The requested expiry date %(day)s has passed: decline it, and the manager "
                    "can request again."
                )
                % {"day": row.expires_on.isoformat()}
            )
        row.status = wanted
        row.decided_by = actor
        row.decided_at = timezone.now()
        row.save(update_fields=["status", "decided_by", "decided_at"])
        audit_record(
            action="readiness.access_exception_" + ("approve" if approve else "decline"),
            actor=actor,
            obj=row,
            before={"status": E.REQUESTED},
            after={
                "status": wanted,
                "wave": row.wave_id,
                "staff": row.staff_id,
                "expires_on": row.expires_on.isoformat(),
            },
            ip=ip,
        )
    return row


# ---------------------------------------------------------------------------------------------
# The CSV


def access_table(*, wave: Wave, rows: list[AccessRow], today: date) -> Table:
    """The list as a table for HIS account provisioning (one row per person)."""
    header = [
        _("Employee no."),
        _("Name"),
        _("Department code"),
        _("Department"),
        _("Job role code"),
        _("Job role"),
        _("Certified"),
        _("Valid until"),
        _("Exception"),
        _("Exception until"),
        _("Access"),
    ]
    statuses = dict(E.choices)
    return Table(
        name=f"access-list-wave-{wave.pk}-{today.isoformat()}",
        header=header,
        rows=(
            [
                r.employee_number,
                r.name,
                r.department_code,
                r.department_name,
                r.job_role,
                r.job_role_name,
                r.certified,
                r.valid_until,
                statuses.get(r.exception_status, "") if r.exception_status else "",
                r.exception_until,
                r.access,
            ]
            for r in rows
        ),
        total=len(rows),
    )
