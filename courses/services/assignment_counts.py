"""Each person's assignments counted on their staff row (`StaffMember.assignments_*`), so that
readiness adds up one number per person rather than joining every assignment (150,000 of
them at 50,000 staff) on every view.

A count is as of a day, `assignments_counted_on` (C): `assignments_active` is the person's
active assignments, `assignments_overdue` those of them not completed and due before C, and
`assignments_next_due` the earliest due date on or after C of the other open ones. On a later
day D the overdue count still holds unless an open assignment fell due in between, that is
unless `assignments_next_due` is before D (`courses.selectors.assignment_counts.stale`); on an
earlier day it may not hold. Readiness counts those few people from their assignments, so its
figures are right whatever day it is asked about; the daily beat recounts them so that they
stay few.

`assignment_counts_refresh` recounts from the assignments and writes what changed (idempotent:
a rerun changes nothing). The services that write assignments call it in their own transaction
(`enrolment.assignments_recompute`, `progress` completions); anything else that writes
assignments directly (demo loaders, the bench, tests) calls it afterwards, as they call the
certification status refresh.
"""

from datetime import date

from django.db import transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from courses.models import Assignment
from courses.selectors.assignment_counts import overdue_on, stale
from portal.org.models import StaffMember

BATCH = 1000
FIELDS = list(StaffMember.COUNTED)


def _counted(staff_ids: list[int] | None, today: date) -> dict[int, tuple]:
    """{staff id: (active, overdue, next due)} from the assignments (people with no active
    assignment left out)."""
    rows = Assignment.objects.filter(status=Assignment.Status.ACTIVE)
    if staff_ids is not None:
        rows = rows.filter(staff_id__in=staff_ids)
    rows = (
        rows.values_list("staff_id")
        .annotate(
            n=Count("pk"),
            late=Count("pk", filter=overdue_on(today)),
            next_due=Min("due_date", filter=Q(completed_at__isnull=True, due_date__gte=today)),
        )
        .order_by()
    )
    return {staff_id: (n, late, next_due) for staff_id, n, late, next_due in rows}


def assignment_counts_refresh(*, staff_ids=None, today: date | None = None) -> int:
    """Recount the assignments of these staff (everybody's when None) as of `today`; returns
    how many staff rows changed."""
    today = today or timezone.localdate()
    ids = None if staff_ids is None else sorted(set(staff_ids))
    chunks = [None] if ids is None else [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]
    changed = 0
    with transaction.atomic():
        for chunk in chunks:
            staff = StaffMember.objects.all()
            if chunk is not None:
                staff = staff.filter(pk__in=chunk)
            # The rows are locked before the assignments are read: a concurrent writer's
            # recount of the same person waits for this transaction, and its own reads then
            # see what this one wrote (each statement sees what committed before it began).
            current = {
                pk: values
                for pk, *values in staff.select_for_update()
                .order_by("pk")
                .values_list("pk", *FIELDS)
            }
            counted = _counted(chunk, today)
            writes = []
            for pk, (active, overdue, counted_on, next_due) in current.items():
                n, late, upcoming = counted.get(pk, (0, 0, None))
                same = (active, overdue, next_due) == (n, late, upcoming)
                # Unchanged figures from an earlier day still hold (next due is not before
                # today, or it would differ); a count dated after today does not.
                if same and (counted_on is None or counted_on <= today):
                    continue
                writes.append(
                    StaffMember(
                        pk=pk,
                        assignments_active=n,
                        assignments_overdue=late,
                        assignments_counted_on=today,
                        assignments_next_due=upcoming,
                    )
                )
            StaffMember.objects.bulk_update(writes, FIELDS, batch_size=BATCH)
            changed += len(writes)
    return changed


def assignment_counts_daily(*, today: date | None = None) -> int:
    """The beat's daily recount: the people whose counts no longer hold today."""
    today = today or timezone.localdate()
    ids = list(StaffMember.objects.filter(stale(today)).values_list("pk", flat=True))
    return assignment_counts_refresh(staff_ids=ids, today=today) if ids else 0
