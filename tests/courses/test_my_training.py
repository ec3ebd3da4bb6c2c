"""My training: the learner's assigned items with status, due dates and the next action."""

from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from freezegun import freeze_time

from courses.models import Assignment, CoursePage, CourseProgress, Curriculum
from courses.services.progress import lesson_complete, lesson_visit
from portal.accounts import roles
from tests.courses.factories import catalogue, course
from tests.factories import UserFactory, job_role, person

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 10)


def assign(staff, page, due=None, **fields):
    return Assignment.objects.create(
        staff=staff,
        content_type=ContentType.objects.get_for_model(CoursePage),
        object_id=page.pk,
        due_date=due,
        **fields,
    )


def lessons_of(page):
    return list(page.get_children().specific().order_by("path"))


def rows(response):
    return [(item.title, item.status, item.action_label) for item in response.context["items"]]


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/training/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_empty_without_a_staff_record_says_why(client):
    client.force_login(UserFactory(is_superuser=True))
    response = client.get("/training/")
    assert response.status_code == 200
    assert 'data-empty="no-staff"' in response.content.decode()
    assert "My certificates" in response.content.decode()


def test_empty_without_a_curriculum_for_the_role_says_why(client):
    nurse = person([roles.LEARNER])
    client.force_login(nurse.user)
    html = client.get("/training/").content.decode()
    assert 'data-empty="no-curriculum"' in html
    assert "no curriculum for your role (Nurse)" in html


def test_empty_while_assignments_are_pending_says_so(client):
    nurse = person([roles.LEARNER])
    Curriculum.objects.create(name="Nursing", job_role=job_role("nurse"))
    client.force_login(nurse.user)
    assert 'data-empty="pending"' in client.get("/training/").content.decode()


@freeze_time("2026-03-10 09:00")
def test_items_with_status_and_next_action_overdue_first_then_by_due_date(client):
    nurse = person([roles.LEARNER])
    late = course("Barcode medication administration", lessons=2)
    soon = course("Admission and handover", lessons=2)
    started = course("Vital signs charting", lessons=2)
    finished = course("HIS basics for everyone", lessons=1)
    undated = course("Ward round orders", lessons=1)
    withdrawn = course("Old paper process", lessons=1)
    assign(nurse, late, TODAY - timedelta(days=2))
    assign(nurse, started, TODAY + timedelta(days=10))
    assign(nurse, soon, TODAY + timedelta(days=3))
    assign(nurse, finished, TODAY - timedelta(days=30))
    assign(nurse, undated)
    assign(nurse, withdrawn, TODAY, status=Assignment.Status.WITHDRAWN)
    assign(person([roles.LEARNER]), course("Someone else's course", lessons=1), TODAY)
    lesson_complete(staff=nurse, lesson=lessons_of(started)[0])
    lesson_complete(staff=nurse, lesson=lessons_of(finished)[0])

    client.force_login(nurse.user)
    response = client.get("/training/")
    assert rows(response) == [
        ("Barcode medication administration", "overdue", "start"),
        ("Admission and handover", "not_started", "start"),
        ("Vital signs charting", "in_progress", "resume"),
        ("Ward round orders", "not_started", "start"),
        ("HIS basics for everyone", "done", "review"),
    ]
    items = response.context["items"]
    assert [item.percent for item in items] == [0, 0, 50, 0, 100]
    assert items[0].action_url == f"/learning/courses/{late.pk}/resume/"
    assert items[-1].action_url == finished.get_url()
    overview = response.context["overview"]
    assert overview.counts == {"overdue": 1, "in_progress": 1, "not_started": 2, "done": 1}
    assert overview.percent == 20
    html = response.content.decode()
    assert "2 days overdue" in html
    assert "in 3 days" in html
    assert "No due date" in html
    assert 'class="badge status-overdue"' in html
    assert "Old paper process" not in html and "Someone else" not in html


@freeze_time("2026-03-10 09:00")
def test_a_visit_alone_makes_it_in_progress(client):
    nurse, page = person([roles.LEARNER]), course(lessons=2)
    assign(nurse, page, TODAY + timedelta(days=5))
    lesson_visit(staff=nurse, lesson=lessons_of(page)[0], seconds=60)
    client.force_login(nurse.user)
    assert rows(client.get("/training/"))[0][1:] == ("in_progress", "resume")


@freeze_time("2026-03-10 09:00")
def test_a_course_done_after_its_due_date_is_done_not_overdue(client):
    nurse, page = person([roles.LEARNER]), course(lessons=1)
    assign(nurse, page, TODAY - timedelta(days=7))
    lesson_complete(staff=nurse, lesson=lessons_of(page)[0])
    client.force_login(nurse.user)
    assert rows(client.get("/training/"))[0][1:] == ("done", "review")


def test_an_unpublished_course_is_listed_without_an_action(client):
    nurse, page = person([roles.LEARNER]), course("Draft course", lessons=1)
    assign(nurse, page, TODAY)
    page.unpublish()
    client.force_login(nurse.user)
    response = client.get("/training/")
    (item,) = response.context["items"]
    assert item.action_url is None
    assert "Not published yet" in response.content.decode()


def test_bilingual_titles(client):
    nurse = person([roles.LEARNER])
    assign(nurse, course("Barcode medication administration", title_zh="扫码给药", lessons=1))
    client.force_login(nurse.user)
    client.cookies["django_language"] = "zh-hans"
    response = client.get("/training/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert rows(response)[0][0] == "扫码给药"


def _many_assignments(staff, count):
    index = catalogue()
    pages = [
        index.add_child(instance=CoursePage(title=f"Course {i:04d}", slug=f"many-{i}"))
        for i in range(count)
    ]
    course_type = ContentType.objects.get_for_model(CoursePage)
    Assignment.objects.bulk_create(
        Assignment(
            staff=staff,
            content_type=course_type,
            object_id=page.pk,
            due_date=TODAY + timedelta(days=i % 40 - 10),
            completed_at=None if i % 5 else timezone.now(),
        )
        for i, page in enumerate(pages)
    )
    CourseProgress.objects.bulk_create(
        CourseProgress(staff=staff, course=page, percent=40) for page in pages[1::3]
    )


@freeze_time("2026-03-10 09:00")
@pytest.mark.parametrize("count", [10, 1000])
def test_query_count_does_not_grow_with_assignments(client, django_assert_max_num_queries, count):
    nurse = person([roles.LEARNER])
    _many_assignments(nurse, count)
    client.force_login(nurse.user)
    with django_assert_max_num_queries(12):
        response = client.get("/training/")
    assert len(response.context["items"]) == count
