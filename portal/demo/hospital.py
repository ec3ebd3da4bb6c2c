"""A tertiary hospital: two campuses, thirteen departments, about 300 staff, one login per role."""

import random
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from portal.accounts import roles
from portal.org.models import Department, JobRole, Site
from portal.org.reference import reference_data_ensure
from portal.org.roster import roster_check
from portal.org.services import roster_plan_apply

from .names import chinese_names

PASSWORD = "readyline-demo"
DOMAIN = "readyline.example"

SITES = [
    ("MAIN", "Main campus", "本部院区"),
    ("EAST", "East campus", "东院区"),
]
# code, English, Chinese, kind, site, parent, staff mix {role: count}
DEPARTMENTS = [
    ("ED", "Emergency", "急诊科", "clinical", "MAIN", None, {"doctor": 14, "nurse": 30}),
    ("ED-OBS", "Emergency observation ward", "急诊留观室", "nursing", "MAIN", "ED", {"nurse": 12}),
    ("CARD", "Cardiology", "心内科", "clinical", "MAIN", None, {"doctor": 16, "nurse": 28}),
    ("GS", "General Surgery", "普外科", "clinical", "MAIN", None, {"doctor": 18, "nurse": 24}),
    ("PAED", "Paediatrics", "儿科", "clinical", "EAST", None, {"doctor": 12, "nurse": 24}),
    ("OPD", "Outpatients", "门诊部", "clinical", "MAIN", None, {"doctor": 10, "nurse": 22}),
    ("PHARM", "Pharmacy", "药剂科", "pharmacy", "MAIN", None, {"pharmacist": 14}),
    ("LAB", "Clinical laboratory", "检验科", "medtech", "MAIN", None, {"admin": 4, "doctor": 4}),
    ("BILL", "Billing office", "收费处", "finance", "MAIN", None, {"cashier": 24}),
    ("NURS", "Nursing department", "护理部", "nursing", "MAIN", None, {"nurse": 6, "admin": 2}),
    ("IT", "Information technology", "信息科", "it", "MAIN", None, {"admin": 10}),
    ("HR", "Human resources", "人力资源部", "administration", "MAIN", None, {"admin": 8}),
    ("QA", "Quality management", "质量管理科", "administration", "EAST", None, {"admin": 6}),
]
EXTRA_ROLES = [("pharmacist", "Pharmacist", "药师")]
TITLES = {
    "doctor": ["住院医师", "住院医师", "主治医师", "主治医师", "副主任医师", "主任医师"],
    "nurse": ["护士", "护士", "护师", "护师", "主管护师", "副主任护师"],
    "cashier": ["收费员", "收费员", "收费组长"],
    "pharmacist": ["药士", "药师", "主管药师"],
    "admin": ["科员", "科员", "科长"],
}
# The demo logins: email local part, department, job role, shift, portal roles, manages.
LOGINS = [
    ("learner-nurse", "ED", "nurse", "night", [roles.LEARNER], []),
    ("learner-doctor", "CARD", "doctor", "day", [roles.LEARNER], []),
    ("learner-cashier", "BILL", "cashier", "evening", [roles.LEARNER], []),
    ("trainer", "IT", "admin", "day", [roles.LEARNER, roles.TRAINER], []),
    ("manager", "ED", "nurse", "day", [roles.LEARNER, roles.MANAGER], ["ED"]),
    ("hr", "HR", "admin", "day", [roles.LEARNER, roles.HR], []),
    ("rollout-lead", "IT", "admin", "day", [roles.LEARNER, roles.ROLLOUT_LEAD], []),
    ("auditor", "QA", "admin", "day", [roles.LEARNER, roles.AUDITOR], []),
]
LOGIN_NAMES = {
    "learner-nurse": "林晓燕",
    "learner-doctor": "陈志强",
    "learner-cashier": "赵丽娟",
    "trainer": "周文博",
    "manager": "黄秀兰",
    "hr": "孙雅琪",
    "rollout-lead": "郑浩然",
    "auditor": "何静怡",
}


# The demo's privileged logins have an authenticator app set up with this key (two-factor
# authentication is required for their roles): add it to any authenticator app, or run
# `make code` for the current code. A real hospital's people each scan their own.
DEMO_TOTP_SECRET = "READYLINEDEMOHOSPITAL2FA234567AB"


def demo_totp_code() -> str:
    """The demo authenticator's code now (what the app would show)."""
    from portal.accounts.mfa import totp_code

    return totp_code(DEMO_TOTP_SECRET)


def _two_factor_ensure(user) -> None:
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    from portal.accounts.mfa import has_totp, mfa_required

    if mfa_required(user) and not has_totp(user):
        TOTP.activate(user, DEMO_TOTP_SECRET)
        RecoveryCodes.activate(user)


def demo_logins() -> list[tuple[str, str]]:
    """(email, what the login is for), as `make run` and the README list them."""
    return [
        (f"{local}@{DOMAIN}", ", ".join(r for r in portal_roles))
        for local, _d, _r, _s, portal_roles, _m in LOGINS
    ] + [(f"admin@{DOMAIN}", "administrator (superuser)")]


def _roster_records() -> list[dict]:
    rng = random.Random(7)
    shifts = ["day", "day", "evening", "night"]
    records = []
    names = iter(chinese_names(400))
    number = 10000
    for index, (local, dept, role, shift, _roles, _manages) in enumerate(LOGINS):
        records.append(
            _record(
                f"D{index + 1:04d}",
                LOGIN_NAMES[local],
                f"{local}@{DOMAIN}",
                dept,
                role,
                TITLES[role][2],
                shift,
                date(2015, 3, 1),
            )
        )
    for code, *_rest, mix in DEPARTMENTS:
        for role, count in mix.items():
            for _ in range(count):
                number += 1
                hired = date(2024, 9, 1) - timedelta(days=rng.randint(30, 9000))
                records.append(
                    _record(
                        f"E{number}",
                        next(names),
                        f"e{number}@hospital.example",
                        code,
                        role,
                        rng.choice(TITLES[role]),
                        rng.choice(shifts),
                        hired,
                    )
                )
    return records


def _record(number, name, email, dept, role, title, shift, hired) -> dict:
    return {
        "employee_no": number,
        "full_name": name,
        "email": email,
        "department_code": dept,
        "role_code": role,
        "title": title,
        "shift": shift,
        "hire_date": hired.isoformat(),
        "active": "yes",
    }


@transaction.atomic
def build_hospital() -> dict:
    """Create or bring up to date the demo hospital. Safe to run again: nothing doubles."""
    roles.roles_sync()
    reference_data_ensure()
    sites = {}
    for code, name, name_zh in SITES:
        sites[code], _ = Site.objects.update_or_create(
            code=code, defaults={"name": name, "name_zh": name_zh}
        )
    for code, name, name_zh in EXTRA_ROLES:
        JobRole.objects.update_or_create(code=code, defaults={"name": name, "name_zh": name_zh})
    departments = {}
    for code, name, name_zh, kind, site, parent, _mix in DEPARTMENTS:
        departments[code], _ = Department.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_zh": name_zh,
                "kind": kind,
                "site": sites[site],
                "parent": departments.get(parent),
            },
        )

    plan = roster_check(_roster_records())
    if plan.errors:
        raise RuntimeError(f"demo roster does not check: {plan.errors[:3]}")
    summary = roster_plan_apply(
        plan=plan, actor=None, deactivate_missing=False, source="demo hospital", invite=False
    )

    User = get_user_model()
    groups = {g.name: g for g in Group.objects.filter(name__in=roles.ROLES)}
    for local, _dept, _role, _shift, portal_roles, manages in LOGINS:
        user = User.objects.get(email=f"{local}@{DOMAIN}")
        if not user.has_usable_password():
            user.set_password(PASSWORD)
            user.save(update_fields=["password"])
        user.groups.add(*[groups[r] for r in portal_roles])
        if manages:
            user.staff.managed_departments.set(Department.objects.filter(code__in=manages))
        _two_factor_ensure(user)
    admin, created = User.objects.get_or_create(
        email=f"admin@{DOMAIN}",
        defaults={"first_name": "Administrator", "is_staff": True, "is_superuser": True},
    )
    if created:
        admin.set_password(PASSWORD)
        admin.save(update_fields=["password"])
    _two_factor_ensure(admin)
    return summary
