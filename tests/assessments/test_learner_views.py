"""The learner's exam pages through the test client: the exam page, start and continue, the
attempt page, JSON and form saves (accepted, stale, refused after the grace, bad input),
submit, the review and what it hides, who reaches an attempt, and the attempt page's query
count (the same for 5 or 50 questions, and for 1 or 200 other attempts)."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time

from assessments.models import Attempt, AttemptQuestion, Exam
from assessments.services.attempts import GRACE, answers_save, attempt_start, attempt_submit
from tests.assessments.factories import category, exam, question
from tests.factories import StaffFactory, person

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def url(name, pk, suffix=""):
    paths = {
        "exam": f"/exams/{pk}/",
        "start": f"/exams/{pk}/start/",
        "page": f"/exams/attempt/{pk}/",
        "save": f"/exams/attempt/{pk}/save/",
        "submit": f"/exams/attempt/{pk}/submit/",
        "review": f"/exams/attempt/{pk}/review/",
    }
    return paths[name] + suffix


def post_json(client, path, payload):
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return client.post(path, body, content_type="application/json")


@pytest.fixture
def nurse(client):
    member = person()
    client.force_login(member.user)
    return member


@pytest.fixture
def three():
    """Single choice (first right), short answer "wristband", numerical 5 ± 0.5; two a page."""
    questions = [
        question("single", text="<p>How do you identify the patient?</p>"),
        question("shortanswer", text="<p>What do you scan first?</p>"),
        question("numerical", text="<p>How many rights?</p>"),
    ]
    return exam(questions, questions_per_page=2, title="Medication safety")


def start(client, e) -> Attempt:
    """Start (or continue) as the signed-in learner: the attempt the redirect points at."""
    response = client.post(url("start", e.pk))
    assert response.status_code == 302
    match = re.match(r"^/exams/attempt/(\d+)/", response["Location"])
    return Attempt.objects.get(pk=match.group(1))


# ---------------------------------------------------------------------------------------------
# The exam page, start and continue


def test_exam_page_states_the_rules_and_offers_start(client, nurse):
    e = exam(
        [question()],
        time_limit_minutes=30,
        max_attempts=2,
        cooldown_minutes=60,
        pass_mark_percent=75,
        intro="<p>Read each question carefully.</p><script>alert(1)</script>",
    )
    response = client.get(url("exam", e.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "You have 30 minutes from the moment you start" in html
    assert "2 attempts allowed." in html and "Left: 2." in html
    assert "You must wait 60 minutes between attempts." in html
    assert "Pass mark: 75%." in html
    assert "Read each question carefully." in html and "<script>" not in html
    assert 'data-action="start"' in html


def test_start_then_second_start_continues_the_same_attempt(client, nurse, three):
    first = client.post(url("start", three.pk))
    attempt = Attempt.objects.get(exam=three, staff=nurse)
    assert first["Location"] == url("page", attempt.pk)
    second = client.post(url("start", three.pk))
    assert second["Location"] == url("page", attempt.pk)
    assert Attempt.objects.filter(exam=three, staff=nurse).count() == 1
    page = client.get(url("exam", three.pk)).content.decode()
    assert 'data-action="continue"' in page


def test_start_resumes_on_the_page_the_learner_was_on(client, nurse, three):
    attempt = start(client, three)
    post_json(client, url("save", attempt.pk), {"answers": [], "page": 1})
    response = client.post(url("start", three.pk))
    assert response["Location"] == url("page", attempt.pk, "?page=1")


def test_start_is_post_only(client, nurse, three):
    assert client.get(url("start", three.pk)).status_code == 405
    assert not Attempt.objects.exists()


def test_refused_start_explains_why(client, nurse, three):
    three.max_attempts = 1
    three.save()
    attempt = start(client, three)
    attempt_submit(attempt=attempt, staff=nurse)
    response = client.post(url("start", three.pk), follow=True)
    assert "You have used all 1 attempts at this exam." in response.content.decode()
    assert Attempt.objects.filter(exam=three).count() == 1
    page = client.get(url("exam", three.pk)).content.decode()
    assert "data-cannot-start" in page and 'data-action="start"' not in page


def test_unpublished_exam_is_404(client, nurse):
    e = exam([question()], published=False)
    assert client.get(url("exam", e.pk)).status_code == 404
    assert client.post(url("start", e.pk)).status_code == 404
    assert not Attempt.objects.exists()


def test_sign_in_without_staff_record_cannot_start(client, three):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    page = client.get(url("exam", three.pk)).content.decode()
    assert "not linked to a staff record" in page
    response = client.post(url("start", three.pk))
    assert response.status_code == 302
    assert not Attempt.objects.exists()


def test_anonymous_goes_to_sign_in(client, three):
    for path in (url("exam", three.pk), url("page", 1), url("review", 1)):
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# ---------------------------------------------------------------------------------------------
# The attempt page


def test_attempt_page_shows_one_page_with_navigation(client, nurse, three):
    attempt = start(client, three)
    html = client.get(url("page", attempt.pk)).content.decode()
    assert "How do you identify the patient?" in html
    assert "What do you scan first?" in html
    assert "How many rights?" not in html  # page 2
    assert html.count("data-nav-position=") == 3
    assert "data-timer" not in html  # no time limit
    assert 'name="q-0"' in html and 'name="q-1"' in html
    # Nothing that tells the right answer reaches the attempt page.
    assert "data-right" not in html and "is-right" not in html
    second = client.get(url("page", attempt.pk, "?page=1")).content.decode()
    assert "How many rights?" in second and 'inputmode="decimal"' in second


def test_attempt_page_shows_saved_answers_and_flags(client, nurse, three):
    attempt = start(client, three)
    answers_save(
        attempt=attempt,
        staff=nurse,
        answers=[
            {"position": 0, "seq": 5, "response": {"choice": 1}, "flagged": True},
            {"position": 1, "seq": 5, "response": {"text": "wrist band"}},
        ],
    )
    html = client.get(url("page", attempt.pk)).content.decode()
    assert 'value="1" checked' in html
    assert 'value="wrist band"' in html
    assert 'name="flag-0" data-flag checked' in html
    assert html.count("is-answered") >= 2 and "is-flagged" in html
    assert 'data-seq="5"' in html


def test_timed_attempt_page_carries_the_server_deadline(client, nurse, three):
    three.time_limit_minutes = 20
    three.save()
    with freeze_time(T0):
        attempt = start(client, three)
        html = client.get(url("page", attempt.pk)).content.decode()
    assert 'data-deadline="2026-03-02T09:20:00.000+00:00"' in html
    assert 'data-server-now="2026-03-02T09:00:00.000+00:00"' in html
    assert "data-timer" in html


def test_page_number_out_of_range_is_clamped(client, nurse, three):
    attempt = start(client, three)
    for raw in ("99", "-3", "abc"):
        response = client.get(url("page", attempt.pk, f"?page={raw}"))
        assert response.status_code == 200


def test_overdue_attempt_page_finishes_and_goes_to_review(client, nurse, three):
    three.time_limit_minutes = 10
    three.save()
    with freeze_time(T0):
        attempt = start(client, three)
    with freeze_time(T0 + timedelta(minutes=10) + GRACE + timedelta(seconds=1)):
        response = client.get(url("page", attempt.pk))
    assert response["Location"] == url("review", attempt.pk)
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED
    assert attempt.finished_by == Attempt.FinishedBy.DEADLINE


# ---------------------------------------------------------------------------------------------
# Saving (JSON)


def test_save_accepts_then_reports_stale(client, nurse, three):
    attempt = start(client, three)
    save = url("save", attempt.pk)
    first = post_json(
        client,
        save,
        {
            "answers": [
                {"position": 0, "seq": 10, "response": {"choice": 0}, "flagged": True},
                {"position": 1, "seq": 10, "response": {"text": "wristband"}},
            ],
            "page": 0,
        },
    )
    assert first.status_code == 200
    data = first.json()
    assert sorted(data["accepted"]) == [0, 1] and data["stale"] == []
    assert data["deadline"] is None and data["server_now"]
    # A replay of an older number changes nothing.
    replay = post_json(
        client, save, {"answers": [{"position": 0, "seq": 9, "response": {"choice": 2}}]}
    )
    assert replay.json()["stale"] == [0] and replay.json()["accepted"] == []
    stored = AttemptQuestion.objects.get(attempt=attempt, position=0)
    assert stored.response == {"choice": 0} and stored.seq == 10 and stored.flagged


def test_save_records_the_page_and_an_empty_save_is_a_heartbeat(client, nurse, three):
    attempt = start(client, three)
    response = post_json(client, url("save", attempt.pk), {"answers": [], "page": 1})
    assert response.status_code == 200 and response.json()["accepted"] == []
    attempt.refresh_from_db()
    assert attempt.current_page == 1


def test_save_after_deadline_and_grace_is_refused_with_409(client, nurse, three):
    three.time_limit_minutes = 10
    three.save()
    with freeze_time(T0):
        attempt = start(client, three)
    payload = {"answers": [{"position": 0, "seq": 1, "response": {"choice": 0}}]}
    with freeze_time(T0 + timedelta(minutes=10) + GRACE - timedelta(seconds=1)):
        in_grace = post_json(client, url("save", attempt.pk), payload)
    assert in_grace.status_code == 200 and in_grace.json()["accepted"] == [0]
    assert in_grace.json()["deadline"] == "2026-03-02T09:10:00.000+00:00"
    payload["answers"][0]["seq"] = 2
    with freeze_time(T0 + timedelta(minutes=10) + GRACE + timedelta(seconds=1)):
        late = post_json(client, url("save", attempt.pk), payload)
    assert late.status_code == 409
    assert "Time ran out" in late.json()["error"]
    assert late.json()["redirect"] == url("review", attempt.pk)
    assert AttemptQuestion.objects.get(attempt=attempt, position=0).seq == 1


def test_save_to_a_submitted_attempt_is_409(client, nurse, three):
    attempt = start(client, three)
    attempt_submit(attempt=attempt, staff=nurse)
    response = post_json(
        client, url("save", attempt.pk), {"answers": [{"position": 0, "seq": 1, "response": None}]}
    )
    assert response.status_code == 409
    assert "already been submitted" in response.json()["error"]


@pytest.mark.parametrize(
    "payload",
    [
        "{not json",
        "[]",
        {"answers": "all"},
        {"answers": [{"position": "0", "seq": 1, "response": None}]},
        {"answers": [{"position": 0, "seq": True, "response": None}]},
        {"answers": [{"position": 0, "seq": -1, "response": None}]},
        {"answers": [{"position": 0, "seq": 1, "response": "A"}]},
        {"answers": [{"position": 0, "seq": 1, "response": None, "flagged": "yes"}]},
        {"answers": [{"position": 0, "seq": 1, "response": {"choice": 7}}]},  # no answer 7
        {"answers": [{"position": 1, "seq": 1, "response": {"choice": 0}}]},  # a text question
        {"answers": [{"position": 9, "seq": 1, "response": None}]},  # no such question
        {"answers": [], "page": "two"},
    ],
)
def test_save_bad_input_is_400_with_a_message(client, nurse, three, payload):
    attempt = start(client, three)
    response = post_json(client, url("save", attempt.pk), payload)
    assert response.status_code == 400
    assert response.json()["error"]
    assert not AttemptQuestion.objects.filter(attempt=attempt, seq__gt=0).exists()


def test_save_and_submit_are_post_only(client, nurse, three):
    attempt = start(client, three)
    assert client.get(url("save", attempt.pk)).status_code == 405
    assert client.put(url("submit", attempt.pk)).status_code == 405


# ---------------------------------------------------------------------------------------------
# Saving without JavaScript (the page's form)


def test_form_save_writes_the_page_and_moves_on(client, nurse, three):
    attempt = start(client, three)
    response = client.post(
        url("save", attempt.pk),
        {
            "page": "0",
            "position": ["0", "1"],
            "qtype-0": "single",
            "qtype-1": "shortanswer",
            "seq-0": "1",
            "seq-1": "1",
            "q-0": "0",
            "q-1": "wristband",
            "flag-1": "on",
            "goto": "1",
        },
    )
    assert response["Location"] == url("page", attempt.pk, "?page=1")
    first, second = AttemptQuestion.objects.filter(attempt=attempt).order_by("position")[:2]
    assert first.response == {"choice": 0} and not first.flagged
    assert second.response == {"text": "wristband"} and second.flagged
    summary = client.post(
        url("save", attempt.pk),
        {
            "page": "1",
            "position": ["2"],
            "qtype-2": "numerical",
            "seq-2": "1",
            "q-2": "5",
            "goto": "summary",
        },
    )
    assert summary["Location"] == url("submit", attempt.pk)


def test_form_save_with_an_old_page_does_not_overwrite_newer_answers(client, nurse, three):
    attempt = start(client, three)
    answers_save(
        attempt=attempt,
        staff=nurse,
        answers=[{"position": 0, "seq": 1_700_000_000_000, "response": {"choice": 2}}],
    )
    client.post(
        url("save", attempt.pk),
        {"page": "0", "position": ["0"], "qtype-0": "single", "seq-0": "1", "q-0": "0"},
    )
    assert AttemptQuestion.objects.get(attempt=attempt, position=0).response == {"choice": 2}


# ---------------------------------------------------------------------------------------------
# Submitting and the review


def test_summary_lists_unanswered_questions_then_form_submit(client, nurse, three):
    attempt = start(client, three)
    answers_save(
        attempt=attempt, staff=nurse, answers=[{"position": 0, "seq": 1, "response": {"choice": 0}}]
    )
    summary = client.get(url("submit", attempt.pk)).content.decode()
    assert "Question 2" in summary and "Question 3" in summary
    assert f'href="{url("page", attempt.pk)}?page=0#q-1"' in summary
    response = client.post(url("submit", attempt.pk))
    assert response["Location"] == url("review", attempt.pk)
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED
    assert attempt.finished_by == Attempt.FinishedBy.LEARNER


def test_json_submit_saves_the_final_answers_and_grades_once(client, nurse, three):
    attempt = start(client, three)
    answers = [
        {"position": 0, "seq": 3, "response": {"choice": 0}},
        {"position": 1, "seq": 3, "response": {"text": "Wristband"}},
        {"position": 2, "seq": 3, "response": {"text": "5,2"}},
    ]
    response = post_json(client, url("submit", attempt.pk), {"answers": answers})
    assert response.status_code == 200
    assert response.json() == {"finished": True, "redirect": url("review", attempt.pk)}
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED and attempt.percent == 100
    again = post_json(client, url("submit", attempt.pk), {"answers": []})
    assert again.status_code == 200
    assert Attempt.objects.get(pk=attempt.pk).finished_at == attempt.finished_at


def test_json_submit_after_grace_is_409_and_finishes_at_the_deadline(client, nurse, three):
    three.time_limit_minutes = 5
    three.save()
    with freeze_time(T0):
        attempt = start(client, three)
    late = {"answers": [{"position": 0, "seq": 3, "response": {"choice": 0}}]}
    with freeze_time(T0 + timedelta(minutes=5) + GRACE + timedelta(seconds=5)):
        response = post_json(client, url("submit", attempt.pk), late)
    assert response.status_code == 409
    attempt.refresh_from_db()
    assert attempt.finished_at == T0 + timedelta(minutes=5)
    assert AttemptQuestion.objects.get(attempt=attempt, position=0).response is None


def submitted(client, e, nurse) -> Attempt:
    attempt = start(client, e)
    attempt_submit(
        attempt=attempt,
        staff=nurse,
        answers=[
            {"position": 0, "seq": 1, "response": {"choice": 0}},
            {"position": 1, "seq": 1, "response": {"text": "barcode"}},
        ],
    )
    attempt.refresh_from_db()
    return attempt


def test_review_immediately_shows_right_answers_and_feedback(client, nurse):
    q = question(
        "single",
        answers=[
            ("Scan the wristband", 100, {"feedback": "Yes: two identifiers."}),
            ("Ask the bed number", 0, {"feedback": "Beds change."}),
        ],
        general_feedback="<p>Always two identifiers.</p>",
        text="<p>How do you identify the patient?</p>",
    )
    e = exam([q, question("shortanswer")], review_policy=Exam.ReviewPolicy.IMMEDIATELY)
    attempt = submitted(client, e, nurse)
    html = client.get(url("review", attempt.pk)).content.decode()
    assert "data-grade>50%" in html
    assert "Not passed" in html
    assert "Yes: two identifiers." in html  # the chosen answer's feedback
    assert "Beds change." not in html  # an answer not chosen: no feedback
    assert "Always two identifiers." in html
    assert "data-right" in html and "Right answer:" in html and "wristband" in html
    assert 'data-state="wrong"' in html and 'data-state="right"' in html


def test_review_after_close_hides_answers_until_the_exam_closes(client, nurse):
    closes = T0 + timedelta(days=2)
    q = question("single", general_feedback="<p>Two identifiers.</p>")
    e = exam(
        [q, question("shortanswer")],
        review_policy=Exam.ReviewPolicy.AFTER_CLOSE,
        closes_at=closes,
    )
    with freeze_time(T0):
        attempt = submitted(client, e, nurse)
        html = client.get(url("review", attempt.pk)).content.decode()
    assert "data-grade>50%" in html  # the total is shown after finishing
    assert "data-review-later" in html
    assert "Two identifiers." not in html and "data-right" not in html
    assert "Scan the wristband" not in html  # not even the question's answers
    with freeze_time(closes + timedelta(minutes=1)):
        later = client.get(url("review", attempt.pk)).content.decode()
    assert "Two identifiers." in later and "data-right" in later


def test_review_never_shows_neither_answers_nor_grade(client, nurse):
    q = question("single", general_feedback="<p>Two identifiers.</p>")
    e = exam([q, question("shortanswer")], review_policy=Exam.ReviewPolicy.NEVER)
    attempt = submitted(client, e, nurse)
    html = client.get(url("review", attempt.pk)).content.decode()
    assert "data-no-results" in html
    assert "data-grade" not in html and "Passed" not in html and "50%" not in html
    assert "Two identifiers." not in html and "Scan the wristband" not in html
    detail = client.get(url("exam", e.pk)).content.decode()
    assert "50%" not in detail and "Not passed" not in detail
    assert 'data-attempt-row="1"' in detail


def test_exam_page_lists_finished_attempts_with_grade(client, nurse, three):
    attempt = submitted(client, three, nurse)
    html = client.get(url("exam", three.pk)).content.decode()
    assert 'data-attempt-row="1"' in html
    assert attempt.percent < 50  # one of three right
    assert f"{attempt.percent:.1f}%" in html
    assert url("review", attempt.pk) in html


def test_review_of_an_open_attempt_goes_back_to_it(client, nurse, three):
    attempt = start(client, three)
    assert client.get(url("review", attempt.pk))["Location"] == url("page", attempt.pk)


def test_chinese_texts_when_the_page_is_in_chinese(client, nurse):
    q = question("single", text="<p>Which?</p>", text_zh="<p>哪一个？</p>")
    e = exam([q])
    attempt = start(client, e)
    html = client.get(url("page", attempt.pk), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "哪一个？" in html


# ---------------------------------------------------------------------------------------------
# Nobody reaches another person's attempt


def test_another_learner_gets_404_on_every_attempt_url(client, three):
    owner = StaffFactory()
    attempt = attempt_start(exam=three, staff=owner)
    intruder = person()
    client.force_login(intruder.user)
    assert client.get(url("page", attempt.pk)).status_code == 404
    assert client.get(url("submit", attempt.pk)).status_code == 404
    assert client.get(url("review", attempt.pk)).status_code == 404
    payload = {"answers": [{"position": 0, "seq": 9, "response": {"choice": 1}}]}
    assert post_json(client, url("save", attempt.pk), payload).status_code == 404
    assert post_json(client, url("submit", attempt.pk), payload).status_code == 404
    assert client.post(url("submit", attempt.pk)).status_code == 404
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.IN_PROGRESS
    assert not AttemptQuestion.objects.filter(attempt=attempt, seq__gt=0).exists()


# ---------------------------------------------------------------------------------------------
# Query counts: the attempt page does not grow with questions or with other attempts

MAX_QUERIES = 9  # session, user, attempt, outline, page; 4 for the page frame (nav, badge)


def _big_exam(n: int) -> Exam:
    cat = category()
    kinds = ["single", "multiple", "truefalse", "shortanswer", "numerical", "matching", "essay"]
    for i in range(n):
        question(kinds[i % len(kinds)], category_=cat)
    return exam(draws=[(cat, n)], questions_per_page=n)  # every question on one page


def _others(e: Exam, count: int):
    for _ in range(count):
        attempt_start(exam=e, staff=StaffFactory())


@pytest.mark.parametrize("questions,others", [(5, 1), (50, 1), (5, 200), (50, 200)])
def test_attempt_page_query_count_is_constant(
    client, nurse, django_assert_max_num_queries, questions, others
):
    e = _big_exam(questions)
    _others(e, others)
    attempt = start(client, e)
    assert attempt.questions.count() == questions
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(url("page", attempt.pk))
    assert response.status_code == 200
    assert response.content.decode().count("data-question ") == questions
