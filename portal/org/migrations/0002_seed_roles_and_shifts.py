import datetime

from django.db import migrations

JOB_ROLES = [
    ("doctor", "Doctor", "医生"),
    ("nurse", "Nurse", "护士"),
    ("cashier", "Cashier (billing clerk)", "收费员"),
    ("admin", "Administrative staff", "行政人员"),
]
SHIFTS = [
    ("day", "Day", "白班", datetime.time(8, 0), datetime.time(16, 0)),
    ("evening", "Evening", "小夜班", datetime.time(16, 0), datetime.time(0, 0)),
    ("night", "Night", "大夜班", datetime.time(0, 0), datetime.time(8, 0)),
]


def seed(apps, schema_editor):
    JobRole = apps.get_model("org", "JobRole")
    Shift = apps.get_model("org", "Shift")
    for code, name, name_zh in JOB_ROLES:
        JobRole.objects.get_or_create(code=code, defaults={"name": name, "name_zh": name_zh})
    for code, name, name_zh, starts, ends in SHIFTS:
        Shift.objects.get_or_create(
            code=code, defaults={"name": name, "name_zh": name_zh, "starts": starts, "ends": ends}
        )


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
