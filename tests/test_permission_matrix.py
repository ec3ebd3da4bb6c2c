"""Role × URL permission matrix: every URL of the portal, who may and who may not.

Later issues add their URLs to MATRIX; test_every_url_is_in_the_matrix fails until they do."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from assessments.models import ExaminerAssignment
from assessments.services.attempts import attempt_start, attempt_submit
from courses.models import ClassroomSession, ProblemReport
from portal.accounts import roles
from portal.org.models import RosterImport
from portal.records.models import AuditEvent, HrExport
from seedusers.models import Activity
from tests.assessments import factories as exam_factories
from tests.assessments.practical_factories import practical_exam, scenario
from tests.courses.factories import course
from tests.factories import DepartmentFactory, UserFactory, person

ANON, LEARNER, TRAINER, MANAGER, HR, LEAD, AUDITOR, ADMIN = (
    "anonymous",
    "learner",
    "trainer",
    "manager",
    "hr",
    "rollout_lead",
    "auditor",
    "superuser",
)
EVERYONE = [ANON, LEARNER, TRAINER, MANAGER, HR, LEAD, AUDITOR, ADMIN]
LOGIN = "login"  # anonymous: redirected to the sign-in page
OK = 200


@dataclass
class World:
    people: dict
    ed_staff: object  # in the manager's department
    obs_staff: object  # in a sub-department of it
    card_staff: object  # in another department
    roster_import: RosterImport
    course: object
    lesson: object
    report: object
    session: object
    exam: object  # trained by TRAINER; LEARNER's finished attempt waits for its essay grade
    attempt: object
    essay: object  # the AttemptQuestion of that essay
    open_attempt: object  # LEARNER's attempt in progress on another exam
    other_exam: object  # trained by nobody in the matrix, with an attempt of card_staff
    other_attempt: object
    # Practical exams. practical: trained by TRAINER, LEARNER's attempt finished.
    # practical_other: trained by nobody here; TRAINER examines LEARNER (not card_staff) on it;
    # LEARNER's attempt on it is open, card_staff's finished.
    practical_done: object
    practical_open: object
    practical_other_attempt: object
    # Certification: a nurse track; LEARNER (ED) and card_staff are certified.
    certificate: object
    other_certificate: object
    # Seed users: LEARNER (ED) is an active seed user with a pending activity; card_staff is
    # nominated in another department; obs_staff (ED's sub-department) is not nominated.
    seed: object
    seed_activity: object
    other_nomination: object
    # Readiness: a wave holding ED (the manager's) with a decision, one holding CARD with a
    # decision and a condition.
    ed_wave: object
    card_wave: object
    ed_decision: object
    card_decision: object
    card_exception: object  # an access exception requested in card_wave for card_staff
    api_token: object
    hr_export: object  # an HR export HR asked for (HR may all see every export)
    other_activity: object  # a pending activity of card_staff's nomination (another department)


@pytest.fixture(scope="module")
def world_built(django_db_setup, django_db_blocker):
    """The world is built once per module inside a transaction that is rolled back at the end;
    each test runs in a savepoint inside it (the `db` fixture), so it sees the world and leaves
    it as it found it. Building it per test made the matrix take minutes."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _world_build()
        transaction.set_rollback(True)


@pytest.fixture
def world(db, world_built):
    return world_built


def _world_build():
    ed = DepartmentFactory(code="ED")
    obs = DepartmentFactory(code="ED-OBS", parent=ed)
    card = DepartmentFactory(code="CARD")
    people = {
        LEARNER: person([roles.LEARNER], department=ed),
        TRAINER: person([roles.LEARNER, roles.TRAINER]),
        MANAGER: person([roles.LEARNER, roles.MANAGER], department=ed),
        HR: person([roles.LEARNER, roles.HR]),
        LEAD: person([roles.LEARNER, roles.ROLLOUT_LEAD]),
        AUDITOR: person([roles.LEARNER, roles.AUDITOR]),
    }
    people[MANAGER].managed_departments.add(ed)
    users = {role: member.user for role, member in people.items()}
    users[ADMIN] = UserFactory(is_superuser=True, is_staff=True)
    users[ANON] = None
    roster_import = RosterImport.objects.create(
        uploaded_by=users[HR], filename="r.csv", content=b"x", sha256="0" * 64
    )
    course_page = course(roles=("nurse",), lessons=1)
    lesson_page = course_page.get_children().specific().first()
    report = ProblemReport.objects.create(staff=people[LEARNER], lesson=lesson_page, text="x")
    starts = timezone.now() + timedelta(days=3)
    session = ClassroomSession.objects.create(
        course=course_page,
        room="Training room 2",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        capacity=10,
        trainer=people[TRAINER].user,
    )
    exams = _exams_build(people, users, card_staff=person([roles.LEARNER], department=card))
    exams.update(_practical_build(people, users, card_staff=exams["other_attempt"].staff))
    exams.update(_certification_build(people[LEARNER], exams["other_attempt"].staff))
    exams.update(_seed_build(people[LEARNER], exams["other_attempt"].staff))
    exams.update(_readiness_build(users[LEAD], ed, card, exams["other_attempt"].staff))
    exams["hr_export"] = HrExport.objects.create(
        requested_by=users[HR], filters={}, format=HrExport.Format.CSV
    )
    exams["other_activity"] = Activity.objects.create(
        nomination=exams["other_nomination"],
        kind=Activity.Kind.COACHING,
        day=timezone.localdate(),
        minutes=20,
        colleagues=1,
        topic="Cardiology order sets",
        token="matrix-card",
    )
    return World(
        **exams,
        people=users,
        course=course_page,
        lesson=lesson_page,
        report=report,
        session=session,
        ed_staff=people[LEARNER],
        obs_staff=person([roles.LEARNER], department=obs),
        card_staff=exams["other_attempt"].staff,
        roster_import=roster_import,
    )


def _exams_build(people, users, card_staff) -> dict:
    """Exams with attempts: one the matrix's trainer trains, one nobody in it trains."""
    choice = exam_factories.question("single")
    essay = exam_factories.question("essay")
    # Answers are released only after the exam closes (next week): nobody may see them now.
    exam = exam_factories.exam(
        questions=[choice, essay],
        review_policy="after_close",
        closes_at=timezone.now() + timedelta(days=7),
    )
    exam_factories.trains(exam, users[TRAINER])
    attempt = exam_factories.sit(
        exam, people[LEARNER], [(choice, {"choice": 0}), (essay, {"text": "I scan first."})]
    )
    open_exam = exam_factories.exam(questions=[choice])
    other_exam = exam_factories.exam(questions=[choice])
    return {
        "exam": exam,
        "attempt": attempt,
        "essay": attempt.questions.get(position=1),
        "open_attempt": attempt_start(exam=open_exam, staff=people[LEARNER]),
        "other_exam": other_exam,
        "other_attempt": exam_factories.sit(other_exam, card_staff, [(choice, {"choice": 1})]),
    }


def _practical_build(people, users, card_staff) -> dict:
    rubric = [("Checks the wristband aloud", 2)]
    practical = practical_exam(assessed_by="both", rubric=rubric)
    exam_factories.trains(practical, users[TRAINER])
    done = attempt_start(exam=practical, staff=people[LEARNER])
    attempt_submit(attempt=done, staff=people[LEARNER])
    other = practical_exam(
        scenario(slug="doctor-outpatient-penicillin-allergy"), assessed_by="both", rubric=rubric
    )
    ExaminerAssignment.objects.create(exam=other, examiner=users[TRAINER], staff=people[LEARNER])
    other_attempt = attempt_start(exam=other, staff=card_staff)
    attempt_submit(attempt=other_attempt, staff=card_staff)
    return {
        "practical_done": done,
        "practical_open": attempt_start(exam=other, staff=people[LEARNER]),
        "practical_other_attempt": other_attempt,
    }


def _certification_build(learner, card_staff) -> dict:
    from assessments.models import Certificate
    from assessments.services.certification import status_refresh
    from tests.assessments.certification_factories import certify, track

    nurse_track = track(role=learner.job_role.code, courses=0)
    for member in (learner, card_staff):
        certify(member, nurse_track, when="2026-01-10")
    status_refresh(staff_ids=[learner.pk, card_staff.pk])
    return {
        "certificate": Certificate.objects.get(staff=learner),
        "other_certificate": Certificate.objects.get(staff=card_staff),
    }


def _seed_build(learner, card_staff) -> dict:
    from seedusers.models import Activity, Nomination, Programme

    programme = Programme.objects.create(name="Seed users", min_proficiency=0)
    seed = Nomination.objects.create(
        programme=programme, staff=learner, reason="x", status=Nomination.Status.ACTIVE
    )
    activity = Activity.objects.create(
        nomination=seed,
        kind=Activity.Kind.COACHING,
        day=timezone.localdate(),
        minutes=30,
        colleagues=2,
        topic="Barcode scanning",
        token="matrix",
    )
    other = Nomination.objects.create(programme=programme, staff=card_staff, reason="x")
    return {"seed": seed, "seed_activity": activity, "other_nomination": other}


def _readiness_build(lead, ed, card, card_staff) -> dict:
    from datetime import date

    from portal.readiness.decisions import decision_record
    from portal.readiness.models import AccessException, ApiToken
    from tests.readiness.factories import wave

    ed_wave = wave([ed], date(2027, 3, 1))
    card_wave = wave([card], date(2027, 6, 1))
    due = timezone.localdate() + timedelta(days=14)
    decisions = {
        key: decision_record(
            actor=lead,
            wave=w,
            outcome="conditions",
            rationale="Ready once the night shift is trained",
            conditions=[{"text": "Night shift trained", "owner": "Head nurse", "due_date": due}],
            token=f"matrix-{key}",
        )
        for key, w in (("ed", ed_wave), ("card", card_wave))
    }
    return {
        "ed_wave": ed_wave,
        "card_wave": card_wave,
        "ed_decision": decisions["ed"],
        "card_decision": decisions["card"],
        "api_token": ApiToken.objects.create(
            name="matrix",
            prefix="rl_0000mtrx",
            key_hash="m" * 64,
            scopes=["waves"],
            created_by=lead,
        ),
        "card_exception": AccessException.objects.create(
            wave=card_wave,
            staff=card_staff,
            reason="Agency nurse",
            expires_on=timezone.localdate() + timedelta(days=5),
            requested_by=lead,
        ),
    }


class Idor(tuple):
    """A matrix row that is an IDOR case: signed-in people who may use the view (for their own
    objects, their own departments') ask for another person's or another department's object,
    and are refused (403) or told it does not exist (404). `leak(world)` is a piece of that
    other person's data that a refusal must not contain. tests/test_idor.py checks that every
    object URL has such a case."""

    leak = None

    def __new__(cls, name, build, expected, leak=None):
        row = super().__new__(cls, (name, build, expected))
        row.leak = leak
        return row


def allowed(ok_roles, denied=403, anon=LOGIN):
    """Expected outcome per role: 200 for ok_roles, `denied` for the other signed-in roles."""
    return {
        role: (anon if role == ANON else OK if role in ok_roles else denied) for role in EVERYONE
    }


# (name, url builder, expected outcome per role). `name` is the URL pattern name it covers.
MATRIX = [
    ("my_training", lambda w: "/training/", allowed(EVERYONE)),
    ("org:staff_list", lambda w: "/org/staff/", allowed([MANAGER, HR, LEAD, ADMIN])),
    (
        "org:staff_detail",
        lambda w: f"/org/staff/{w.ed_staff.pk}/",
        allowed([MANAGER, HR, LEAD, ADMIN]),
    ),
    # Another department's person by id: the manager gets 404, exactly as for a missing id.
    Idor(
        "org:staff_detail",
        lambda w: f"/org/staff/{w.card_staff.pk}/",
        {**allowed([HR, LEAD, ADMIN]), MANAGER: 404},
        leak=lambda w: w.card_staff.full_name,
    ),
    # A sub-department of the managed department is in scope.
    (
        "org:staff_detail",
        lambda w: f"/org/staff/{w.obs_staff.pk}/",
        allowed([MANAGER, HR, LEAD, ADMIN]),
    ),
    (
        "org:staff_detail",
        lambda w: "/org/staff/999999/",
        {**allowed([]), MANAGER: 404, HR: 404, LEAD: 404, ADMIN: 404},
    ),
    ("org:roster_import_list", lambda w: "/org/roster/", allowed([HR, ADMIN])),
    ("org:roster_template", lambda w: "/org/roster/template.csv", allowed([HR, ADMIN])),
    Idor(
        "org:roster_import_detail",
        lambda w: f"/org/roster/{w.roster_import.pk}/",
        allowed([HR, ADMIN]),
        leak=lambda w: w.roster_import.filename,
    ),
    (
        "org:roster_import_detail",
        lambda w: "/org/roster/999999/",
        {**allowed([]), HR: 404, ADMIN: 404},
    ),
    Idor(
        "org:roster_import_progress",
        lambda w: f"/org/roster/{w.roster_import.pk}/progress/",
        allowed([HR, ADMIN]),
    ),
    # POST only: a GET is refused with 405 for those who may, 403 for those who may not.
    (
        "org:roster_import_confirm",
        lambda w: f"/org/roster/{w.roster_import.pk}/confirm/",
        {
            **allowed([], anon=405),
            HR: 405,
            ADMIN: 405,
            LEARNER: 405,
            TRAINER: 405,
            MANAGER: 405,
            LEAD: 405,
            AUDITOR: 405,
        },
    ),
    ("records:audit_list", lambda w: "/records/audit/", allowed([AUDITOR, ADMIN])),
    # Courses: learning (progress is always the signed-in person's own; no person id in URLs).
    (
        "courses:lesson_complete",
        lambda w: f"/learning/lessons/{w.lesson.pk}/complete/",
        allowed([], denied=405),
    ),
    (
        "courses:lesson_visit",
        lambda w: f"/learning/lessons/{w.lesson.pk}/visit/",
        allowed([], denied=405),
    ),
    (
        "courses:lesson_time",
        lambda w: f"/learning/lessons/{w.lesson.pk}/time/",
        allowed([], denied=405),
    ),
    (
        "courses:course_resume",
        lambda w: f"/learning/courses/{w.course.pk}/resume/",
        allowed([], denied=302),
    ),
    (
        "courses:course_resume",
        lambda w: "/learning/courses/999999/resume/",
        allowed([], denied=404),
    ),
    # Feedback: every learner rates and reports; trainers triage.
    ("courses:course_rate", lambda w: f"/learning/courses/{w.course.pk}/rate/", allowed(EVERYONE)),
    (
        "courses:lesson_report",
        lambda w: f"/learning/lessons/{w.lesson.pk}/report/",
        allowed(EVERYONE),
    ),
    ("courses:feedback_triage", lambda w: "/learning/feedback/", allowed([TRAINER, ADMIN])),
    (
        "courses:feedback_resolve",
        lambda w: f"/learning/feedback/{w.report.pk}/resolve/",
        {r: 405 for r in EVERYONE},
    ),
    (
        "courses:feedback_reopen",
        lambda w: f"/learning/feedback/{w.report.pk}/reopen/",
        {r: 405 for r in EVERYONE},
    ),
    # Reminders: each person's own notifications; the chase list for managers (own departments),
    # HR, rollout leads.
    ("courses:notifications", lambda w: "/learning/notifications/", allowed(EVERYONE)),
    (
        "courses:notifications_read",
        lambda w: "/learning/notifications/read/",
        {r: 405 for r in EVERYONE},
    ),
    ("courses:chase_list", lambda w: "/learning/chase/", allowed([MANAGER, HR, LEAD, ADMIN])),
    (
        "courses:chase_list",
        lambda w: f"/learning/chase/?department={w.card_staff.department_id}",
        allowed([MANAGER, HR, LEAD, ADMIN]),
    ),
    (
        "courses:chase_export_csv",
        lambda w: "/learning/chase/export.csv",
        allowed([MANAGER, HR, LEAD, ADMIN]),
    ),
    (
        "courses:chase_export_csv",
        lambda w: f"/learning/chase/export.csv?department={w.card_staff.department_id}",
        {**allowed([HR, LEAD, ADMIN]), MANAGER: 400},
    ),
    (
        "courses:chase_export_xlsx",
        lambda w: "/learning/chase/export.xlsx",
        allowed([MANAGER, HR, LEAD, ADMIN]),
    ),
    (
        "courses:chase_export_xlsx",
        lambda w: f"/learning/chase/export.xlsx?department={w.card_staff.department_id}",
        {**allowed([HR, LEAD, ADMIN]), MANAGER: 400},
    ),
    # SCORM: a lesson without a package, and a package nobody may see, are not found.
    (
        "courses:scorm_player",
        lambda w: f"/learning/lessons/{w.lesson.pk}/scorm/",
        allowed([], denied=404),
    ),
    (
        "courses:scorm_commit",
        lambda w: f"/learning/lessons/{w.lesson.pk}/scorm/commit/",
        allowed([], denied=405),
    ),
    (
        "courses:scorm_content",
        lambda w: "/learning/scorm/999999/content/index.html",
        allowed([], denied=404),
    ),
    # Classroom sessions: everyone books for themselves; trainers take attendance.
    (
        "courses:course_sessions",
        lambda w: f"/learning/courses/{w.course.pk}/sessions/",
        allowed(EVERYONE),
    ),
    ("courses:my_sessions", lambda w: "/learning/sessions/mine/", allowed(EVERYONE)),
    (
        "courses:session_book",
        lambda w: f"/learning/sessions/{w.session.pk}/book/",
        {r: 405 for r in EVERYONE},
    ),
    (
        "courses:session_cancel",
        lambda w: f"/learning/sessions/{w.session.pk}/cancel/",
        {r: 405 for r in EVERYONE},
    ),
    # No booking of one's own: the calendar file of a session is not found.
    Idor(
        "courses:session_calendar",
        lambda w: f"/learning/sessions/{w.session.pk}/calendar.ics",
        allowed([], denied=404),
        leak=lambda w: w.session.room,
    ),
    (
        "courses:session_attendance",
        lambda w: f"/learning/sessions/{w.session.pk}/attendance/",
        allowed([TRAINER, ADMIN]),
    ),
    ("content:help_search", lambda w: "/help/search/?q=wristband", allowed(EVERYONE)),
    # The Wagtail admin (authoring, organisation): trainers, HR, administrators. Others are sent
    # to its sign-in page.
    # The rollout lead reaches the CMS for seed-user programmes; the staff list is read-only.
    ("cms", lambda w: "/cms/", allowed([TRAINER, HR, LEAD, ADMIN], denied=302, anon=302)),
    (
        "cms",
        lambda w: "/cms/org/staff/",
        allowed([TRAINER, HR, LEAD, ADMIN], denied=302, anon=302),
    ),
    Idor(
        "cms",
        lambda w: f"/cms/org/staff/edit/{w.card_staff.pk}/",
        allowed([TRAINER, HR, ADMIN], denied=302, anon=302),
        leak=lambda w: w.card_staff.full_name,
    ),
    # Accounts and their roles (groups) are managed by administrators only.
    (
        "cms",
        lambda w: "/cms/users/",
        allowed([ADMIN], denied=302, anon=302),
    ),
    Idor(
        "cms",
        lambda w: f"/cms/users/edit/{w.ed_staff.user_id}/",
        allowed([ADMIN], denied=302, anon=302),
        leak=lambda w: w.ed_staff.user.email,
    ),
    ("cms", lambda w: "/cms/groups/", allowed([ADMIN], denied=302, anon=302)),
    # Django's own admin: superusers only.
    ("django-admin", lambda w: "/django-admin/", allowed([ADMIN], denied=302, anon=302)),
    ("django-admin", lambda w: "/django-admin/auth/group/", allowed([ADMIN], denied=302, anon=302)),
    # Exams, the learner's side: the exam page is everyone's (signed in); an attempt only its
    # owner's — anybody else, superusers included, gets 404 as for a missing id.
    ("assessments:exam_detail", lambda w: f"/exams/{w.exam.pk}/", allowed(EVERYONE)),
    ("assessments:attempt_start", lambda w: f"/exams/{w.exam.pk}/start/", allowed([], 405)),
    Idor(
        "assessments:attempt_page",
        lambda w: f"/exams/attempt/{w.open_attempt.pk}/",
        allowed([LEARNER], denied=404),
        leak=lambda w: w.ed_staff.full_name,
    ),
    (
        "assessments:attempt_save",
        lambda w: f"/exams/attempt/{w.open_attempt.pk}/save/",
        allowed([], denied=405),
    ),
    Idor(
        "assessments:attempt_submit",
        lambda w: f"/exams/attempt/{w.open_attempt.pk}/submit/",
        allowed([LEARNER], denied=404),
        leak=lambda w: w.ed_staff.full_name,
    ),
    Idor(
        "assessments:attempt_review",
        lambda w: f"/exams/attempt/{w.attempt.pk}/review/",
        allowed([LEARNER], denied=404),
        leak=lambda w: "I scan first.",
    ),
    # Exams, the trainer's side: only the exam's trainers (and superusers); another exam's
    # pages and attempts are 404 to a trainer who does not train it.
    ("assessments:trainer_exams", lambda w: "/exams/manage/", allowed([TRAINER, ADMIN])),
    ("assessments:grading_queue", lambda w: "/exams/manage/grading/", allowed([TRAINER, ADMIN])),
    (
        "assessments:exam_attempts",
        lambda w: f"/exams/manage/{w.exam.pk}/attempts/",
        allowed([TRAINER, ADMIN]),
    ),
    Idor(
        "assessments:exam_attempts",
        lambda w: f"/exams/manage/{w.other_exam.pk}/attempts/",
        {**allowed([ADMIN]), TRAINER: 404},
        leak=lambda w: w.card_staff.full_name,
    ),
    (
        "assessments:exam_statistics",
        lambda w: f"/exams/manage/{w.exam.pk}/statistics/",
        allowed([TRAINER, ADMIN]),
    ),
    Idor(
        "assessments:exam_statistics",
        lambda w: f"/exams/manage/{w.other_exam.pk}/statistics/",
        {**allowed([ADMIN]), TRAINER: 404},
    ),
    (
        "assessments:exam_results_export",
        lambda w: f"/exams/manage/{w.exam.pk}/export/csv/",
        allowed([TRAINER, ADMIN]),
    ),
    Idor(
        "assessments:exam_results_export",
        lambda w: f"/exams/manage/{w.other_exam.pk}/export/xlsx/",
        {**allowed([ADMIN]), TRAINER: 404},
    ),
    (
        "assessments:trainer_attempt",
        lambda w: f"/exams/manage/attempt/{w.attempt.pk}/",
        allowed([TRAINER, ADMIN]),
    ),
    Idor(
        "assessments:trainer_attempt",
        lambda w: f"/exams/manage/attempt/{w.other_attempt.pk}/",
        {**allowed([ADMIN]), TRAINER: 404},
        leak=lambda w: w.card_staff.full_name,
    ),
    (
        "assessments:essay_grade",
        lambda w: f"/exams/manage/grading/{w.essay.pk}/",
        allowed([TRAINER, ADMIN]),
    ),
    # A question of an exam the trainer does not train (card_staff's attempt): not found.
    Idor(
        "assessments:essay_grade",
        lambda w: f"/exams/manage/grading/{w.other_attempt.questions.first().pk}/",
        {**allowed([]), TRAINER: 404, ADMIN: 404},
        leak=lambda w: w.card_staff.full_name,
    ),
    # Practical exams, the examinee's HIS: only the attempt's owner (404 for anyone else).
    Idor(
        "assessments:his_page",
        lambda w: f"/exams/attempt/{w.practical_open.pk}/his/",
        allowed([LEARNER], denied=404),
        leak=lambda w: w.ed_staff.full_name,
    ),
    Idor(
        "assessments:his_page",
        lambda w: f"/exams/attempt/{w.practical_other_attempt.pk}/his/",
        allowed([], denied=404),
        leak=lambda w: w.card_staff.full_name,
    ),
    (
        "assessments:his_act",
        lambda w: f"/exams/attempt/{w.practical_open.pk}/his/act/",
        allowed([], denied=405),
    ),
    (
        "assessments:his_finish",
        lambda w: f"/exams/attempt/{w.practical_open.pk}/his/finish/",
        allowed([], denied=405),
    ),
    Idor(
        "assessments:his_result",
        lambda w: f"/exams/attempt/{w.practical_done.pk}/his/result/",
        allowed([LEARNER], denied=404),
        leak=lambda w: w.ed_staff.full_name,
    ),
    # The replay: the exam's trainers and superusers; a trainer of other exams gets 404.
    (
        "assessments:practical_replay",
        lambda w: f"/exams/manage/attempt/{w.practical_done.pk}/replay/",
        allowed([TRAINER, ADMIN]),
    ),
    Idor(
        "assessments:practical_replay",
        lambda w: f"/exams/manage/attempt/{w.practical_other_attempt.pk}/replay/",
        {**allowed([ADMIN]), TRAINER: 404},
        leak=lambda w: w.card_staff.full_name,
    ),
    # The examiner's rubric: examiners see the candidates assigned to them (trainers every
    # candidate of the exams they train); another candidate's attempt is 404.
    ("assessments:examiner_home", lambda w: "/exams/manage/examine/", allowed([TRAINER, ADMIN])),
    # POST only (an examiner opens an OSCE station's attempt).
    (
        "assessments:station_start",
        lambda w: (
            f"/exams/manage/examine/{w.practical_done.exam_id}/station/{w.ed_staff.pk}/start/"
        ),
        allowed([], denied=405),
    ),
    (
        "assessments:rubric_score",
        lambda w: f"/exams/manage/examine/attempt/{w.practical_done.pk}/",
        allowed([TRAINER, ADMIN]),
    ),
    (
        "assessments:rubric_score",
        lambda w: f"/exams/manage/examine/attempt/{w.practical_open.pk}/",
        allowed([TRAINER, ADMIN]),
    ),
    Idor(
        "assessments:rubric_score",
        lambda w: f"/exams/manage/examine/attempt/{w.practical_other_attempt.pk}/",
        {**allowed([ADMIN]), TRAINER: 404},
        leak=lambda w: w.card_staff.full_name,
    ),
    # Practical exams and scenarios are edited in the CMS (trainers only).
    (
        "cms",
        lambda w: "/cms/assessments/practical-exams/",
        allowed([TRAINER, ADMIN], denied=302, anon=302),
    ),
    (
        "cms",
        lambda w: "/cms/assessments/scenarios/",
        allowed([TRAINER, ADMIN], denied=302, anon=302),
    ),
    (
        "cms",
        lambda w: "/cms/assessments/scenario-packs/import/",
        allowed([TRAINER, ADMIN], denied=302, anon=302),
    ),
    # The question bank and exam editing live in the CMS (trainers only).
    (
        "cms",
        lambda w: "/cms/assessments/questions/",
        allowed([TRAINER, ADMIN], denied=302, anon=302),
    ),
    (
        "cms",
        lambda w: "/cms/assessments/transfer/import/",
        allowed([TRAINER, ADMIN], denied=302, anon=302),
    ),
    # Certification: status for managers (their departments), HR and rollout leads.
    (
        "assessments:certification_status",
        lambda w: "/exams/certification/status/",
        allowed([MANAGER, HR, LEAD, ADMIN]),
    ),
    ("assessments:my_proficiency", lambda w: "/exams/proficiency/", allowed(EVERYONE)),
    # Someone's proficiency lists every attempt: the person and HR only (others 404).
    (
        "assessments:staff_proficiency",
        lambda w: f"/exams/proficiency/{w.ed_staff.pk}/",
        allowed([LEARNER, HR, ADMIN], denied=404),
    ),
    Idor(
        "assessments:staff_proficiency",
        lambda w: f"/exams/proficiency/{w.card_staff.pk}/",
        allowed([HR, ADMIN], denied=404),
        leak=lambda w: w.card_staff.full_name,
    ),
    ("assessments:my_certificates", lambda w: "/exams/certificates/", allowed(EVERYONE)),
    # A certificate's PDF: its holder and HR; for everyone else it does not exist.
    (
        "assessments:certificate_pdf",
        lambda w: f"/exams/certificates/{w.certificate.pk}/pdf/",
        allowed([LEARNER, HR, ADMIN], denied=404),
    ),
    Idor(
        "assessments:certificate_pdf",
        lambda w: f"/exams/certificates/{w.other_certificate.pk}/pdf/",
        allowed([HR, ADMIN], denied=404),
        leak=lambda w: w.card_staff.full_name,
    ),
    (
        "assessments:certificate_manage",
        lambda w: "/exams/certificates/manage/",
        allowed([HR, ADMIN]),
    ),
    Idor(
        "assessments:certificate_detail",
        lambda w: f"/exams/certificates/manage/{w.certificate.pk}/",
        allowed([HR, ADMIN]),
        leak=lambda w: w.ed_staff.full_name,
    ),
    (
        "assessments:certificate_detail",
        lambda w: "/exams/certificates/manage/999999/",
        {**allowed([]), HR: 404, ADMIN: 404},
    ),
    # POST only (revoke, reissue).
    (
        "assessments:certificate_revoke",
        lambda w: f"/exams/certificates/manage/{w.certificate.pk}/revoke/",
        allowed([], denied=405),
    ),
    (
        "assessments:certificate_reissue",
        lambda w: f"/exams/certificates/manage/{w.certificate.pk}/reissue/",
        allowed([], denied=405),
    ),
    # Public: the page the certificate's QR code opens (name, track, dates, state only).
    ("certificate_verify_form", lambda w: "/verify/", allowed(EVERYONE, anon=OK)),
    (
        "certificate_verify",
        lambda w: f"/verify/{w.certificate.code}/",
        allowed(EVERYONE, anon=OK),
    ),
    (
        "cms",
        lambda w: "/cms/assessments/certification-tracks/",
        allowed([TRAINER, HR, ADMIN], denied=302, anon=302),
    ),
    # HR records: HR only; a transcript of someone else is 404 for everyone else.
    ("records:hr_search", lambda w: "/records/hr/", allowed([HR, ADMIN])),
    Idor(
        "records:transcript",
        lambda w: f"/records/hr/staff/{w.card_staff.pk}/",
        allowed([HR, ADMIN], denied=404),
        leak=lambda w: w.card_staff.full_name,
    ),
    Idor(
        "records:transcript_pdf",
        lambda w: f"/records/hr/staff/{w.card_staff.pk}/pdf/",
        allowed([HR, ADMIN], denied=404),
        leak=lambda w: w.card_staff.full_name,
    ),
    ("records:my_transcript", lambda w: "/records/my-transcript/", allowed(EVERYONE)),
    (
        "records:my_transcript_pdf",
        lambda w: "/records/my-transcript/pdf/",
        {**allowed([r for r in EVERYONE if r != ADMIN]), ADMIN: 404},
    ),
    (
        "records:hr_export_create",
        lambda w: "/records/hr/exports/new/",
        {**allowed([], denied=403), HR: 405, ADMIN: 405},
    ),
    ("records:hr_exports", lambda w: "/records/hr/exports/", allowed([HR, ADMIN])),
    # An export HR asked for: every HR member sees it; nobody else (the manager included).
    Idor(
        "records:hr_export_detail",
        lambda w: f"/records/hr/exports/{w.hr_export.pk}/",
        allowed([HR, ADMIN]),
    ),
    Idor(
        "records:hr_export_progress",
        lambda w: f"/records/hr/exports/{w.hr_export.pk}/progress/",
        allowed([HR, ADMIN]),
    ),
    # Not finished yet: no file to download, for HR too.
    Idor(
        "records:hr_export_download",
        lambda w: f"/records/hr/exports/{w.hr_export.pk}/download/",
        {**allowed([]), HR: 404, ADMIN: 404},
    ),
    (
        "records:hr_export_detail",
        lambda w: "/records/hr/exports/999999/",
        {**allowed([]), HR: 404, ADMIN: 404},
    ),
    (
        "records:hr_export_progress",
        lambda w: "/records/hr/exports/999999/progress/",
        {**allowed([]), HR: 404, ADMIN: 404},
    ),
    (
        "records:hr_export_download",
        lambda w: "/records/hr/exports/999999/download/",
        {**allowed([]), HR: 404, ADMIN: 404},
    ),
    # Seed users: managers (their departments), the rollout lead and HR see the programme.
    ("seedusers:nominations", lambda w: "/seed-users/", allowed([MANAGER, HR, LEAD, ADMIN])),
    ("seedusers:nominate", lambda w: "/seed-users/nominate/", allowed([MANAGER, LEAD, ADMIN])),
    # The manager's department's seed user; the seed user herself is sent to her own page.
    (
        "seedusers:nomination_detail",
        lambda w: f"/seed-users/nominations/{w.seed.pk}/",
        {**allowed([MANAGER, HR, LEAD, ADMIN], denied=404), LEARNER: 302},
    ),
    # Another department's nomination by id: 404 for the manager, as for a missing id.
    Idor(
        "seedusers:nomination_detail",
        lambda w: f"/seed-users/nominations/{w.other_nomination.pk}/",
        allowed([HR, LEAD, ADMIN], denied=404),
        leak=lambda w: w.card_staff.full_name,
    ),
    (
        "seedusers:nomination_detail",
        lambda w: "/seed-users/nominations/999999/",
        allowed([], denied=404),
    ),
    # POST only.
    (
        "seedusers:nomination_decide",
        lambda w: f"/seed-users/nominations/{w.other_nomination.pk}/decide/",
        allowed([], denied=405),
    ),
    (
        "seedusers:nomination_activate",
        lambda w: f"/seed-users/nominations/{w.seed.pk}/activate/",
        allowed([], denied=405),
    ),
    (
        "seedusers:nomination_step_down",
        lambda w: f"/seed-users/nominations/{w.seed.pk}/step-down/",
        allowed([], denied=405),
    ),
    ("seedusers:coverage", lambda w: "/seed-users/coverage/", allowed([MANAGER, HR, LEAD, ADMIN])),
    (
        "seedusers:activities",
        lambda w: "/seed-users/activities/",
        allowed([MANAGER, HR, LEAD, ADMIN]),
    ),
    (
        "seedusers:activity_decide",
        lambda w: f"/seed-users/activities/{w.seed_activity.pk}/decide/",
        allowed([], denied=405),
    ),
    (
        "seedusers:issues_csv",
        lambda w: "/seed-users/issues.csv",
        allowed([MANAGER, HR, LEAD, ADMIN]),
    ),
    (
        "seedusers:leaderboard",
        lambda w: "/seed-users/leaderboard/",
        allowed([MANAGER, HR, LEAD, ADMIN]),
    ),
    ("seedusers:my_seed", lambda w: "/seed-users/me/", allowed(EVERYONE)),
    ("seedusers:volunteer", lambda w: "/seed-users/me/volunteer/", allowed([], denied=405)),
    ("seedusers:activity_log", lambda w: "/seed-users/me/log/", allowed([], denied=405)),
    # Only a seed user sees colleagues' training status (of her own department).
    ("seedusers:colleagues", lambda w: "/seed-users/colleagues/", allowed([LEARNER])),
    (
        "cms",
        lambda w: "/cms/seedusers/programmes/",
        allowed([LEAD, ADMIN], denied=302, anon=302),
    ),
    # Readiness: managers (waves holding their departments), HR and the rollout lead.
    ("readiness:waves", lambda w: "/readiness/", allowed([MANAGER, HR, LEAD, ADMIN])),
    (
        "readiness:wave",
        lambda w: f"/readiness/waves/{w.ed_wave.pk}/",
        allowed([MANAGER, HR, LEAD, ADMIN]),
    ),
    # A wave without the manager's departments does not exist for her.
    Idor(
        "readiness:wave",
        lambda w: f"/readiness/waves/{w.card_wave.pk}/",
        {**allowed([HR, LEAD, ADMIN]), MANAGER: 404},
        leak=lambda w: w.card_wave.name,
    ),
    (
        "readiness:department",
        lambda w: f"/readiness/waves/{w.ed_wave.pk}/departments/{w.ed_staff.department_id}/",
        allowed([MANAGER, HR, LEAD, ADMIN]),
    ),
    # Another department's id under the manager's wave: not in the wave, 404 for everyone.
    Idor(
        "readiness:department",
        lambda w: f"/readiness/waves/{w.ed_wave.pk}/departments/{w.card_staff.department_id}/",
        {**allowed([]), MANAGER: 404, HR: 404, LEAD: 404, ADMIN: 404},
    ),
    (
        "readiness:people",
        lambda w: f"/readiness/waves/{w.ed_wave.pk}/departments/{w.ed_staff.department_id}/people/",
        allowed([MANAGER, HR, LEAD, ADMIN]),
    ),
    Idor(
        "readiness:people",
        lambda w: (
            f"/readiness/waves/{w.card_wave.pk}/departments/{w.card_staff.department_id}/people/"
        ),
        {**allowed([HR, LEAD, ADMIN]), MANAGER: 404},
        leak=lambda w: w.card_staff.full_name,
    ),
    (
        "readiness:decisions",
        lambda w: f"/readiness/waves/{w.ed_wave.pk}/decisions/",
        allowed([MANAGER, HR, LEAD, ADMIN]),
    ),
    Idor(
        "readiness:decisions",
        lambda w: f"/readiness/waves/{w.card_wave.pk}/decisions/",
        {**allowed([HR, LEAD, ADMIN]), MANAGER: 404},
        leak=lambda w: w.card_wave.name,
    ),
    Idor(
        "readiness:evaluations",
        lambda w: f"/readiness/waves/{w.card_wave.pk}/evaluation/",
        {**allowed([HR, LEAD, ADMIN]), MANAGER: 404},
        leak=lambda w: w.card_wave.name,
    ),
    Idor(
        "readiness:decision_xlsx",
        lambda w: f"/readiness/decisions/{w.card_decision.pk}/evidence.xlsx",
        {**allowed([HR, LEAD, ADMIN]), MANAGER: 404},
    ),
    Idor(
        "readiness:decision_new",
        lambda w: f"/readiness/waves/{w.ed_wave.pk}/decisions/new/",
        allowed([LEAD, ADMIN]),
    ),
    (
        "readiness:evaluations",
        lambda w: f"/readiness/waves/{w.ed_wave.pk}/evaluation/",
        allowed([MANAGER, HR, LEAD, ADMIN]),
    ),
    (
        "readiness:decision_detail",
        lambda w: f"/readiness/decisions/{w.ed_decision.pk}/",
        allowed([MANAGER, HR, LEAD, ADMIN]),
    ),
    Idor(
        "readiness:decision_detail",
        lambda w: f"/readiness/decisions/{w.card_decision.pk}/",
        {**allowed([HR, LEAD, ADMIN]), MANAGER: 404},
        leak=lambda w: w.card_wave.name,
    ),
    Idor(
        "readiness:decision_pdf",
        lambda w: f"/readiness/decisions/{w.card_decision.pk}/evidence.pdf",
        {**allowed([HR, LEAD, ADMIN]), MANAGER: 404},
    ),
    (
        "readiness:decision_xlsx",
        lambda w: f"/readiness/decisions/{w.ed_decision.pk}/evidence.xlsx",
        allowed([MANAGER, HR, LEAD, ADMIN]),
    ),
    # POST only: readiness viewers get 405 for a GET, everyone else 403.
    (
        "readiness:decision_signoff",
        lambda w: f"/readiness/decisions/{w.ed_decision.pk}/sign/",
        {**allowed([]), MANAGER: 405, HR: 405, LEAD: 405, ADMIN: 405},
    ),
    (
        "readiness:condition_done",
        lambda w: f"/readiness/conditions/{w.card_decision.conditions.first().pk}/done/",
        {**allowed([]), MANAGER: 405, HR: 405, LEAD: 405, ADMIN: 405},
    ),
    (
        "cms",
        lambda w: "/cms/readiness/waves/",
        allowed([LEAD, ADMIN], denied=302, anon=302),
    ),
    # Public: the front page and the sign-in page.
    ("wagtail-serve", lambda w: "/", allowed(EVERYONE, anon=OK)),
    ("accounts", lambda w: "/accounts/login/", {**allowed([], denied=302, anon=OK)}),
    # The access list: the manager her own wave's, HR, the lead and superusers every wave's.
    (
        "readiness:access_list",
        lambda w: f"/readiness/waves/{w.ed_wave.pk}/access/",
        allowed([MANAGER, HR, LEAD, ADMIN]),
    ),
    Idor(
        "readiness:access_list",
        lambda w: f"/readiness/waves/{w.card_wave.pk}/access/",
        {**allowed([HR, LEAD, ADMIN]), MANAGER: 404},
        leak=lambda w: w.card_staff.full_name,
    ),
    (
        "readiness:access_csv",
        lambda w: f"/readiness/waves/{w.ed_wave.pk}/access.csv",
        allowed([MANAGER, HR, LEAD, ADMIN]),
    ),
    Idor(
        "readiness:access_csv",
        lambda w: f"/readiness/waves/{w.card_wave.pk}/access.csv",
        {**allowed([HR, LEAD, ADMIN]), MANAGER: 404},
    ),
    # Exceptions: the manager requests for her own departments, the lead for anyone; HR reads.
    (
        "readiness:exception_request",
        lambda w: f"/readiness/waves/{w.ed_wave.pk}/access/exceptions/new/?staff={w.ed_staff.pk}",
        allowed([MANAGER, LEAD, ADMIN]),
    ),
    Idor(
        "readiness:exception_request",
        lambda w: (
            f"/readiness/waves/{w.card_wave.pk}/access/exceptions/new/?staff={w.card_staff.pk}"
        ),
        {**allowed([LEAD, ADMIN]), MANAGER: 404},
        leak=lambda w: w.card_staff.full_name,
    ),
    # Someone not in the wave, asked for under ED's wave: not found for all who see it.
    (
        "readiness:exception_request",
        lambda w: f"/readiness/waves/{w.ed_wave.pk}/access/exceptions/new/?staff={w.card_staff.pk}",
        {**allowed([]), **dict.fromkeys([MANAGER, HR, LEAD, ADMIN], 404)},
    ),
    # POST only: 405 for a GET by readiness viewers, 403 for the others.
    (
        "readiness:exception_decide",
        lambda w: f"/readiness/exceptions/{w.card_exception.pk}/decide/",
        {**allowed([]), **dict.fromkeys([MANAGER, HR, LEAD, ADMIN], 405)},
    ),
    # API tokens: the rollout lead's (and superusers').
    ("readiness:tokens", lambda w: "/readiness/tokens/", allowed([LEAD, ADMIN])),
    (
        "readiness:token_revoke",
        lambda w: f"/readiness/tokens/{w.api_token.pk}/revoke/",
        {**allowed([]), LEAD: 405, ADMIN: 405},
    ),
    # The API: schema and docs are public; every endpoint wants a bearer token, a browser
    # session is no substitute (401, not a sign-in redirect).
    ("api:openapi-json", lambda w: "/api/openapi.json", allowed(EVERYONE, anon=OK)),
    ("api:openapi-view", lambda w: "/api/docs", allowed(EVERYONE, anon=OK)),
    ("api:api-root", lambda w: "/api/", dict.fromkeys(EVERYONE, 404)),
    ("api:waves", lambda w: "/api/waves", dict.fromkeys(EVERYONE, 401)),
    (
        "api:wave_readiness",
        lambda w: f"/api/waves/{w.ed_wave.pk}/readiness",
        dict.fromkeys(EVERYONE, 401),
    ),
    (
        "api:wave_access_list",
        lambda w: f"/api/waves/{w.ed_wave.pk}/access-list",
        dict.fromkeys(EVERYONE, 401),
    ),
    # Personal data: HR for anyone, everyone with a staff record for themself.
    Idor(
        "records:staff_personal_data",
        lambda w: f"/records/hr/staff/{w.card_staff.pk}/personal-data.json",
        allowed([HR, ADMIN]),
        leak=lambda w: w.card_staff.full_name,
    ),
    (
        "records:my_data",
        lambda w: "/records/my-data.json",
        {**allowed([r for r in EVERYONE if r != ADMIN]), ADMIN: 404},  # no staff record
    ),
    # The admins' sign-in pages: signed out, to the portal's (its rate limits and audit); with
    # access, into the admin; without, refused.
    (
        "django_admin_login",
        lambda w: "/django-admin/login/",
        {**allowed([], denied=403), ADMIN: 302},
    ),
    (
        "cms_login",
        lambda w: "/cms/login/",
        {**allowed([], denied=403), **dict.fromkeys([TRAINER, HR, LEAD, ADMIN], 302)},
    ),
]


def _cases():
    for index, (name, _url, expected) in enumerate(MATRIX):
        for role, outcome in expected.items():
            yield pytest.param(index, role, outcome, id=f"{name}#{index}-{role}")


@pytest.mark.parametrize(("index", "role", "outcome"), list(_cases()))
def test_matrix(client, world, index, role, outcome):
    _name, build, _expected = MATRIX[index]
    user = world.people[role]
    if user is not None:
        client.force_login(user)
    url = build(world)
    denied = AuditEvent.objects.filter(action="access.denied")
    before = denied.count()
    response = client.get(url)
    if outcome == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == outcome, response.content[:300]
    leak = getattr(MATRIX[index], "leak", None)
    if leak is not None and response.status_code in (403, 404):
        assert leak(world) not in response.content.decode(), "a refusal shows the object"
    # Every refusal is in the audit trail, naming who asked for what; nothing else is.
    if response.status_code == 403:
        event = denied.latest("pk")
        assert denied.count() == before + 1
        assert (event.actor_id, event.after["path"]) == (
            getattr(user, "pk", None),
            url.split("?")[0],
        )
    else:
        assert denied.count() == before


def test_confirm_post_is_refused_to_other_roles(client, world):
    url = f"/org/roster/{world.roster_import.pk}/confirm/"
    for role in [LEARNER, TRAINER, MANAGER, LEAD, AUDITOR]:
        client.force_login(world.people[role])
        assert client.post(url).status_code == 403
    client.logout()
    assert client.post(url)["Location"].startswith("/accounts/login/")


def test_manager_staff_list_shows_only_their_departments(client, world):
    client.force_login(world.people[MANAGER])
    body = client.get("/org/staff/").content.decode()
    assert world.ed_staff.full_name in body
    assert world.obs_staff.full_name in body
    assert world.card_staff.full_name not in body


# ---------------------------------------------------------------------------------------------
# Coverage: every URL pattern of the project is in the matrix, or handed to a covered prefix.

# Third-party URL trees covered through representative entries above.
COVERED_PREFIXES = {
    "cms/": "cms",
    "django-admin/": "django-admin",
    "accounts/": "accounts",  # allauth's sign-in, sign-out and password-reset flows (public)
}
# Not in the matrix, with the reason.
EXEMPT = {
    "i18n/setlang/": "the language switcher: public, changes only the visitor's language cookie",
    "documents/": "Wagtail documents: Wagtail checks collection privacy itself (courses issue "
    "adds documents and extends the matrix)",
    "": "Wagtail page serving: covered by the front page entry",
    "media/": "DEBUG only, Wagtail images alone (portal/urls.py); tests/portal/test_media.py",
}


def _patterns(resolvers, prefix=""):
    for entry in resolvers:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            top = next((p for p in COVERED_PREFIXES if route.startswith(p)), None)
            if top or route in EXEMPT or any(route.startswith(e) for e in EXEMPT if e):
                yield route, COVERED_PREFIXES[top] if top else route
                continue
            namespace = f"{entry.namespace}:" if entry.namespace else ""
            for sub_route, name in _patterns(entry.url_patterns, route):
                yield sub_route, name if ":" in name or not namespace else namespace + name
        elif isinstance(entry, URLPattern):
            yield route, entry.name or route


def test_every_url_is_in_the_matrix():
    covered = {name for name, _url, _expected in MATRIX} | set(COVERED_PREFIXES.values())
    missing = []
    for route, name in _patterns(get_resolver().url_patterns):
        if name in covered or route in EXEMPT or name in EXEMPT:
            continue
        if any(route.startswith(p) for p in EXEMPT if p):
            continue
        missing.append(f"{route} ({name})")
    assert not missing, "URLs missing from the permission matrix: " + ", ".join(missing)


def test_refusal_page_explains_and_links_back(client, world):
    client.force_login(world.people[LEARNER])
    response = client.get("/org/staff/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "You do not have access to this page" in body and 'href="/training/"' in body
    client.post("/i18n/setlang/", {"language": "zh-hans"})
    assert "您无权访问此页面" in client.get("/org/staff/").content.decode()


def test_manager_nominates_only_in_her_departments(client, world):
    from seedusers.models import Nomination

    client.force_login(world.people[MANAGER])
    before = Nomination.objects.count()
    for member in (world.card_staff,):
        response = client.post(
            "/seed-users/nominate/",
            {
                "programme": world.seed.programme_id,
                "staff": member.pk,
                "reason": "Good with the HIS",
            },
        )
        assert response.status_code == 200
        assert "Choose someone of your departments" in response.content.decode()
    assert Nomination.objects.count() == before
    response = client.post(
        "/seed-users/nominate/",
        {"programme": world.seed.programme_id, "staff": world.obs_staff.pk, "reason": "Patient"},
    )
    assert response.status_code == 302
    assert Nomination.objects.filter(staff=world.obs_staff, status="nominated").exists()


def test_seed_user_sees_colleagues_of_her_own_department_only(client, world):
    from assessments.models import CertificationStatus

    client.force_login(world.people[LEARNER])
    body = client.get("/seed-users/colleagues/").content.decode()
    # Her department's rows (the certified ED colleagues), never another department's.
    ed_rows = CertificationStatus.objects.filter(department=world.seed.staff.department_id)
    for row in ed_rows.exclude(staff=world.seed.staff):
        assert row.staff.full_name in body
    assert world.card_staff.full_name not in body
    assert world.obs_staff.full_name not in body


def test_seed_user_cannot_confirm_her_own_activity(client, world):
    client.force_login(world.people[LEARNER])
    response = client.post(
        f"/seed-users/activities/{world.seed_activity.pk}/decide/", {"decision": "confirm"}
    )
    assert response.status_code == 404
    world.seed_activity.refresh_from_db()
    assert world.seed_activity.status == "pending"
