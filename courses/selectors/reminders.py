"""Reads for reminders: who is due or overdue, which managers get a digest, and each user's
in-portal notifications."""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Min, QuerySet

from courses.models import Assignment, Notification
from portal.accounts.roles import MANAGER
from portal.org.models import StaffMember
from portal.org.selectors import department_subtree_ids

from .chase import Bilingual

DUE_7, DUE_1, OVERDUE, DIGEST = "due_7", "due_1", "overdue", "digest"
SOON_DAYS = 7  # "due in 7 days": the first reminder goes out a week before the due date


def reminder_kind(*, due_date: date, today: date) -> str | None:
    """Which reminder an open assignment gets today. A window rather than an exact day, so a
    day the beat did not run (server down) does not lose a reminder; each is sent once anyway."""
    days = (due_date - today).days
    if days < 0:
        return OVERDUE
    if days <= 1:
        return DUE_1
    if days <= SOON_DAYS:
        return DUE_7
    return None


def iso_week(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def reminder_period(*, kind: str, due_date: date | None, today: date) -> str:
    """Overdue reminders and digests are weekly (one per ISO week); the "due" ones once per due
    date (a moved due date is a new deadline, worth a new reminder)."""
    if kind in (OVERDUE, DIGEST):
        return iso_week(today)
    return due_date.isoformat()


def _open_assignments(*, today: date) -> QuerySet:
    """Active, not completed assignments with a due date at most a week away (or past), of
    active staff who can sign in."""
    return Assignment.objects.filter(
        status=Assignment.Status.ACTIVE,
        completed_at__isnull=True,
        due_date__isnull=False,
        due_date__lte=today + timedelta(days=SOON_DAYS),
        staff__active=True,
        staff__user__isnull=False,
        staff__user__is_active=True,
    ).exclude(staff__user__email="")


@dataclass(frozen=True)
class LearnerDue:
    assignment_id: int
    user_id: int
    email: str
    full_name: str
    due_date: date
    content_type_id: int
    object_id: int


def learner_reminder_items(*, today: date) -> QuerySet:
    """The distinct (content type, object) pairs the learner reminders are about."""
    return (
        _open_assignments(today=today)
        .order_by()
        .values_list("content_type_id", "object_id")
        .distinct()
    )


def learner_reminder_rows(*, today: date) -> Iterator[LearnerDue]:
    """Every open assignment due within a week or overdue, grouped by person (user id order),
    streamed from the database."""
    rows = (
        _open_assignments(today=today)
        .order_by("staff__user_id", "due_date", "pk")
        .values_list(
            "pk",
            "staff__user_id",
            "staff__user__email",
            "staff__full_name",
            "due_date",
            "content_type_id",
            "object_id",
        )
    )
    for row in rows.iterator(chunk_size=2000):
        yield LearnerDue(*row)


@dataclass
class DigestManager:
    user: object
    full_name: str
    department_ids: set[int]


def digest_managers() -> list[DigestManager]:
    """Department managers who can sign in, with the departments they manage and everything
    below them."""
    through = StaffMember.managed_departments.through
    roots: dict[int, list[int]] = defaultdict(list)
    for user_id, department_id in through.objects.filter(
        staffmember__active=True,
        staffmember__user__is_active=True,
        staffmember__user__groups__name=MANAGER,
    ).values_list("staffmember__user_id", "department_id"):
        roots[user_id].append(department_id)
    users = get_user_model().objects.filter(pk__in=roots).select_related("staff")
    return [
        DigestManager(
            user=user,
            full_name=user.staff.full_name,
            department_ids=department_subtree_ids(roots[user.pk]),
        )
        for user in users.order_by("pk")
        if user.email
    ]


@dataclass
class OverdueStaff:
    full_name: str
    employee_no: str
    department: Bilingual
    job_role: Bilingual
    items: int
    first_due: date


def overdue_staff(*, department_ids, today: date) -> list[OverdueStaff]:
    """Active staff in these departments with overdue required training (one row per person,
    longest overdue first)."""
    rows = (
        Assignment.objects.filter(
            status=Assignment.Status.ACTIVE,
            completed_at__isnull=True,
            due_date__lt=today,
            staff__active=True,
            staff__department_id__in=department_ids,
        )
        .order_by()
        .values(
            "staff_id",
            "staff__full_name",
            "staff__employee_no",
            "staff__department__name",
            "staff__department__name_zh",
            "staff__job_role__name",
            "staff__job_role__name_zh",
        )
        .annotate(items=Count("pk"), first_due=Min("due_date"))
        .order_by("first_due", "staff__full_name", "staff_id")
    )
    return [
        OverdueStaff(
            full_name=row["staff__full_name"],
            employee_no=row["staff__employee_no"],
            department=Bilingual(row["staff__department__name"], row["staff__department__name_zh"]),
            job_role=Bilingual(row["staff__job_role__name"], row["staff__job_role__name_zh"]),
            items=row["items"],
            first_due=row["first_due"],
        )
        for row in rows
    ]


# ---------------------------------------------------------------------------------------------
# In-portal notifications: each user only ever sees their own


def notifications_for(*, user) -> QuerySet:
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(user=user).order_by("-created_at", "-pk")


def notifications_unread_count(*, user) -> int:
    """One query."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
