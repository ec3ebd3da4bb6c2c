"""Certification in the demo hospital: one track per role (its demo courses, knowledge exam and
practical exam; valid 12 months, recertification 60 days before the end, 30 days of grace), and
staff at every stage, with evidence dated relative to today:

- learner-nurse is certified (her practical exam played in the simulated HIS and scored on the
  rubric by the trainer), and so are a few colleagues of every role, at different levels;
- learner-cashier has everything but the practical exam: a trainer signs in as her, takes it,
  and the certificate is issued live;
- others: a certificate ending within 30 days (expiring), one that ended months ago (expired),
  a practical exam failed on a critical check, a certificate revoked by HR (an exam taken by a
  colleague), and people part-way through;
- the readiness mix (READINESS_MIX, `build_readiness_mix`, run after the seed-user demo):
  enough further staff of each department certified (with a
  passing retake where an earlier attempt failed) for the rollout waves' figures: the pilot's
  before its go-live, wave 2's over the last five weeks, some departments green, some amber,
  some red.

Evidence is written with the ORM (finished, graded attempts; lesson and course completions) at
moments in the past, then `status_refresh` writes the status table and issues the
certificates; the revocation goes through `certificate_revoke` as HR. Idempotent: each step
does nothing when its evidence is there (an attempt at that exam, a completed course, a revoked
certificate), so running `manage.py demo` again creates nothing and issues no certificate.
"""

import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from courses.models import Assignment, CoursePage, CourseProgress, LessonPage, LessonProgress
from courses.services.assignment_counts import assignment_counts_refresh
from portal.demo.hospital import DOMAIN
from portal.org.models import JobRole, StaffMember

from . import demo_bank
from .demo import TRAINER_EMAIL
from .demo_practical import EXAMS as PRACTICAL_EXAMS
from .demo_practical import _play, _solutions
from .models import Attempt, Certificate, CertificationStatus, CertificationTrack, Exam
from .services.certificates import certificate_revoke
from .services.certification import status_refresh
from .services.grading import exam_outcome_refresh
from .services.practical import rubric_score_save

HR_EMAIL = f"hr@{DOMAIN}"
CAUSE = "demo"
REVOKE_REASON = "Exam taken by a colleague on her behalf (confirmed by the ward manager)."
# role -> (English, Chinese) track name
TRACKS = {
    "doctor": ("Doctors: new HIS certification", "医生：新HIS上岗认证"),
    "nurse": ("Nurses: new HIS certification", "护士：新HIS上岗认证"),
    "cashier": ("Cashiers: new HIS certification", "收费员：新HIS上岗认证"),
    "admin": ("Administrative staff: new HIS certification", "行政人员：新HIS上岗认证"),
}


@dataclass(frozen=True)
class Sitting:
    """An exam attempt `days_ago` (plus a few hours' jitter): its percent, and for a practical
    exam the efficiency and a critical failure."""

    kind: str  # knowledge / practical
    days_ago: int
    percent: float
    efficiency: float | None = None
    critical: str = ""


def _certified(days_ago: int, knowledge, practical, efficiency, *, retries=()) -> tuple:
    """Courses a week before, the knowledge exam two days before, the practical on the day;
    `retries` are failed sittings before those."""
    return (days_ago + 7, True), (
        *retries,
        Sitting("knowledge", days_ago + 2, knowledge),
        Sitting("practical", days_ago, practical, efficiency),
    )


# Stage -> (days ago the courses were completed (None: none), all of them or only the first;
# sittings). Levels follow from the scores (40% knowledge, 60% practical x efficiency factor).
STAGES = {
    "certified_expert": _certified(45, 96, 98, 1.0),
    "certified_proficient": _certified(80, 90, 86, 0.6),
    "certified_competent": _certified(
        120,
        84,
        82,
        0.5,
        retries=(Sitting("knowledge", 129, 62), Sitting("practical", 125, 70, 0.4)),
    ),
    # Valid until about three weeks from now: recertification is open, the status expiring.
    "expiring": _certified(345, 88, 90, 0.8),
    # Valid until about two months ago, the grace period over too.
    "expired": _certified(430, 86, 84, 0.7),
    "failed_practical": (
        (20, True),
        (
            Sitting("knowledge", 14, 88),
            Sitting("practical", 8, 91, 0.9, critical="right-patient"),
        ),
    ),
    # Certified three months ago, then revoked by HR.
    "revoked": _certified(95, 92, 90, 0.9),
    "in_progress": ((12, False), (Sitting("knowledge", 5, 85),)),
}
# Colleagues (not demo logins) at each stage, per role: taken from the end of the roster (by
# employee number), away from the staff the exam demos use.
CAST = {
    "nurse": [
        "certified_expert",
        "certified_competent",
        "expiring",
        "expired",
        "failed_practical",
        "revoked",
        "in_progress",
    ],
    "doctor": [
        "certified_proficient",
        "certified_expert",
        "expiring",
        "expired",
        "failed_practical",
        "in_progress",
    ],
    "cashier": ["certified_competent", "certified_proficient", "expiring", "expired"],
    "admin": ["certified_proficient", "expiring", "expired", "failed_practical"],
}
# The readiness mix: the share of each department's staff (of the roles with a track) certified.
# The pilot (live for four weeks) was certified before its go-live; wave 2 (live in six weeks)
# is being certified now, spread over the last five weeks so the daily snapshots rise: some
# departments green (from 90 %), some amber (from 80 %), some red.
READINESS_MIX = {
    "ED": 0.93,
    "ED-OBS": 0.92,
    "GS": 0.95,
    "LAB": 1.0,
    "IT": 0.92,
    "NURS": 0.88,
    "PAED": 0.84,
    "HR": 0.82,
    "CARD": 0.62,
    "BILL": 0.7,
    "OPD": 0.45,
    "QA": 0.5,
}
PILOT_CERTIFIED_DAYS_AGO = (30, 75)  # before the pilot's go-live (28 days ago)
WAVE_CERTIFIED_DAYS_AGO = (1, 35)
# The demo logins' own stories (the other logins keep what the exam demos gave them).
LOGIN_STAGES = {"learner-nurse": "certified_nurse_login", "learner-cashier": "practical_left"}


# ---------------------------------------------------------------------------------------------
# Tracks


def _tracks() -> tuple[dict[str, CertificationTrack], int]:
    """{role: track}, created with the role's demo courses and exams; an existing track is left
    as a trainer may have edited it."""
    knowledge = {spec.role: spec.title for spec in demo_bank.EXAMS}
    practical = {role: spec[1] for role, spec in PRACTICAL_EXAMS.items()}
    roles = {r.code: r for r in JobRole.objects.filter(code__in=TRACKS)}
    tracks, created = {}, 0
    for code, (name, name_zh) in TRACKS.items():
        existing = CertificationTrack.objects.filter(code=f"demo-{code}").first()
        if existing is not None:
            tracks[code] = existing  # as a trainer may have edited it
            continue
        k_exam = Exam.objects.filter(title=knowledge.get(code), kind=Exam.Kind.KNOWLEDGE).first()
        p_exam = Exam.objects.filter(title=practical.get(code), kind=Exam.Kind.PRACTICAL).first()
        if code not in roles or k_exam is None or p_exam is None:
            continue
        track = CertificationTrack.objects.create(
            code=f"demo-{code}",
            name=name,
            name_zh=name_zh,
            job_role=roles[code],
            knowledge_exam=k_exam,
            practical_exam=p_exam,
            validity_months=12,
            recertify_days_before=60,
            grace_days=30,
        )
        track.required_courses.set(CoursePage.objects.live().filter(job_roles=roles[code]))
        tracks[code] = track
        created += 1
    return tracks, created


# ---------------------------------------------------------------------------------------------
# Evidence


class _Evidence:
    def __init__(self, now):
        self.now = now
        self.today = timezone.localdate(now)
        self.tz = timezone.get_current_timezone()
        self.rng = random.Random(12)
        self.course_type = ContentType.objects.get_for_model(CoursePage)
        self.counts = Counter()

    def moment(self, days_ago: int) -> datetime:
        clock = time(self.rng.randint(8, 16), self.rng.choice((0, 15, 30, 45)))
        return timezone.make_aware(
            datetime.combine(self.today - timedelta(days=days_ago), clock), self.tz
        )

    def courses(self, member, track, days_ago: int, *, every: bool) -> None:
        """Complete the track's courses (or only the first) `days_ago`, lessons and all, and
        the person's assignments of them; a course already completed later is moved back to
        that day (the story says it was done by then), one completed earlier is left."""
        courses = list(track.required_courses.order_by("path"))
        for offset, course in enumerate(courses if every else courses[:1]):
            when = self.moment(days_ago + offset)
            progress = CourseProgress.objects.filter(staff=member, course=course).first()
            done = progress.completed_at if progress is not None else None
            # Compared by day: a second run the same day (another time of day) leaves it.
            if done is not None and timezone.localdate(done) <= when.date():
                continue
            lessons = list(LessonPage.objects.child_of(course).live().filter(required=True))
            for lesson in lessons:
                LessonProgress.objects.update_or_create(
                    staff=member,
                    lesson=lesson,
                    defaults={"completed_at": when, "seconds_spent": self.rng.randint(240, 900)},
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
            if Assignment.objects.filter(
                staff=member,
                content_type=self.course_type,
                object_id=course.pk,
                status=Assignment.Status.ACTIVE,
            ).update(completed_at=when):
                assignment_counts_refresh(staff_ids=[member.pk])
            self.counts["courses_completed"] += 1

    def sittings(self, member, track, sittings) -> None:
        """The attempts, for each exam the person has not sat yet."""
        exams = {"knowledge": track.knowledge_exam, "practical": track.practical_exam}
        taken = set(
            Attempt.objects.filter(staff=member, exam__in=exams.values()).values_list(
                "exam_id", flat=True
            )
        )
        for kind, exam in exams.items():
            mine = [s for s in sittings if s.kind == kind]
            if not mine or exam.pk in taken:
                continue
            for number, sitting in enumerate(mine, start=1):
                self._attempt(exam, member, number, sitting)
            exam_outcome_refresh(exam=exam, staff=member)

    def _attempt(self, exam, member, number: int, sitting: Sitting) -> Attempt:
        finished = self.moment(sitting.days_ago)
        percent = Decimal(str(sitting.percent))
        passed = sitting.percent >= exam.pass_mark_percent and not sitting.critical
        simulation = None
        if exam.is_practical:
            simulation = {
                "score": sitting.percent,
                "critical_failures": [sitting.critical] if sitting.critical else [],
                "efficiency": sitting.efficiency,
            }
        self.counts["attempts"] += 1
        return Attempt.objects.create(
            exam=exam,
            staff=member,
            number=number,
            state=Attempt.State.FINISHED,
            started_at=finished - timedelta(minutes=self.rng.randint(14, 28)),
            finished_at=finished,
            finished_by=Attempt.FinishedBy.LEARNER,
            percent=percent,
            marks=percent,
            max_marks=100,
            passed=passed,
            needs_grading=False,
            simulation=simulation,
        )


def _colleagues(role: str, count: int) -> list[StaffMember]:
    """The last `count` active staff of the role with a login, demo logins aside."""
    staff = (
        StaffMember.objects.filter(job_role__code=role, active=True, user__isnull=False)
        .exclude(user__email__endswith=f"@{DOMAIN}")
        .order_by("-employee_no")
    )
    return list(staff[:count])


def _login(local: str) -> StaffMember | None:
    return StaffMember.objects.filter(user__email=f"{local}@{DOMAIN}", active=True).first()


def _stage(evidence: _Evidence, member, track, stage: str) -> None:
    (course_days, every), sittings = STAGES[stage]
    evidence.courses(member, track, course_days, every=every)
    evidence.sittings(member, track, sittings)


def _nurse_login(evidence: _Evidence, member, track, trainer) -> None:
    """learner-nurse: courses done, knowledge exam passed, and the practical exam played in
    the simulated HIS (the reference solution) and scored on the rubric by the trainer, so
    her result page and the trainer's replay show a real attempt."""
    evidence.courses(member, track, 60, every=True)
    evidence.sittings(member, track, [Sitting("knowledge", 55, 92)])
    exam = track.practical_exam
    if Attempt.objects.filter(exam=exam, staff=member).exists():
        return
    reference = _solutions(exam.scenario.slug).get("reference") if exam.scenario_id else None
    if reference is None:
        evidence.sittings(member, track, [Sitting("practical", 52, 95, 0.9)])
        return
    attempt = _play(exam, member, reference, start=evidence.moment(52))
    evidence.counts["attempts"] += 1
    if exam.uses_rubric and trainer is not None:
        from .models import ExaminerAssignment, RubricItem

        ExaminerAssignment.objects.get_or_create(
            exam=exam, examiner=trainer, staff=member, defaults={"sort_order": 0}
        )
        items = RubricItem.objects.filter(exam=exam)
        rubric_score_save(
            attempt=attempt,
            examiner=trainer,
            items={str(item.pk): "done" for item in items},
            global_rating=5,
            comments="核对规范，流程熟练。Safe, methodical and quick.",
        )


def _cashier_login(evidence: _Evidence, member, track) -> None:
    """learner-cashier: every course done and the knowledge exam passed (the exam demo gave
    her a pass; one is added if not), the practical exam still to take."""
    evidence.courses(member, track, 1, every=True)
    passed = Attempt.objects.filter(
        exam=track.knowledge_exam, staff=member, passed=True, excluded=False
    )
    if not passed.exists():
        number = Attempt.objects.filter(exam=track.knowledge_exam, staff=member).count() + 1
        evidence._attempt(track.knowledge_exam, member, number, Sitting("knowledge", 2, 90))
        exam_outcome_refresh(exam=track.knowledge_exam, staff=member)


def _revoke(members: list[StaffMember], hr) -> int:
    """Revoke, as HR, the certificate of the people at the revoked stage (once)."""
    revoked = 0
    for member in members:
        if Certificate.objects.filter(staff=member, revoked_at__isnull=False).exists():
            continue
        current = Certificate.objects.filter(staff=member).order_by("-issued_at", "-pk").first()
        if current is None or hr is None:
            continue
        certificate_revoke(certificate=current, actor=hr, reason=REVOKE_REASON)
        revoked += 1
    return revoked


def _mix_candidates(code: str, tracks, leave: set[int]) -> tuple[int, list[StaffMember]]:
    """(how many of the department's staff a track counts, those the mix may certify: no demo
    login, none of `leave`, no examiner station, not certified before, and no attempt
    unfinished or waiting for a grade (the exam demos' stories stay as they are); by employee
    number)."""
    from .models import ExaminerAssignment

    exams = [e for t in tracks.values() for e in (t.knowledge_exam_id, t.practical_exam_id)]
    staff = StaffMember.objects.filter(
        department__code=code, active=True, job_role__code__in=list(tracks)
    ).select_related("job_role")
    waiting = Attempt.objects.filter(exam_id__in=exams).filter(
        Q(state=Attempt.State.IN_PROGRESS) | Q(needs_grading=True)
    )
    fresh = (
        staff.filter(user__isnull=False)
        .exclude(user__email__endswith=f"@{DOMAIN}")
        .exclude(pk__in=leave)
        .exclude(pk__in=waiting.values("staff_id"))
        .exclude(pk__in=ExaminerAssignment.objects.values("staff_id"))
        .exclude(
            pk__in=CertificationStatus.objects.filter(
                status__in=[
                    CertificationStatus.Status.CERTIFIED,
                    CertificationStatus.Status.EXPIRING,
                    CertificationStatus.Status.EXPIRED,
                    CertificationStatus.Status.REVOKED,
                ]
            ).values("staff_id")
        )
        .order_by("employee_no")
    )
    return staff.count(), list(fresh)


def _retakes(evidence: _Evidence, member, track, days_ago: int, sitting_for) -> None:
    """A passing retake `days_ago` of each of the track's exams the person sat and has not
    passed yet (within the attempts allowed): "practise until everyone passes"."""
    for kind, exam in (("knowledge", track.knowledge_exam), ("practical", track.practical_exam)):
        mine = Attempt.objects.filter(exam=exam, staff=member)
        if not mine.exists() or mine.filter(passed=True, excluded=False).exists():
            continue
        number = mine.count() + 1
        if exam.max_attempts and number > exam.max_attempts:
            continue
        evidence._attempt(exam, member, number, sitting_for(kind, days_ago))
        exam_outcome_refresh(exam=exam, staff=member)


def _readiness_mix(evidence: _Evidence, tracks, leave: set[int]) -> int:
    """Certify people until each department reaches its READINESS_MIX share of covered staff
    (certified or expiring, as the status table says now): on a second run every department is
    there already and nothing is added."""
    from courses.demo_learning import PILOT

    covered = Counter(
        CertificationStatus.objects.filter(
            status__in=[CertificationStatus.Status.CERTIFIED, CertificationStatus.Status.EXPIRING],
            track__in=tracks.values(),
        ).values_list("department__code", flat=True)
    )
    rng = random.Random(21)

    def sitting_for(kind: str, days_ago: int) -> Sitting:
        # Proficiency 86 to 94: at the seed-user threshold (85), so a seed user the seed-user
        # demo picks among them still qualifies, and below the demo night nurse's (96.8).
        if kind == "knowledge":
            return Sitting(kind, days_ago + 2, rng.randint(88, 95))
        return Sitting(kind, days_ago, rng.randint(88, 94), rng.choice((0.8, 0.9, 1.0)))

    added = 0
    for code, share in READINESS_MIX.items():
        total, fresh = _mix_candidates(code, tracks, leave)
        needed = min(len(fresh), -int(-share * total // 1) - covered[code])
        pilot = code.split("-")[0] in PILOT
        low, high = PILOT_CERTIFIED_DAYS_AGO if pilot else WAVE_CERTIFIED_DAYS_AGO
        for member in fresh[: max(needed, 0)]:
            track = tracks[member.job_role.code]
            days_ago = rng.randint(low, high)
            evidence.courses(member, track, days_ago + 7, every=True)
            _retakes(evidence, member, track, days_ago, sitting_for)
            sittings = [sitting_for("knowledge", days_ago), sitting_for("practical", days_ago)]
            evidence.sittings(member, track, sittings)
            added += 1
    return added


# ---------------------------------------------------------------------------------------------


@transaction.atomic
def build_certification() -> str:
    """Build (or leave as it is) the certification part of the demo hospital; returns a
    one-line summary. Run after build_practical."""
    now = timezone.now()
    User = get_user_model()
    trainer = User.objects.filter(email=TRAINER_EMAIL).first()
    hr = User.objects.filter(email=HR_EMAIL).first()
    tracks, created = _tracks()
    evidence = _Evidence(now)
    to_revoke = []
    for role, stages in CAST.items():
        if role not in tracks:
            continue
        for member, stage in zip(_colleagues(role, len(stages)), stages, strict=False):
            _stage(evidence, member, tracks[role], stage)
            if stage == "revoked":
                to_revoke.append(member)
    nurse, cashier = _login("learner-nurse"), _login("learner-cashier")
    if nurse is not None and "nurse" in tracks:
        _nurse_login(evidence, nurse, tracks["nurse"], trainer)
    if cashier is not None and "cashier" in tracks:
        _cashier_login(evidence, cashier, tracks["cashier"])
    report = status_refresh(cause=CAUSE, now=now)
    issued = len(report.certificates)
    revoked = _revoke(to_revoke, hr)
    statuses = Counter(
        CertificationStatus.objects.filter(track__in=tracks.values()).values_list(
            "status", flat=True
        )
    )
    shown = ", ".join(f"{status} {n}" for status, n in sorted(statuses.items()))
    return (
        f"{len(tracks)} tracks ({created} new), {evidence.counts['attempts']} attempts and "
        f"{evidence.counts['courses_completed']} course completions added, "
        f"{issued} certificates issued, {revoked} revoked; statuses: {shown}"
    )


@transaction.atomic
def build_readiness_mix(*, leave_out=()) -> str:
    """Certify further staff for the rollout waves' figures (READINESS_MIX), leaving out the
    stage cast above and `leave_out` (the seed-user demo's nominees: their training is its
    story). Run after build_certification and demo_seed_users; idempotent."""
    now = timezone.now()
    tracks = {
        code: track
        for code in TRACKS
        if (track := CertificationTrack.objects.filter(code=f"demo-{code}").first()) is not None
    }
    leave = set(leave_out)
    for role, stages in CAST.items():
        leave |= {m.pk for m in _colleagues(role, len(stages))}
    evidence = _Evidence(now)
    added = _readiness_mix(evidence, tracks, leave)
    issued = len(status_refresh(cause=CAUSE, now=now).certificates) if added else 0
    return (
        f"{added} more staff certified for the rollout waves ({evidence.counts['attempts']} "
        f"attempts, {issued} certificates)"
    )
