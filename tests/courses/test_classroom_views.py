"""The classroom pages: who may do what, messages, the calendar file, and query counts."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time

from courses.models import Booking, ClassroomSession
from courses.selectors.classroom import ics_fold
from portal.accounts import roles
from portal.org.models import StaffMember
from tests.courses.factories import course
from tests.factories import DepartmentFactory, UserFactory, job_role, person, shift

from .test_classroom_helpers import classroom, seat

pytestmark = pytest.mark.django_db
S = Booking.Status

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
PORTAL_ROLES = {
    LEARNER: [roles.LEARNER],
    TRAINER: [roles.LEARNER, roles.TRAINER],
    MANAGER: [roles.LEARNER, roles.MANAGER],
    HR: [roles.LEARNER, roles.HR],
    LEAD: [roles.LEARNER, roles.ROLLOUT_LEAD],
    AUDITOR: [roles.LEARNER, roles.AUDITOR],
}
EVERYONE = [ANON, *PORTAL_ROLES, ADMIN]


def _login(client, role):
    """Sign in as `role`; returns the staff member (None for anonymous and the superuser, who
    has no staff profile)."""
    if role == ANON:
        return None
    if role == ADMIN:
        client.force_login(UserFactory(is_superuser=True, is_staff=True))
        return None
    member = person(PORTAL_ROLES[role])
    client.force_login(member.user)
    return member


@pytest.fixture
def session():
    return classroom(course(title="Barcode medication administration", lessons=0), capacity=2)


# ---------------------------------------------------------------------------------------------
# Role by role


@pytest.mark.parametrize("role", EVERYONE)
def test_session_list_and_my_sessions_per_role(client, session, role):
    _login(client, role)
    for url in (f"/learning/courses/{session.course_id}/sessions/", "/learning/sessions/mine/"):
        response = client.get(url)
        if role == ANON:
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        else:
            assert response.status_code == 200, url


@pytest.mark.parametrize("role", EVERYONE)
def test_booking_and_cancelling_per_role(client, session, role):
    member = _login(client, role)
    book = client.post(f"/learning/sessions/{session.pk}/book/")
    cancel = client.post(f"/learning/sessions/{session.pk}/cancel/")
    if role == ANON:
        assert book.status_code == cancel.status_code == 302
        assert "/accounts/login/" in book["Location"]
        assert not Booking.objects.exists()
    elif role == ADMIN:  # no staff profile: nobody to book for
        assert book.status_code == cancel.status_code == 403
        assert not Booking.objects.exists()
    else:
        assert book.status_code == cancel.status_code == 302
        assert Booking.objects.get(staff=member).status == S.CANCELLED
    assert client.get(f"/learning/sessions/{session.pk}/book/").status_code in (302, 405)


@pytest.mark.parametrize("role", EVERYONE)
def test_attendance_per_role(client, session, role):
    _login(client, role)
    response = client.get(f"/learning/sessions/{session.pk}/attendance/")
    expected = {ANON: 302, TRAINER: 200, ADMIN: 200}.get(role, 403)
    assert response.status_code == expected


def test_the_sessions_own_trainer_may_mark_attendance_without_the_trainer_role(client, session):
    teacher = person([roles.LEARNER])
    session.trainer = teacher.user
    session.save()
    client.force_login(teacher.user)
    assert client.get(f"/learning/sessions/{session.pk}/attendance/").status_code == 200


def test_unknown_ids_are_404(client, session):
    _login(client, TRAINER)
    assert client.get("/learning/courses/999999/sessions/").status_code == 404
    assert client.post("/learning/sessions/999999/book/").status_code == 404
    assert client.get("/learning/sessions/999999/attendance/").status_code == 404
    assert client.get("/learning/sessions/999999/calendar.ics").status_code == 404


def test_an_unpublished_course_has_no_session_page(client, session):
    _login(client, LEARNER)
    session.course.unpublish()
    assert client.get(f"/learning/courses/{session.course_id}/sessions/").status_code == 404


# ---------------------------------------------------------------------------------------------
# Learners


def test_a_learner_books_and_sees_the_booking(client, session):
    nurse = _login(client, LEARNER)
    url = f"/learning/courses/{session.course_id}/sessions/"
    page = client.get(url).content.decode()
    assert "Barcode medication administration" in page
    assert "2 seats left of 2" in page
    response = client.post(f"/learning/sessions/{session.pk}/book/", {"next": url}, follow=True)
    assert response.redirect_chain[-1][0] == url
    assert "Booked: your seat is reserved." in response.content.decode()
    assert "1 seat left of 2" in response.content.decode()
    assert Booking.objects.get(staff=nurse).status == S.BOOKED
    mine = client.get("/learning/sessions/mine/").content.decode()
    assert "Barcode medication administration" in mine
    assert 'data-status="booked"' in mine


def test_double_booking_says_so_and_changes_nothing(client, session):
    nurse = _login(client, LEARNER)
    client.post(f"/learning/sessions/{session.pk}/book/")
    before = Booking.objects.get(staff=nurse)
    response = client.post(f"/learning/sessions/{session.pk}/book/", follow=True)
    assert "You are already booked on this session." in response.content.decode()
    after = Booking.objects.get(staff=nurse)
    assert (after.status, after.created_at, after.updated_at) == (
        before.status,
        before.created_at,
        before.updated_at,
    )


def test_a_full_session_puts_the_learner_on_the_waiting_list(client, session):
    for _ in range(2):
        seat(session, person([roles.LEARNER]))
    nurse = _login(client, LEARNER)
    page = client.get(f"/learning/courses/{session.course_id}/sessions/").content.decode()
    assert "Full" in page and 'data-action="waitlist"' in page
    response = client.post(f"/learning/sessions/{session.pk}/book/", follow=True)
    assert "you are on the waiting list" in response.content.decode()
    assert Booking.objects.get(staff=nurse).status == S.WAITLISTED
    mine = client.get("/learning/sessions/mine/").content.decode()
    assert "No. 1" in mine
    again = client.post(f"/learning/sessions/{session.pk}/book/", follow=True)
    assert "already on the waiting list" in again.content.decode()


def test_a_started_session_refuses_booking_and_cancelling_with_a_message(client, session):
    nurse = _login(client, LEARNER)
    client.post(f"/learning/sessions/{session.pk}/book/")
    with freeze_time(session.starts_at + timedelta(minutes=5)):
        client.force_login(nurse.user)  # days later: a sign-in lasts a shift at most
        response = client.post(f"/learning/sessions/{session.pk}/cancel/", follow=True)
        assert "can no longer be cancelled" in response.content.decode()
        mine = client.get("/learning/sessions/mine/").content.decode()
        assert 'data-action="cancel"' not in mine
    assert Booking.objects.get(staff=nurse).status == S.BOOKED


def test_cancelling_what_one_never_booked_is_a_message_not_an_error(client, session):
    _login(client, LEARNER)
    response = client.post(f"/learning/sessions/{session.pk}/cancel/", follow=True)
    assert response.status_code == 200
    assert "You have no booking for this session." in response.content.decode()


def test_next_must_stay_on_this_site(client, session):
    _login(client, LEARNER)
    response = client.post(
        f"/learning/sessions/{session.pk}/book/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == f"/learning/courses/{session.course_id}/sessions/"


def test_another_persons_booking_is_never_reachable(client, session):
    other = person([roles.LEARNER])
    seat(session, other)
    nurse = _login(client, LEARNER)
    # Neither the calendar nor a cancel reaches someone else's booking: there is no staff id in
    # any URL, so the same address means "my booking" for whoever asks.
    assert client.get(f"/learning/sessions/{session.pk}/calendar.ics").status_code == 404
    client.post(f"/learning/sessions/{session.pk}/cancel/")
    assert Booking.objects.get(staff=other).status == S.BOOKED
    mine = client.get("/learning/sessions/mine/").content.decode()
    assert other.full_name not in mine
    assert not Booking.objects.filter(staff=nurse).exists()


def test_the_session_list_shows_only_upcoming_sessions(client, session):
    past = classroom(session.course, starts_in=timedelta(days=-2), room="Old room")
    _login(client, LEARNER)
    page = client.get(f"/learning/courses/{session.course_id}/sessions/").content.decode()
    assert f'data-session="{session.pk}"' in page
    assert f'data-session="{past.pk}"' not in page


def test_pages_in_chinese(client, session):
    _login(client, LEARNER)
    response = client.get(
        f"/learning/courses/{session.course_id}/sessions/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 200
    assert 'lang="zh-hans"' in response.content.decode()


# ---------------------------------------------------------------------------------------------
# The calendar file


def _unfold(body: str) -> list[str]:
    return body.replace("\r\n ", "").split("\r\n")


@freeze_time("2030-03-01 08:00:00")
def test_the_calendar_file(client):
    long_title = "Outpatient e-prescribing in the new HIS; part 2, with 处方 审核 " * 2
    starts = datetime(2030, 3, 4, 9, 30, tzinfo=UTC)
    session = ClassroomSession.objects.create(
        course=course(title=long_title, lessons=0),
        room="Room 3, IT building",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        capacity=5,
    )
    nurse = _login(client, LEARNER)
    booking = seat(session, nurse)
    response = client.get(f"/learning/sessions/{session.pk}/calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="session-{session.pk}.ics"'
    raw = response.content
    assert raw.endswith(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only
    for line in raw.split(b"\r\n"):
        assert len(line) <= 75  # octets, not characters
        line.decode()  # never split inside a UTF-8 character
    lines = _unfold(raw.decode())
    assert lines[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"]
    assert lines[-2:] == ["END:VCALENDAR", ""]
    fields = dict(line.split(":", 1) for line in lines if ":" in line)
    assert fields["UID"].startswith(f"readyline-booking-{booking.pk}@")
    assert fields["DTSTAMP"] == "20300301T080000Z"
    assert fields["DTSTART"] == "20300304T093000Z"
    assert fields["DTEND"] == "20300304T113000Z"
    assert fields["LOCATION"] == "Room 3\\, IT building"
    assert fields["SUMMARY"] == "Classroom session: " + long_title.replace(";", "\\;").replace(
        ",", "\\,"
    )
    assert fields["STATUS"] == "CONFIRMED"
    assert "BEGIN:VEVENT" in lines and "END:VEVENT" in lines


def test_a_waitlisted_booking_gets_a_tentative_event_and_a_cancelled_one_none(client, session):
    nurse = _login(client, LEARNER)
    booking = seat(session, nurse, status=S.WAITLISTED)
    assert (
        b"STATUS:TENTATIVE" in client.get(f"/learning/sessions/{session.pk}/calendar.ics").content
    )
    booking.status = S.CANCELLED
    booking.save()
    assert client.get(f"/learning/sessions/{session.pk}/calendar.ics").status_code == 404


def test_folding_counts_octets():
    assert ics_fold("A" * 75) == "A" * 75
    assert ics_fold("A" * 76) == "A" * 75 + "\r\n A"
    folded = ics_fold("SUMMARY:" + "处" * 40)  # 3 octets each
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == "SUMMARY:" + "处" * 40


# ---------------------------------------------------------------------------------------------
# Attendance page


def test_the_trainer_marks_attendance(client, session):
    nurse, other = person([roles.LEARNER]), person([roles.LEARNER])
    mine, theirs = seat(session, nurse), seat(session, other)
    waiting = seat(session, person([roles.LEARNER], full_name="Waiting Wang"), S.WAITLISTED)
    trainer = _login(client, TRAINER)
    url = f"/learning/sessions/{session.pk}/attendance/"
    page = client.get(url).content.decode()
    assert nurse.full_name in page and "Waiting Wang" in page
    assert "once the session has started" in page
    with freeze_time(session.starts_at + timedelta(hours=1)):
        client.force_login(trainer.user)  # days later: a sign-in lasts a shift at most
        data = {f"booking-{mine.pk}": "attended", f"booking-{theirs.pk}": "absent"}
        response = client.post(url, data, follow=True)
        assert "Attendance saved." in response.content.decode()
        again = client.post(url, data, follow=True)
        assert "Nothing changed." in again.content.decode()
        bad = client.post(url, {f"booking-{mine.pk}": "booked"}, follow=True)
        assert "Choose attended or absent" in bad.content.decode()
    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert statuses == {mine.pk: S.ATTENDED, theirs.pk: S.ABSENT, waiting.pk: S.WAITLISTED}


def test_attendance_before_the_start_is_refused_on_the_page(client, session):
    booking = seat(session, person([roles.LEARNER]))
    _login(client, TRAINER)
    response = client.post(
        f"/learning/sessions/{session.pk}/attendance/",
        {f"booking-{booking.pk}": "attended"},
        follow=True,
    )
    assert "once the session has started" in response.content.decode()
    assert Booking.objects.get(pk=booking.pk).status == S.BOOKED


# ---------------------------------------------------------------------------------------------
# Query counts: the same at 10 and at 1,000 rows


MAX_QUERIES = 20


def _staff_bulk(count):
    department, nurse, day = DepartmentFactory(), job_role("nurse"), shift("day")
    prefix = f"B{StaffMember.objects.count()}-"
    StaffMember.objects.bulk_create(
        StaffMember(
            employee_no=f"{prefix}{i:05d}",
            full_name=f"护士{i}",
            department=department,
            job_role=nurse,
            shift=day,
        )
        for i in range(count)
    )
    return list(StaffMember.objects.filter(employee_no__startswith=prefix))


def _sessions_bulk(course_page, count, trainer=None):
    start = timezone.now() + timedelta(days=1)
    ClassroomSession.objects.bulk_create(
        ClassroomSession(
            course=course_page,
            room=f"Room {i}",
            starts_at=start + timedelta(hours=i),
            ends_at=start + timedelta(hours=i, minutes=90),
            capacity=20,
            trainer=trainer,
        )
        for i in range(count)
    )
    return list(ClassroomSession.objects.filter(course=course_page))


@pytest.mark.parametrize(
    "view", ["course_sessions", "my_sessions", "attendance", "admin_list"], ids=str
)
def test_query_counts_do_not_grow_with_rows(client, django_assert_max_num_queries, view):
    from .test_classroom_helpers import trainer_permissions_grant

    trainer_permissions_grant()
    nurse = person([roles.LEARNER, roles.TRAINER])
    client.force_login(nurse.user)
    counts = []
    for rows in (10, 1000):
        course_page = course(lessons=0)
        sessions = _sessions_bulk(course_page, rows, trainer=nurse.user)
        if view == "course_sessions":
            Booking.objects.bulk_create(Booking(session=s, staff=nurse) for s in sessions[::2])
            url = f"/learning/courses/{course_page.pk}/sessions/"
        elif view == "my_sessions":
            Booking.objects.bulk_create(Booking(session=s, staff=nurse) for s in sessions)
            url = "/learning/sessions/mine/"
        elif view == "attendance":
            target = sessions[0]
            Booking.objects.bulk_create(
                Booking(session=target, staff=member, status=S.BOOKED if i % 3 else S.WAITLISTED)
                for i, member in enumerate(_staff_bulk(rows))
            )
            url = f"/learning/sessions/{target.pk}/attendance/"
        else:
            url = "/cms/courses/sessions/"
        client.get(url)  # warm per-process caches (content types, the Wagtail site)
        with django_assert_max_num_queries(MAX_QUERIES) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts
