"""The access list's test data: a wave with a dual-track period and the default criteria, staff
written in bulk, their certification status rows, and access exceptions."""

import itertools
from datetime import date, timedelta

from django.utils import timezone

from assessments.models import CertificationStatus
from portal.org.models import StaffMember
from portal.readiness.models import AccessException, Criterion, Wave
from tests.assessments.certification_factories import track
from tests.factories import job_role, shift

_numbers = itertools.count(1)
S = CertificationStatus.Status


def access_wave(departments, *, go_live: date | None = None, dual_track_days=30, **fields) -> Wave:
    """A wave going live in two weeks (default) with a dual-track period of `dual_track_days`
    (None: no dual track) and the default criteria."""
    go_live = go_live or timezone.localdate() + timedelta(days=14)
    fields.setdefault("name", f"Access wave {next(_numbers)}")
    if dual_track_days is not None:
        fields.setdefault("dual_track_until", go_live + timedelta(days=dual_track_days))
    created = Wave.objects.create(go_live_date=go_live, **fields)
    created.departments.set(departments)
    for kind, (green, amber) in Criterion.DEFAULTS.items():
        Criterion.objects.create(wave=created, kind=kind, green=green, amber=amber)
    return created


def staff_bulk(department, n, *, role="nurse", prefix=None, **fields) -> list[StaffMember]:
    """`n` active staff of one role in a department, in one INSERT."""
    prefix = prefix or f"A{next(_numbers)}-"
    name = fields.pop("full_name", None)
    return StaffMember.objects.bulk_create(
        StaffMember(
            employee_no=f"{prefix}{i:05d}",
            full_name=name or f"{role.title()} {prefix}{i:05d}",
            department=department,
            job_role=job_role(role),
            shift=shift("day"),
            **fields,
        )
        for i in range(n)
    )


def status_rows(staff, a_track, *, status=S.NOT_STARTED, valid_until=None):
    """Status rows of `staff` on a track as the certification service would keep them (copied
    department, role and shift), in one INSERT: for list sizes where running the certification
    service per person would only slow the test down."""
    return CertificationStatus.objects.bulk_create(
        CertificationStatus(
            staff=member,
            track=a_track,
            department_id=member.department_id,
            job_role_id=member.job_role_id,
            shift_id=member.shift_id,
            status=status,
            valid_until=valid_until,
        )
        for member in staff
    )


def nurse_track():
    return track(role="nurse", courses=0)


def exception(wave, staff, *, by, status=AccessException.Status.REQUESTED, days=10, **fields):
    """An exception written directly (the service is tested on its own)."""
    return AccessException.objects.create(
        wave=wave,
        staff=staff,
        reason=fields.pop("reason", "Agency nurse covering nights"),
        expires_on=fields.pop("expires_on", timezone.localdate() + timedelta(days=days)),
        status=status,
        requested_by=by,
        **fields,
    )
