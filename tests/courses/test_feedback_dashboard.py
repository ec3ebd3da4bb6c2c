"""The trainers' Wagtail dashboard shows open problem reports and the lowest-rated courses."""

import pytest

from courses.services.feedback import course_rate, problem_report_create
from portal.accounts import roles
from tests.courses.factories import course
from tests.factories import UserFactory, person

pytestmark = pytest.mark.django_db

PANEL = 'id="courses-feedback-section"'


@pytest.fixture
def feedback():
    good = course(title="HIS basics for everyone", lessons=0)
    poor = course(title="Barcode medication administration", lessons=1)
    lesson = poor.get_children().specific().get()
    nurse = person([roles.LEARNER])
    problem_report_create(staff=nurse, lesson=lesson, text="Scanner screen has changed")
    problem_report_create(staff=nurse, lesson=lesson, text="Step 2 missing")
    course_rate(staff=nurse, course=poor, stars=1)
    course_rate(staff=person([roles.LEARNER]), course=poor, stars=2)
    course_rate(staff=nurse, course=good, stars=5)
    return good, poor, lesson


def test_the_panel_shows_for_a_trainer(client, feedback):
    good, poor, lesson = feedback
    client.force_login(person([roles.LEARNER, roles.TRAINER]).user)
    response = client.get("/cms/")
    html = response.content.decode()
    assert response.status_code == 200
    assert PANEL in html
    assert 'data-open-count="2"' in html and "2 open problem reports" in html
    assert "Scanner screen has changed" in html and "Step 2 missing" in html
    assert lesson.url in html
    # Lowest rated first, each linking to its reports and ratings on the triage list.
    assert html.index("Barcode medication administration") < html.index("HIS basics for everyone")
    assert f"/learning/feedback/?status=&course={poor.pk}#ratings" in html
    assert "/learning/feedback/" in html


def test_the_panel_shows_for_a_superuser(client, feedback):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert PANEL in client.get("/cms/").content.decode()


def test_other_admin_users_do_not_get_the_panel(client, feedback):
    # HR may open the CMS (to edit the organisation) but does not triage course feedback.
    client.force_login(person([roles.LEARNER, roles.HR]).user)
    response = client.get("/cms/")
    assert response.status_code == 200
    assert PANEL not in response.content.decode()


def test_the_panel_when_nothing_is_open(client):
    client.force_login(person([roles.TRAINER]).user)
    html = client.get("/cms/").content.decode()
    assert PANEL in html
    assert "Nothing open: every reported problem is resolved." in html
    assert "No course has been rated yet." in html
