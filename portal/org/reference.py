"""The job roles and shifts every hospital starts with (hospitals add their own)."""

import datetime

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


def reference_data_ensure(job_role_model=None, shift_model=None) -> None:
    """Create the default job roles and shifts where missing; never overwrites a hospital's
    edits. The seed migration passes its historical models; a database emptied by a flush
    (tests, benchmarks) gets them back from the current ones."""
    if job_role_model is None:
        from .models import JobRole as job_role_model
        from .models import Shift as shift_model
    for code, name, name_zh in JOB_ROLES:
        job_role_model.objects.get_or_create(code=code, defaults={"name": name, "name_zh": name_zh})
    for code, name, name_zh, starts, ends in SHIFTS:
        shift_model.objects.get_or_create(
            code=code, defaults={"name": name, "name_zh": name_zh, "starts": starts, "ends": ends}
        )
