"""Feedback pages: learners rate and report; only trainers and superusers triage, resolve and
reopen. Refused input shows its message and saves nothing."""

import pytest
from django.urls import reverse

from courses.models import CourseRating, ProblemReport
from courses.services.feedback import course_rate, problem_report_create
from portal.accounts import roles
from portal.records.models import AuditEvent
from tests.courses.factories import course
from tests.factories import UserFactory, person

pytestmark = pytest.mark.django_db

TRIAGE = "/learning/feedback/"


@pytest.fixture
def nurse():
    return person([roles.LEARNER])


@pytest.fixture
def course_page():
    return course(title="Barcode medication administration", lessons=1)


@pytest.fixture
def lesson(course_page):
    return course_page.get_children().specific().get()


def _messages(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def _rate(client, page, **data):
    return client.post(f"/learning/courses/{page.pk}/rate/", data)


def _report_on(client, lesson, text, **extra):
    return client.post(f"/learning/lessons/{lesson.pk}/report/", {"text": text, **extra})


def test_urls_are_named():
    assert reverse("courses:feedback_triage") == TRIAGE
    assert reverse("courses:course_rate", args=[7]) == "/learning/courses/7/rate/"
    assert reverse("courses:lesson_report", args=[7]) == "/learning/lessons/7/report/"
    assert reverse("courses:feedback_resolve", args=[7]) == "/learning/feedback/7/resolve/"
    assert reverse("courses:feedback_reopen", args=[7]) == "/learning/feedback/7/reopen/"


# ---------------------------------------------------------------------------------------------
# Rating


def test_a_learner_rates_a_course_and_goes_back_to_it(client, nurse, course_page):
    client.force_login(nurse.user)
    response = _rate(client, course_page, stars="4", comment="Clear steps")
    assert response.status_code == 302 and response.url == course_page.url
    rating = CourseRating.objects.get()
    assert (rating.staff, rating.stars, rating.comment) == (nurse, 4, "Clear steps")


def test_a_second_submit_updates_the_rating(client, nurse, course_page):
    client.force_login(nurse.user)
    _rate(client, course_page, stars="4")
    response = _rate(client, course_page, stars="2", comment="The video stutters")
    assert response.status_code == 302
    assert CourseRating.objects.get().stars == 2
    assert _messages(response)[-1] == "Your rating is updated."


@pytest.mark.parametrize("stars", ["0", "6", "", "five", "-3"])
def test_stars_outside_one_to_five_are_refused_with_a_message(client, nurse, course_page, stars):
    client.force_login(nurse.user)
    response = _rate(client, course_page, stars=stars, comment="Keep this text")
    assert response.status_code == 400
    assert "Choose a rating from 1 to 5 stars." in response.content.decode()
    assert "Keep this text" in response.content.decode()  # what they typed is kept
    assert not CourseRating.objects.exists()


def test_next_must_stay_on_this_site(client, nurse, course_page):
    client.force_login(nurse.user)
    response = _rate(client, course_page, stars="3", next="https://evil.example/")
    assert response.url == course_page.url
    response = _rate(client, course_page, stars="3", next="/courses/?tab=x")
    assert response.url == "/courses/?tab=x"


def test_rating_a_missing_or_non_course_page_is_404(client, nurse, lesson):
    client.force_login(nurse.user)
    assert _rate(client, lesson, stars="3").status_code == 404
    assert client.post("/learning/courses/999999/rate/", {"stars": "3"}).status_code == 404


def test_an_unpublished_course_cannot_be_rated(client, nurse, course_page):
    course_page.unpublish()
    client.force_login(nurse.user)
    assert _rate(client, course_page, stars="3").status_code == 404
    assert not CourseRating.objects.exists()


def test_anonymous_is_sent_to_sign_in(client, course_page, lesson):
    response = _rate(client, course_page, stars="3")
    assert response.status_code == 302 and "/accounts/login/" in response.url
    response = _report_on(client, lesson, "x")
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert not CourseRating.objects.exists() and not ProblemReport.objects.exists()


def test_an_account_without_a_staff_record_is_told_why(client, course_page):
    client.force_login(UserFactory(is_superuser=True))
    response = _rate(client, course_page, stars="3")
    assert response.status_code == 302
    assert _messages(response) == ["Only staff on the roster can rate courses."]
    assert not CourseRating.objects.exists()


def test_the_rate_page_shows_the_learners_own_rating(client, nurse, course_page):
    course_rate(staff=nurse, course=course_page, stars=4, comment="Useful drills")
    client.force_login(nurse.user)
    response = client.get(f"/learning/courses/{course_page.pk}/rate/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-own-rating="4"' in html and "Useful drills" in html
    assert 'value="4" checked' in html
    assert "Change my rating" in html and "Update my rating" in html


def test_the_rate_page_in_chinese(client, nurse, course_page):
    course_page.title_zh = "条码给药"
    course_page.save_revision().publish()
    client.force_login(nurse.user)
    response = client.get(
        f"/learning/courses/{course_page.pk}/rate/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 200
    assert "条码给药" in response.content.decode()


# ---------------------------------------------------------------------------------------------
# Problem reports


def test_a_learner_reports_a_problem(client, nurse, lesson):
    client.force_login(nurse.user)
    response = _report_on(client, lesson, "The screen in the lesson no longer matches the system")
    assert response.status_code == 302 and response.url == lesson.url
    report = ProblemReport.objects.get()
    assert (report.staff, report.lesson_id) == (nurse, lesson.pk)


def test_an_empty_report_is_refused_with_a_message(client, nurse, lesson):
    client.force_login(nurse.user)
    for text in ["", "    "]:
        response = _report_on(client, lesson, text)
        assert response.status_code == 400
        assert "Describe the problem before sending the report." in response.content.decode()
    assert not ProblemReport.objects.exists()


def test_a_double_submit_makes_one_report(client, nurse, lesson):
    client.force_login(nurse.user)
    _report_on(client, lesson, "Wrong screen")
    response = _report_on(client, lesson, "Wrong screen")
    assert ProblemReport.objects.count() == 1
    assert _messages(response)[-1] == "This report was already sent; it is recorded once."


def test_reporting_on_a_course_page_is_404(client, nurse, course_page):
    client.force_login(nurse.user)
    assert _report_on(client, course_page, "x").status_code == 404


def test_the_report_page_shows_the_learners_reports_and_the_resolution(client, nurse, lesson):
    report, _ = problem_report_create(staff=nurse, lesson=lesson, text="Step 4 changed")
    report.status, report.resolution = "resolved", "Step 4 rewritten for v2.3"
    report.save()
    problem_report_create(staff=person([roles.LEARNER]), lesson=lesson, text="Someone else's")
    client.force_login(nurse.user)
    html = client.get(f"/learning/lessons/{lesson.pk}/report/").content.decode()
    assert "Step 4 changed" in html and "Step 4 rewritten for v2.3" in html
    assert "Someone else&#x27;s" not in html and "Someone else's" not in html


# ---------------------------------------------------------------------------------------------
# Triage: who may


@pytest.mark.parametrize(
    "role_names",
    [[roles.LEARNER], [roles.MANAGER], [roles.HR], [roles.ROLLOUT_LEAD], [roles.AUDITOR]],
)
def test_other_roles_cannot_triage(client, nurse, lesson, role_names):
    report, _ = problem_report_create(staff=nurse, lesson=lesson, text="Wrong screen")
    client.force_login(person(role_names).user)
    assert client.get(TRIAGE).status_code == 403
    assert client.post(f"{TRIAGE}{report.pk}/resolve/", {"resolution": "x"}).status_code == 403
    assert client.post(f"{TRIAGE}{report.pk}/reopen/").status_code == 403
    # A made-up id answers the same: ids tell nothing to people who may not triage.
    assert client.post(f"{TRIAGE}999999/resolve/", {"resolution": "x"}).status_code == 403
    report.refresh_from_db()
    assert (
        report.status == "open"
        and not AuditEvent.objects.filter(action__startswith="feedback.").exists()
    )


def test_the_reporter_cannot_resolve_their_own_report(client, nurse, lesson):
    report, _ = problem_report_create(staff=nurse, lesson=lesson, text="Wrong screen")
    client.force_login(nurse.user)
    assert client.post(f"{TRIAGE}{report.pk}/resolve/", {"resolution": "x"}).status_code == 403
    report.refresh_from_db()
    assert report.status == "open"


def test_anonymous_triage_goes_to_sign_in(client):
    response = client.get(TRIAGE)
    assert response.status_code == 302 and "/accounts/login/" in response.url


@pytest.mark.parametrize("who", ["trainer", "superuser"])
def test_trainers_and_superusers_see_the_triage_list(client, nurse, lesson, course_page, who):
    problem_report_create(staff=nurse, lesson=lesson, text="The screen no longer matches")
    course_rate(staff=nurse, course=course_page, stars=2, comment="Outdated screenshots")
    user = (
        person([roles.LEARNER, roles.TRAINER]).user
        if who == "trainer"
        else UserFactory(is_superuser=True)
    )
    client.force_login(user)
    response = client.get(TRIAGE)
    html = response.content.decode()
    assert response.status_code == 200
    assert "The screen no longer matches" in html
    assert nurse.full_name in html and nurse.department.name in html
    assert lesson.url in html and "Barcode medication administration" in html
    assert "Outdated screenshots" in html
    assert response.context["counts"] == {"open": 1, "resolved": 0}


def test_resolve_requires_post(client):
    client.force_login(UserFactory(is_superuser=True))
    assert client.get(f"{TRIAGE}1/resolve/").status_code == 405


def test_resolving_a_missing_report_is_404_for_a_trainer(client):
    client.force_login(person([roles.TRAINER]).user)
    assert client.post(f"{TRIAGE}999999/resolve/", {"resolution": "x"}).status_code == 404


# ---------------------------------------------------------------------------------------------
# Triage: filters and actions


def _trainer(client):
    user = person([roles.LEARNER, roles.TRAINER]).user
    client.force_login(user)
    return user


def test_the_list_filters_by_status_and_course(client, nurse, lesson):
    other_lesson = course(title="Billing and refunds", lessons=1).get_children().specific().get()
    open_report, _ = problem_report_create(staff=nurse, lesson=lesson, text="Open one")
    done, _ = problem_report_create(staff=nurse, lesson=other_lesson, text="Resolved one")
    done.status = "resolved"
    done.save()
    _trainer(client)

    def shown(query):
        return [r.pk for r in client.get(TRIAGE + query).context["page"]]

    assert shown("") == [open_report.pk]  # open by default
    assert shown("?status=resolved") == [done.pk]
    assert sorted(shown("?status=")) == sorted([open_report.pk, done.pk])
    course_id = other_lesson.get_parent().pk
    assert shown(f"?status=&course={course_id}") == [done.pk]
    assert shown("?status=nonsense") == [open_report.pk]


def test_a_trainer_resolves_and_reopens_from_the_list(client, nurse, lesson):
    report, _ = problem_report_create(staff=nurse, lesson=lesson, text="Wrong screen")
    trainer = _trainer(client)
    response = client.post(
        f"{TRIAGE}{report.pk}/resolve/",
        {"resolution": "Replaced the screenshots", "next": f"{TRIAGE}?status=open"},
    )
    assert response.status_code == 302 and response.url == f"{TRIAGE}?status=open"
    report.refresh_from_db()
    assert report.status == "resolved" and report.resolved_by == trainer
    assert AuditEvent.objects.filter(action="feedback.report_resolve").count() == 1

    response = client.post(f"{TRIAGE}{report.pk}/resolve/", {"resolution": "again"})
    assert _messages(response)[-1] == "This report was already resolved; nothing changed."

    client.post(f"{TRIAGE}{report.pk}/reopen/")
    report.refresh_from_db()
    assert report.status == "open"
    assert AuditEvent.objects.filter(action="feedback.report_reopen").count() == 1


def test_resolving_without_a_note_is_refused(client, nurse, lesson):
    report, _ = problem_report_create(staff=nurse, lesson=lesson, text="Wrong screen")
    _trainer(client)
    response = client.post(f"{TRIAGE}{report.pk}/resolve/", {"resolution": "  "})
    assert response.status_code == 302
    assert _messages(response) == ["Write what was done (the reporter sees this note)."]
    report.refresh_from_db()
    assert report.status == "open"


def test_ratings_summary_per_course(client, lesson, course_page):
    other = course(title="HIS basics", lessons=0)
    for stars in (1, 2, 2):
        course_rate(staff=person([roles.LEARNER]), course=course_page, stars=stars)
    course_rate(staff=person([roles.LEARNER]), course=other, stars=5, comment="Great")
    _trainer(client)
    summaries = client.get(TRIAGE).context["summaries"]
    assert [(s.title, s.average, s.count) for s in summaries] == [
        ("Barcode medication administration", 1.7, 3),
        ("HIS basics", 5.0, 1),
    ]
    assert summaries[0].distribution == [(5, 0, 0), (4, 0, 0), (3, 0, 0), (2, 2, 100), (1, 1, 50)]
    assert [c.comment for c in summaries[1].comments] == ["Great"]


def test_latest_comments_are_the_three_newest_per_course(client, course_page):
    from freezegun import freeze_time

    for day in range(1, 6):
        with freeze_time(f"2025-03-0{day} 09:00"):
            course_rate(
                staff=person([roles.LEARNER]), course=course_page, stars=3, comment=f"d{day}"
            )
    course_rate(staff=person([roles.LEARNER]), course=course_page, stars=3)  # no comment
    _trainer(client)
    summary = client.get(TRIAGE).context["summaries"][0]
    assert [c.comment for c in summary.comments] == ["d5", "d4", "d3"]
    assert summary.count == 6


def test_the_triage_list_in_chinese(client, nurse, lesson):
    problem_report_create(staff=nurse, lesson=lesson, text="屏幕与系统不一致")
    _trainer(client)
    response = client.get(TRIAGE, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert "屏幕与系统不一致" in response.content.decode()
