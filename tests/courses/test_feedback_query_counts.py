"""The triage list, the trainers' dashboard panel and the feedback forms under the pages cost
the same number of queries at 10 and at 1,000 reports and ratings."""

import pytest

from courses.models import CourseRating, ProblemReport
from portal.accounts import roles
from portal.org.models import StaffMember
from tests.courses.factories import course
from tests.factories import DepartmentFactory, UserFactory, job_role, person, shift

pytestmark = pytest.mark.django_db

MAX_QUERIES = 14


def _feedback(rows: int):
    """`rows` staff, each with a problem report on a lesson and a rating of a course."""
    courses = [course(title=f"Course {i}", lessons=2) for i in range(3)]
    lessons = [lesson for page in courses for lesson in page.get_children().specific()]
    department, nurse, day = DepartmentFactory(code="ED"), job_role("nurse"), shift("day")
    staff = StaffMember.objects.bulk_create(
        StaffMember(
            employee_no=f"F{i:06d}",
            full_name=f"护士{i}",
            department=department,
            job_role=nurse,
            shift=day,
        )
        for i in range(rows)
    )
    ProblemReport.objects.bulk_create(
        ProblemReport(
            staff=member,
            lesson=lessons[i % len(lessons)],
            text=f"Problem {i}",
            status="open" if i % 3 else "resolved",
            resolution="" if i % 3 else "Fixed",
        )
        for i, member in enumerate(staff)
    )
    CourseRating.objects.bulk_create(
        CourseRating(
            staff=member,
            course=courses[i % len(courses)],
            stars=1 + i % 5,
            comment=f"Comment {i}" if i % 2 else "",
        )
        for i, member in enumerate(staff)
    )
    return courses, lessons


@pytest.mark.parametrize("rows", [10, 1000])
@pytest.mark.parametrize("query", ["", "?status=", "?status=resolved", "course"])
def test_triage_list(client, django_assert_max_num_queries, rows, query):
    courses, _lessons = _feedback(rows)
    if query == "course":
        query = f"?status=&course={courses[1].pk}"
    client.force_login(person([roles.LEARNER, roles.TRAINER]).user)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(f"/learning/feedback/{query}")
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [10, 1000])
def test_triage_list_shows_the_rows_it_counts(client, rows):
    _feedback(rows)
    client.force_login(UserFactory(is_superuser=True))
    response = client.get("/learning/feedback/?status=")
    assert response.context["page"].paginator.count == rows
    assert len(response.context["page"].object_list) == min(rows, 50)
    assert sum(s.count for s in response.context["summaries"]) == rows
    assert all(len(s.comments) <= 3 for s in response.context["summaries"])


@pytest.mark.parametrize("rows", [10, 1000])
def test_dashboard_panel(client, django_assert_max_num_queries, rows):
    _feedback(rows)
    client.force_login(person([roles.LEARNER, roles.TRAINER]).user)
    client.get("/cms/")  # Wagtail's own first-visit work (user profile, site) is not ours
    with django_assert_max_num_queries(40):
        response = client.get("/cms/")
    assert response.status_code == 200
    assert 'id="courses-feedback-section"' in response.content.decode()


@pytest.mark.parametrize("rows", [10, 1000])
def test_feedback_forms_under_the_pages(client, django_assert_max_num_queries, rows):
    courses, lessons = _feedback(rows)
    nurse = person([roles.LEARNER])
    ProblemReport.objects.bulk_create(
        ProblemReport(staff=nurse, lesson=lessons[0], text=f"Mine {i}") for i in range(rows // 10)
    )
    client.force_login(nurse.user)
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get(f"/learning/courses/{courses[0].pk}/rate/").status_code == 200
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get(f"/learning/lessons/{lessons[0].pk}/report/").status_code == 200
