"""Readiness in the demo hospital, as the issue's demo asks: the pilot wave (Emergency and
Pharmacy) live with its recorded decision and evaluation, wave 2 (hospital-wide) in training with
green, amber and red departments (courses/demo_learning.py sets the waves up and
assessments/demo_certification.py certifies the staff).

- Thirty days of daily snapshots for each wave, reconstructed from the status table's
  certification dates (what the daily job would have recorded: a row counts as covered on a day
  when it was certified on or before it and valid on it), and today's from the live evaluation.
- The pilot's go-with-conditions decision, taken by the rollout lead a week before its go-live
  and signed off by the nursing director, the HR director and the IT lead the next day; one
  condition met before go-live, one still open (Emergency's night shift has no seed user yet).
  These go through the services with the clock set back to those moments (the decision's
  evidence pack is built from the demo's figures as of that day, the wave as it was then:
  ready, not yet live); the audit trail records them in order of writing, each with its moment.
- The pilot's post-go-live evaluation (the four measures, before and after).
- Access exceptions: a locum nurse in Emergency, approved by the rollout lead until the end of
  the dual-track period; a visiting doctor in wave 2, requested and waiting.

Idempotent: existing snapshots are kept, the decision and the exceptions are found by their
tokens, the evaluation is recorded once.
"""

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from unittest import mock

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone

from assessments.models import CertificationStatus
from portal.demo.hospital import DOMAIN
from portal.org.models import StaffMember

from . import access, evaluation, snapshots
from .decisions import condition_done, decision_record, evaluation_record, signoff_add
from .models import AccessException, Decision, Evaluation, Snapshot, Wave

HISTORY_DAYS = 30
TOKEN = "demo-pilot-go-live-decision"
DECIDED_DAYS_BEFORE_GO_LIVE = 7
RATIONALE = (
    "Emergency's observation ward is fully certified; in Emergency most of the staff are "
    "certified and the others are part-way through their exams, each rostered alongside a "
    "certified colleague. The pilot goes live on the planned day on two conditions: the paper "
    "downtime procedure is drilled before go-live, and Emergency's night shift gets a seed user. "
    "Pharmacy has no certification track yet: the vendor's on-site support covers its "
    "pharmacists during the dual-track period."
)
# (text, owner, due: days from go-live, done: days from go-live or None)
CONDITIONS = [
    (
        "Paper downtime procedure drilled on every Emergency shift and in Pharmacy",
        "Head nurse, Emergency",
        -2,
        -3,
    ),
    (
        "A seed user on every Emergency night shift",
        "Head nurse, Emergency",
        14,
        None,
    ),
]
# (login, capacity, comment)
SIGNOFFS = [
    ("manager", "Nursing director (acting)", "Night-shift seed user nominated; drill planned."),
    ("hr", "HR director", "Training records and certificates checked for the pilot staff."),
    ("rollout-lead", "IT lead", "Dual-track run and downtime fallback in place."),
]
# measure -> (before, after, note)
EVALUATION = {
    Evaluation.Measure.TICKETS: ("14.0", "6.5", "Service desk, first four weeks vs the old HIS."),
    Evaluation.Measure.TASK_TIME: ("6.2", "4.8", "Triage-to-order, timed on 40 encounters."),
    Evaluation.Measure.SATISFACTION: ("3.1", "4.0", "Staff survey, 1–5, 112 answers."),
    Evaluation.Measure.ERRORS: ("2.4", "1.1", "Medication-order errors caught at dispensing."),
}


@dataclass(frozen=True)
class ExceptionStory:
    token: str
    department: str
    role: str
    reason: str
    approve: bool


EXCEPTIONS = [
    ExceptionStory(
        "demo-pilot-locum-nurse",
        "ED",
        "nurse",
        "Locum nurse from the agency covering Emergency night shifts; her certification exam is "
        "booked for next week. Works only alongside a certified colleague.",
        True,
    ),
    ExceptionStory(
        "demo-wave2-visiting-doctor",
        "OPD",
        "doctor",
        "Visiting specialist from the partner hospital holding outpatient clinics in the go-live "
        "weeks; not yet certified on our HIS, his exams are booked.",
        False,
    ),
]


@contextmanager
def _clock(moment: datetime):
    """The services write timestamps and check dates against now: the demo's story of the past
    runs them at its moment (only while building the demo)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _moment(day, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _history(wave: Wave, today) -> int:
    ids = evaluation.wave_department_ids(wave)
    made = 0
    for back in range(HISTORY_DAYS, 0, -1):
        day = today - timedelta(days=back)
        if Snapshot.objects.filter(wave=wave, day=day).exists():
            continue
        covered = Q(certified_on__lte=day) & (Q(valid_until__gte=day) | Q(valid_until=None))
        rows = (
            CertificationStatus.objects.filter(department_id__in=ids)
            .values("department_id")
            .annotate(staff=Count("pk"), covered=Count("pk", filter=covered))
            .order_by()
        )
        Snapshot.objects.bulk_create(
            Snapshot(
                wave=wave,
                department_id=r["department_id"],
                day=day,
                rag="grey",
                staff=r["staff"],
                covered=r["covered"],
                values={},
            )
            for r in rows
        )
        made += len(rows)
    return made


def _users() -> dict:
    User = get_user_model()
    locals_ = {"rollout-lead", "manager", "hr"}
    users = User.objects.filter(email__in=[f"{local}@{DOMAIN}" for local in locals_])
    return {u.email.split("@")[0]: u for u in users}


def _decision(pilot: Wave, users: dict) -> int:
    """The pilot's decision a week before its go-live, its sign-offs the day after, the first
    condition met before go-live. Returns 1 when recorded now."""
    lead = users.get("rollout-lead")
    if lead is None or Decision.objects.filter(token=TOKEN).exists():
        return 0
    go_live = pilot.go_live_date
    decided_on = go_live - timedelta(days=DECIDED_DAYS_BEFORE_GO_LIVE)
    # The wave as it was then: ready, its go-live ahead (the row itself is left as it is now).
    then = Wave.objects.get(pk=pilot.pk)
    then.status = Wave.Status.READY
    with _clock(_moment(decided_on, 16)):
        decision = decision_record(
            actor=lead,
            wave=then,
            outcome=Decision.Outcome.CONDITIONS,
            rationale=RATIONALE,
            conditions=[
                {"text": text, "owner": owner, "due_date": go_live + timedelta(days=due)}
                for text, owner, due, _done in CONDITIONS
            ],
            token=TOKEN,
        )
    with _clock(_moment(decided_on + timedelta(days=1), 10)):
        for local, capacity, comment in SIGNOFFS:
            if local in users:
                signoff_add(
                    actor=users[local], decision=decision, capacity=capacity, comment=comment
                )
    for condition, (_text, _owner, _due, done) in zip(
        decision.conditions.order_by("due_date", "pk"), CONDITIONS, strict=True
    ):
        if done is not None:
            with _clock(_moment(go_live + timedelta(days=done), 18)):
                condition_done(actor=lead, condition=condition)
    return 1


def _evaluation(pilot: Wave, users: dict) -> int:
    lead = users.get("rollout-lead")
    if lead is None:
        return 0
    recorded = set(pilot.evaluations.values_list("measure", flat=True))
    made = 0
    for measure, (before, after, note) in EVALUATION.items():
        if measure in recorded:
            continue  # as the lead may have corrected it
        evaluation_record(
            actor=lead, wave=pilot, measure=measure, before=before, after=after, note=note
        )
        made += 1
    return made


def _uncertified(wave: Wave, department: str, role: str) -> StaffMember | None:
    """The first uncertified active member of the department and role in the wave (no demo
    login, no seed-user nomination), by employee number."""
    certified = CertificationStatus.objects.filter(
        status__in=[CertificationStatus.Status.CERTIFIED, CertificationStatus.Status.EXPIRING]
    ).values("staff_id")
    staff = (
        StaffMember.objects.filter(
            active=True,
            department__code=department,
            job_role__code=role,
            department_id__in=evaluation.wave_department_ids(wave),
        )
        .exclude(user__email__endswith=f"@{DOMAIN}")
        .exclude(seed_nominations__isnull=False)
        .exclude(pk__in=certified)
        .exclude(pk__in=AccessException.objects.values("staff_id"))
        .order_by("employee_no")
    )
    return staff.first()


def _exceptions(waves: dict, users: dict, today) -> int:
    """The access exceptions, requested by the Emergency manager (her department) or the lead,
    found again by their token."""
    lead, manager = users.get("rollout-lead"), users.get("manager")
    if lead is None:
        return 0
    made = 0
    for story in EXCEPTIONS:
        wave = waves["pilot" if story.approve else "hospital"]
        if wave is None or AccessException.objects.filter(wave=wave, reason=story.reason).exists():
            continue
        member = _uncertified(wave, story.department, story.role)
        if member is None:
            continue
        actor = manager if manager and access.may_request(manager, member) else lead
        exception = access.exception_request(
            actor=actor,
            wave=wave,
            staff=member,
            reason=story.reason,
            expires_on=access.latest_allowed(wave, today),
            token=story.token,
        )
        if story.approve:
            access.exception_decide(actor=lead, exception=exception, approve=True)
        made += 1
    return made


def _waves() -> dict:
    from courses.demo_learning import HOSPITAL_WAVE, PILOT_WAVE

    return {
        "pilot": Wave.objects.filter(name=PILOT_WAVE[0]).first(),
        "hospital": Wave.objects.filter(name=HOSPITAL_WAVE[0]).first(),
    }


def demo_readiness() -> str:
    today = timezone.localdate()
    waves = list(Wave.objects.order_by("go_live_date"))
    made = sum(_history(w, today) for w in waves)
    for w in waves:
        if not Snapshot.objects.filter(wave=w, day=today).exists():
            made += snapshots.snapshot_wave(wave=w, today=today)
    users = _users()
    named = _waves()
    decided = measures = granted = 0
    if named["pilot"] is not None:
        decided = _decision(named["pilot"], users)
        measures = _evaluation(named["pilot"], users)
    granted = _exceptions(named, users, today)
    return (
        f"{len(waves)} waves, {made} snapshots, {decided} decision, {measures} evaluation "
        f"measures, {granted} access exceptions"
    )
