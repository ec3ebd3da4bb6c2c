"""What each role finds in the navigation bar."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.accounts.roles import (
    HR,
    MANAGER,
    ROLE_LABELS,
    ROLLOUT_LEAD,
    TRAINER,
    has_role,
    user_roles,
)
from portal.records.hr import may_see_hr_records


@dataclass
class NavItem:
    key: str
    label: str
    url: str


def navigation_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    items = [
        NavItem("training", _("My training"), reverse("my_training")),
        NavItem("certificates", _("My certificates"), reverse("assessments:my_certificates")),
    ]
    if user.has_perm("org.view_all_staff") or has_role(user, MANAGER):
        items.append(NavItem("chase", _("Chase list"), reverse("courses:chase_list")))
        items.append(NavItem("staff", _("Staff"), reverse("org:staff_list")))
        items.append(
            NavItem(
                "certification",
                _("Certification status"),
                reverse("assessments:certification_status"),
            )
        )
    if user.is_superuser or has_role(user, MANAGER, ROLLOUT_LEAD, HR):
        items.append(NavItem("readiness", _("Readiness"), reverse("readiness:waves")))
    # Everyone: managers, the rollout lead and HR reach the programme; others their own page
    # (volunteering, and a seed user's training and activity log).
    if user.is_superuser or has_role(user, MANAGER, ROLLOUT_LEAD, HR):
        items.append(NavItem("seedusers", _("Seed users"), reverse("seedusers:nominations")))
    else:
        items.append(NavItem("seedusers", _("Seed users"), reverse("seedusers:my_seed")))
    if user.is_superuser or has_role(user, HR):
        items.append(
            NavItem("cert_manage", _("Certificates"), reverse("assessments:certificate_manage"))
        )
    if may_see_hr_records(user):
        items.append(NavItem("hr_records", _("HR records"), reverse("records:hr_search")))
    if user.has_perm("org.import_roster"):
        items.append(NavItem("roster", _("Roster import"), reverse("org:roster_import_list")))
    if user.is_superuser or has_role(user, TRAINER):
        items.append(NavItem("feedback", _("Feedback"), reverse("courses:feedback_triage")))
        items.append(NavItem("exams", _("Exams I train"), reverse("assessments:trainer_exams")))
        # Trainers examine (score practical exams on a rubric). Examiners who are not trainers
        # reach the page from the link they are given: the menu asks no query on every page.
        items.append(NavItem("examine", _("Examine"), reverse("assessments:examiner_home")))
    if user.has_perm("records.view_auditevent"):
        items.append(NavItem("audit", _("Audit trail"), reverse("records:audit_list")))
    if user.has_perm("wagtailadmin.access_admin"):
        items.append(NavItem("cms", _("Authoring (CMS)"), reverse("wagtailadmin_home")))
    items.append(NavItem("notifications", _("Notifications"), reverse("courses:notifications")))
    return items


def role_labels(user) -> list[str]:
    labels = [str(ROLE_LABELS[r]) for r in sorted(user_roles(user)) if r in ROLE_LABELS]
    if user.is_authenticated and user.is_superuser:
        labels.append(str(_("Administrator")))
    return labels
