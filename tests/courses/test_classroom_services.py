"""Booking, cancelling, the waiting list and attendance (courses.services.classroom)."""

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from freezegun import freeze_time

from courses.models import Booking, CoursePage, Notification, ReminderSent
from courses.services import classroom as services
from courses.services.classroom import ClassroomError
from courses.tasks.classroom import booking_promoted_mail_task
from portal.accounts import roles
from portal.records.models import AuditEvent
from tests.courses.factories import course
from tests.factories import UserFactory, person

from .test_classroom_helpers import classroom, seat

pytestmark = pytest.mark.django_db
S = Booking.Status


@pytest.fixture
def session():
    return classroom(course(lessons=0), capacity=2)


def learner():
    return person([roles.LEARNER])


def test_booking_takes_a_seat_until_full_then_waitlists_in_order(session):
    first, second, third, fourth = (learner() for _ in range(4))
    assert services.booking_create(staff=first, session=session).booking.status == S.BOOKED
    assert services.booking_create(staff=second, session=session).booking.status == S.BOOKED
    third_result = services.booking_create(staff=third, session=session)
    fourth_result = services.booking_create(staff=fourth, session=session)
    assert (third_result.booking.status, fourth_result.booking.status) == (S.WAITLISTED,) * 2
    assert third_result.changed and fourth_result.changed
    assert services.seats_taken(session) == 2


def test_booking_twice_changes_nothing(session):
    nurse = learner()
    first = services.booking_create(staff=nurse, session=session)
    again = services.booking_create(staff=nurse, session=session)
    assert first.changed and not again.changed
    assert again.booking.pk == first.booking.pk
    assert Booking.objects.filter(session=session, staff=nurse).count() == 1


def test_the_unique_constraint_refuses_a_second_row(session):
    from django.db import IntegrityError, transaction

    nurse = learner()
    seat(session, nurse)
    with pytest.raises(IntegrityError), transaction.atomic():
        seat(session, nurse)


def test_a_cancellation_promotes_the_first_waiting_and_tells_them(
    session, django_capture_on_commit_callbacks
):
    booked = [learner(), learner()]
    waiting = [learner(), learner()]
    for member in booked + waiting:
        services.booking_create(staff=member, session=session)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = services.booking_cancel(staff=booked[0], session=session)
    assert result.booking.status == S.CANCELLED
    assert [b.staff for b in result.promoted] == [waiting[0]]
    statuses = dict(Booking.objects.filter(session=session).values_list("staff", "status"))
    assert statuses[waiting[0].pk] == S.BOOKED
    assert statuses[waiting[1].pk] == S.WAITLISTED
    notice = Notification.objects.get(user=waiting[0].user)
    assert notice.url == "/learning/sessions/mine/"
    assert "Training room 3" in notice.body
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [waiting[0].user.email]
    assert "you are now booked" in message.body
    assert "/learning/sessions/mine/" in message.body
    assert "calendar.ics" in message.body
    # Both languages: the Chinese half is rendered under zh-hans (its catalogue entries are the
    # integrator's; the second half is there either way).
    assert message.body.count("Training room 3") == 2


def test_nothing_is_sent_before_the_commit(session, django_capture_on_commit_callbacks):
    booked, waiting = learner(), learner()
    one_seat = classroom(session.course, capacity=1)
    services.booking_create(staff=booked, session=one_seat)
    services.booking_create(staff=waiting, session=one_seat)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.booking_cancel(staff=booked, session=one_seat)
    assert len(callbacks) == 1
    assert mail.outbox == []


def test_a_redelivered_promotion_mail_is_sent_once(session, django_capture_on_commit_callbacks):
    booked, waiting = learner(), learner()
    one_seat = classroom(session.course, capacity=1)
    services.booking_create(staff=booked, session=one_seat)
    services.booking_create(staff=waiting, session=one_seat)
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel(staff=booked, session=one_seat)
    notice = Notification.objects.get(user=waiting.user)
    booking = Booking.objects.get(staff=waiting, session=one_seat)
    assert booking_promoted_mail_task.delay(notice.pk, booking.pk).get() is False
    assert len(mail.outbox) == 1
    assert ReminderSent.objects.filter(recipient=waiting.user, kind="promoted").count() == 1


def test_a_failed_send_gives_the_claim_back_for_the_retry(session):
    waiting = learner()
    booking = seat(session, waiting)
    notice = Notification.objects.create(user=waiting.user, title="x")
    with (
        mock.patch("courses.services.classroom.send_mail", side_effect=ConnectionError),
        pytest.raises(ConnectionError),
    ):
        services.booking_promoted_mail_send(notification_id=notice.pk, booking_id=booking.pk)
    assert not ReminderSent.objects.exists()
    assert services.booking_promoted_mail_send(notification_id=notice.pk, booking_id=booking.pk)
    assert len(mail.outbox) == 1


def test_no_mail_when_the_promoted_booking_was_cancelled_since(session):
    member = learner()
    booking = seat(session, member, status=S.CANCELLED)
    notice = Notification.objects.create(user=member.user, title="x")
    assert not services.booking_promoted_mail_send(notification_id=notice.pk, booking_id=booking.pk)
    assert mail.outbox == []


def test_leaving_the_waiting_list_promotes_nobody(session):
    for _ in range(2):
        services.booking_create(staff=learner(), session=session)
    waiting = learner()
    services.booking_create(staff=waiting, session=session)
    result = services.booking_cancel(staff=waiting, session=session)
    assert result.changed and result.promoted == []
    assert not Notification.objects.exists()


def test_cancelling_twice_changes_nothing(session):
    nurse = learner()
    services.booking_create(staff=nurse, session=session)
    assert services.booking_cancel(staff=nurse, session=session).changed
    assert not services.booking_cancel(staff=nurse, session=session).changed


def test_cancelling_without_a_booking_is_refused(session):
    with pytest.raises(ClassroomError, match="no booking"):
        services.booking_cancel(staff=learner(), session=session)


def test_booking_again_after_cancelling_queues_at_the_back(session):
    first, second, third = learner(), learner(), learner()
    services.booking_create(staff=first, session=session)
    services.booking_create(staff=second, session=session)
    services.booking_create(staff=third, session=session)  # waitlisted
    services.booking_cancel(staff=first, session=session)  # third is promoted
    again = services.booking_create(staff=first, session=session)
    assert again.changed and again.booking.status == S.WAITLISTED
    assert Booking.objects.filter(session=session, staff=first).count() == 1


def test_a_session_that_has_started_cannot_be_booked_or_cancelled(session):
    nurse, late = learner(), learner()
    services.booking_create(staff=nurse, session=session)
    with freeze_time(session.starts_at + timedelta(minutes=1)):
        with pytest.raises(ClassroomError, match="already started"):
            services.booking_create(staff=late, session=session)
        with pytest.raises(ClassroomError, match="already started"):
            services.booking_cancel(staff=nurse, session=session)
    assert Booking.objects.get(staff=nurse).status == S.BOOKED
    assert not Booking.objects.filter(staff=late).exists()


def test_inactive_staff_and_unpublished_courses_cannot_book(session):
    leaver = learner()
    leaver.active = False
    leaver.save()
    with pytest.raises(ClassroomError, match="inactive"):
        services.booking_create(staff=leaver, session=session)
    session.course.unpublish()
    with pytest.raises(ClassroomError, match="not published"):
        services.booking_create(staff=learner(), session=session)
    assert not Booking.objects.exists()


# ---------------------------------------------------------------------------------------------
# Attendance


@pytest.fixture
def trainer():
    return person([roles.LEARNER, roles.TRAINER]).user


def _started(session):
    return freeze_time(session.starts_at + timedelta(minutes=30))


def test_attendance_completes_a_classroom_only_course(session, trainer):
    """item_complete exists in courses.services.progress; it is mocked here to see exactly what
    this service asks of it."""
    nurse, other = learner(), learner()
    mine, theirs = seat(session, nurse), seat(session, other)
    with _started(session), mock.patch("courses.services.progress.item_complete") as complete:
        changed = services.attendance_mark(
            actor=trainer,
            session=session,
            marks={mine.pk: S.ATTENDED, theirs.pk: S.ABSENT},
        )
    assert changed == 2
    complete.assert_called_once_with(
        staff=nurse,
        content_type=ContentType.objects.get_for_model(CoursePage),
        object_id=session.course.pk,
    )
    assert Booking.objects.get(pk=mine.pk).status == S.ATTENDED
    assert Booking.objects.get(pk=theirs.pk).status == S.ABSENT
    event = AuditEvent.objects.get(action="classroom.attendance")
    assert event.actor_id == trainer.pk
    assert event.after == {str(mine.pk): "attended", str(theirs.pk): "absent"}


def test_attendance_completes_the_assignment_through_the_progress_service(session, trainer):
    """The real item_complete: the nurse's assignment for the course is completed."""
    from courses.models import Assignment

    nurse = learner()
    booking = seat(session, nurse)
    assignment = Assignment.objects.create(
        staff=nurse,
        content_type=ContentType.objects.get_for_model(CoursePage),
        object_id=session.course.pk,
    )
    with _started(session):
        services.attendance_mark(actor=trainer, session=session, marks={booking.pk: S.ATTENDED})
    assignment.refresh_from_db()
    assert assignment.completed_at is not None


def test_attendance_leaves_courses_with_required_lessons_to_the_progress_service(trainer):
    with_lessons = classroom(course(lessons=2))
    booking = seat(with_lessons, learner())
    with _started(with_lessons), mock.patch("courses.services.progress.item_complete") as complete:
        services.attendance_mark(
            actor=trainer, session=with_lessons, marks={booking.pk: S.ATTENDED}
        )
    complete.assert_not_called()
    assert Booking.objects.get(pk=booking.pk).status == S.ATTENDED


def test_optional_lessons_do_not_count_as_required(trainer):
    optional_only = classroom(course(lessons=2, required=[]))
    booking = seat(optional_only, learner())
    with _started(optional_only), mock.patch("courses.services.progress.item_complete") as done:
        services.attendance_mark(
            actor=trainer, session=optional_only, marks={booking.pk: S.ATTENDED}
        )
    done.assert_called_once()


def test_marking_the_same_again_changes_nothing(session, trainer):
    booking = seat(session, learner())
    with _started(session), mock.patch("courses.services.progress.item_complete") as complete:
        assert services.attendance_mark(
            actor=trainer, session=session, marks={booking.pk: S.ATTENDED}
        )
        assert (
            services.attendance_mark(actor=trainer, session=session, marks={booking.pk: S.ATTENDED})
            == 0
        )
    assert complete.call_count == 1
    assert AuditEvent.objects.filter(action="classroom.attendance").count() == 1


def test_attendance_before_the_start_is_refused(session, trainer):
    booking = seat(session, learner())
    with pytest.raises(ClassroomError, match="once the session has started"):
        services.attendance_mark(actor=trainer, session=session, marks={booking.pk: S.ATTENDED})
    assert Booking.objects.get(pk=booking.pk).status == S.BOOKED


@pytest.mark.parametrize("status", [S.WAITLISTED, S.CANCELLED])
def test_only_booked_people_can_be_marked(session, trainer, status):
    booked = seat(session, learner())
    other = seat(session, learner(), status=status)
    with _started(session), pytest.raises(ClassroomError, match="booked on this session"):
        services.attendance_mark(
            actor=trainer,
            session=session,
            marks={booked.pk: S.ATTENDED, other.pk: S.ATTENDED},
        )
    assert Booking.objects.get(pk=booked.pk).status == S.BOOKED


def test_another_sessions_booking_or_a_bad_mark_changes_nothing(session, trainer):
    booked = seat(session, learner())
    elsewhere = seat(classroom(session.course), learner())
    with _started(session):
        for marks in ({booked.pk: S.ATTENDED, elsewhere.pk: S.ATTENDED}, {booked.pk: "booked"}):
            with pytest.raises(ClassroomError):
                services.attendance_mark(actor=trainer, session=session, marks=marks)
    assert Booking.objects.get(pk=booked.pk).status == S.BOOKED
    assert Booking.objects.get(pk=elsewhere.pk).status == S.BOOKED


def test_who_may_mark_attendance(session, trainer):
    session_trainer = UserFactory()
    session.trainer = session_trainer
    session.save()
    assert services.may_mark_attendance(trainer, session)  # another trainer
    assert services.may_mark_attendance(session_trainer, session)  # the session's own trainer
    assert services.may_mark_attendance(UserFactory(is_superuser=True), session)
    for role in (roles.LEARNER, roles.MANAGER, roles.HR, roles.ROLLOUT_LEAD, roles.AUDITOR):
        assert not services.may_mark_attendance(person([role]).user, session)
    booking = seat(session, learner())
    with _started(session), pytest.raises(ClassroomError, match="Only trainers"):
        services.attendance_mark(
            actor=person([roles.MANAGER]).user, session=session, marks={booking.pk: S.ATTENDED}
        )
