"""The demo hospital's training state: rollout waves (go-live dates), a curriculum per job
role, assignments, and staff at every stage (done, in progress, not started, overdue).
Idempotent."""

import random
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from portal.org.models import Department, JobRole, StaffMember

from .models import CoursePage, Curriculum, CurriculumItem, LessonPage, LessonProgress
from .services.enrolment import assignments_recompute
from .services.progress import lesson_complete, lesson_visit

# The pilot (Emergency with its observation ward, and Pharmacy) went live four weeks ago and runs
# dual-track for a few more days; the rest of the hospital goes live in six weeks (wave 2).
PILOT = ["ED", "PHARM"]
PILOT_IN_DAYS = -28
PILOT_DUAL_TRACK_DAYS = 5  # from today
HOSPITAL_IN_DAYS = 42
PILOT_WAVE = ("Pilot: Emergency and Pharmacy", "试点：急诊科与药剂科")
HOSPITAL_WAVE = ("Wave 2: hospital-wide", "第二批：全院")
CURRICULA = [
    # job role, English name, Chinese name, days before go-live for HIS basics / role courses
    ("doctor", "Doctors: new HIS go-live training", "医生：新HIS上线培训"),
    ("nurse", "Nurses: new HIS go-live training", "护士：新HIS上线培训"),
    ("cashier", "Cashiers: new HIS go-live training", "收费员：新HIS上线培训"),
    ("admin", "Administrative staff: new HIS go-live training", "行政人员：新HIS上线培训"),
]
# Basics first, eight weeks before go-live: for wave 2 they were due a fortnight ago.
BASICS_DAYS_BEFORE = 56
ROLE_DAYS_BEFORE = 5


def _go_live_dates(today):
    """The rollout waves: the pilot live since four weeks, the rest of the hospital in six
    weeks. A wave that exists keeps its dates and status; departments in no wave yet join
    theirs. No department_changed signal: build_learning recomputes every assignment right
    after."""
    # The demo builds the whole hospital, readiness included: the one place in courses that
    # reaches up to readiness (product code reads dates through portal.org.golive).
    from portal.readiness.models import Wave

    in_a_wave = set(Wave.departments.through.objects.values_list("department_id", flat=True))
    pilot = Department.objects.filter(code__in=PILOT)
    rest = Department.objects.filter(parent__isnull=True).exclude(code__in=PILOT)
    for (name, name_zh), days, departments, extra in (
        (
            PILOT_WAVE,
            PILOT_IN_DAYS,
            pilot,
            {
                "status": Wave.Status.LIVE,
                "dual_track_until": today + timedelta(days=PILOT_DUAL_TRACK_DAYS),
            },
        ),
        (
            HOSPITAL_WAVE,
            HOSPITAL_IN_DAYS,
            rest,
            {
                "status": Wave.Status.TRAINING,
                "dual_track_until": today + timedelta(days=HOSPITAL_IN_DAYS + 28),
            },
        ),
    ):
        wave, created = Wave.objects.get_or_create(
            name=name,
            defaults={"name_zh": name_zh, "go_live_date": today + timedelta(days=days), **extra},
        )
        if created:
            _criteria_defaults(wave, hospital_wide=name == HOSPITAL_WAVE[0])
        wave.departments.add(*[d for d in departments if d.pk not in in_a_wave])


def _criteria_defaults(wave, *, hospital_wide=False):
    """The default criteria. Wave 2's seed users train in the second half of the programme
    (its floor-support rota is drawn up after the pilot's evaluation), so the rollout lead has
    its seed-user coverage not counted yet: the criterion is there, switched off."""
    from portal.readiness.models import Criterion

    Criterion.objects.bulk_create(
        Criterion(
            wave=wave,
            kind=kind,
            green=green,
            amber=amber,
            active=not (hospital_wide and kind == Criterion.Kind.SEED_USERS),
        )
        for kind, (green, amber) in Criterion.DEFAULTS.items()
    )


def _curricula():
    course_type = ContentType.objects.get_for_model(CoursePage)
    courses = list(CoursePage.objects.live().prefetch_related("job_roles").order_by("path"))
    for code, name, name_zh in CURRICULA:
        role = JobRole.objects.filter(code=code).first()
        if role is None or Curriculum.objects.filter(job_role=role, name=name).exists():
            continue
        curriculum = Curriculum.objects.create(name=name, name_zh=name_zh, job_role=role)
        mine = [c for c in courses if role in c.job_roles.all()]
        # Courses for every role (HIS basics) come first and are due earlier.
        mine.sort(key=lambda c: (-len(c.job_roles.all()), c.path))
        for order, course in enumerate(mine):
            basics = len(course.job_roles.all()) > 1
            CurriculumItem.objects.create(
                curriculum=curriculum,
                sort_order=order,
                content_type=course_type,
                object_id=course.pk,
                due_rule=CurriculumItem.DueRule.BEFORE_GO_LIVE,
                due_days=BASICS_DAYS_BEFORE if basics else ROLE_DAYS_BEFORE,
            )


def _progress_stages():
    """A spread of learners: a third finished their first course, a quarter are part-way,
    the rest have not started (some of those overdue). The demo logins get a fixed story."""
    if LessonProgress.objects.exists():
        return 0
    rng = random.Random(11)
    lessons_by_course = {}
    for lesson in LessonPage.objects.live().filter(required=True).order_by("path"):
        parent_path = lesson.path[: -LessonPage.steplen]
        lessons_by_course.setdefault(parent_path, []).append(lesson)
    course_paths = {c.pk: c.path for c in CoursePage.objects.only("pk", "path")}
    touched = 0
    staff_list = StaffMember.objects.filter(active=True).prefetch_related("assignments")
    for member in staff_list.order_by("employee_no"):
        items = sorted(
            (a for a in member.assignments.all() if a.status == "active"),
            key=lambda a: (a.due_date is None, a.due_date),
        )
        if not items:
            continue
        story = _story(member.employee_no, rng)
        for assignment, stage in zip(items, story, strict=False):
            lessons = lessons_by_course.get(course_paths.get(assignment.object_id), [])
            if stage == "done":
                for lesson in lessons:
                    lesson_complete(staff=member, lesson=lesson, seconds=rng.randint(240, 900))
            elif stage == "started" and lessons:
                lesson_complete(staff=member, lesson=lessons[0], seconds=rng.randint(180, 600))
                if len(lessons) > 1:
                    lesson_visit(staff=member, lesson=lessons[1], seconds=rng.randint(30, 200))
            touched += 1
    return touched


def _story(employee_no, rng) -> list[str]:
    fixed = {
        "D0001": ["done", "started"],  # learner-nurse: one done, one in progress, rest to do
        "D0002": [],  # learner-doctor: nothing yet, basics overdue
        "D0003": ["done", "done"],  # learner-cashier: well ahead
    }
    if employee_no in fixed:
        return fixed[employee_no]
    roll = rng.random()
    if roll < 0.35:
        return ["done", "started"]
    if roll < 0.6:
        return ["started"]
    return []


def _classroom_and_feedback(today):
    """Two hands-on sessions per role course in the training room (the first nearly full), and
    some ratings and problem reports for the trainers' triage list."""
    from django.contrib.auth import get_user_model

    from .models import ClassroomSession, ProblemReport
    from .services.classroom import booking_create
    from .services.feedback import course_rate, problem_report_create

    if ClassroomSession.objects.exists():
        return 0
    trainer = get_user_model().objects.filter(email="trainer@readyline.example").first()
    rng = random.Random(5)
    tz = timezone.get_current_timezone()
    created = 0
    for index, course in enumerate(CoursePage.objects.live().order_by("path")):
        for slot in range(2):
            day = today + timedelta(days=2 + index % 5 + slot * 7)
            starts = timezone.make_aware(
                timezone.datetime(day.year, day.month, day.day, 14 if slot else 9, 0), tz
            )
            session = ClassroomSession.objects.create(
                course=course,
                room="Training room 2 (IT building) / 信息楼培训室2",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                capacity=12,
                trainer=trainer,
            )
            created += 1
            if slot == 0:
                learners = StaffMember.objects.filter(
                    active=True, job_role__in=course.job_roles.all(), user__isnull=False
                ).order_by("employee_no")[:11]
                for member in learners:
                    booking_create(staff=member, session=session)
    comments = [
        (5, "The procedure screenshots match the new system exactly."),
        (4, "Clear, but the wristband scan video is too short."),
        (3, "Useful; please add the night-shift handover case."),
        (2, "Too long for a busy ward; split it into shorter lessons."),
    ]
    staff = list(StaffMember.objects.filter(active=True, user__isnull=False)[:60])
    for course in CoursePage.objects.live():
        for member in rng.sample(staff, 6):
            stars, comment = rng.choice(comments)
            course_rate(staff=member, course=course, stars=stars, comment=comment)
    lessons = list(LessonPage.objects.live().order_by("path")[:2])
    texts = [
        "The screen in step 3 no longer matches the system: the Confirm button moved to the top.",
        "第2步的截图和正式系统不一致，找不到“双人核对”按钮。",
    ]
    if not ProblemReport.objects.exists():
        for lesson, text, member in zip(lessons, texts, staff, strict=False):
            problem_report_create(staff=member, lesson=lesson, text=text)
    return created


@transaction.atomic
def build_learning(today=None) -> dict:
    today = today or timezone.localdate()
    _go_live_dates(today)
    _curricula()
    counts = assignments_recompute()
    counts["learners_with_progress"] = _progress_stages()
    counts["classroom_sessions"] = _classroom_and_feedback(today)
    return counts
