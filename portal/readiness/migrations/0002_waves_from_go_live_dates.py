"""Departments' interim go-live dates become rollout waves: one wave per distinct date (in date
order), holding the departments with that date, with the default criteria. Reversed, each
wave's date goes back to its departments (org 0005 then restores the field first)."""

from decimal import Decimal

from django.db import migrations

# Criterion.DEFAULTS as they were when this migration was written (kind: green, amber).
DEFAULT_CRITERIA = {
    "coverage": (Decimal("90"), Decimal("80")),
    "first_pass": (Decimal("80"), Decimal("70")),
    "seed_users": (Decimal("100"), Decimal("75")),
    "overdue": (Decimal("5"), Decimal("10")),
    "proficiency": (Decimal("75"), Decimal("65")),
}


def waves_from_go_live_dates(apps, schema_editor):
    Department = apps.get_model("org", "Department")
    Wave = apps.get_model("readiness", "Wave")
    Criterion = apps.get_model("readiness", "Criterion")
    dates = (
        Department.objects.filter(go_live_date__isnull=False)
        .order_by("go_live_date")
        .values_list("go_live_date", flat=True)
        .distinct()
    )
    for n, day in enumerate(dates, start=1):
        wave = Wave.objects.create(
            name=f"Wave {n}: go-live {day.isoformat()}",
            name_zh=f"第{n}批：{day.isoformat()}上线",
            go_live_date=day,
            status="training",
        )
        wave.departments.set(Department.objects.filter(go_live_date=day))
        Criterion.objects.bulk_create(
            Criterion(wave=wave, kind=kind, job_role=None, green=green, amber=amber)
            for kind, (green, amber) in DEFAULT_CRITERIA.items()
        )


def go_live_dates_from_waves(apps, schema_editor):
    Wave = apps.get_model("readiness", "Wave")
    for wave in Wave.objects.order_by("go_live_date", "pk"):
        wave.departments.update(go_live_date=wave.go_live_date)


class Migration(migrations.Migration):
    dependencies = [
        ("readiness", "0001_initial"),
        ("org", "0004_department_go_live_date"),
    ]

    operations = [migrations.RunPython(waves_from_go_live_dates, go_live_dates_from_waves)]
