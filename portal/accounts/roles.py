"""The portal's roles: Django groups, the permissions each holds, and checks on a user.

Department managers are further limited to the departments they manage (org.selectors)."""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

LEARNER = "learner"
TRAINER = "trainer"
MANAGER = "department manager"
HR = "HR"
ROLLOUT_LEAD = "rollout lead"
AUDITOR = "auditor"

ROLES = [LEARNER, TRAINER, MANAGER, HR, ROLLOUT_LEAD, AUDITOR]
ROLE_LABELS = {
    LEARNER: _("Learner"),
    TRAINER: _("Trainer"),
    MANAGER: _("Department manager"),
    HR: _("HR"),
    ROLLOUT_LEAD: _("Rollout lead"),
    AUDITOR: _("Auditor"),
}

_ORG_MODELS = ("site", "department", "jobrole", "shift", "staffmember")
_ORG_EDIT = [f"org.{verb}_{model}" for model in _ORG_MODELS for verb in ("add", "change", "view")]
_ORG_VIEW = [f"org.view_{model}" for model in _ORG_MODELS]
_ADMIN = "wagtailadmin.access_admin"
_AUTHORING = [
    f"courses.{verb}_{model}"
    for model in ("curriculum", "curriculumitem", "classroomsession", "scormpackage")
    for verb in ("add", "change", "view")
] + [
    "courses.delete_curriculumitem",
    "courses.view_problemreport",
    "courses.change_problemreport",
    "courses.view_courserating",
]
# Question bank and exams. Seeing and grading attempts is limited further to the trainers of
# each exam (assessments.selectors.trainer).
_EXAMS = [
    f"assessments.{verb}_{model}"
    for model in ("questioncategory", "question", "exam", "practicalexam", "scenario")
    for verb in ("add", "change", "view")
]

# Certification: trainers edit tracks; HR keeps the records (revokes and reissues certificates).
_TRACKS = [f"assessments.{verb}_certificationtrack" for verb in ("add", "change", "view")]
_CERTIFICATES = ["assessments.view_certificate", "assessments.change_certificate"]

# Seed-user programmes: the rollout lead sets them up (in the CMS) and decides nominations.
_PROGRAMMES = [
    *[f"seedusers.{verb}_programme" for verb in ("add", "change", "view")],
    *[f"seedusers.{verb}_kindratio" for verb in ("add", "change", "view", "delete")],
    "seedusers.decide_nomination",
]

# Readiness: the rollout lead defines waves and criteria (in the CMS), decides go / no-go,
# approves access exceptions and issues API tokens.
_READINESS = [
    *[f"readiness.{verb}_{m}" for m in ("wave", "criterion") for verb in ("add", "change", "view")],
    "readiness.delete_criterion",
    "readiness.decide_wave",
]

# "app_label.codename" per group. Nobody but a superuser deletes organisation data: staff who
# leave are deactivated, departments are renamed or moved.
ROLE_PERMISSIONS = {
    LEARNER: [],
    TRAINER: [_ADMIN, *_ORG_EDIT, *_AUTHORING, *_EXAMS, *_TRACKS],
    MANAGER: [],
    HR: [
        _ADMIN,
        *_ORG_EDIT,
        "org.import_roster",
        "org.view_all_staff",
        "assessments.view_certificationtrack",
        *_CERTIFICATES,
        "records.view_hr_records",
    ],
    ROLLOUT_LEAD: [_ADMIN, *_ORG_VIEW, "org.view_all_staff", *_PROGRAMMES, *_READINESS],
    AUDITOR: ["records.view_auditevent"],
}


def roles_sync(using="default"):
    """Create the role groups and give each exactly its permissions. Idempotent."""
    for name, perm_names in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.using(using).get_or_create(name=name)
        query = Q(pk__in=[])
        for perm_name in perm_names:
            app_label, codename = perm_name.split(".")
            query |= Q(content_type__app_label=app_label, codename=codename)
        # post_migrate runs once per app, so early runs may find only some permissions; the run
        # after the last app completes the set.
        group.permissions.set(Permission.objects.using(using).filter(query))


def user_roles(user) -> set[str]:
    """Names of the role groups the user belongs to (cached on the user object)."""
    if not user.is_authenticated:
        return set()
    if not hasattr(user, "_readyline_roles"):
        user._readyline_roles = set(user.groups.values_list("name", flat=True))
    return user._readyline_roles


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))
