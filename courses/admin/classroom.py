"""Classroom sessions in the Wagtail admin: trainers plan sessions for a course (room, start and
end, capacity, trainer). Saves go through classroom_session_save, which audits the edit, checks the
capacity again under the session lock and promotes the waiting list when seats are added.

Trainers need the permissions courses.add_classroomsession, courses.change_classroomsession and
courses.view_classroomsession (deleting is left to administrators: it drops the bookings)."""

from django.core.validators import MinValueValidator
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from portal.records.services import client_ip

from ..models import ClassroomSession
from ..services.classroom import (
    SEATED,
    ClassroomError,
    classroom_session_save,
    seats_taken,
    trainers_choosable,
)


class ClassroomSessionForm(WagtailAdminModelForm):
    class Meta:
        model = ClassroomSession
        fields = ["course", "room", "starts_at", "ends_at", "capacity", "trainer"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["capacity"].validators.append(MinValueValidator(1))
        self.fields["capacity"].widget.attrs["min"] = 1
        self.fields["trainer"].queryset = trainers_choosable()

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The session must end after it starts."))
        capacity = cleaned.get("capacity")
        if self.instance.pk and capacity is not None:
            taken = seats_taken(self.instance)
            if capacity < taken:
                self.add_error(
                    "capacity",
                    _("%(taken)s people are already booked; the capacity cannot be lower.")
                    % {"taken": taken},
                )
        return cleaned


class _SavesThroughService:
    def save_instance(self):
        return classroom_session_save(
            actor=self.request.user, form=self.form, ip=client_ip(self.request)
        )

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ClassroomError as exc:
            # A booking came in between validation and save: show it like any form error.
            form.add_error("capacity", exc.message)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


class SessionCreateView(_SavesThroughService, generic.CreateView):
    pass


class SessionEditView(_SavesThroughService, generic.EditView):
    pass


class SessionIndexView(generic.IndexView):
    default_ordering = "-starts_at"

    def get_base_queryset(self):
        # One query for the page whatever its length: course, trainer and seat counts joined.
        return ClassroomSession.objects.select_related("course", "trainer").annotate(
            booked_count=Count("bookings", filter=Q(bookings__status__in=SEATED)),
            waitlist_count=Count("bookings", filter=Q(bookings__status="waitlisted")),
        )


def _attendance_url(session):
    return reverse("courses:session_attendance", args=[session.pk])


class ClassroomSessionViewSet(ModelViewSet):
    model = ClassroomSession
    url_prefix = "courses/sessions"
    icon = "date"
    menu_label = _("Classroom sessions")
    menu_order = 250
    add_to_admin_menu = True
    index_view_class = SessionIndexView
    add_view_class = SessionCreateView
    edit_view_class = SessionEditView
    copy_view_enabled = False
    inspect_view_enabled = True
    list_filter = ["course", "trainer"]
    search_fields = ["room"]
    list_per_page = 50
    inspect_view_fields = ["course", "room", "starts_at", "ends_at", "capacity", "trainer"]

    def get_form_class(self, for_update=False):
        return ClassroomSessionForm

    @property
    def list_display(self):
        return [
            "course",
            "room",
            "starts_at",
            Column("booked", label=_("Booked"), accessor="booked_count"),
            "capacity",
            Column("waiting", label=_("Waiting"), accessor="waitlist_count"),
            "trainer",
            TitleColumn(
                "attendance",
                label=_("Attendance"),
                accessor=lambda session: _("Mark attendance"),
                get_url=_attendance_url,
            ),
        ]


@hooks.register("register_admin_viewset")
def register_classroom_sessions():
    return ClassroomSessionViewSet("classroom_sessions")
