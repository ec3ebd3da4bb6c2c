"""Seed users in the demo hospital: the hospital-wide programme "Go-live seed users 2027" (1
seed user per 10 staff, pharmacy 1 per 8, an advanced curriculum of two courses, a training
window that opened 30 days ago) with nominees at every stage of services.py's life cycle:

- Emergency (the manager's department): three active seed users on the day shift and one on
  the evening shift, none on the night shift: coverage shows the night-shift gap, with the
  best-scoring night staff suggested (learner-nurse among them; she is left un-nominated so
  the manager can nominate her). A night nurse is nominated (waiting for the rollout lead),
  another is in training, an evening colleague was declined.
- Cardiology and the billing office have active seed users too, with confirmed coaching
  sessions, floor-support shifts and floor issues; one Emergency activity waits for the
  manager to confirm it. A cardiology seed user stepped down; a general-surgery doctor is a
  certified seed user waiting for floor duty; a pharmacist is in training, approved with an
  override (no pharmacist track: no proficiency score); a cardiology nurse volunteered.
- "Approved" is a resting stage only before a training window opens, so a second programme,
  "Wave 2 seed users: East campus 2027" (Paediatrics, training from 60 days on), holds an
  approved nominee.

The nominations, decisions, activations, activities and their confirmations go through the
services, as the manager (Emergency) or the rollout lead (elsewhere). What a service cannot
date in the past is written with the ORM: the seed users' training evidence (exam attempts,
course completions, as assessments/demo_certification.py writes it), then dates moved back
(decided, certified, activated, confirmed) so the story reads in order. Idempotent: every
nominee is found again by their nomination's reason, activities by their token.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from assessments.demo_certification import CAUSE, Sitting, _Evidence
from assessments.models import Attempt, CertificationStatus, CertificationTrack
from assessments.services.certification import status_refresh
from courses.models import CoursePage, CourseProgress, LessonPage, LessonProgress
from portal.demo.hospital import DOMAIN
from portal.org.models import Department, Shift, StaffMember

from . import selectors, services
from .models import Activity, KindRatio, Nomination, Programme

N = Nomination.Status
K = Activity.Kind
MANAGER_EMAIL = f"manager@{DOMAIN}"
LEAD_EMAIL = f"rollout-lead@{DOMAIN}"

PROGRAMME = {
    "name": "Go-live seed users 2027",
    "name_zh": "2027上线种子用户",
    "staff_per_seed_user": 10,
    "proficiency_threshold": Decimal("85"),
    "min_months_service": 12,
    "min_proficiency": Decimal("75"),
    "duties": (
        "Coach colleagues on the new HIS before and after go-live (short sessions at the "
        "workstation); take floor-support shifts on your own shift, nights and weekends "
        "included, until the support period ends; report every issue you see on the floor "
        "(category and severity) so the rollout team can fix it; be the first person your "
        "colleagues ask."
    ),
    "duties_zh": (
        "上线前后辅导同事使用新HIS（在工作站旁的简短辅导）；在本人班次承担现场支持班，含夜班和"
        "周末，直至支持期结束；报告在现场发现的每一个问题（类别和严重程度），以便上线团队及时"
        "处理；做同事遇到问题时第一个求助的人。"
    ),
    "points_coaching": 3,
    "points_floor_shift": 5,
    "points_issue": 1,
}
WAVE2 = {
    "name": "Wave 2 seed users: East campus 2027",
    "name_zh": "第二批种子用户：东院区2027",
    "staff_per_seed_user": 10,
    "proficiency_threshold": Decimal("85"),
    "min_months_service": 12,
    "min_proficiency": Decimal("75"),
    "duties": "As in the go-live programme, for the East campus wave.",
    "duties_zh": "与上线种子用户项目相同，适用于东院区批次。",
}
BASICS_SLUG = "his-basics-for-everyone"
TOOLKIT_SLUG = "seed-user-toolkit"


# ---------------------------------------------------------------------------------------------
# The advanced curriculum: HIS basics (which a seed user must know cold) and a short toolkit


def _toolkit_spec():
    from courses.demo_content import CourseSpec, LessonSpec, heading, text, tip

    return CourseSpec(
        slug=TOOLKIT_SLUG,
        title="Seed-user toolkit: coaching colleagues on the new HIS",
        title_zh="种子用户工具包：辅导同事使用新HIS",
        roles=(),
        level="advanced",
        minutes=25,
        modules="coaching, floor support, issue reporting",
        summary="<p>For seed users: how to coach a colleague at the workstation in five "
        "minutes, how a floor-support shift runs, and how to report what you see on the floor "
        "so that it gets fixed.</p>",
        summary_zh="<p>面向种子用户：如何在工作站旁用五分钟辅导同事，现场支持班如何开展，以及如何"
        "报告现场发现的问题以便及时解决。</p>",
        lessons=[
            LessonSpec(
                "coaching-at-the-workstation",
                "Coaching at the workstation",
                "在工作站旁辅导同事",
                10,
                [
                    heading("Show, then let them drive"),
                    text(
                        "<p>Sit beside your colleague, not in their chair. Show the step once "
                        "on a test patient, then let them do it on their own account while you "
                        "watch. Keep it to one task per session (five to ten minutes) and log "
                        "the session in the portal afterwards.</p>"
                    ),
                    tip("<p>Never sign in for a colleague: their account is their signature.</p>"),
                ],
            ),
            LessonSpec(
                "floor-support-and-issues",
                "Floor-support shifts and reporting issues",
                "现场支持班与问题报告",
                15,
                [
                    heading("On a floor-support shift"),
                    text(
                        "<p>Walk the ward at the start of the shift, ask who is stuck and help "
                        "there first. Anything you cannot solve in two minutes goes to the "
                        "rollout team's hotline; anything that could harm a patient (a wrong "
                        "patient, a dose) is reported at once as critical.</p>"
                    ),
                    text(
                        "<p>Report every issue you see, even a small one, with its category "
                        "and severity: the rollout team ranks the fixes on your reports.</p>"
                    ),
                ],
            ),
        ],
    )


def _courses() -> tuple[list[CoursePage], int]:
    """The advanced curriculum: HIS basics and the seed-user toolkit (created when missing, the
    way courses/demo_content.py builds its pages)."""
    from courses.demo_content import _Builder

    toolkit = CoursePage.objects.filter(slug=TOOLKIT_SLUG).first()
    created = 0
    if toolkit is None:
        builder = _Builder()
        toolkit = builder.course(_toolkit_spec())
        created = builder.created["courses"]
    basics = CoursePage.objects.live().filter(slug=BASICS_SLUG).first()
    return [c for c in (basics, toolkit) if c is not None], created


# ---------------------------------------------------------------------------------------------
# The cast


@dataclass(frozen=True)
class Act:
    """An activity `days_ago`: kind, and what the form records; `decide` None leaves it
    pending, True confirms it, False rejects it (with `note`)."""

    kind: str
    days_ago: int
    minutes: int | None = None
    colleagues: int | None = None
    topic: str = ""
    category: str = ""
    severity: str = ""
    description: str = ""
    decide: bool | None = True
    note: str = ""


def coaching(days_ago, minutes, colleagues, topic, **kw) -> Act:
    return Act(K.COACHING, days_ago, minutes=minutes, colleagues=colleagues, topic=topic, **kw)


def floor(days_ago, minutes=480, **kw) -> Act:
    return Act(K.FLOOR, days_ago, minutes=minutes, **kw)


def issue(days_ago, category, severity, topic, description, **kw) -> Act:
    return Act(
        K.ISSUE,
        days_ago,
        topic=topic,
        category=category,
        severity=severity,
        description=description,
        **kw,
    )


@dataclass(frozen=True)
class Seed:
    """One nominee: where (department, shift, role), how far they get, why they were
    nominated (the reason also finds them again on a second run)."""

    key: str
    department: str
    shift: str
    role: str
    status: str
    reason: str
    pick: str = "fresh"  # fresh: no exam taken yet (evidence written here); best: top score
    evidence_days: int = 90  # certified that many days ago (certified and active seed users)
    volunteered: bool = False
    wave2: bool = False
    note: str = ""  # a decline's note
    override: str = ""  # an approval's override reason, if prerequisites are unmet
    step_down: str = ""
    acts: tuple = field(default_factory=tuple)


SERVING_STATUSES = (N.CERTIFIED, N.ACTIVE, N.STEPPED_DOWN)
# Days ago: approved by the lead (before the window), advanced curriculum done (in it),
# activated for floor duty (activities are at most 26 days old).
DECIDED_DAYS, CURRICULUM_DAYS, ACTIVATED_DAYS = 35, 29, 27

CAST = [
    # Emergency, day shift: three active seed users (24 staff: 3 required).
    Seed(
        "ed-day-1",
        "ED",
        "day",
        "nurse",
        N.ACTIVE,
        "Charge nurse on days; ran the old system's super-user group and calm under pressure.",
        evidence_days=70,
        acts=(
            coaching(24, 30, 4, "Triage registration and the patient banner"),
            floor(21),
            coaching(17, 20, 3, "Wristband scan before every dose"),
            issue(
                14,
                "medication",
                "high",
                "Scanner does not read faded wristbands",
                "Wristbands printed on the old printer fade after 2 days; the PDA scanner "
                "refuses them and nurses type the patient number instead.",
            ),
            floor(9),
            coaching(
                2, 15, 2, "Temporary orders for resuscitation drugs", decide=None
            ),  # waiting for the manager
        ),
    ),
    Seed(
        "ed-day-2",
        "ED",
        "day",
        "doctor",
        N.ACTIVE,
        "Attending doctor who tested the new order entry in the pilot; colleagues ask him first.",
        evidence_days=75,
        acts=(
            coaching(23, 25, 5, "Ordering labs and imaging from the ED board"),
            issue(
                20,
                "orders",
                "medium",
                "Order sets missing the chest-pain bundle",
                "The ED order-set list has no chest-pain bundle; doctors build it by hand.",
            ),
            floor(16),
            coaching(11, 20, 3, "Discharge letters and sick notes"),
            issue(
                6,
                "performance",
                "low",
                "Board slow at shift change",
                "The ED tracking board takes about 10 s to refresh around 08:00.",
            ),
        ),
    ),
    Seed(
        "ed-day-3",
        "ED",
        "day",
        "nurse",
        N.ACTIVE,
        "Trains every new ED nurse already; patient and precise.",
        evidence_days=65,
        acts=(
            floor(22),
            coaching(19, 30, 6, "Vital signs and nursing notes on the PDA"),
            issue(
                15,
                "printing",
                "medium",
                "Label printer in resus bay offline",
                "The resus bay label printer drops off the network after a restart.",
            ),
            coaching(8, 10, 1, "Locking the screen when leaving the workstation"),
            issue(
                5,
                "other",
                "low",
                "Duplicate coffee-break reminder",
                "Pop-up reminder shown twice; reported as not an HIS issue.",
                decide=False,
                note="Not an HIS issue: the reminder comes from the ward's own PC tool.",
            ),
        ),
    ),
    # Emergency, evening shift: one (9 staff: 1 required).
    Seed(
        "ed-evening-1",
        "ED",
        "evening",
        "nurse",
        N.ACTIVE,
        "Works steady evenings, when the rollout team is thin on the ground.",
        evidence_days=60,
        acts=(
            coaching(20, 20, 3, "Registration of unidentified patients"),
            floor(18),
            issue(
                12,
                "registration",
                "critical",
                "Unknown-patient records merged wrongly",
                "Two 'unknown male' registrations were offered for merge with the same "
                "temporary number; stopped before the merge. Patient safety.",
            ),
            floor(4),
        ),
    ),
    # Emergency, night shift: no active seed user (13 staff: 2 required) -> the gap.
    Seed(
        "ed-night-nominated",
        "ED",
        "night",
        "nurse",
        N.NOMINATED,
        "Our most experienced night nurse; the night shift has no seed user yet.",
        pick="best",
    ),
    Seed(
        "ed-night-training",
        "ED",
        "night",
        "nurse",
        N.IN_TRAINING,
        "Strong exam results; volunteers for the night rota.",
        pick="best",
    ),
    Seed(
        "ed-evening-declined",
        "ED",
        "evening",
        "doctor",
        N.DECLINED,
        "Keen on the new HIS.",
        note="Leaving for the East campus in March: nominate someone who stays through the "
        "support period.",
    ),
    # Elsewhere.
    Seed(
        "card-day-1",
        "CARD",
        "day",
        "nurse",
        N.ACTIVE,
        "Cardiology's link nurse for the HIS project.",
        evidence_days=80,
        acts=(
            coaching(25, 30, 5, "Long-term and temporary orders"),
            floor(22),
            issue(
                19,
                "records",
                "medium",
                "ECG reports not attached to the record",
                "ECG PDFs from the cart do not attach to the encounter; staff scan them.",
            ),
            coaching(13, 15, 2, "Handover notes"),
            floor(7),
        ),
    ),
    Seed(
        "bill-night-1",
        "BILL",
        "night",
        "cashier",
        N.ACTIVE,
        "Leads the night cashiers; knows every refund rule.",
        evidence_days=85,
        acts=(
            floor(26, 600),
            issue(
                23,
                "billing",
                "high",
                "Insurance settlement rejected after midnight",
                "Medical-insurance settlement fails for visits that started before midnight.",
            ),
            coaching(18, 20, 4, "Refunds and shift settlement"),
            issue(
                10,
                "login",
                "low",
                "Password reset locks the account",
                "A forced password change at 00:00 locked two cashiers out until morning.",
            ),
            coaching(3, 15, 2, "Printing a duplicate receipt"),
        ),
    ),
    Seed(
        "card-night-stepped-down",
        "CARD",
        "night",
        "nurse",
        N.STEPPED_DOWN,
        "Night nurse with pilot experience.",
        evidence_days=95,
        step_down="Moved to the day shift of the cardiac cath lab; handing over to a new night "
        "seed user.",
        acts=(
            floor(26),
            coaching(25, 20, 3, "Barcode medication administration at night"),
            issue(
                24,
                "medication",
                "medium",
                "Night dose times shown in UTC",
                "The MAR showed 02:00 doses at 18:00 for one day after the update.",
            ),
        ),
    ),
    Seed(
        "gs-day-certified",
        "GS",
        "day",
        "doctor",
        N.CERTIFIED,
        "Surgeon who writes the department's order sets.",
        evidence_days=10,
    ),
    Seed(
        "pharm-evening-training",
        "PHARM",
        "evening",
        "pharmacist",
        N.IN_TRAINING,
        "The pharmacy's HIS contact; checks every new drug-catalogue entry.",
        override="No pharmacist certification track yet, so no proficiency score; the pharmacy "
        "needs a seed user and she reviewed the drug catalogue for the new HIS.",
    ),
    Seed(
        "card-day-volunteer",
        "CARD",
        "day",
        "nurse",
        N.NOMINATED,
        "I trained on the new HIS in the pilot and would like to help my colleagues.",
        volunteered=True,
    ),
    # Wave 2 (training from 60 days on): approved, waiting for the window to open.
    Seed(
        "paed-day-approved",
        "PAED",
        "day",
        "nurse",
        N.APPROVED,
        "Paediatrics' most senior nurse on days; the East campus goes live in wave 2.",
        wave2=True,
        override="No proficiency score yet: the East campus starts its training in wave 2.",
    ),
]


# ---------------------------------------------------------------------------------------------


def _programme(spec: dict, *, today, starts: int, ends: int, support: int, departments=()):
    programme = Programme.objects.filter(name=spec["name"]).first()
    created = programme is None
    if created:
        programme = Programme.objects.create(
            **spec,
            training_starts=today + timedelta(days=starts),
            training_ends=today + timedelta(days=ends),
            support_until=today + timedelta(days=support),
        )
        if departments:
            programme.departments.set(Department.objects.filter(code__in=departments))
    return programme, created


def _when(today, days_ago: int, hour: int = 10) -> datetime:
    return timezone.make_aware(
        datetime.combine(today - timedelta(days=days_ago), time(hour)),
        timezone.get_current_timezone(),
    )


class _Demo:
    def __init__(self, now):
        self.now = now
        self.today = timezone.localdate(now)
        self.evidence = _Evidence(now)
        self.counts = Counter()
        User = get_user_model()
        self.manager = User.objects.get(email=MANAGER_EMAIL)
        self.lead = User.objects.get(email=LEAD_EMAIL)
        self.tracks = {t.job_role.code: t for t in CertificationTrack.objects.filter(active=True)}
        self.shifts = {s.code: s for s in Shift.objects.all()}
        self.taken: set[int] = set()

    # Who -----------------------------------------------------------------------------------

    def pick(self, seed: Seed, programme: Programme) -> StaffMember | None:
        found = (
            Nomination.objects.filter(programme=programme, reason=seed.reason)
            .select_related("staff")
            .first()
        )
        if found is not None:
            self.taken.add(found.staff_id)
            return found.staff
        staff = (
            StaffMember.objects.filter(
                active=True,
                user__isnull=False,
                department__code=seed.department,
                shift__code=seed.shift,
                job_role__code=seed.role,
            )
            .exclude(user__email__endswith=f"@{DOMAIN}")  # no demo login
            .exclude(seed_nominations__isnull=False)
            .exclude(pk__in=self.taken)
        )
        if seed.pick == "best":
            scored = CertificationStatus.objects.filter(
                staff__in=staff, score__isnull=False
            ).order_by("-score", "staff__full_name")
            row = scored.select_related("staff").first()
            member = row.staff if row is not None else None
        else:
            member = (
                staff.exclude(pk__in=Attempt.objects.values("staff_id"))
                .exclude(
                    pk__in=CertificationStatus.objects.filter(score__isnull=False).values(
                        "staff_id"
                    )
                )
                .order_by("employee_no")
                .first()
            ) or staff.order_by("employee_no").first()
        if member is not None:
            self.taken.add(member.pk)
        return member

    def actor_for(self, member: StaffMember):
        """The manager for Emergency's staff, the rollout lead elsewhere."""
        if selectors.may_nominate(self.manager, member) and not selectors.is_rollout_lead(
            self.manager
        ):
            return self.manager
        return self.lead

    # Evidence ------------------------------------------------------------------------------

    def certify(self, member: StaffMember, days_ago: int, courses: list[CoursePage]) -> None:
        """Certified on the role's track `days_ago` (expert level), and the advanced courses
        completed a few days later; nothing added when the attempts are there."""
        track = self.tracks.get(member.job_role.code if member.job_role_id else "")
        if track is None:
            return
        self.evidence.courses(member, track, days_ago + 7, every=True)
        before = self.evidence.counts["attempts"]
        self.evidence.sittings(
            member,
            track,
            [Sitting("knowledge", days_ago + 2, 96), Sitting("practical", days_ago, 97, 1.0)],
        )
        self.counts["attempts"] += self.evidence.counts["attempts"] - before
        # The advanced curriculum in the programme's training window (opened 30 days ago).
        start = min(CURRICULUM_DAYS, days_ago - 3)
        for offset, course in enumerate(courses):
            self.complete(member, course, start - offset)

    def complete(self, member: StaffMember, course: CoursePage, days_ago: int) -> bool:
        if CourseProgress.objects.filter(
            staff=member, course=course, completed_at__isnull=False
        ).exists():
            return False
        when = _when(self.today, max(days_ago, 1), 14)
        lessons = list(LessonPage.objects.child_of(course).live().filter(required=True))
        for lesson in lessons:
            LessonProgress.objects.update_or_create(
                staff=member, lesson=lesson, defaults={"completed_at": when, "seconds_spent": 600}
            )
        CourseProgress.objects.update_or_create(
            staff=member,
            course=course,
            defaults={
                "percent": 100,
                "completed_at": when,
                "last_lesson": lessons[-1] if lessons else None,
            },
        )
        self.counts["course_completions"] += 1
        return True

    # Life cycle ----------------------------------------------------------------------------

    def nominate(self, seed: Seed, programme: Programme, member: StaffMember) -> Nomination:
        found = Nomination.objects.filter(programme=programme, staff=member).first()
        if found is not None:
            return found
        actor = member.user if seed.volunteered else self.actor_for(member)
        nomination = services.nomination_create(
            actor=actor, programme=programme, staff=member, reason=seed.reason
        )
        self.counts["nominations"] += 1
        return nomination

    def decide(self, seed: Seed, nomination: Nomination) -> Nomination:
        if nomination.status != N.NOMINATED or seed.status == N.NOMINATED:
            return nomination
        approve = seed.status != N.DECLINED
        override = ""
        if approve:
            score = selectors.current_scores([nomination.staff_id]).get(nomination.staff_id)
            checks = selectors.prerequisites(
                nomination.programme, nomination.staff, today=self.today, score=score
            )
            if any(not c.met for c in checks):
                override = seed.override or (
                    "Approved by the rollout lead: the department needs a seed user on this shift."
                )
        nomination = services.nomination_decide(
            actor=self.lead,
            nomination_id=nomination.pk,
            approve=approve,
            note=seed.note,
            override_reason=override,
        )
        decided = DECIDED_DAYS if seed.status in SERVING_STATUSES else 3
        Nomination.objects.filter(pk=nomination.pk).update(decided_at=_when(self.today, decided))
        self.counts["decisions"] += 1
        nomination.refresh_from_db()
        return nomination

    def serve(self, seed: Seed, nomination: Nomination) -> Nomination:
        """Certified -> active (when the seed should serve), then the activities, then the
        step down."""
        if nomination.status == N.CERTIFIED:
            curriculum = min(CURRICULUM_DAYS, seed.evidence_days - 3) - 1
            Nomination.objects.filter(pk=nomination.pk).update(
                certified_at=_when(self.today, max(curriculum, 1), 17)
            )
        if seed.status not in (N.ACTIVE, N.STEPPED_DOWN):
            return nomination
        actor = self.actor_for(nomination.staff)
        if nomination.status == N.CERTIFIED:
            nomination = services.nomination_activate(actor=actor, nomination_id=nomination.pk)
            Nomination.objects.filter(pk=nomination.pk).update(
                activated_at=_when(self.today, ACTIVATED_DAYS, 9)
            )
            self.counts["activated"] += 1
        if nomination.status not in (N.ACTIVE, N.STEPPED_DOWN):
            return nomination
        for number, act in enumerate(seed.acts, start=1):
            self.activity(nomination, actor, number, act)
        if seed.status == N.STEPPED_DOWN and nomination.status == N.ACTIVE:
            nomination = services.nomination_step_down(
                actor=actor, nomination_id=nomination.pk, reason=seed.step_down
            )
            Nomination.objects.filter(pk=nomination.pk).update(
                stepped_down_at=_when(self.today, 20, 16)
            )
            self.counts["stepped_down"] += 1
        return nomination

    def activity(self, nomination: Nomination, actor, number: int, act: Act) -> None:
        token = f"demo-seed-{nomination.staff.employee_no}-{number}"
        existing = Activity.objects.filter(token=token).first()
        if existing is None:
            if nomination.status != N.ACTIVE:
                return
            data = {
                "kind": act.kind,
                "day": self.today - timedelta(days=act.days_ago),
                "shift": nomination.staff.shift,
                "minutes": act.minutes,
                "colleagues": act.colleagues,
                "topic": act.topic,
                "category": act.category,
                "severity": act.severity,
                "description": act.description,
            }
            existing = services.activity_log(
                actor=nomination.staff.user, nomination=nomination, token=token, data=data
            )
            self.counts["activities"] += 1
        if act.decide is None or existing.status != Activity.Status.PENDING:
            return
        services.activity_decide(
            actor=actor, activity_id=existing.pk, confirm=act.decide, note=act.note
        )
        Activity.objects.filter(pk=existing.pk).update(
            decided_at=_when(self.today, max(act.days_ago - 1, 0), 17)
        )
        self.counts["confirmed" if act.decide else "rejected"] += 1


@transaction.atomic
def demo_seed_users() -> str:
    """Build (or leave as it is) the seed-user part of the demo hospital; returns a one-line
    summary. Run after build_certification."""
    now = timezone.now()
    today = timezone.localdate(now)
    demo = _Demo(now)
    courses, new_courses = _courses()
    programme, created = _programme(PROGRAMME, today=today, starts=-30, ends=30, support=90)
    if created:
        KindRatio.objects.create(programme=programme, kind="pharmacy", staff_per_seed_user=8)
        programme.advanced_courses.set(courses)
    wave2, _created = _programme(
        WAVE2, today=today, starts=60, ends=120, support=210, departments=["PAED"]
    )
    if _created:
        wave2.advanced_courses.set(courses)

    cast = [(seed, wave2 if seed.wave2 else programme) for seed in CAST]
    members = {seed.key: demo.pick(seed, prog) for seed, prog in cast}
    # The evidence first (certified and active seed users are certified on their track, with
    # the advanced curriculum done), so that an approval moves them straight on.
    evidence = []
    for seed, prog in cast:
        member = members[seed.key]
        if member is None:
            continue
        if (
            seed.status in SERVING_STATUSES
            and not Nomination.objects.filter(programme=prog, staff=member).exists()
        ):
            demo.certify(member, seed.evidence_days, courses)
            evidence.append(member.pk)
        elif seed.status == N.IN_TRAINING and courses:
            if demo.complete(member, courses[0], 12):  # part-way through the curriculum
                evidence.append(member.pk)
    if evidence:  # the status table follows the evidence written with the ORM
        status_refresh(staff_ids=evidence, cause=CAUSE, now=now)
    for seed, prog in cast:
        member = members[seed.key]
        if member is None:
            continue
        nomination = demo.nominate(seed, prog, member)
        nomination = demo.decide(seed, nomination)
        if nomination.status in (N.APPROVED, N.IN_TRAINING):
            services.seed_training_refresh(staff_ids=[member.pk], now=now)
            nomination.refresh_from_db()
        demo.serve(seed, nomination)

    statuses = Counter(
        Nomination.objects.filter(programme__in=[programme, wave2]).values_list("status", flat=True)
    )
    shown = ", ".join(f"{status} {n}" for status, n in sorted(statuses.items()))
    c = demo.counts
    return (
        f"2 programmes ({int(created) + int(_created)} new, {new_courses} course new), "
        f"{c['nominations']} nominations, {c['activities']} activities "
        f"({c['confirmed']} confirmed) and {c['attempts']} attempts added; nominations: {shown}"
    )
