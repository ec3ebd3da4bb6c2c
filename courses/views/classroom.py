"""Classroom sessions for learners (browse, book, cancel, calendar) and trainers (attendance).

Learners only ever act on their own bookings: no URL names a staff member, and every booking is
looked up through the signed-in person's staff profile."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal.accounts.roles import TRAINER, has_role
from portal.org.selectors import staff_for_user
from portal.pagination import paginate
from portal.records.services import client_ip

from ..models import Booking
from ..selectors import classroom as selectors
from ..services import classroom as services
from ..services.classroom import ClassroomError

Status = Booking.Status


@login_required
def course_sessions(request, course_id: int):
    course = selectors.course_for_sessions(course_id=course_id)
    member = staff_for_user(user=request.user)
    sessions = selectors.sessions_upcoming(viewer_staff=member, course=course)
    return render(
        request,
        "courses/classroom/session_list.html",
        {
            "course": course,
            "member": member,
            "is_trainer": request.user.is_superuser or has_role(request.user, TRAINER),
            **paginate(request, sessions),
        },
    )


@login_required
def my_sessions(request):
    member = staff_for_user(user=request.user)
    return render(
        request,
        "courses/classroom/my_sessions.html",
        {
            "member": member,
            "now": timezone.now(),
            **paginate(request, selectors.bookings_mine(staff=member, upcoming=True)),
            "past": selectors.bookings_mine(staff=member, upcoming=False)[:50],
        },
    )


def _member_or_403(request):
    member = staff_for_user(user=request.user)
    if member is None:
        raise PermissionDenied
    return member


def _back(request, session):
    """Back where the person came from (a same-site address), else the course's session list."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("courses:course_sessions", course_id=session.course_id)


@require_POST
@login_required
def session_book(request, pk: int):
    member = _member_or_403(request)
    session = selectors.session_get(pk=pk)
    try:
        result = services.booking_create(staff=member, session=session)
    except ClassroomError as exc:
        messages.error(request, exc.message)
        return _back(request, session)
    booking = result.booking
    if not result.changed:
        if booking.status == Status.WAITLISTED:
            messages.info(request, _("You are already on the waiting list for this session."))
        else:
            messages.info(request, _("You are already booked on this session."))
    elif booking.status == Status.BOOKED:
        messages.success(request, _("Booked: your seat is reserved."))
    else:
        messages.success(
            request,
            _(
                "The session is full: you are on the waiting list and will be booked "
                "automatically when a seat frees."
            ),
        )
    return _back(request, session)


@require_POST
@login_required
def session_cancel(request, pk: int):
    member = _member_or_403(request)
    session = selectors.session_get(pk=pk)
    try:
        result = services.booking_cancel(staff=member, session=session)
    except ClassroomError as exc:
        messages.error(request, exc.message)
        return _back(request, session)
    if result.changed:
        messages.success(request, _("Your booking is cancelled."))
    else:
        messages.info(request, _("This booking was already cancelled."))
    return _back(request, session)


@login_required
def session_calendar(request, pk: int):
    member = staff_for_user(user=request.user)
    booking = selectors.booking_mine_get(staff=member, session_id=pk)
    session = booking.session
    summary = _("Classroom session: %(course)s") % {"course": session.course.label}
    description = _("Room: %(room)s") % {"room": session.room}
    if session.trainer:
        description += "\n" + _("Trainer: %(name)s") % {"name": session.trainer}
    body = selectors.booking_calendar(booking=booking, summary=summary, description=description)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="session-{session.pk}.ics"'
    return response


class AttendanceForm(forms.Form):
    """One attended / absent choice per booked person (field "booking-<id>")."""

    CHOICES = [
        (Status.ATTENDED, gettext_lazy("Attended")),
        (Status.ABSENT, gettext_lazy("Absent")),
    ]

    def __init__(self, *args, bookings, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for booking in bookings:
            name = f"booking-{booking.pk}"
            initial = booking.status if booking.status in services.MARKS else None
            self.fields[name] = forms.ChoiceField(
                label=booking.staff.full_name,
                choices=self.CHOICES,
                widget=forms.RadioSelect,
                required=False,
                initial=initial,
            )
            self.rows.append((booking, name))

    def marks(self) -> dict[int, str]:
        return {
            booking.pk: self.cleaned_data[name]
            for booking, name in self.rows
            if self.cleaned_data.get(name)
        }

    def bound_rows(self):
        return [(booking, self[name]) for booking, name in self.rows]


@login_required
def session_attendance(request, pk: int):
    session = selectors.session_get(pk=pk)
    if not services.may_mark_attendance(request.user, session):
        raise PermissionDenied
    people = selectors.attendance_list(session=session)
    form = AttendanceForm(request.POST or None, bookings=people["seated"])
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.attendance_mark(
                actor=request.user, session=session, marks=form.marks(), ip=client_ip(request)
            )
        except ClassroomError as exc:
            messages.error(request, exc.message)
        else:
            if changed:
                messages.success(request, _("Attendance saved."))
            else:
                messages.info(request, _("Nothing changed."))
            return redirect("courses:session_attendance", pk=session.pk)
    elif request.method == "POST":
        messages.error(request, _("Choose attended or absent for each person."))
    return render(
        request,
        "courses/classroom/attendance.html",
        {
            "session": session,
            "form": form,
            "waitlisted": people["waitlisted"],
            "started": services.session_started(session),
        },
    )
