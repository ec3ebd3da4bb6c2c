"""Certification evidence for a generated hospital: tracks, exam attempts and certificates.

    python -m bench.generate --size XL --certification

`evidence_build()` runs on a hospital built by `bench.generate.build`. It creates one
certification track per job role present, each with a knowledge exam and a practical exam
(written with the ORM: no course pages, which are slow to create in Wagtail), then bulk-creates
finished, graded attempts for every staff member from a seeded generator, in a realistic spread
(`PROFILES`), and finally runs `status_refresh` for everybody, which writes the status table and
issues the certificates that are due. Dates count back from today, so the mix of statuses is the
same whenever it runs (the attempts' calendar days move with it).
"""

import random
import time
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal

# Who is where, as shares of the staff: certified a few months ago; certificate ending within 60
# days (recertification open); expired (past the 30-day grace); knowledge passed but the
# practical failed; knowledge only; nothing at all.
PROFILES = {
    "certified": 0.55,
    "expiring": 0.10,
    "expired": 0.10,
    "failed_practical": 0.10,
    "in_progress": 0.10,
    "not_started": 0.05,
}
VALIDITY_MONTHS, RECERTIFY_DAYS, GRACE_DAYS = 12, 60, 30
BATCH = 2000
EXCLUDED_SHARE = 0.02  # people with an attempt excluded by HR (sat with a colleague's login)
EXCLUDED_REASON = "Sat with a colleague's login: excluded after review"
EXCLUDED_BY = "Bench HR officer"
CRITICAL_CHECKS = ["right-patient", "allergy-override-reason", "refund-authorised"]


def _exams_and_tracks(role_ids: list[int]) -> dict[int, tuple]:
    """{job role id: (track, knowledge exam, practical exam)}, one track per role."""
    from assessments.models import CertificationTrack, Exam
    from portal.org.models import JobRole

    made = {}
    for role in JobRole.objects.filter(pk__in=role_ids).order_by("code"):
        knowledge = Exam.objects.create(
            kind=Exam.Kind.KNOWLEDGE,
            title=f"Bench: {role.name} HIS knowledge exam",
            pass_mark_percent=Decimal(80),
            published=True,
        )
        practical = Exam.objects.create(
            kind=Exam.Kind.PRACTICAL,
            title=f"Bench: {role.name} practical exam",
            assessed_by=Exam.AssessedBy.SIMULATION,
            pass_mark_percent=Decimal(80),
            published=True,
        )
        track = CertificationTrack.objects.create(
            code=f"bench-{role.code}"[:40],
            name=f"{role.name}: new HIS certification",
            name_zh=f"{role.name_zh or role.name}：新HIS认证",
            job_role=role,
            knowledge_exam=knowledge,
            practical_exam=practical,
            validity_months=VALIDITY_MONTHS,
            recertify_days_before=RECERTIFY_DAYS,
            grace_days=GRACE_DAYS,
        )
        made[role.pk] = (track, knowledge, practical)
    return made


class _Writer:
    """Attempt rows for one person after another: numbered per exam, kept in time order."""

    def __init__(self, rng: random.Random, tz, today: date):
        from assessments.models import Attempt

        self.Attempt, self.rng, self.tz, self.today = Attempt, rng, tz, today
        self.rows: list = []
        self.excluded = 0

    def moment(self, day: date) -> datetime:
        hour, minute = self.rng.randint(8, 16), self.rng.randrange(0, 60, 5)
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.tz)

    def sit(self, exam, staff_id: int, day: date, *, passed: bool, critical=False, **extra):
        """One finished attempt on `day`: a pass scores 80-100, a fail 40-79 (a critical
        failure fails a practical whatever its score)."""
        rng = self.rng
        percent = rng.uniform(80, 100) if passed or critical else rng.uniform(40, 79.5)
        percent = Decimal(f"{percent:.1f}")
        finished = self.moment(day)
        simulation = None
        if exam.kind == "practical":
            simulation = {
                "score": float(percent),
                "critical_failures": [rng.choice(CRITICAL_CHECKS)] if critical else [],
                "efficiency": round(rng.uniform(0.45, 1.2), 2),
            }
        number = self.numbers[exam.pk] = self.numbers.get(exam.pk, 0) + 1
        self.rows.append(
            self.Attempt(
                exam_id=exam.pk,
                staff_id=staff_id,
                number=number,
                state="finished",
                started_at=finished - timedelta(minutes=rng.randint(12, 40)),
                finished_at=finished,
                finished_by="learner",
                percent=percent,
                marks=percent,
                max_marks=100,
                passed=passed and not critical,
                needs_grading=False,
                simulation=simulation,
                **extra,
            )
        )

    def person(self, staff_id: int, profile: str, knowledge, practical) -> None:
        self.numbers: dict[int, int] = {}
        rng, today = self.rng, self.today
        if profile == "not_started":
            return
        if profile in ("certified", "expiring", "expired"):
            # The day the practical was passed: the certificate's first day.
            days_ago = {
                "certified": (20, 280),  # recertification opens ~305 days in
                "expiring": (310, 360),  # valid until within the next 55 days
                "expired": (400, 640),  # past valid until + 30 days of grace
            }[profile]
            passed_on = today - timedelta(days=rng.randint(*days_ago))
            self._exam_history(staff_id, knowledge, passed_on - timedelta(days=rng.randint(1, 20)))
            self._exam_history(staff_id, practical, passed_on, fail_share=0.15)
            if profile != "certified" and rng.random() < 0.45:
                # Recertification started: a recent knowledge attempt, the practical still to
                # do (so the status stays expiring, or expired).
                self.sit(
                    knowledge, staff_id, today - timedelta(days=rng.randint(0, 3)), passed=True
                )
            return
        knowledge_on = today - timedelta(days=rng.randint(3, 120))
        if profile == "in_progress":
            self.sit(knowledge, staff_id, knowledge_on, passed=rng.random() < 0.7)
            return
        # failed_practical: knowledge passed; one or two practical attempts failed, the first
        # of them on a critical check half of the time.
        self._exam_history(staff_id, knowledge, knowledge_on)
        day = knowledge_on
        for n in range(rng.choice((1, 1, 2))):
            day = min(today, day + timedelta(days=rng.randint(1, 10)))
            self.sit(practical, staff_id, day, passed=False, critical=n == 0 and rng.random() < 0.5)

    def _exam_history(self, staff_id, exam, passed_on: date, *, fail_share=0.2) -> None:
        """A pass on `passed_on`, sometimes after a failed try, rarely after an excluded one."""
        if self.rng.random() < EXCLUDED_SHARE:
            self.excluded += 1
            self.sit(
                exam,
                staff_id,
                passed_on - timedelta(days=self.rng.randint(20, 40)),
                passed=True,
                excluded=True,
                excluded_reason=EXCLUDED_REASON,
                excluded_by=EXCLUDED_BY,
                excluded_at=self.moment(passed_on - timedelta(days=15)),
            )
        if self.rng.random() < fail_share:
            before = passed_on - timedelta(days=self.rng.randint(2, 14))
            self.sit(exam, staff_id, before, passed=False)
        self.sit(exam, staff_id, passed_on, passed=True)


def _log(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text + "\n")
        stdout.flush()


def evidence_build(*, seed: int = 2026, stdout=None) -> dict:
    """Tracks, attempts and certificates for the generated hospital in the current database.
    Returns the counts (tracks, attempts, excluded, profiles, statuses, certificates) and the
    time of each step. Run it once, on a hospital without tracks."""
    from django.db import transaction
    from django.db.models import Count
    from django.utils import timezone

    from assessments.models import Attempt, Certificate, CertificationStatus
    from assessments.services.certification import status_refresh
    from portal.org.models import StaffMember

    timings: dict[str, float] = {}
    started = time.perf_counter()
    rng = random.Random(f"{seed}-certification")
    today = timezone.localdate()
    staff = list(StaffMember.objects.order_by("pk").values_list("pk", "job_role_id"))

    clock = time.perf_counter()
    with transaction.atomic():
        tracks = _exams_and_tracks(sorted({role for _pk, role in staff}))
    timings["tracks"] = time.perf_counter() - clock

    clock = time.perf_counter()
    writer = _Writer(rng, timezone.get_current_timezone(), today)
    profiles: Counter[str] = Counter()
    names, weights = list(PROFILES), list(PROFILES.values())
    attempts = 0
    with transaction.atomic():
        for staff_id, role_id in staff:
            profile = rng.choices(names, weights=weights)[0]
            profiles[profile] += 1
            _track, knowledge, practical = tracks[role_id]
            writer.person(staff_id, profile, knowledge, practical)
            if len(writer.rows) >= BATCH * 5:
                Attempt.objects.bulk_create(writer.rows, batch_size=BATCH)
                attempts += len(writer.rows)
                writer.rows = []
        Attempt.objects.bulk_create(writer.rows, batch_size=BATCH)
        attempts += len(writer.rows)
    timings["attempts"] = time.perf_counter() - clock
    _log(stdout, f"  attempts: {attempts:,} in {timings['attempts']:.1f} s")

    clock = time.perf_counter()
    report = status_refresh(cause="bench evidence")
    timings["status_refresh"] = time.perf_counter() - clock
    timings["total"] = time.perf_counter() - started
    statuses = Counter(
        dict(CertificationStatus.objects.values_list("status").order_by().annotate(n=Count("pk")))
    )
    return {
        "tracks": len(tracks),
        "attempts": attempts,
        "excluded": writer.excluded,
        "profiles": profiles,
        "rows": report.rows,
        "statuses": statuses,
        "certificates": Certificate.objects.count(),
        "records": report.records,
        "timings": timings,
    }


def report(result: dict) -> str:
    rows = result["rows"] or 1
    statuses = ", ".join(
        f"{status} {count:,} ({count / rows:.0%})"
        for status, count in result["statuses"].most_common()
    )
    timings = result["timings"]
    return "\n".join(
        [
            f"certification: {result['tracks']} tracks, {result['attempts']:,} attempts "
            f"({result['excluded']:,} excluded), {result['certificates']:,} certificates, "
            f"{result['records']:,} proficiency records",
            f"  statuses ({result['rows']:,} rows): {statuses}",
            "  drawn profiles: "
            + ", ".join(f"{k} {v:,}" for k, v in result["profiles"].most_common()),
            "  time: "
            + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items() if k != "total")
            + f"; total {timings['total']:.1f} s",
        ]
    )
