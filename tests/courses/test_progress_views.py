"""Learner views: complete, time and visit beacons, resume; the progress includes on the course
and lesson pages."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from courses.models import CourseProgress, LessonProgress
from courses.services.progress import MAX_REPORT_SECONDS, lesson_complete, lesson_visit
from portal.accounts import roles
from tests.courses.factories import course
from tests.factories import UserFactory, person

pytestmark = pytest.mark.django_db


def lessons_of(page):
    return list(page.get_children().specific().order_by("path"))


def urls(lesson_pk, course_pk):
    return {
        "complete": f"/learning/lessons/{lesson_pk}/complete/",
        "visit": f"/learning/lessons/{lesson_pk}/visit/",
        "time": f"/learning/lessons/{lesson_pk}/time/",
        "resume": f"/learning/courses/{course_pk}/resume/",
    }


def test_anonymous_is_sent_to_sign_in(client):
    page = course(lessons=1)
    (only,) = lessons_of(page)
    for name, url in urls(only.pk, page.pk).items():
        response = client.post(url) if name != "resume" else client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith("/accounts/login/"), name
    assert not LessonProgress.objects.exists()


def test_beacons_and_complete_are_post_only(client):
    page = course(lessons=1)
    (only,) = lessons_of(page)
    client.force_login(person([roles.LEARNER]).user)
    for name in ("complete", "visit", "time"):
        assert client.get(urls(only.pk, page.pk)[name]).status_code == 405
    assert client.post(urls(only.pk, page.pk)["resume"]).status_code == 405


def test_complete_goes_to_the_next_lesson_and_a_double_submit_is_harmless(client):
    nurse, page = person([roles.LEARNER]), course(lessons=2)
    first, second = lessons_of(page)
    client.force_login(nurse.user)
    response = client.post(f"/learning/lessons/{first.pk}/complete/", {"seconds": "90"})
    assert response.status_code == 302
    assert response["Location"] == second.get_url()
    completed_at = LessonProgress.objects.get(lesson=first).completed_at
    again = client.post(f"/learning/lessons/{first.pk}/complete/", {"seconds": ""})
    assert again["Location"] == second.get_url()
    progress = LessonProgress.objects.get(lesson=first)
    assert progress.completed_at == completed_at
    assert progress.seconds_spent == 90
    assert CourseProgress.objects.get().percent == 50


def test_completing_the_last_lesson_returns_to_the_course(client):
    nurse, page = person([roles.LEARNER]), course(lessons=2)
    first, second = lessons_of(page)
    client.force_login(nurse.user)
    client.post(f"/learning/lessons/{first.pk}/complete/")
    response = client.post(f"/learning/lessons/{second.pk}/complete/", follow=True)
    assert response.redirect_chain[-1][0] == page.get_url()
    assert "You completed the course" in response.content.decode()
    assert CourseProgress.objects.get().completed_at is not None
    again = client.post(f"/learning/lessons/{second.pk}/complete/", follow=True)
    assert "You completed the course" not in again.content.decode()
    assert "completed" in again.content.decode()


def test_complete_with_a_malformed_time_changes_nothing(client):
    nurse, page = person([roles.LEARNER]), course(lessons=1)
    (only,) = lessons_of(page)
    client.force_login(nurse.user)
    response = client.post(f"/learning/lessons/{only.pk}/complete/", {"seconds": "ten"})
    assert response["Location"] == only.get_url()
    assert not LessonProgress.objects.exists()


def test_time_beacon_counts_capped_seconds(client):
    nurse, page = person([roles.LEARNER]), course(lessons=1)
    (only,) = lessons_of(page)
    client.force_login(nurse.user)
    url = f"/learning/lessons/{only.pk}/time/"
    assert client.post(url, {"seconds": "60"}).status_code == 204
    assert client.post(url, {"seconds": str(10 * 3600)}).status_code == 204
    assert LessonProgress.objects.get().seconds_spent == 60 + MAX_REPORT_SECONDS
    assert LessonProgress.objects.get().completed_at is None


@pytest.mark.parametrize("bad", ["-5", "1.5", "abc"])
def test_time_beacon_refuses_bad_input_and_changes_nothing(client, bad):
    nurse, page = person([roles.LEARNER]), course(lessons=1)
    (only,) = lessons_of(page)
    client.force_login(nurse.user)
    response = client.post(f"/learning/lessons/{only.pk}/time/", {"seconds": bad})
    assert response.status_code == 400
    assert response.json()["error"]
    assert not LessonProgress.objects.exists()


def test_visit_remembers_where_to_resume(client):
    nurse, page = person([roles.LEARNER]), course(lessons=3)
    _first, second, _third = lessons_of(page)
    client.force_login(nurse.user)
    assert client.post(f"/learning/lessons/{second.pk}/visit/").status_code == 204
    assert CourseProgress.objects.get().last_lesson_id == second.pk
    response = client.get(f"/learning/courses/{page.pk}/resume/")
    assert response["Location"] == second.get_url()


def test_resume_starts_at_the_first_lesson_and_ends_on_the_course_page(client):
    nurse, page = person([roles.LEARNER]), course(lessons=2)
    first, second = lessons_of(page)
    client.force_login(nurse.user)
    assert client.get(f"/learning/courses/{page.pk}/resume/")["Location"] == first.get_url()
    lesson_complete(staff=nurse, lesson=first)
    lesson_complete(staff=nurse, lesson=second)
    assert client.get(f"/learning/courses/{page.pk}/resume/")["Location"] == page.get_url()


def test_a_lesson_or_course_that_is_not_live_is_not_found(client):
    nurse, page = person([roles.LEARNER]), course(lessons=2)
    first, draft = lessons_of(page)
    draft.unpublish()
    client.force_login(nurse.user)
    for action in ("complete", "visit", "time"):
        assert client.post(f"/learning/lessons/{draft.pk}/{action}/").status_code == 404
        assert client.post(f"/learning/lessons/999999/{action}/").status_code == 404
    # A course page id is not a lesson.
    assert client.post(f"/learning/lessons/{page.pk}/complete/").status_code == 404
    page.unpublish()
    assert client.get(f"/learning/courses/{page.pk}/resume/").status_code == 404
    assert client.get(f"/learning/courses/{first.pk}/resume/").status_code == 404
    assert not LessonProgress.objects.exists()


def test_progress_is_always_the_signed_in_persons_own(client):
    nurse, colleague, page = person([roles.LEARNER]), person([roles.LEARNER]), course(lessons=1)
    (only,) = lessons_of(page)
    lesson_visit(staff=colleague, lesson=only, seconds=30)
    client.force_login(nurse.user)
    client.post(f"/learning/lessons/{only.pk}/complete/", {"seconds": "20"})
    mine = LessonProgress.objects.get(staff=nurse)
    theirs = LessonProgress.objects.get(staff=colleague)
    assert mine.completed_at is not None and mine.seconds_spent == 20
    assert theirs.completed_at is None and theirs.seconds_spent == 30


def test_a_login_without_a_staff_record_records_nothing(client):
    page = course(lessons=1)
    (only,) = lessons_of(page)
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.post(f"/learning/lessons/{only.pk}/time/", {"seconds": "60"}).status_code == 204
    response = client.post(f"/learning/lessons/{only.pk}/complete/", follow=True)
    assert "not linked to a staff record" in response.content.decode()
    assert client.get(f"/learning/courses/{page.pk}/resume/")["Location"] == only.get_url()
    assert not LessonProgress.objects.exists()


# The includes the course and lesson page templates use ------------------------------------


def render(template, user, page):
    request = RequestFactory().get(page.get_url())
    request.user = user
    return Template(template).render(Context({"page": page, "request": request}))


COURSE = '{% include "courses/learning/course_progress.html" %}'
LESSON = '{% include "courses/learning/lesson_controls.html" %}'


def test_course_progress_shows_start_then_resume_then_completed():
    nurse, page = person([roles.LEARNER]), course(lessons=2, required=[0])
    first, optional = lessons_of(page)
    html = render(COURSE, nurse.user, page)
    assert 'data-action="start"' in html and "0%" in html
    assert "optional" in html
    lesson_visit(staff=nurse, lesson=first)
    html = render(COURSE, nurse.user, page)
    assert 'data-action="resume"' in html
    lesson_complete(staff=nurse, lesson=first)
    html = render(COURSE, nurse.user, page)
    assert "Completed" in html and "data-percent>100%" in html
    assert f'data-lesson="{first.pk}" data-done' in html
    assert f'data-lesson="{optional.pk}">' in html


def test_lesson_controls_offer_completion_then_show_the_date():
    nurse, page = person([roles.LEARNER]), course(lessons=2)
    first, second = lessons_of(page)
    html = render(LESSON, nurse.user, first)
    assert "Mark as complete" in html
    assert f'action="/learning/lessons/{first.pk}/complete/"' in html
    assert second.get_url() in html and "Next lesson" in html
    assert "courses/progress.js" in html
    lesson_complete(staff=nurse, lesson=first)
    html = render(LESSON, nurse.user, first)
    assert "Mark as complete" not in html and "Completed on" in html
    html = render(LESSON, nurse.user, second)
    assert "Next lesson" not in html and page.get_url() in html


def test_includes_for_anonymous_visitors_ask_to_sign_in():
    from django.contrib.auth.models import AnonymousUser

    page = course(lessons=1)
    (only,) = lessons_of(page)
    for template, target in ((COURSE, page), (LESSON, only)):
        html = render(template, AnonymousUser(), target)
        assert "Sign in</a> to record your progress" in html
        assert "Mark as complete" not in html
        assert "progress.js" not in html


@pytest.mark.parametrize("lessons", [3, 30])
def test_course_progress_query_count_does_not_grow_with_lessons(
    django_assert_max_num_queries, lessons
):
    nurse, page = person([roles.LEARNER]), course(lessons=lessons)
    for lesson in lessons_of(page)[: lessons // 2]:
        lesson_complete(staff=nurse, lesson=lesson)
    with django_assert_max_num_queries(6):
        render(COURSE, nurse.user, page)
