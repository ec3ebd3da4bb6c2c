"""The trainer's exam pages: who may open them (the exam's trainers and superusers; another
trainer gets 404, learners and managers 403), what they show, excluding an attempt, grading
an essay, the results exports, and query counts that do not grow with the attempts."""

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from assessments.models import Attempt
from assessments.services.grading import exam_outcome_refresh
from assessments.services.trainer import attempt_exclude
from portal.accounts import roles
from portal.records.models import AuditEvent
from tests.factories import DepartmentFactory, StaffFactory, UserFactory, person

from . import factories as f
from .factories import many_sittings, sit, trains
from .test_trainer_selectors import IN_PROGRESS

pytestmark = pytest.mark.django_db

BASE = "/exams/manage/"


def exam_urls(exam) -> list[str]:
    return [
        f"{BASE}{exam.pk}/attempts/",
        f"{BASE}{exam.pk}/statistics/",
        f"{BASE}{exam.pk}/export/csv/",
        f"{BASE}{exam.pk}/export/xlsx/",
    ]


@pytest.fixture
def world(role_groups):
    """An exam with a single-choice question (1 mark) and an essay (4 marks), pass mark 20 %,
    its trainer, and two attempts: one graded (1 + 0 of 5: 20 %, passed), one whose essay
    waits (0 + ? of 5)."""
    choice = f.question("single", name="Identify the patient")
    essay = f.question("essay", name="Explain the five rights", default_mark=4)
    exam = f.exam(questions=[choice, essay], title="Medication safety", pass_mark_percent=20)
    trainer = person([roles.TRAINER]).user
    trains(exam, trainer)
    ward = DepartmentFactory(code="ICU", name="Intensive care")
    graded = sit(
        exam,
        StaffFactory(full_name="Wang Fang", department=ward),
        [(choice, {"choice": 0}), (essay, {"text": ""})],
    )
    waiting = sit(
        exam,
        StaffFactory(full_name="Li Na", department=ward),
        [(choice, {"choice": 1}), (essay, {"text": "Right patient, right drug..."})],
    )
    return {
        "exam": exam,
        "trainer": trainer,
        "graded": graded,
        "waiting": waiting,
        "essay_aq": waiting.questions.get(position=1),
        "choice": choice,
        "essay": essay,
    }


def login(client, user):
    client.force_login(user)
    return client


def all_urls(world) -> list[str]:
    return [
        *exam_urls(world["exam"]),
        f"{BASE}attempt/{world['graded'].pk}/",
        f"{BASE}grading/{world['essay_aq'].pk}/",
    ]


# ---------------------------------------------------------------------------------------------
# Permissions


def test_the_exams_trainer_opens_every_page(client, world):
    login(client, world["trainer"])
    for url in [BASE, f"{BASE}grading/", *all_urls(world)]:
        assert client.get(url).status_code == 200, url


def test_a_superuser_opens_every_page(client, world):
    login(client, UserFactory(is_superuser=True))
    for url in [BASE, f"{BASE}grading/", *all_urls(world)]:
        assert client.get(url).status_code == 200, url


def test_another_trainer_gets_404_on_this_exam_and_its_attempts(client, world):
    other = person([roles.TRAINER]).user
    trains(f.exam(title="Their own exam"), other)
    login(client, other)
    for url in all_urls(world):
        assert client.get(url).status_code == 404, url
    # Posting is refused the same way: no exclusion, no grade.
    url = f"{BASE}attempt/{world['graded'].pk}/"
    assert client.post(url, {"action": "exclude", "reason": "x"}).status_code == 404
    url = f"{BASE}grading/{world['essay_aq'].pk}/"
    assert client.post(url, {"mark": "1"}).status_code == 404
    world["essay_aq"].refresh_from_db()
    assert world["essay_aq"].needs_grading
    # Their own pages work and show nothing of this exam.
    response = client.get(BASE)
    assert response.status_code == 200
    assert [e.title for e in response.context["exams"]] == ["Their own exam"]
    assert list(client.get(f"{BASE}grading/").context["page"]) == []


@pytest.mark.parametrize("role", [roles.LEARNER, roles.MANAGER, roles.HR, roles.AUDITOR])
def test_people_who_are_not_trainers_get_403(client, world, role):
    user = person([roles.LEARNER, role]).user
    login(client, user)
    for url in [BASE, f"{BASE}grading/", *all_urls(world)]:
        assert client.get(url).status_code == 403, url


def test_the_learner_cannot_open_the_trainer_view_of_their_own_attempt(client, world):
    login(client, world["waiting"].staff.user)
    assert client.get(f"{BASE}attempt/{world['waiting'].pk}/").status_code == 403
    assert client.get(f"{BASE}grading/{world['essay_aq'].pk}/").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    for url in [BASE, *all_urls(world)]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_unknown_export_format_is_404(client, world):
    login(client, world["trainer"])
    assert client.get(f"{BASE}{world['exam'].pk}/export/pdf/").status_code == 404


# ---------------------------------------------------------------------------------------------
# Pages


def test_exam_list_shows_counts_pass_rate_and_link_to_edit(client, world):
    login(client, world["trainer"])
    response = client.get(BASE)
    html = response.content.decode()
    (exam,) = response.context["exams"]
    assert (exam.attempts_total, exam.attempts_graded, exam.pass_rate, exam.to_grade) == (
        2,
        1,
        100.0,
        1,
    )
    assert f"/cms/assessments/exams/edit/{world['exam'].pk}/" in html
    assert "Medication safety" in html


def test_attempts_list_filters_and_shows_the_columns(client, world):
    exam = world["exam"]
    sit(exam, StaffFactory(full_name="Zhao Lei"), [(world["choice"], None)], state=IN_PROGRESS)
    login(client, world["trainer"])
    response = client.get(f"{BASE}{exam.pk}/attempts/")
    names = [a.staff.full_name for a in response.context["page"]]
    assert sorted(names) == ["Li Na", "Wang Fang", "Zhao Lei"]
    html = response.content.decode()
    assert "Intensive care" in html and "20.0 min" in html and "20.00 %" in html
    response = client.get(f"{BASE}{exam.pk}/attempts/", {"state": "in_progress"})
    assert [a.staff.full_name for a in response.context["page"]] == ["Zhao Lei"]
    ward = world["graded"].staff.department
    response = client.get(
        f"{BASE}{exam.pk}/attempts/", {"department": ward.pk, "state": "to_grade"}
    )
    assert [a.staff.full_name for a in response.context["page"]] == ["Li Na"]
    # A bad filter is shown and ignored.
    response = client.get(f"{BASE}{exam.pk}/attempts/", {"state": "nonsense"})
    assert response.context["form"].errors and len(response.context["page"].object_list) == 3


def test_one_attempt_shows_questions_responses_right_answers_and_marks(client, world):
    login(client, world["trainer"])
    response = client.get(f"{BASE}attempt/{world['waiting'].pk}/")
    html = response.content.decode()
    rows = response.context["rows"]
    assert [r.name for r in rows] == ["Identify the patient", "Explain the five rights"]
    assert "Ask the name only" in rows[0].response[0]
    assert "Scan the wristband" in rows[0].right[0] and "100 %" in rows[0].right[0]
    assert "Right patient, right drug..." in html
    assert f"/exams/manage/grading/{world['essay_aq'].pk}/" in html
    assert "0 out of 1" in html


def test_excluding_an_attempt_needs_a_reason_keeps_it_and_is_audited(client, world):
    attempt = world["graded"]
    url = f"{BASE}attempt/{attempt.pk}/"
    login(client, world["trainer"])
    response = client.post(url, {"action": "exclude", "reason": "  "})
    assert response.status_code == 200
    assert "Give a reason" in response.content.decode()
    attempt.refresh_from_db()
    assert not attempt.excluded

    response = client.post(url, {"action": "exclude", "reason": "Sat it under a colleague's login"})
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.excluded and Attempt.objects.filter(pk=attempt.pk).exists()
    # A double submit changes nothing and is not audited twice.
    client.post(url, {"action": "exclude", "reason": "Sat it under a colleague's login"})
    events = AuditEvent.objects.filter(action="attempt.exclude", object_id=str(attempt.pk))
    assert events.count() == 1
    assert events.get().after == {"excluded": True, "reason": "Sat it under a colleague's login"}
    html = client.get(url).content.decode()
    assert "Sat it under a colleague&#x27;s login" in html
    # Excluded attempts leave the exam's results.
    (exam,) = client.get(BASE).context["exams"]
    assert exam.attempts_graded == 0

    response = client.post(url, {"action": "include", "reason": "Checked: it was her"})
    attempt.refresh_from_db()
    assert response.status_code == 302 and not attempt.excluded
    assert AuditEvent.objects.filter(action="attempt.include").count() == 1


def test_statistics_page_has_the_table_and_chart_data(client, world):
    login(client, world["trainer"])
    response = client.get(f"{BASE}{world['exam'].pk}/statistics/")
    html = response.content.decode()
    stats = response.context["stats"]
    assert (stats.attempts, stats.waiting) == (1, 1)
    assert response.context["chart"]["values"] == [100.0, 0.0]  # the facility per question
    assert 'id="stats-chart-data"' in html and "chart.umd.min.js" in html
    assert "Identify the patient" in html


# ---------------------------------------------------------------------------------------------
# Essays


def test_grading_an_essay_checks_the_mark_and_a_double_submit_grades_once(client, world):
    aq = world["essay_aq"]
    url = f"{BASE}grading/{aq.pk}/"
    login(client, world["trainer"])
    queue = client.get(f"{BASE}grading/")
    assert [q.pk for q in queue.context["page"]] == [aq.pk]

    for bad, message in [
        ("", "Give a mark."),
        ("abc", "The mark must be a number"),
        ("-1", "The mark must be between 0 and 4."),
        ("4.5", "The mark must be between 0 and 4."),
    ]:
        response = client.post(url, {"mark": bad, "comment": ""})
        assert response.status_code == 200
        assert message in response.content.decode(), bad
    aq.refresh_from_db()
    assert aq.needs_grading and aq.mark is None

    data = {"mark": "3", "comment": "Good, but name the fifth right."}
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == f"{BASE}grading/"
    response = client.post(url, data)  # the same form sent again
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="attempt.essay_grade").count() == 1
    aq.refresh_from_db()
    assert (aq.mark, aq.grader_comment, aq.needs_grading) == (3, data["comment"], False)
    attempt = Attempt.objects.get(pk=aq.attempt_id)
    # 0 of 1 on the choice + 3 of 4 on the essay = 60 %: passed at 20 %.
    assert (attempt.percent, attempt.passed, attempt.needs_grading) == (60, True, False)
    assert list(client.get(f"{BASE}grading/").context["page"]) == []
    # A trainer may change a grade later (audited again).
    client.post(url, {"mark": "2", "comment": ""})
    assert AuditEvent.objects.filter(action="attempt.essay_grade").count() == 2


def test_the_next_link_brings_the_trainer_back_and_foreign_links_are_ignored(client, world):
    aq = world["essay_aq"]
    login(client, world["trainer"])
    back = f"{BASE}attempt/{aq.attempt_id}/"
    response = client.post(f"{BASE}grading/{aq.pk}/", {"mark": "1", "next": back})
    assert response["Location"] == back
    response = client.post(
        f"{BASE}grading/{aq.pk}/", {"mark": "2", "next": "https://evil.example/"}
    )
    assert response["Location"] == f"{BASE}grading/"


# ---------------------------------------------------------------------------------------------
# Exports


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_export_is_guarded_against_formula_injection(client, world):
    evil = "=cmd|' /C calc'!A0"
    sit(
        world["exam"],
        StaffFactory(full_name=evil, department=DepartmentFactory(name="+HYPERLINK(1)")),
        [(world["choice"], {"choice": 0}), (world["essay"], {"text": ""})],
    )
    login(client, world["trainer"])
    response = client.get(f"{BASE}{world['exam'].pk}/export/csv/")
    assert response["Content-Type"].startswith("text/csv")
    header, *rows = csv_rows(response)
    assert header[:3] == ["Employee number", "Name", "Department"]
    assert header[-2:] == ["Q1", "Q2"]
    names = [row[1] for row in rows]
    assert "'" + evil in names and evil not in names
    assert all(not row[2].startswith("+") for row in rows)
    li_na = next(row for row in rows if row[1] == "Li Na")
    assert li_na[5] == "Finished" and li_na[14] == "yes"  # waiting for grading
    assert li_na[-2:] == ["0.000", ""]


def test_xlsx_export_opens_with_openpyxl_and_keeps_text_as_text(client, world):
    evil = "=cmd|' /C calc'!A0"
    sit(
        world["exam"],
        StaffFactory(full_name=evil),
        [(world["choice"], {"choice": 0}), (world["essay"], {"text": ""})],
    )
    login(client, world["trainer"])
    response = client.get(f"{BASE}{world['exam'].pk}/export/xlsx/")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("Employee number", "Name")
    assert len(rows) == 4
    cell = next(c for c in sheet["B"] if c.value == evil)
    assert cell.data_type == "s"
    wang = next(row for row in rows if row[1] == "Wang Fang")
    assert wang[11] == 20 and wang[12] is True  # grade %, passed (typed cells)


# ---------------------------------------------------------------------------------------------
# Query counts: the same bound for 10 and for 1,000 attempts

MAX_QUERIES = 14


@pytest.mark.parametrize("count", [10, 1000])
def test_query_counts_do_not_grow_with_attempts(
    client, role_groups, django_assert_max_num_queries, count
):
    questions = [f.question("single") for _ in range(3)] + [f.question("essay")]
    exam = f.exam(questions=questions)
    trainer = person([roles.TRAINER]).user
    trains(exam, trainer)
    many_sittings(exam, questions, count)
    login(client, trainer)
    department = Attempt.objects.filter(exam=exam).first().staff.department
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(f"{BASE}{exam.pk}/attempts/", {"department": department.pk})
    assert response.context["page"].paginator.count == count
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(f"{BASE}{exam.pk}/statistics/")
    assert response.context["stats"].attempts == count - count // 10
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(f"{BASE}grading/")
    assert response.context["page"].paginator.count == count // 10
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(BASE)
    assert response.context["exams"][0].attempts_total == count


def test_exclusion_is_refused_to_other_trainers_and_changes_the_kept_grade(world):
    attempt = world["graded"]
    with pytest.raises(PermissionDenied):
        attempt_exclude(attempt=attempt, actor=person([roles.TRAINER]).user, reason="No")
    exam, staff = world["exam"], attempt.staff
    assert exam_outcome_refresh(exam=exam, staff=staff).passed
    attempt_exclude(attempt=attempt, actor=world["trainer"], reason="Wrong person")
    outcome = exam_outcome_refresh(exam=exam, staff=staff)
    assert outcome.kept is None and not outcome.passed
