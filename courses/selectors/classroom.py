"""Reads of classroom sessions, scoped to the person asking: learners see sessions and only their
own bookings; trainers see a session's attendance list."""

from datetime import UTC
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from ..models import Booking, ClassroomSession, CoursePage
from ..services.classroom import SEATED

Status = Booking.Status


def course_for_sessions(*, course_id: int) -> CoursePage:
    """A published course, or 404."""
    course = CoursePage.objects.live().filter(pk=course_id).first()
    if course is None:
        raise Http404
    return course


def _seats_annotated(sessions: QuerySet) -> QuerySet:
    return sessions.annotate(
        booked_count=Count("bookings", filter=Q(bookings__status__in=SEATED)),
        waitlist_count=Count("bookings", filter=Q(bookings__status=Status.WAITLISTED)),
    ).annotate(seats_left=F("capacity") - F("booked_count"))


def sessions_upcoming(*, viewer_staff, course: CoursePage) -> QuerySet:
    """The course's sessions that have not started, with seats booked, the waiting list's length
    and the viewer's own booking status (empty without a staff profile or a booking)."""
    sessions = ClassroomSession.objects.filter(course=course, starts_at__gt=timezone.now())
    mine = Booking.objects.filter(session=OuterRef("pk"), staff=viewer_staff)
    sessions = _seats_annotated(sessions).select_related("trainer").order_by("starts_at", "pk")
    if viewer_staff is None:
        return sessions.annotate(my_status=Value(""), my_booking_id=Value(None, IntegerField()))
    return sessions.annotate(
        my_status=Subquery(mine.values("status")[:1]),
        my_booking_id=Subquery(mine.values("pk")[:1]),
    )


def _waitlist_position() -> Subquery:
    """1 for the first in line: the waitlisted bookings of the same session made before (or at
    the same moment with a lower id)."""
    ahead = (
        Booking.objects.filter(session=OuterRef("session"), status=Status.WAITLISTED)
        .filter(
            Q(created_at__lt=OuterRef("created_at"))
            | Q(created_at=OuterRef("created_at"), pk__lte=OuterRef("pk"))
        )
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(ahead, output_field=IntegerField()), 0)


def bookings_mine(*, staff, upcoming: bool) -> QuerySet:
    """The person's own bookings: upcoming (the session has not ended), or past ones. Cancelled
    bookings of past sessions are left out."""
    if staff is None:
        return Booking.objects.none()
    now = timezone.now()
    bookings = Booking.objects.filter(staff=staff).select_related(
        "session__course", "session__trainer"
    )
    if upcoming:
        bookings = bookings.filter(session__ends_at__gte=now).order_by("session__starts_at", "pk")
    else:
        bookings = (
            bookings.filter(session__ends_at__lt=now)
            .exclude(status=Status.CANCELLED)
            .order_by("-session__starts_at", "-pk")
        )
    return bookings.annotate(
        waitlist_position=_waitlist_position(),
        booked_count=Subquery(
            Booking.objects.filter(session=OuterRef("session"), status__in=SEATED)
            .order_by()
            .values("session")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
    )


def booking_mine_get(*, staff, session_id: int) -> Booking:
    """The person's own booking for a session, or 404: there is no way to name anyone else's."""
    booking = (
        Booking.objects.filter(staff=staff, session_id=session_id)
        .exclude(status=Status.CANCELLED)
        .select_related("session__course", "session__trainer")
        .first()
        if staff is not None
        else None
    )
    if booking is None:
        raise Http404
    return booking


def session_get(*, pk: int) -> ClassroomSession:
    session = ClassroomSession.objects.select_related("course", "trainer").filter(pk=pk).first()
    if session is None:
        raise Http404
    return session


def attendance_list(*, session: ClassroomSession) -> dict:
    """Booked people (to be marked) and the waiting list, in booking order."""
    bookings = list(
        session.bookings.filter(status__in=[*SEATED, Status.WAITLISTED])
        .select_related("staff__department", "staff__job_role")
        .order_by("created_at", "pk")
    )
    return {
        "seated": [b for b in bookings if b.status in SEATED],
        "waitlisted": [b for b in bookings if b.status == Status.WAITLISTED],
    }


# ---------------------------------------------------------------------------------------------
# The calendar file (RFC 5545), written by hand: no dependency for a dozen lines of text.


def _ics_escape(text: str) -> str:
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def ics_fold(line: str, limit: int = 75) -> str:
    """Fold a content line at 75 octets (UTF-8), never inside a character; continuation lines
    start with a space, which counts towards their 75."""
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            parts.append(current)
            current, size = " ", 1
        current += char
        size += width
    parts.append(current)
    return "\r\n".join(parts)


def _ics_time(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def booking_calendar(*, booking: Booking, summary: str, description: str = "") -> bytes:
    """One VEVENT for the booking's session, in UTC, CRLF line endings, folded lines."""
    session = booking.session
    host = urlsplit(settings.PORTAL_BASE_URL).hostname or "readyline"
    status = "TENTATIVE" if booking.status == Status.WAITLISTED else "CONFIRMED"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Readyline//Classroom sessions//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:readyline-booking-{booking.pk}@{host}",
        f"DTSTAMP:{_ics_time(timezone.now())}",
        f"DTSTART:{_ics_time(session.starts_at)}",
        f"DTEND:{_ics_time(session.ends_at)}",
        f"SUMMARY:{_ics_escape(summary)}",
        f"LOCATION:{_ics_escape(session.room)}",
    ]
    if description:
        lines.append(f"DESCRIPTION:{_ics_escape(description)}")
    lines += [f"STATUS:{status}", "END:VEVENT", "END:VCALENDAR"]
    return ("\r\n".join(ics_fold(line) for line in lines) + "\r\n").encode()
