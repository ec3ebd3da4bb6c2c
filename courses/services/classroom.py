"""Classroom sessions: booking, cancelling, the waiting list, attendance, and the trainers' edits.

Seats are counted under a row lock on the session (`select_for_update`), so concurrent bookings
of the last seats queue up one behind the other and can never overbook; the unique constraint on
(session, staff) is the backstop against the same person booking twice.

A seat is taken by a booking that is booked, attended or absent. The waiting list is the
waitlisted bookings in the order they were made (created_at, then id); whenever a seat frees (a
cancellation, or a trainer raising the capacity) the first in line is promoted, gets an in-portal
notification and, after the commit, a bilingual e-mail.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from portal.accounts.roles import TRAINER, has_role
from portal.records.services import audit_record

from ..models import Booking, ClassroomSession, CoursePage, LessonPage, Notification, ReminderSent

Status = Booking.Status
# Statuses that hold a seat: attendance is marked on booked seats, and a marked seat stays taken.
SEATED = (Status.BOOKED, Status.ATTENDED, Status.ABSENT)
ACTIVE = (Status.BOOKED, Status.WAITLISTED)
MARKS = (Status.ATTENDED, Status.ABSENT)


class ClassroomError(Exception):
    """A request the rules refuse; `message` is shown to the person as it is."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass
class BookingResult:
    booking: Booking
    changed: bool  # False: the request changed nothing (a double submit, say)
    promoted: list[Booking] = field(default_factory=list)


def may_mark_attendance(user, session: ClassroomSession) -> bool:
    """The session's trainer, any other trainer, and superusers."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or session.trainer_id == user.pk or has_role(user, TRAINER)


def session_started(session: ClassroomSession) -> bool:
    return session.starts_at <= timezone.now()


def _locked(session_id: int) -> ClassroomSession:
    return (
        ClassroomSession.objects.select_for_update(of=("self",))
        .select_related("course")
        .get(pk=session_id)
    )


def seats_taken(session: ClassroomSession) -> int:
    return session.bookings.filter(status__in=SEATED).count()


# ---------------------------------------------------------------------------------------------
# Booking and cancelling (learners, for themselves)


def booking_create(*, staff, session: ClassroomSession) -> BookingResult:
    """Book a seat for `staff`, or put them on the waiting list when the session is full.

    Booking again what one already holds changes nothing. A cancelled booking is booked anew and
    goes to the back of the waiting list if the session is full."""
    if not staff.active:
        raise ClassroomError(_("Your staff record is inactive; you cannot book sessions."))
    with transaction.atomic():
        session = _locked(session.pk)
        if session.starts_at <= timezone.now():
            raise ClassroomError(_("This session has already started; it can no longer be booked."))
        if not session.course.live:
            raise ClassroomError(_("This course is not published; its sessions cannot be booked."))
        existing = Booking.objects.filter(session=session, staff=staff).first()
        if existing is not None and existing.status != Status.CANCELLED:
            return BookingResult(existing, changed=False)
        # Seats a trainer freed earlier go to the waiting list before any newcomer.
        promoted = _waitlist_promote(session)
        status = Status.BOOKED if seats_taken(session) < session.capacity else Status.WAITLISTED
        if existing is not None:
            existing.status = status
            existing.created_at = timezone.now()  # re-booking queues at the back
            existing.save(update_fields=["status", "created_at", "updated_at"])
            return BookingResult(existing, changed=True, promoted=promoted)
        try:
            with transaction.atomic():
                booking = Booking.objects.create(session=session, staff=staff, status=status)
        except IntegrityError:
            # Unreachable while the session row is locked; kept as the backstop the unique
            # constraint gives (a write that bypassed this service).
            return BookingResult(Booking.objects.get(session=session, staff=staff), changed=False)
    return BookingResult(booking, changed=True, promoted=promoted)


def booking_cancel(*, staff, session: ClassroomSession) -> BookingResult:
    """Cancel one's own booking or place on the waiting list before the session starts. A freed
    seat goes to the first person waiting."""
    with transaction.atomic():
        session = _locked(session.pk)
        booking = Booking.objects.filter(session=session, staff=staff).first()
        if booking is None:
            raise ClassroomError(_("You have no booking for this session."))
        if booking.status == Status.CANCELLED:
            return BookingResult(booking, changed=False)
        if session.starts_at <= timezone.now():
            raise ClassroomError(
                _("This session has already started; the booking can no longer be cancelled.")
            )
        booking.status = Status.CANCELLED
        booking.save(update_fields=["status", "updated_at"])
        promoted = _waitlist_promote(session)
    return BookingResult(booking, changed=True, promoted=promoted)


def _waitlist_promote(session: ClassroomSession) -> list[Booking]:
    """Fill free seats from the waiting list, in order. The caller holds the session lock.
    Nobody is promoted into a session that has already started."""
    if session.starts_at <= timezone.now():
        return []
    free = session.capacity - seats_taken(session)
    if free <= 0:
        return []
    promoted = list(
        session.bookings.filter(status=Status.WAITLISTED)
        .select_related("staff__user")
        .order_by("created_at", "pk")[:free]
    )
    for booking in promoted:
        booking.status = Status.BOOKED
        booking.save(update_fields=["status", "updated_at"])
        booking.session = session
        _promotion_notify(booking)
    return promoted


# ---------------------------------------------------------------------------------------------
# Telling the promoted person


def _both_languages(text) -> str:
    """English, then Simplified Chinese (the portal does not store a person's language)."""
    with translation.override("en"):
        english = str(text)
    with translation.override("zh-hans"):
        chinese = str(text)
    return english if english == chinese else f"{english} / {chinese}"


def _promotion_notify(booking: Booking) -> Notification | None:
    """An in-portal notice now (in the same transaction) and an e-mail after the commit."""
    user = booking.staff.user
    if user is None:
        return None
    from ..tasks.classroom import booking_promoted_mail_task

    session = booking.session
    notification = Notification.objects.create(
        user=user,
        title=_both_languages(_("A seat is free for you: you are booked"))[:200],
        body=_promotion_body(session),
        url=reverse("courses:my_sessions"),
    )
    booking_promoted_mail_task.delay_on_commit(notification.pk, booking.pk)
    return notification


def _promotion_body(session: ClassroomSession) -> str:
    context = _mail_context(session)
    parts = []
    for language in ("en", "zh-hans"):
        with translation.override(language):
            parts.append(render_to_string("courses/classroom/email/promoted_notice.txt", context))
    return "\n".join(part.strip() for part in parts)


def _mail_context(session: ClassroomSession) -> dict:
    base = settings.PORTAL_BASE_URL.rstrip("/")
    return {
        "session": session,
        "course": session.course,
        "starts": timezone.localtime(session.starts_at),
        "ends": timezone.localtime(session.ends_at),
        "url": base + reverse("courses:my_sessions"),
        "calendar_url": base + reverse("courses:session_calendar", args=[session.pk]),
    }


def booking_promoted_mail_send(*, notification_id: int, booking_id: int) -> bool:
    """Send the promotion e-mail once. A redelivered task finds its claim and sends nothing; a
    failed send gives the claim back so the task's retry sends it."""
    booking = (
        Booking.objects.select_related("session__course", "staff__user")
        .filter(pk=booking_id, status=Status.BOOKED)
        .first()
    )
    if booking is None or booking.staff.user is None:
        return False  # cancelled again since, or no login: nothing to say
    user = booking.staff.user
    key = f"classroom_promoted:{user.pk}:{booking.pk}:{notification_id}"
    claim, created = ReminderSent.objects.get_or_create(
        key=key,
        defaults={
            "recipient": user,
            "kind": "promoted",
            "period": timezone.localdate().isoformat(),
        },
    )
    if not created:
        return False
    context = {**_mail_context(booking.session), "member": booking.staff}
    bodies = []
    for language in ("en", "zh-hans"):
        with translation.override(language):
            bodies.append(render_to_string("courses/classroom/email/promoted.txt", context))
    try:
        send_mail(
            _both_languages(_("Readyline: you have a seat in a classroom session")),
            "\n\n".join(bodies),
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
        )
    except Exception:
        claim.delete()
        raise
    return True


# ---------------------------------------------------------------------------------------------
# Attendance (trainers)


def course_has_required_lessons(course: CoursePage) -> bool:
    return LessonPage.objects.child_of(course).live().filter(required=True).exists()


def attendance_mark(*, actor, session: ClassroomSession, marks: dict[int, str], ip=None) -> int:
    """Record attended / absent for booked people; returns how many bookings changed.

    `marks` maps booking ids of this session to "attended" or "absent". Anything else (another
    session's booking, a waitlisted or cancelled one, an unknown mark) refuses the whole request
    and changes nothing. Marking the same again changes nothing.

    The classroom requirement: attendance completes the course's classroom requirement.
    - A course WITHOUT required lessons is a classroom-only course: marking a person attended
      completes it, through `courses.services.progress.item_complete` with the CoursePage content
      type and the course page id (which completes their assignment for the course).
    - A course WITH required lessons is completed by the progress service when those lessons are
      done; attendance is recorded on the booking (and in the audit trail) and the course
      completion is left to the progress service.
    Correcting "attended" to "absent" later does not take a completion back: the audit trail
    shows the correction, and a trainer or HR decides what follows.
    """
    if not may_mark_attendance(actor, session):
        raise ClassroomError(_("Only trainers may mark attendance."))
    with transaction.atomic():
        session = _locked(session.pk)
        if session.starts_at > timezone.now():
            raise ClassroomError(_("Attendance can be marked once the session has started."))
        bookings = {
            b.pk: b
            for b in session.bookings.filter(status__in=SEATED).select_related("staff__user")
        }
        for booking_id, mark in marks.items():
            if booking_id not in bookings or mark not in MARKS:
                raise ClassroomError(
                    _("Attendance can only be marked for people booked on this session.")
                )
        changed = [bookings[pk] for pk, mark in marks.items() if bookings[pk].status != mark]
        if not changed:
            return 0
        before = {str(b.pk): b.status for b in changed}
        newly_attended = []
        for booking in changed:
            if marks[booking.pk] == Status.ATTENDED:
                newly_attended.append(booking)
            booking.status = marks[booking.pk]
            booking.save(update_fields=["status", "updated_at"])
        audit_record(
            action="classroom.attendance",
            actor=actor,
            obj=session,
            before=before,
            after={str(b.pk): b.status for b in changed},
            ip=ip,
        )
        if newly_attended and not course_has_required_lessons(session.course):
            _classroom_requirement_complete(session.course, [b.staff for b in newly_attended])
    return len(changed)


def _classroom_requirement_complete(course: CoursePage, staff_members) -> None:
    from . import progress  # another concept's service; imported late, on purpose

    content_type = ContentType.objects.get_for_model(CoursePage)
    for member in staff_members:
        progress.item_complete(staff=member, content_type=content_type, object_id=course.pk)


# ---------------------------------------------------------------------------------------------
# Trainers' edits in the Wagtail admin


def _snapshot(session: ClassroomSession) -> dict:
    return {k: v for k, v in model_to_dict(session).items() if k != "id"}


def classroom_session_save(*, actor, form, ip=None) -> ClassroomSession:
    """Create or edit a session from the admin form, audited. The capacity is checked again
    under the session lock (a booking may have come in since the form was validated); raising
    the capacity promotes people from the waiting list."""
    if not (actor.is_superuser or actor.has_perm(_permission(form.instance))):
        raise ClassroomError(_("You may not edit classroom sessions."))
    with transaction.atomic():
        before = None
        if form.instance.pk:
            current = _locked(form.instance.pk)
            before = _snapshot(current)
            taken = seats_taken(current)
            if form.cleaned_data["capacity"] < taken:
                raise ClassroomError(
                    _("%(taken)s people are already booked; the capacity cannot be lower.")
                    % {"taken": taken}
                )
        session = form.save()
        after = _snapshot(session)
        changes = {k: v for k, v in after.items() if before is None or before.get(k) != v}
        audit_record(
            action="classroomsession.create" if before is None else "classroomsession.update",
            actor=actor,
            obj=session,
            before={k: before[k] for k in changes} if before else None,
            after=changes,
            ip=ip,
        )
        if before is not None:
            session = _locked(session.pk)
            _waitlist_promote(session)
    return session


def _permission(instance) -> str:
    verb = "change" if instance.pk else "add"
    return f"courses.{verb}_classroomsession"


def trainers_choosable():
    """Who may be set as a session's trainer: trainers and administrators."""
    from django.db.models import Q

    return (
        get_user_model()
        .objects.filter(Q(groups__name=TRAINER) | Q(is_superuser=True), is_active=True)
        .distinct()
        .order_by("first_name", "email")
    )
