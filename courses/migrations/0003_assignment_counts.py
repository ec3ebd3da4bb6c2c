"""Count everybody's assignments onto their staff row (courses.services.assignment_counts keeps
them from here on). Written with the historical models: the same counting as the service."""

from django.db import migrations
from django.db.models import Count, Min, Q
from django.utils import timezone

BATCH = 1000


def count(apps, schema_editor):
    StaffMember = apps.get_model("org", "StaffMember")
    Assignment = apps.get_model("courses", "Assignment")
    today = timezone.localdate()
    open_ = Q(completed_at__isnull=True)
    rows = (
        Assignment.objects.filter(status="active")
        .values_list("staff_id")
        .annotate(
            n=Count("pk"),
            late=Count("pk", filter=open_ & Q(due_date__lt=today)),
            next_due=Min("due_date", filter=open_ & Q(due_date__gte=today)),
        )
        .order_by()
    )
    writes = [
        StaffMember(
            pk=staff_id,
            assignments_active=n,
            assignments_overdue=late,
            assignments_counted_on=today,
            assignments_next_due=next_due,
        )
        for staff_id, n, late, next_due in rows
    ]
    fields = [
        "assignments_active",
        "assignments_overdue",
        "assignments_counted_on",
        "assignments_next_due",
    ]
    StaffMember.objects.bulk_update(writes, fields, batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0002_assignment_assignment_staff_due"),
        ("org", "0007_staff_assignment_counts"),
    ]

    operations = [migrations.RunPython(count, migrations.RunPython.noop)]
