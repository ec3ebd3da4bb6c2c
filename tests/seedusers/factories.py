"""Small builders for seed-user tests: a programme, people in roles, a nomination at a given
status, a proficiency score (a CertificationStatus row), an activity."""

import itertools
from datetime import date
from decimal import Decimal

from assessments.models import CertificationStatus, CertificationTrack
from portal.accounts import roles
from seedusers.models import Activity, Nomination, Programme
from tests.factories import person

_n = itertools.count(1)
S = CertificationStatus.Status
N = Nomination.Status


def programme(**fields) -> Programme:
    n = next(_n)
    fields.setdefault("name", f"Wave {n}")
    fields.setdefault("name_zh", f"第{n}批")
    fields.setdefault("min_months_service", 12)
    fields.setdefault("min_proficiency", Decimal("75"))
    fields.setdefault("proficiency_threshold", Decimal("85"))
    return Programme.objects.create(**fields)


def manager(*departments, **kwargs):
    """A department manager (a staff member with a login) of these departments."""
    staff = person([roles.MANAGER], **kwargs)
    staff.managed_departments.add(*departments)
    return staff


def lead(**kwargs):
    """A rollout lead on the roster (off the shift rota unless told: not in coverage cells)."""
    kwargs.setdefault("shift", None)
    return person([roles.ROLLOUT_LEAD], **kwargs)


def score(staff, value, *, status=S.CERTIFIED, track_code="seed-track") -> CertificationStatus:
    """A current status row with a proficiency score on a track of the person's role."""
    track, _created = CertificationTrack.objects.get_or_create(
        code=f"{track_code}-{staff.job_role.code}",
        defaults={"name": f"{staff.job_role.code} track", "job_role": staff.job_role},
    )
    row, _created = CertificationStatus.objects.update_or_create(
        staff=staff,
        track=track,
        defaults={
            "department": staff.department,
            "job_role": staff.job_role,
            "shift": staff.shift,
            "status": status,
            "score": None if value is None else Decimal(str(value)),
            "certified_on": date(2026, 1, 10) if status in (S.CERTIFIED, S.EXPIRING) else None,
        },
    )
    return row


def nomination(prog, staff, *, status=N.NOMINATED, reason="Helps everyone", **fields):
    return Nomination.objects.create(
        programme=prog, staff=staff, status=status, reason=reason, **fields
    )


def activity(nom, *, kind=Activity.Kind.COACHING, status=Activity.Status.PENDING, **fields):
    fields.setdefault("day", date(2026, 3, 2))
    fields.setdefault("token", f"tok-{next(_n)}")
    return Activity.objects.create(nomination=nom, kind=kind, status=status, **fields)


def lead_user():
    """A rollout lead's login with no roster record (so they are nobody's colleague)."""
    from tests.factories import UserFactory

    return UserFactory(roles=[roles.ROLLOUT_LEAD])
