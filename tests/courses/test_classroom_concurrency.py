"""Booking races cannot overbook: the session row lock serialises the seat count (PostgreSQL;
SQLite has no row locks, and serialises writers anyway)."""

import threading

import pytest
from django.db import connection

from courses.models import Booking
from courses.services.classroom import booking_cancel, booking_create
from portal.accounts import roles
from tests.conftest import has_postgres, need
from tests.courses.factories import course
from tests.factories import person

from .test_classroom_helpers import classroom, seat, site_tree_ensure

S = Booking.Status


def _race(action, staff, session) -> list[Exception]:
    """Run `action` for every staff member at once, one thread and connection each."""
    errors: list[Exception] = []
    start = threading.Barrier(len(staff))

    def worker(member):
        try:
            start.wait(timeout=30)
            action(staff=member, session=session)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(m,)) for m in staff]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return errors


@pytest.mark.postgres
def test_eight_people_race_for_the_last_three_seats(transactional_db, role_groups):
    need(has_postgres(), "PostgreSQL")
    site_tree_ensure()
    session = classroom(course(lessons=0), capacity=5)
    for _ in range(2):
        seat(session, person([roles.LEARNER]))
    racers = [person([roles.LEARNER]) for _ in range(8)]

    assert _race(booking_create, racers, session) == []

    bookings = Booking.objects.filter(session=session, staff__in=racers)
    assert bookings.filter(status=S.BOOKED).count() == 3
    assert bookings.filter(status=S.WAITLISTED).count() == 5
    assert Booking.objects.filter(session=session, status=S.BOOKED).count() == 5


@pytest.mark.postgres
def test_the_same_person_booking_from_several_tabs_gets_one_booking(transactional_db):
    need(has_postgres(), "PostgreSQL")
    site_tree_ensure()
    session = classroom(course(lessons=0), capacity=5)
    nurse = person([roles.LEARNER])

    assert _race(booking_create, [nurse] * 6, session) == []

    assert Booking.objects.filter(session=session, staff=nurse).count() == 1


@pytest.mark.postgres
def test_cancellations_racing_promote_each_waiting_person_once(transactional_db):
    need(has_postgres(), "PostgreSQL")
    site_tree_ensure()
    session = classroom(course(lessons=0), capacity=4)
    booked = [person([roles.LEARNER]) for _ in range(4)]
    for member in booked:
        seat(session, member)
    waiting = [person([roles.LEARNER]) for _ in range(6)]
    for member in waiting:
        seat(session, member, S.WAITLISTED)

    assert _race(booking_cancel, booked, session) == []

    statuses = dict(Booking.objects.filter(session=session).values_list("staff", "status"))
    assert [statuses[m.pk] for m in waiting] == [S.BOOKED] * 4 + [S.WAITLISTED] * 2
    assert list(statuses.values()).count(S.BOOKED) == 4
