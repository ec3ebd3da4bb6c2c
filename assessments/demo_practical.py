"""The practical exams of the demo hospital: the starter pack's scenarios, one practical exam
per job role in that role's go-live curriculum, and attempts made by playing the starter
pack's solutions through the attempt engine (reference solutions pass, flawed ones fail in the
checks they were written to fail). The nurses' exam is assessed by the simulation and an
examiner's rubric; the trainer examines a few nurses and has scored some of them. The nurses
also have an OSCE station scored by the examiner alone.

Idempotent: scenarios are brought up to date by the starter pack loader (a version is added
only when a file changed), exams are keyed on their title, and whoever has an attempt at an
exam is left alone. learner-nurse has no attempt: a visitor signed in as her takes the exam.
"""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import yaml
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from portal.demo.hospital import DOMAIN
from portal.org.models import StaffMember

from .demo import TRAINER_EMAIL, _curriculum_items
from .models import Attempt, Exam, ExaminerAssignment, RubricItem, Scenario
from .services.attempts import attempt_start, attempt_submit
from .services.practical import practical_act, rubric_score_save, station_attempt_start
from .services.scenarios import STARTER_DIR, starter_pack_load

# role -> (starter scenario, English title, Chinese title, assessed by)
EXAMS = {
    "doctor": (
        "doctor-outpatient-penicillin-allergy",
        "Practical: e-prescribing in the outpatient clinic",
        "实操考核：门诊电子处方",
        Exam.AssessedBy.SIMULATION,
    ),
    "nurse": (
        "nurse-bcma-wrong-patient",
        "Practical: barcode medication administration",
        "实操考核：扫码给药",
        Exam.AssessedBy.BOTH,
    ),
    "cashier": (
        "cashier-register-insured-payment",
        "Practical: registration and payment with insurance",
        "实操考核：医保患者挂号收费",
        Exam.AssessedBy.SIMULATION,
    ),
    "admin": (
        "admin-onboard-nurse-least-privilege",
        "Practical: onboarding a new nurse with least privilege",
        "实操考核：新护士账号开通（最小权限）",
        Exam.AssessedBy.SIMULATION,
    ),
}
RUBRIC = [
    ("Introduces self and explains the medicine to the patient", "向患者自我介绍并解释药物", 2),
    ("Hand hygiene before and after", "操作前后手卫生", 2),
    ("Asks the patient's name and date of birth aloud", "口头核对患者姓名和出生日期", 3),
    ("Checks the wristband against the MAR before scanning", "扫码前核对腕带与给药记录", 3),
    ("Observes the patient after giving the dose", "给药后观察患者反应", 2),
]
INTRO = (
    "Work through the tasks in the training HIS as you would on the ward. Everything you do is "
    "recorded and graded when you finish; the patients are not real."
)
INTRO_ZH = (
    "请像在病房一样在培训环境HIS中完成任务。您的每一步操作都会被记录，结束后自动评分；"
    "患者均为虚拟。"
)
# An OSCE station for nurses, scored by the examiner alone (no HIS): the trainer examines a few
# nurses; some are scored (which finishes their attempt), the others wait to be started.
STATION = (
    "OSCE station: patient identification and hand hygiene",
    "实操站点考核：患者身份识别与手卫生",
)
STATION_RUBRIC = [
    ("Hand hygiene (the five moments)", "手卫生（五个时刻）", 2),
    ("Two identifiers checked with the patient", "与患者核对两种身份识别信息", 3),
    ("Wristband checked against the request form", "腕带与申请单核对一致", 3),
    ("Explains the procedure and obtains consent", "解释操作并取得同意", 2),
]
STATION_CANDIDATES, STATION_SCORED = 5, 3
# How many colleagues (not demo logins) of each role sit the exam, and with which solution.
CAST = [("reference", 4), ("flawed", 3), ("flawed_then_reference", 2)]
EXAMINED_NURSES = 6


def _solutions(slug: str) -> dict[str, list[dict]]:
    folder = STARTER_DIR / "solutions" / slug
    found = {}
    for path in sorted(Path(folder).glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        found[path.stem] = data["actions"] if isinstance(data, dict) else data
    return found


def _exam_ensure(role: str, scenario: Scenario, trainer) -> tuple[Exam, bool]:
    _slug, title, title_zh, assessed_by = EXAMS[role]
    exam = Exam.objects.filter(title=title).first()
    if exam is not None:
        return exam, False
    exam = Exam.objects.create(
        kind=Exam.Kind.PRACTICAL,
        title=title,
        title_zh=title_zh,
        intro=INTRO,
        intro_zh=INTRO_ZH,
        scenario=scenario,
        assessed_by=assessed_by,
        time_limit_minutes=30,
        max_attempts=3,
        cooldown_minutes=0,
        pass_mark_percent=Decimal(80),
        grading_method=Exam.GradingMethod.HIGHEST,
        review_policy=Exam.ReviewPolicy.IMMEDIATELY,
        published=True,
    )
    if trainer is not None:
        exam.trainers.set([trainer])
        exam.save()
    if exam.uses_rubric:
        for order, (text, text_zh, points) in enumerate(RUBRIC):
            RubricItem.objects.create(
                exam=exam, sort_order=order, text=text, text_zh=text_zh, points=points
            )
    return exam, True


def _play(exam, staff, actions, *, start) -> Attempt:
    """One attempt: the actions at their recorded seconds after `start`, then finished."""
    attempt = attempt_start(exam=exam, staff=staff, now=start)
    last = 0.0
    for seq, action in enumerate(actions, start=1):
        last = max(last, float(action.get("t", last + 15)))
        step = {k: v for k, v in action.items() if k != "t"}
        practical_act(
            attempt=attempt, staff=staff, action=step, seq=seq, now=start + timedelta(seconds=last)
        )
    attempt_submit(attempt=attempt, staff=staff, now=start + timedelta(seconds=last + 20))
    attempt.refresh_from_db()
    return attempt


def _cast(role: str) -> list[tuple[StaffMember, str]]:
    staff = (
        StaffMember.objects.filter(job_role__code=role, active=True, user__isnull=False)
        .exclude(user__email__endswith=f"@{DOMAIN}")
        .select_related("user")
        .order_by("employee_no")
    )
    stages = [stage for stage, count in CAST for _ in range(count)]
    return list(zip(staff, stages, strict=False))


def _attempts(exams: dict[str, Exam], trainer, today) -> int:
    rng = random.Random(5)
    tz = timezone.get_current_timezone()

    def at(days_ago: int) -> datetime:
        clock = time(rng.randint(8, 16), rng.choice((0, 15, 30, 45)))
        return timezone.make_aware(datetime.combine(today - timedelta(days=days_ago), clock), tz)

    made = 0
    for role, exam in exams.items():
        solutions = _solutions(EXAMS[role][0])
        reference = solutions.pop("reference", None)
        flawed = [actions for name, actions in solutions.items() if name.startswith("flawed")]
        if reference is None or not flawed:
            continue
        taken = set(Attempt.objects.filter(exam=exam).values_list("staff_id", flat=True))
        for member, stage in _cast(role):
            if member.pk in taken:
                continue
            if stage == "reference":
                _play(exam, member, reference, start=at(rng.randint(1, 5)))
            elif stage == "flawed":
                _play(exam, member, rng.choice(flawed), start=at(rng.randint(1, 4)))
            else:
                _play(exam, member, rng.choice(flawed), start=at(5))
                _play(exam, member, reference, start=at(2))
                made += 1
            made += 1
    return made


def _examiners(exam: Exam, trainer) -> int:
    """The trainer examines the first nurses who sat the exam and has scored all but one of
    them (that one is waiting in the examiner's list)."""
    if trainer is None or not exam.uses_rubric:
        return 0
    sitters = list(
        Attempt.objects.filter(exam=exam)
        .order_by("staff__employee_no", "number")
        .values_list("staff_id", flat=True)
        .distinct()
    )
    staff_ids = list(dict.fromkeys(sitters))[:EXAMINED_NURSES]
    added = 0
    for order, staff_id in enumerate(staff_ids):
        _row, created = ExaminerAssignment.objects.get_or_create(
            exam=exam, examiner=trainer, staff_id=staff_id, defaults={"sort_order": order}
        )
        added += created
    items = list(RubricItem.objects.filter(exam=exam).order_by("sort_order"))
    for staff_id in staff_ids[:-1]:
        for attempt in Attempt.objects.filter(exam=exam, staff_id=staff_id, rubric_score=None):
            good = bool(attempt.simulation and attempt.simulation.get("passed"))
            marks = {
                str(item.pk): "done" if good or n % 2 else "partly" for n, item in enumerate(items)
            }
            rubric_score_save(
                attempt=attempt,
                examiner=trainer,
                items=marks,
                global_rating=4 if good else 2,
                comments="操作规范，核对到位。Safe and methodical."
                if good
                else "核对不充分。Checks missed.",
            )
    return added


def _station(trainer) -> int:
    """The nurses' OSCE station; returns the attempts scored by this run."""
    if trainer is None or Exam.objects.filter(title=STATION[0]).exists():
        return 0
    exam = Exam.objects.create(
        kind=Exam.Kind.PRACTICAL,
        title=STATION[0],
        title_zh=STATION[1],
        assessed_by=Exam.AssessedBy.RUBRIC,
        time_limit_minutes=15,
        max_attempts=2,
        pass_mark_percent=Decimal(80),
        review_policy=Exam.ReviewPolicy.IMMEDIATELY,
        published=True,
    )
    exam.trainers.set([trainer])
    exam.save()
    items = [
        RubricItem.objects.create(exam=exam, sort_order=n, text=text, text_zh=zh, points=points)
        for n, (text, zh, points) in enumerate(STATION_RUBRIC)
    ]
    nurses = [member for member, _stage in _cast("nurse")][-STATION_CANDIDATES:]
    scored = 0
    for order, member in enumerate(nurses):
        ExaminerAssignment.objects.create(
            exam=exam, examiner=trainer, staff=member, sort_order=order
        )
        if order >= STATION_SCORED:
            continue
        attempt = station_attempt_start(exam=exam, staff=member, examiner=trainer)
        marks = {str(item.pk): "done" if order or n else "partly" for n, item in enumerate(items)}
        rubric_score_save(
            attempt=attempt,
            examiner=trainer,
            items=marks,
            global_rating=4 if order else 3,
            comments="核对规范。Identity checked properly." if order else "手卫生时机需加强。",
        )
        scored += 1
    return scored


@transaction.atomic
def build_practical(today=None) -> dict:
    """Build (or leave as it is) the practical exams of the demo hospital. Run after
    build_exams (it reuses the curricula)."""
    today = today or timezone.localdate()
    trainer = get_user_model().objects.filter(email=TRAINER_EMAIL).first()
    scenarios = {s.slug: s for s in starter_pack_load(actor=trainer)}
    counts = {"scenarios": len(scenarios), "practical_exams": 0}
    exams = {}
    for role, (slug, *_rest) in EXAMS.items():
        if slug not in scenarios:
            continue
        exams[role], created = _exam_ensure(role, scenarios[slug], trainer)
        counts["practical_exams"] += created
    counts["practical_curriculum_items"] = _curriculum_items(exams)
    if counts["practical_curriculum_items"]:
        from courses.services.enrolment import assignments_recompute

        assignments_recompute()
    counts["practical_attempts"] = _attempts(exams, trainer, today)
    counts["examiner_assignments"] = _examiners(exams.get("nurse"), trainer) if exams else 0
    counts["station_scored"] = _station(trainer)
    return counts
