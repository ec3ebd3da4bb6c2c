"""The exams part of the demo hospital: the question bank, one exam per job role in that role's
go-live curriculum, and learners' attempts in every state. Idempotent: questions are keyed on
their idnumber, categories on their name and parent, exams on their title, curriculum items on
their exam, and attempts on the person (whoever already has an attempt at an exam is left
alone), so running `manage.py demo` again creates nothing.

Attempts go through the attempt engine (start, save, submit) with `now=` in the past, and
essays through the trainer's grading service, exactly as the screens do. The in-progress
attempts start a few minutes before the build: the exams have a 25-30 minute time limit, so
they show as in progress for about 20 minutes after `manage.py demo`; after that the sweeper
finishes them at their deadline ("Time ran out"), which is the other thing a demo can show.
"""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from courses.demo_learning import CURRICULA, PILOT
from courses.models import Curriculum, CurriculumItem
from courses.services.enrolment import assignments_recompute
from portal.demo.hospital import DOMAIN
from portal.org.models import JobRole, StaffMember

from . import demo_bank as bank
from .models import (
    Attempt,
    AttemptQuestion,
    Exam,
    ExamSlot,
    Question,
    QuestionAnswer,
    QuestionCategory,
    TextFormat,
)
from .services.attempts import answers_save, attempt_start, attempt_submit
from .services.bank import question_version_ensure
from .services.grading import essay_grade

TRAINER_EMAIL = f"trainer@{DOMAIN}"
EXAM_DUE_DAYS = 2  # before go-live; the role courses are due 5 days before
# How many people of each role (other than the demo logins) are at each stage.
STAGES = [
    ("passed", 5),
    ("failed", 2),
    ("failed_then_passed", 2),
    ("needs_grading", 2),
    ("in_progress", 2),
]
# The demo logins' own story. learner-nurse and trainer have nothing: a visitor signed in as
# the nurse finds the exam assigned and not started, and takes it.
LOGIN_STAGES = {
    "manager": "passed",  # the Emergency head nurse
    "learner-cashier": "passed",  # "well ahead" in the learning story too
    "learner-doctor": "failed",  # failed once; can review it and try again
    "hr": "passed",
    "auditor": "failed_then_passed",
    "rollout-lead": "needs_grading",  # waiting for the trainer to mark the essay
}
GRADER_COMMENTS = [
    (Decimal("4"), "要点齐全，处理流程正确。Complete and in the right order."),
    (Decimal("3"), "基本正确，请补充记录在系统中的内容。Mostly right; say what you record."),
    (Decimal("1.5"), "遗漏关键步骤，请复习课程第2课。Key steps missing: review lesson 2."),
]


# ---------------------------------------------------------------------------------------------
# The question bank


def _category(name: str, name_zh: str, parent) -> tuple[QuestionCategory, bool]:
    return QuestionCategory.objects.get_or_create(
        parent=parent, name=name, defaults={"name_zh": name_zh}
    )


def _categories() -> tuple[dict, int]:
    """{role: {topic: category}} under "Demo hospital/<Role>/<Topic>"; and how many were new."""
    root, created = _category(*bank.ROOT, None)
    made = int(created)
    tree = {}
    for code, name, name_zh in bank.ROLES:
        role_category, created = _category(name, name_zh, root)
        made += created
        tree[code] = {}
        for topic, topic_name, topic_zh, _module in bank.TOPICS[code]:
            tree[code][topic], created = _category(topic_name, topic_zh, role_category)
            made += created
    return tree, made


def _answer_rows(item: bank.Item) -> list[dict]:
    return [
        {
            "text": a.text,
            "text_zh": a.text_zh,
            "fraction": Decimal(str(a.percent)).quantize(Decimal("0.00001")),
            "feedback": a.feedback,
            "feedback_zh": a.feedback_zh,
            "tolerance": Decimal(a.tolerance).quantize(Decimal("0.000001")),
            "match": a.match,
            "match_zh": a.match_zh,
        }
        for a in item.answers
    ]


def _question_ensure(item: bank.Item, *, category, module, role, actor) -> tuple[Question, bool]:
    """Create the question, or bring it back in line with the data; then its version."""
    fields = {
        "category": category,
        "qtype": item.qtype,
        "name": item.name,
        "text": item.text,
        "text_zh": item.text_zh,
        "text_format": TextFormat.HTML,
        "general_feedback": item.feedback,
        "general_feedback_zh": item.feedback_zh,
        # As the database returns it, so the version snapshot ("1.00") does not differ
        # between this run and the next.
        "default_mark": Decimal(item.mark).quantize(Decimal("0.01")),
        "his_module": module,
        "difficulty": item.difficulty,
        "keywords": f"demo hospital, {role.code}, {category.name}",
    }
    question = Question.objects.filter(idnumber=item.idnumber).first()
    created = question is None
    if created:
        question = Question.objects.create(idnumber=item.idnumber, created_by=actor, **fields)
        question.job_roles.set([role])
        question.save()
    else:
        changed = [name for name, value in fields.items() if getattr(question, name) != value]
        for name in changed:
            setattr(question, name, fields[name])
        if changed:
            question.save(update_fields=[*changed, "updated_at"])
    rows = _answer_rows(item)
    stored = list(question.answers.order_by("sort_order", "pk").values(*rows[0])) if rows else []
    if stored != rows:
        QuestionAnswer.objects.filter(question=question).delete()
        for order, row in enumerate(rows):
            QuestionAnswer.objects.create(question=question, sort_order=order, **row)
    question_version_ensure(question=question, actor=actor)
    return question, created


def _bank(trainer) -> tuple[dict, dict, dict]:
    tree, categories_made = _categories()
    roles = {r.code: r for r in JobRole.objects.filter(code__in=bank.QUESTIONS)}
    questions, created = {}, 0
    for code, items in bank.QUESTIONS.items():
        modules = {topic: module for topic, _n, _z, module in bank.TOPICS[code]}
        for item in items:
            questions[item.idnumber], new = _question_ensure(
                item,
                category=tree[code][item.topic],
                module=modules[item.topic],
                role=roles[code],
                actor=trainer,
            )
            created += new
    return tree, questions, {"categories": categories_made, "questions": created}


# ---------------------------------------------------------------------------------------------
# Exams in the curricula


def _exam_ensure(spec: bank.ExamSpec, *, tree, questions, trainer) -> tuple[Exam, bool]:
    exam = Exam.objects.filter(title=spec.title).first()
    if exam is not None:
        return exam, False
    exam = Exam.objects.create(
        title=spec.title,
        title_zh=spec.title_zh,
        intro=bank.INTRO,
        intro_zh=bank.INTRO_ZH,
        time_limit_minutes=spec.minutes,
        max_attempts=3,
        cooldown_minutes=60,
        pass_mark_percent=Decimal(80),
        grading_method=Exam.GradingMethod.HIGHEST,
        review_policy=Exam.ReviewPolicy.IMMEDIATELY,
        shuffle_questions=True,
        shuffle_answers=True,
        questions_per_page=5,
        published=True,
    )
    if trainer is not None:
        exam.trainers.set([trainer])
        exam.save()
    order = 0
    for idnumber in spec.fixed:
        ExamSlot.objects.create(exam=exam, question=questions[idnumber], sort_order=order)
        order += 1
    for topic, count in spec.draws:
        ExamSlot.objects.create(
            exam=exam,
            category=tree[spec.role][topic],
            count=count,
            include_subcategories=False,
            sort_order=order,
        )
        order += 1
    return exam, True


def _curriculum_items(exams: dict[str, Exam]) -> int:
    """Add each exam to its role's go-live curriculum (built by courses.demo_learning)."""
    exam_type = ContentType.objects.get_for_model(Exam)
    names = {code: name for code, name, _zh in CURRICULA}
    added = 0
    for code, exam in exams.items():
        curriculum = Curriculum.objects.filter(job_role__code=code, name=names.get(code)).first()
        if curriculum is None:
            continue
        items = CurriculumItem.objects.filter(curriculum=curriculum)
        if items.filter(content_type=exam_type, object_id=exam.pk).exists():
            continue
        last = items.aggregate(last=Max("sort_order"))["last"]
        CurriculumItem.objects.create(
            curriculum=curriculum,
            sort_order=0 if last is None else last + 1,
            content_type=exam_type,
            object_id=exam.pk,
            due_rule=CurriculumItem.DueRule.BEFORE_GO_LIVE,
            due_days=EXAM_DUE_DAYS,
        )
        added += 1
    return added


# ---------------------------------------------------------------------------------------------
# Learners' attempts


def _response(content: dict, right: bool, rng: random.Random, role: str) -> dict:
    """What a learner who knows (right=True) or does not know the answer would send."""
    qtype, answers = content["qtype"], content["answers"]
    fractions = [a["fraction"] for a in answers]
    if qtype in ("single", "truefalse"):
        best = max(range(len(answers)), key=fractions.__getitem__)
        wrong = [i for i, f in enumerate(fractions) if f <= 0]
        return {"choice": best if right else rng.choice(wrong)}
    if qtype == "multiple":
        good = [i for i, f in enumerate(fractions) if f > 0]
        bad = [i for i, f in enumerate(fractions) if f <= 0]
        # Half-knowing: one right choice and one penalised one (the penalty shows in review).
        return {"choices": good if right else good[:1] + bad[:1]}
    if qtype == "shortanswer":
        if not right:
            return {"text": rng.choice(["not sure", "不清楚", "long-term"])}
        accepted = [a["text"] for a in answers if a["fraction"] >= 1]
        return {"text": rng.choice(accepted).replace("*", "").strip()}
    if qtype == "numerical":
        value = Decimal(answers[0]["text"])
        return {"text": str(value if right else value * 2)}
    if qtype == "matching":
        subs = [i for i, a in enumerate(answers) if a["text"].strip()]
        if right:
            return {"matches": {str(i): i for i in subs}}
        swapped = subs[1::-1] + subs[2:]  # the first two mixed up, the rest right
        return {"matches": {str(i): j for i, j in zip(subs, swapped, strict=True)}}
    if qtype == "essay":
        return {"text": rng.choice(bank.ESSAY_ANSWERS[role])}
    return None


def _knows(rows: list[AttemptQuestion], outcome: str, rng: random.Random) -> set[int]:
    """Positions answered right. A pass gets everything right but at most one 1-mark question;
    a fail about half, so it stays well under 80 % whatever the essay mark."""
    positions = [aq.position for aq in rows if aq.version.content["qtype"] != "essay"]
    if outcome == "fail":
        rng.shuffle(positions)
        return set(positions[: len(positions) // 2])
    ones = [aq.position for aq in rows if aq.max_mark == 1]
    miss = {rng.choice(ones)} if ones and rng.random() < 0.6 else set()
    return set(positions) - miss


def _sit(exam, staff, *, role, outcome, start, rng, trainer, submit=True, saved_after=8):
    """One attempt: started at `start`, the first page saved `saved_after` minutes later, then
    (when `submit`) submitted with every answer after 19 minutes; essays of a pass or a fail
    graded by the trainer (a "pending" attempt leaves its essay in the grading queue)."""
    attempt = attempt_start(exam=exam, staff=staff, now=start)
    rows = list(attempt.questions.select_related("version").order_by("position"))
    right = _knows(rows, "fail" if outcome == "fail" else "pass", rng)
    answers = [
        {
            "position": aq.position,
            "seq": 1,
            "response": _response(aq.version.content, aq.position in right, rng, role),
        }
        for aq in rows
    ]
    first_page = [a for a, aq in zip(answers, rows, strict=True) if aq.page == 0]
    answers_save(
        attempt=attempt,
        staff=staff,
        answers=first_page,
        page=1,
        now=start + timedelta(minutes=saved_after),
    )
    if not submit:
        return attempt
    final = [{**a, "seq": 2} for a in answers]
    attempt_submit(attempt=attempt, staff=staff, answers=final, now=start + timedelta(minutes=19))
    if outcome in ("pass", "fail") and trainer is not None:
        mark, comment = GRADER_COMMENTS[2] if outcome == "fail" else rng.choice(GRADER_COMMENTS[:2])
        for aq in attempt.questions.filter(needs_grading=True):
            essay_grade(attempt_question=aq, mark=mark, comment=comment, grader=trainer)
    return attempt


def _cast(role: JobRole) -> list[tuple[StaffMember, str]]:
    """Who sits the exam and how: the demo logins' fixed stories, then colleagues of the same
    role, pilot departments (going live first) first."""
    logins = {f"{local}@{DOMAIN}": stage for local, stage in LOGIN_STAGES.items()}
    staff = list(
        StaffMember.objects.filter(job_role=role, active=True, user__isnull=False)
        .select_related("user", "department")
        .order_by("employee_no")
    )
    cast = [(m, logins[m.user.email]) for m in staff if m.user.email in logins]
    others = [m for m in staff if not m.user.email.endswith(f"@{DOMAIN}")]
    others.sort(key=lambda m: (m.department.code not in PILOT, m.employee_no))
    stages = [stage for stage, count in STAGES for _ in range(count)]
    return cast + list(zip(others, stages, strict=False))


def _attempts(exams: dict[str, Exam], trainer, today, now) -> dict:
    rng = random.Random(4)
    tz = timezone.get_current_timezone()

    def at(days_ago: int) -> datetime:
        clock = time(rng.randint(8, 16), rng.choice((0, 10, 20, 30, 40, 50)))
        return timezone.make_aware(datetime.combine(today - timedelta(days=days_ago), clock), tz)

    counts = dict.fromkeys(("attempts", "in_progress"), 0)
    roles = {r.code: r for r in JobRole.objects.filter(code__in=exams)}
    for code, exam in exams.items():
        taken = set(Attempt.objects.filter(exam=exam).values_list("staff_id", flat=True))
        for member, stage in _cast(roles[code]):
            if member.pk in taken:
                continue
            sit = {"exam": exam, "staff": member, "role": code, "rng": rng, "trainer": trainer}
            if stage == "passed":
                _sit(outcome="pass", start=at(rng.randint(1, 6)), **sit)
            elif stage == "failed":
                _sit(outcome="fail", start=at(rng.randint(1, 4)), **sit)
            elif stage == "failed_then_passed":
                _sit(outcome="fail", start=at(5), **sit)
                _sit(outcome="pass", start=at(2), **sit)
                counts["attempts"] += 1
            elif stage == "needs_grading":
                _sit(outcome="pending", start=at(1), **sit)
            else:
                # Started minutes ago: the deadline (25-30 minutes) is still ahead.
                start = now - timedelta(minutes=rng.randint(4, 6))
                _sit(outcome="pass", start=start, submit=False, saved_after=3, **sit)
                counts["in_progress"] += 1
            counts["attempts"] += 1
    return counts


# ---------------------------------------------------------------------------------------------


@transaction.atomic
def build_exams(today=None) -> dict:
    """Build (or leave as it is) the exams part of the demo hospital; returns what was created.
    Run after build_hospital, build_courses and build_learning."""
    now = timezone.now()
    today = today or timezone.localdate(now)
    trainer = get_user_model().objects.filter(email=TRAINER_EMAIL).first()
    tree, questions, counts = _bank(trainer)
    exams, counts["exams"] = {}, 0
    for spec in bank.EXAMS:
        exams[spec.role], created = _exam_ensure(
            spec, tree=tree, questions=questions, trainer=trainer
        )
        counts["exams"] += created
    counts["curriculum_items"] = _curriculum_items(exams)
    if counts["curriculum_items"]:
        assignments_recompute()
    counts.update(_attempts(exams, trainer, today, now))
    return counts
