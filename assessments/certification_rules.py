"""The certification rules as plain Python: from one person's evidence on one track, what their
status is, what remains, and whether a certificate is due. No Django: the status service feeds
it rows, and `manage.py recompute_status` feeds it the same rows to prove the table right.

The rules, as a trainer reads them
----------------------------------
- Requirements: every required course completed, the knowledge exam passed, the practical
  exam passed (where the track names them). "Passed" is one attempt that passed and is not
  excluded; a practical exam assessed by the simulation and a rubric passes only on both.
- A certificate is due when every requirement is met; it is valid from the day the last one
  was met, for the track's validity (12 months: 2026-03-10 to 2027-03-09).
- Recertification opens `recertify_days_before` days before the end. From then on, only exam
  passes on or after that day count (courses stay done); once both exams are passed again, a
  new certificate is due, valid from that day.
- Status: certified until recertification opens, then expiring up to the end of the grace
  period (valid_until + grace_days), then expired. A revoked certificate makes the status
  revoked; only exam passes after the revocation can earn a new one (or HR reissues it).
- No certificate yet: in progress once anything was started, otherwise not started.
"""

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
CERTIFIED = "certified"
EXPIRING = "expiring"
EXPIRED = "expired"
REVOKED = "revoked"

KNOWLEDGE = "knowledge"
PRACTICAL = "practical"


@dataclass(frozen=True)
class TrackRules:
    course_ids: Sequence[int]
    knowledge_exam: bool
    practical_exam: bool
    validity_months: int = 12
    recertify_days_before: int = 60
    grace_days: int = 30

    @property
    def total(self) -> int:
        return len(self.course_ids) + int(self.knowledge_exam) + int(self.practical_exam)


@dataclass(frozen=True)
class Pass:
    """A passing, counted attempt: its day (local) and moment."""

    day: date
    at: datetime


@dataclass(frozen=True)
class CertificateFacts:
    pk: int
    valid_from: date
    valid_until: date
    revoked_at: datetime | None = None


@dataclass
class PersonEvidence:
    courses_done: dict = field(default_factory=dict)  # course id -> local date completed
    passes: dict = field(default_factory=dict)  # KNOWLEDGE / PRACTICAL -> [Pass], in time order
    started: bool = False  # any progress or attempt on the track's items at all
    # The first counted practical attempt passed (None: none finished and graded yet).
    first_practical_passed: bool | None = None


@dataclass(frozen=True)
class Computed:
    status: str
    done: int
    total: int
    missing: tuple
    certificate_pk: int | None
    certified_on: date | None
    valid_until: date | None
    recertify_from: date | None
    grace_until: date | None
    due: tuple[date, date] | None  # (valid_from, valid_until) of a certificate to issue now


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day (Jan 31 + 1 month = Feb 28)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def validity_end(rules: TrackRules, valid_from: date) -> date:
    return add_months(valid_from, rules.validity_months) - timedelta(days=1)


def requirements_met(
    rules: TrackRules, evidence: PersonEvidence, *, since: datetime | None = None
) -> tuple[date | None, tuple]:
    """The day the last requirement was met (None if not all are) and the keys of those missing.
    With `since`, only exam passes at or after that moment count."""
    days, missing = [], []
    for course_id in rules.course_ids:
        done = evidence.courses_done.get(course_id)
        if done is None:
            missing.append(f"course:{course_id}")
        else:
            days.append(done)
    for kind, required in ((KNOWLEDGE, rules.knowledge_exam), (PRACTICAL, rules.practical_exam)):
        if not required:
            continue
        passes = evidence.passes.get(kind, ())
        first = next((p for p in passes if since is None or p.at >= since), None)
        if first is None:
            missing.append(kind)
        else:
            days.append(first.day)
    if missing or not days:
        return None, tuple(missing)
    return max(days), ()


def status_compute(
    rules: TrackRules,
    evidence: PersonEvidence,
    certificates: Sequence[CertificateFacts],
    *,
    today: date,
    day_start,
) -> Computed:
    """`certificates` in issue order; `day_start(day)` gives the aware moment a local day begins
    (the caller's time zone)."""
    current = certificates[-1] if certificates else None
    if current is None:
        met, missing = requirements_met(rules, evidence)
        due = (met, validity_end(rules, met)) if met else None
        status = IN_PROGRESS if evidence.started else NOT_STARTED
        return _computed(rules, status, missing, None, due)
    if current.revoked_at is not None:
        met, missing = requirements_met(rules, evidence, since=current.revoked_at)
        due = (met, validity_end(rules, met)) if met else None
        return _computed(rules, REVOKED, missing, current, due)
    recertify_from = current.valid_until - timedelta(days=rules.recertify_days_before)
    # Never earlier than the day after the certificate began: its own passes do not renew it.
    recertify_from = max(recertify_from, current.valid_from + timedelta(days=1))
    grace_until = current.valid_until + timedelta(days=rules.grace_days)
    if today < recertify_from:
        return _computed(rules, CERTIFIED, (), current, None, recertify_from, grace_until)
    met, missing = requirements_met(rules, evidence, since=day_start(recertify_from))
    due = (met, validity_end(rules, met)) if met else None
    status = EXPIRING if today <= grace_until else EXPIRED
    return _computed(rules, status, missing, current, due, recertify_from, grace_until)


def _computed(rules, status, missing, current, due, recertify_from=None, grace_until=None):
    return Computed(
        status=status,
        done=rules.total - len(missing),
        total=rules.total,
        missing=tuple(missing),
        certificate_pk=current.pk if current else None,
        certified_on=current.valid_from if current else None,
        valid_until=current.valid_until if current else None,
        recertify_from=recertify_from,
        grace_until=grace_until,
        due=due,
    )
