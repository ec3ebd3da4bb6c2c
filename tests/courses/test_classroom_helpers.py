"""Helpers shared by the classroom tests (no tests here)."""

from datetime import timedelta

from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from courses.models import Booking, ClassroomSession
from portal.accounts import roles

# What the integrator adds to ROLE_PERMISSIONS[TRAINER] in portal/accounts/roles.py.
TRAINER_PERMISSIONS = ["add_classroomsession", "change_classroomsession", "view_classroomsession"]


def trainer_permissions_grant():
    group, _created = Group.objects.get_or_create(name=roles.TRAINER)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="courses", codename__in=TRAINER_PERMISSIONS
        )
    )


def site_tree_ensure():
    """A transactional test's database was flushed by an earlier one: bring back the Wagtail root,
    the default locale, the home page and the site that the migrations created."""
    from wagtail.models import Locale, Page, Site

    from content.models import HomePage

    if not Locale.objects.exists():
        Locale.objects.create(language_code="en")
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    home = HomePage.objects.first()
    if home is None:
        home = root.add_child(instance=HomePage(title="Readyline", slug="home"))
    if not Site.objects.exists():
        Site.objects.create(
            hostname="localhost", root_page=home, is_default_site=True, site_name="Readyline"
        )


def classroom(course_page, *, capacity=10, starts_in=timedelta(days=7), hours=3, **fields):
    starts = timezone.now() + starts_in
    return ClassroomSession.objects.create(
        course=course_page,
        room=fields.pop("room", "Training room 3, IT building"),
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        capacity=capacity,
        **fields,
    )


def seat(session, staff, status=Booking.Status.BOOKED) -> Booking:
    return Booking.objects.create(session=session, staff=staff, status=status)
