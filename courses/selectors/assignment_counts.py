"""Reading the assignment counts kept on staff rows (courses.services.assignment_counts)."""

from datetime import date

from django.db.models import Q

from courses.models import Assignment


def stale(today: date, prefix: str = "") -> Q:
    """The staff whose overdue count does not hold on `today`: counted on a later day, or an
    open assignment fell due since (`prefix`, e.g. "staff__", to filter from a related model)."""
    return Q(**{f"{prefix}assignments_counted_on__gt": today}) | Q(
        **{f"{prefix}assignments_next_due__lt": today}
    )


def overdue_on(today: date, prefix: str = "") -> Q:
    """Assignments overdue on `today`: active, not completed, due before it."""
    return Q(
        **{
            f"{prefix}status": Assignment.Status.ACTIVE,
            f"{prefix}completed_at__isnull": True,
            f"{prefix}due_date__lt": today,
        }
    )
