"""Reads of the certification status table, scoped to the viewer: HR and rollout leads see
everyone, a department manager their departments (and sub-departments), nobody else."""

import re

from django.db.models import Count, Q, QuerySet

from portal.accounts.roles import HR, has_role
from portal.org.selectors import department_subtree_ids, managed_department_ids, sees_all_staff

from ..models import Certificate, CertificationStatus, ProficiencyRecord

S = CertificationStatus.Status
# Counted as covered by readiness: certified, or still within the recertification window or
# the grace period.
COVERED = (S.CERTIFIED, S.EXPIRING)
CHART_DEPARTMENTS = 30


def status_visible(*, viewer) -> QuerySet:
    rows = CertificationStatus.objects.all()
    if sees_all_staff(viewer):
        return rows
    ids = managed_department_ids(viewer=viewer)
    return rows.filter(department_id__in=ids) if ids else rows.none()


def may_see_status(viewer) -> bool:
    return viewer.is_authenticated and (
        sees_all_staff(viewer) or bool(managed_department_ids(viewer=viewer))
    )


def status_list(
    *,
    viewer,
    q: str = "",
    department_id=None,
    job_role_id=None,
    shift_id=None,
    track_id=None,
    status: str = "",
    level: str = "",
) -> QuerySet:
    rows = status_visible(viewer=viewer)
    if q:
        rows = rows.filter(Q(staff__full_name__icontains=q) | Q(staff__employee_no__icontains=q))
    if department_id:
        rows = rows.filter(department_id__in=department_subtree_ids([department_id]))
    if job_role_id:
        rows = rows.filter(job_role_id=job_role_id)
    if shift_id:
        rows = rows.filter(shift_id=shift_id)
    if track_id:
        rows = rows.filter(track_id=track_id)
    if status:
        rows = rows.filter(status=status)
    if level:
        rows = rows.filter(level=level)
    return rows


def status_rows_page(rows: QuerySet) -> QuerySet:
    return rows.select_related("staff", "track", "department", "job_role", "shift").order_by(
        "department__code", "staff__full_name", "track__code"
    )


def status_counts(rows: QuerySet) -> dict:
    """How many rows per status (one query), every status present with 0 when none."""
    counts = dict(rows.order_by().values_list("status").annotate(n=Count("pk")))
    return {value: counts.get(value, 0) for value in S.values}


def status_by_department(rows: QuerySet, *, limit: int = CHART_DEPARTMENTS) -> list[dict]:
    """Per department: rows per status, lowest coverage first (one GROUP BY query)."""
    grouped = (
        rows.order_by()
        .values("department_id", "department__code", "department__name", "department__name_zh")
        .annotate(
            total=Count("pk"),
            **{value: Count("pk", filter=Q(status=value)) for value in S.values},
        )
    )
    result = []
    for row in grouped:
        covered = sum(row[value] for value in COVERED)
        row["coverage"] = round(100 * covered / row["total"]) if row["total"] else 0
        result.append(row)
    result.sort(key=lambda r: (r["coverage"], r["department__code"]))
    return result[:limit]


def proficiency_history(*, staff_id: int) -> QuerySet:
    return ProficiencyRecord.objects.filter(staff_id=staff_id).order_by("track_id", "at", "pk")


def may_see_proficiency_of(viewer, staff) -> bool:
    """The person, HR and superusers (it lists every attempt: as private as a transcript)."""
    if not viewer.is_authenticated:
        return False
    return staff.user_id == viewer.pk or viewer.is_superuser or has_role(viewer, HR)


def certificate_code_normalised(code: str) -> str:
    """A code as typed or read out: spaces and hyphens dropped, upper case."""
    return re.sub(r"[\s-]", "", code or "").upper()


def certificates_filtered(*, q: str, state: str, track, today):
    """HR's certificate list: search by name, employee number or the whole code; filter by
    track and by state on `today` (valid, expired, revoked)."""
    certificates = Certificate.objects.order_by("-issued_at", "-pk")
    if q:
        certificates = certificates.filter(
            Q(holder_name__icontains=q)
            | Q(employee_no__icontains=q)
            | Q(code=certificate_code_normalised(q))
        )
    if track is not None:
        certificates = certificates.filter(track=track)
    current = Q(valid_from__lte=today, valid_until__gte=today)
    if state == "revoked":
        certificates = certificates.filter(revoked_at__isnull=False)
    elif state == "valid":
        certificates = certificates.filter(current, revoked_at__isnull=True)
    elif state == "expired":
        certificates = certificates.filter(~current, revoked_at__isnull=True)
    return certificates
