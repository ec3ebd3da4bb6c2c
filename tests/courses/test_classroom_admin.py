"""Trainers manage classroom sessions in the Wagtail admin (courses/admin/classroom.py)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from courses.models import Booking, ClassroomSession, Notification
from portal.accounts import roles
from portal.records.models import AuditEvent
from tests.courses.factories import course
from tests.factories import person

from .test_classroom_helpers import classroom, seat, trainer_permissions_grant

pytestmark = pytest.mark.django_db
S = Booking.Status
ADD, LIST = "/cms/courses/sessions/new/", "/cms/courses/sessions/"


@pytest.fixture
def trainer():
    trainer_permissions_grant()
    return person([roles.LEARNER, roles.TRAINER]).user


def _form(course_page, trainer=None, **changes):
    starts = timezone.localtime(timezone.now() + timedelta(days=3)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    data = {
        "course": course_page.pk,
        "room": "Skills lab 2",
        "starts_at": starts.strftime("%Y-%m-%d %H:%M"),
        "ends_at": (starts + timedelta(hours=3)).strftime("%Y-%m-%d %H:%M"),
        "capacity": "12",
        "trainer": trainer.pk if trainer else "",
    }
    data.update(changes)
    return data


def _edit(session):
    return f"/cms/courses/sessions/edit/{session.pk}/"


def test_a_trainer_creates_a_session_and_it_is_audited(client, trainer):
    course_page = course(lessons=0)
    client.force_login(trainer)
    assert client.get(LIST).status_code == 200
    assert client.get(ADD).status_code == 200
    response = client.post(ADD, _form(course_page, trainer))
    assert response.status_code == 302, response.content.decode()[:3000]
    session = ClassroomSession.objects.get()
    assert (session.course_id, session.room, session.capacity) == (
        course_page.pk,
        "Skills lab 2",
        12,
    )
    assert session.trainer == trainer
    assert session.ends_at - session.starts_at == timedelta(hours=3)
    event = AuditEvent.objects.get(action="classroomsession.create")
    assert event.actor_id == trainer.pk and event.after["room"] == "Skills lab 2"
    listing = client.get(LIST).content.decode()
    assert "Skills lab 2" in listing and f"/learning/sessions/{session.pk}/attendance/" in listing


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"ends_at_same": True}, "ends_at", "must end after it starts"),
        ({"capacity": "0"}, "capacity", "greater than or equal to 1"),
        ({"capacity": "-3"}, "capacity", ""),
        ({"room": ""}, "room", "required"),
    ],
)
def test_bad_input_is_refused_with_a_message(client, trainer, changes, field, message):
    course_page = course(lessons=0)
    client.force_login(trainer)
    data = _form(course_page)
    if changes.pop("ends_at_same", False):
        data["ends_at"] = data["starts_at"]
    data.update(changes)
    response = client.post(ADD, data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert not ClassroomSession.objects.exists()


def test_capacity_cannot_go_below_the_seats_booked(client, trainer):
    session = classroom(course(lessons=0), capacity=3)
    for _ in range(3):
        seat(session, person([roles.LEARNER]))
    seat(session, person([roles.LEARNER]), S.WAITLISTED)  # the waiting list holds no seat
    client.force_login(trainer)
    response = client.post(_edit(session), _form(session.course, capacity="2"))
    assert response.status_code == 200
    assert "3 people are already booked" in " ".join(response.context["form"].errors["capacity"])
    session.refresh_from_db()
    assert session.capacity == 3


def test_raising_the_capacity_promotes_the_waiting_list(
    client, trainer, django_capture_on_commit_callbacks
):
    session = classroom(course(lessons=0), capacity=1)
    seat(session, person([roles.LEARNER]))
    first = seat(session, person([roles.LEARNER]), S.WAITLISTED)
    second = seat(session, person([roles.LEARNER]), S.WAITLISTED)
    third = seat(session, person([roles.LEARNER]), S.WAITLISTED)
    client.force_login(trainer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_edit(session), _form(session.course, capacity="3"))
    assert response.status_code == 302
    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert [statuses[b.pk] for b in (first, second, third)] == [S.BOOKED, S.BOOKED, S.WAITLISTED]
    assert Notification.objects.count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [first.staff.user.email, second.staff.user.email]
    )
    event = AuditEvent.objects.get(action="classroomsession.update")
    assert event.before["capacity"] == 1 and event.after["capacity"] == 3


def test_a_booking_between_validation_and_save_is_caught_under_the_lock(client, trainer):
    """The form checked 2 >= 1 booked; by the time of the save a second seat was taken."""
    from unittest import mock

    from courses.services import classroom as services

    session = classroom(course(lessons=0), capacity=3)
    seat(session, person([roles.LEARNER]))
    late = person([roles.LEARNER])
    real = services.seats_taken
    calls = {"n": 0}

    def seats_with_a_late_booking(s):
        calls["n"] += 1
        if calls["n"] == 2:  # the service's check, after the form's
            seat(s, late)
        return real(s)

    client.force_login(trainer)
    with (
        mock.patch("courses.admin.classroom.seats_taken", seats_with_a_late_booking),
        mock.patch.object(services, "seats_taken", seats_with_a_late_booking),
    ):
        response = client.post(_edit(session), _form(session.course, capacity="1"))
    assert response.status_code == 200
    assert "already booked" in " ".join(response.context["form"].errors["capacity"])
    session.refresh_from_db()
    assert session.capacity == 3


@pytest.mark.parametrize("role", [roles.LEARNER, roles.MANAGER, roles.AUDITOR])
def test_other_roles_cannot_reach_the_admin_sessions(client, trainer, role):
    session = classroom(course(lessons=0))
    client.force_login(person([role]).user)
    for url in (LIST, ADD, _edit(session)):
        assert client.get(url).status_code in (302, 403)
    assert client.post(ADD, _form(session.course)).status_code in (302, 403)
    assert ClassroomSession.objects.count() == 1


def test_admin_access_alone_does_not_open_the_sessions_admin(client):
    client.force_login(person([roles.HR]).user)  # in the Wagtail admin, without the permissions
    assert client.get(LIST).status_code in (302, 403)
    assert client.get(ADD).status_code in (302, 403)


def test_the_trainer_choice_lists_trainers_only(client, trainer):
    nurse = person([roles.LEARNER])
    client.force_login(trainer)
    choices = client.get(ADD).context["form"].fields["trainer"].queryset
    assert trainer in choices and nurse.user not in choices
