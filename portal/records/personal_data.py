"""Personal data: the export of everything held about one person (for the person themself, or
for HR on request), and the retention rule for leavers (anonymise after N years).

The export is declared, not hand-written per model: each section lists its sources (a model and
the lookup from it to the person), and every concrete field of every row is exported, so a field
added to a model later shows up without a change here. A model added later that points at a
staff member or a user must be declared in a section or in EXCLUDED_RELATIONS (with the reason):
tests/records/test_personal_data.py compares both with the models' relations.

One query per source, whatever the number of rows, so the export costs the same for a new
starter and for someone with twenty years of history.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Model, Q
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from portal.org.models import StaffMember

from .services import audit_record

EXPORT_ACTION = "records.personal_data_export"
ANONYMISE_ACTION = "records.personal_data_anonymise"
# An anonymised person's employee number: unique (the column is), and the mark that they were
# anonymised already, so the rule never does it twice.
ANONYMISED_PREFIX = "anon-"
ANONYMISED_NAME = "Anonymised"
DEFAULT_RETENTION_YEARS = 6


@dataclass(frozen=True)
class Source:
    """Rows of `model` whose `lookup` leads to the person (`by`: "staff" or "user")."""

    key: str
    model: str
    lookup: str
    by: str = "staff"
    # Foreign keys exported by name as well as by id (selected in the same query).
    labels: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    # Generic relations to label (one query per kind of target, whatever the number of rows).
    prefetch: tuple[str, ...] = ()
    # Fields never exported: secrets, not personal data.
    secret: tuple[str, ...] = ()

    @property
    def relation(self) -> tuple[str, str] | None:
        """The (model, field) relation to StaffMember or User this source covers, if direct."""
        return None if "__" in self.lookup else (self.model, self.lookup)


SECTIONS: dict[str, list[Source]] = {
    # "identity" (the staff record itself) and "account" (the user) are built first, below.
    "account_related": [
        Source("email_addresses", "account.EmailAddress", "user", by="user"),
        Source("sessions", "usersessions.UserSession", "user", by="user", secret=("session_key",)),
        Source("cms_profile", "wagtailusers.UserProfile", "user", by="user"),
        # Which second factors are set up and when they were last used; never their secrets.
        Source("two_factor", "mfa.Authenticator", "user", by="user", secret=("data",)),
        # Hospital accounts (OIDC / SAML) connected to the login, with what the provider sent.
        Source("sso_accounts", "socialaccount.SocialAccount", "user", by="user"),
    ],
    "training": [
        Source(
            "assignments",
            "courses.Assignment",
            "staff",
            labels=("curriculum", "item"),
            select=("curriculum",),
            prefetch=("item",),
        ),
        Source("course_progress", "courses.CourseProgress", "staff", labels=("course",)),
        Source("lesson_progress", "courses.LessonProgress", "staff", labels=("lesson",)),
        Source("scorm_records", "courses.ScormRecord", "staff", labels=("lesson",)),
        Source(
            "classroom_bookings",
            "courses.Booking",
            "staff",
            labels=("session",),
            select=("session__course",),
        ),
    ],
    "exam_attempts": [
        Source("attempts", "assessments.Attempt", "staff", labels=("exam",)),
        Source("answers", "assessments.AttemptQuestion", "attempt__staff"),
    ],
    "practical_attempts": [
        Source("simulation_actions", "assessments.SimulationAction", "attempt__staff"),
        Source("rubric_scores", "assessments.RubricScore", "attempt__staff"),
        Source("examiner_assignments", "assessments.ExaminerAssignment", "staff", labels=("exam",)),
    ],
    "certification": [
        Source("statuses", "assessments.CertificationStatus", "staff", labels=("track",)),
        Source("certificates", "assessments.Certificate", "staff"),
        Source("access_exceptions", "readiness.AccessException", "staff", labels=("wave",)),
    ],
    "proficiency": [
        Source("history", "assessments.ProficiencyRecord", "staff", labels=("track",)),
    ],
    "seed_user": [
        Source("nominations", "seedusers.Nomination", "staff", labels=("programme",)),
        Source("activities", "seedusers.Activity", "nomination__staff", secret=("token",)),
    ],
    "feedback": [
        Source("course_ratings", "courses.CourseRating", "staff", labels=("course",)),
        Source("problem_reports", "courses.ProblemReport", "staff", labels=("lesson",)),
    ],
    "notifications": [
        Source("notifications", "courses.Notification", "user", by="user"),
        Source("reminders_sent", "courses.ReminderSent", "recipient", by="user"),
    ],
}

# Relations covered outside SECTIONS: the staff record's login (the "account" section) and the
# audit trail (the "audit" section: events where the person is the actor or the object).
BUILT_IN_RELATIONS = {("org.StaffMember", "user"), ("records.AuditEvent", "actor")}

# Relations to a user that are not data about that person but the work they did on other
# people's records or on content, in a professional capacity (who graded, decided, authored,
# uploaded). They are part of those records, not of the person's, and the actions that matter
# are in the audit trail, which the export includes where the person is the actor.
_WORK_DONE = {
    ("org.RosterImport", "uploaded_by"): "a roster file uploaded by HR",
    ("records.HrExport", "requested_by"): "an HR export of other people's records",
    ("courses.ClassroomSession", "trainer"): "the trainer of a session",
    ("courses.ProblemReport", "resolved_by"): "the trainer who resolved someone's report",
    ("courses.CoursePage", "owner_trainer"): "the trainer owning a course",
    ("courses.ScormPackage", "uploaded_by"): "content uploaded",
    ("assessments.Question", "created_by"): "question bank authoring",
    ("assessments.QuestionVersion", "created_by"): "question bank authoring",
    ("assessments.ScenarioVersion", "created_by"): "scenario authoring",
    ("assessments.Exam", "trainers"): "the trainers of an exam",
    ("assessments.AttemptQuestion", "graded_by"): "grading someone else's answer",
    ("assessments.Certificate", "revoked_by"): "revoking someone else's certificate",
    ("assessments.ExaminerAssignment", "examiner"): "examining a candidate",
    ("assessments.RubricScore", "examiner"): "scoring a candidate",
    ("seedusers.Nomination", "nominated_by"): "nominating a colleague",
    ("seedusers.Nomination", "decided_by"): "deciding a nomination",
    ("seedusers.Activity", "decided_by"): "confirming a seed user's activity",
    ("readiness.Decision", "decided_by"): "a go / no-go decision",
    ("readiness.SignOff", "user"): "signing off a decision in a capacity",
    ("readiness.AccessException", "requested_by"): "requesting access for a colleague",
    ("readiness.AccessException", "decided_by"): "deciding an access exception",
    ("readiness.Evaluation", "recorded_by"): "recording a wave evaluation",
    ("readiness.ApiToken", "created_by"): "issuing an API token",
    ("admin.LogEntry", "user"): "Django admin change history",
}
# The CMS's (Wagtail's) editorial records: pages, revisions, comments, workflow, uploads and
# transient editor state. Editorial work, not personal records; API tokens are secrets.
_CMS = {
    ("wagtaildocs.Document", "uploaded_by_user"),
    ("wagtailimages.Image", "uploaded_by_user"),
    ("wagtailcore.UploadedFile", "uploaded_by_user"),
    ("wagtailcore.Revision", "user"),
    ("wagtailcore.WorkflowState", "requested_by"),
    ("wagtailcore.TaskState", "finished_by"),
    ("wagtailcore.Page", "locked_by"),
    ("wagtailcore.Page", "owner"),
    ("wagtailcore.Comment", "user"),
    ("wagtailcore.Comment", "resolved_by"),
    ("wagtailcore.CommentReply", "user"),
    ("wagtailcore.PageSubscription", "user"),
    ("wagtailcore.PageLogEntry", "user"),
    ("wagtailcore.ModelLogEntry", "user"),
    ("wagtailcore.APIToken", "user"),
    ("wagtailadmin.EditingSession", "user"),
    ("wagtailadmin.FormState", "user"),
}
EXCLUDED_RELATIONS: set[tuple[str, str]] = set(_WORK_DONE) | _CMS


def personal_data_relations() -> set[tuple[str, str]]:
    """Every (model, field) pointing at a staff member or a user, hidden relations (related
    name "+") included; many-to-many tables Django creates count as their field."""
    found = set()
    for target in (StaffMember, get_user_model()):
        for rel in target._meta.get_fields(include_hidden=True):
            if not (rel.auto_created and not rel.concrete and rel.is_relation):
                continue
            if rel.related_model._meta.auto_created:  # an M2M through table
                continue
            found.add((rel.related_model._meta.label, rel.field.name))
    return found


def personal_data_covered() -> set[tuple[str, str]]:
    sources = [source for section in SECTIONS.values() for source in section]
    return BUILT_IN_RELATIONS | {s.relation for s in sources if s.relation is not None}


# ---------------------------------------------------------------------------------------------
# Export


def _plain(value):
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return None  # binary blobs are not readable personal data
    return value


def _row(obj: Model, *, labels=(), secret=()) -> dict:
    data = {}
    for field in obj._meta.concrete_fields:
        if field.name in secret:
            continue
        key = field.attname if field.is_relation else field.name
        data[key] = _plain(getattr(obj, field.attname))
    for name in labels:
        target = getattr(obj, name)
        data[name] = str(target) if target is not None else None
    return data


def _source_rows(source: Source, *, staff: StaffMember) -> list[dict]:
    target = staff if source.by == "staff" else staff.user
    if target is None:
        return []
    model = apps.get_model(source.model)
    rows = model._default_manager.filter(**{source.lookup: target})
    related = [name for name in source.labels if name not in source.prefetch]
    if related or source.select:
        rows = rows.select_related(*related, *source.select)
    if source.prefetch:
        rows = rows.prefetch_related(*source.prefetch)
    return [_row(obj, labels=source.labels, secret=source.secret) for obj in rows.order_by("pk")]


def _identity(staff: StaffMember) -> dict:
    data = _row(staff, labels=("department", "job_role", "shift"))
    data["managed_departments"] = [str(d) for d in staff.managed_departments.order_by("code")]
    return data


def _account(user) -> dict | None:
    if user is None:
        return None
    data = _row(user, secret=("password",))
    data["roles"] = sorted(user.groups.values_list("name", flat=True))
    return data


def _audit(staff: StaffMember) -> dict:
    """Events about the person (their staff record or their login) in full, and events they
    caused as actor without before/after, which may hold other people's data."""
    from .models import AuditEvent

    about = Q(object_type="org.staffmember", object_id=str(staff.pk))
    acted = Q(pk__in=[])
    if staff.user_id:
        about |= Q(object_type="accounts.user", object_id=str(staff.user_id))
        acted = Q(actor_id=staff.user_id)
    events = AuditEvent.objects.filter(about | acted).order_by("pk")
    result = {"about_them": [], "by_them": []}
    for event in events.values("id", "at", "actor_id", "actor_label", "action", "object_type",
                               "object_id", "before", "after"):  # fmt: skip
        event["at"] = event["at"].isoformat()
        is_about = (event["object_type"], event["object_id"]) in {
            ("org.staffmember", str(staff.pk)),
            ("accounts.user", str(staff.user_id)),
        }
        if is_about:
            result["about_them"].append(event)
        else:
            result["by_them"].append({k: event[k] for k in event if k not in ("before", "after")})
    return result


def personal_data_collect(*, staff: StaffMember) -> dict:
    """Everything held about one person, by section (no permission check, no audit: see
    `personal_data_export`)."""
    staff = StaffMember.objects.select_related("user", "department", "job_role", "shift").get(
        pk=staff.pk
    )
    data = {
        "generated_at": timezone.now().isoformat(),
        "identity": _identity(staff),
        "account": _account(staff.user),
    }
    for name, sources in SECTIONS.items():
        data[name] = {source.key: _source_rows(source, staff=staff) for source in sources}
    data["audit"] = _audit(staff)
    return data


def may_export_personal_data(viewer, staff: StaffMember) -> bool:
    """The person themself, or HR (records.view_hr_records)."""
    from .hr import may_see_transcript_of

    return may_see_transcript_of(viewer, staff)


def personal_data_export(*, staff: StaffMember, actor=None, ip: str | None = None) -> dict:
    """The export, audited (who for whom). The views check the permission first."""
    data = personal_data_collect(staff=staff)
    audit_record(
        action=EXPORT_ACTION,
        actor=actor,
        obj=staff,
        after={"staff": staff.pk, "own": bool(actor and staff.user_id == actor.pk)},
        ip=ip,
        actor_label="" if actor is not None else "system",
    )
    return data


# ---------------------------------------------------------------------------------------------
# Leavers' retention


def retention_years() -> int:
    return int(getattr(settings, "LEAVER_RETENTION_YEARS", DEFAULT_RETENTION_YEARS))


def leavers_due(*, years: int | None = None, now: datetime | None = None):
    """Staff who left (inactive) more than `years` ago and are not anonymised yet. The roster
    has no leave date: the last change of an inactive staff record is when they were made
    inactive (or later), so it is the latest they can have left."""
    years = retention_years() if years is None else years
    now = now or timezone.now()
    cutoff = now - timedelta(days=round(365.25 * years))
    return (
        StaffMember.objects.filter(active=False, updated_at__lt=cutoff)
        .exclude(employee_no__startswith=ANONYMISED_PREFIX)
        .order_by("pk")
    )


def is_anonymised(staff: StaffMember) -> bool:
    return staff.employee_no.startswith(ANONYMISED_PREFIX)


def _anonymise_user(user) -> None:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.socialaccount.models import SocialAccount
    from allauth.usersessions.models import UserSession

    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()
    UserSession.objects.filter(user=user).delete()
    apps.get_model("courses.Notification").objects.filter(user=user).delete()
    user.groups.clear()
    user.user_permissions.clear()
    user.email = f"{ANONYMISED_PREFIX}{user.pk}@invalid.invalid"
    user.first_name = user.last_name = ""
    user.is_active = user.is_staff = user.is_superuser = False
    user.set_unusable_password()
    user.save()


def _blank_free_text(staff: StaffMember) -> None:
    """Free text the person wrote or that was written about them, where nothing depends on it.
    Kept: answers and graders' comments (the evidence behind a certificate), problem reports
    and floor issues (about the system, needed by the trainers and the rollout)."""
    get = apps.get_model
    get("courses.CourseRating").objects.filter(staff=staff).update(comment="")
    get("seedusers.Nomination").objects.filter(staff=staff).update(
        reason="", decision_note="", override_reason="", step_down_reason=""
    )
    get("readiness.AccessException").objects.filter(staff=staff).update(reason="")


def personal_data_anonymise(*, staff: StaffMember, actor=None) -> bool:
    """Replace who the person was by a placeholder, disable and detach their login, blank free
    text about them; keep their training records and certificates, whose verification keeps
    answering valid / expired / revoked (under the placeholder name). Audited; False (and
    nothing done) when they are anonymised already."""
    Certificate = apps.get_model("assessments.Certificate")
    with transaction.atomic():
        staff = StaffMember.objects.select_for_update().get(pk=staff.pk)
        if is_anonymised(staff):
            return False
        user = staff.user
        placeholder = f"{ANONYMISED_NAME} {staff.pk}"
        staff.full_name = placeholder
        staff.employee_no = f"{ANONYMISED_PREFIX}{staff.pk}"
        staff.title = ""
        staff.hire_date = None
        staff.invited_at = None
        staff.active = False
        staff.user = None
        staff.save()
        staff.managed_departments.clear()
        Certificate.objects.filter(staff=staff).update(
            holder_name=placeholder, employee_no=staff.employee_no
        )
        _blank_free_text(staff)
        if user is not None:
            _anonymise_user(user)
        audit_record(
            action=ANONYMISE_ACTION,
            actor=actor,
            obj=staff,
            # Ids only: the trail must not keep what was just removed.
            after={"staff": staff.pk, "user": user.pk if user else None},
            actor_label="" if actor is not None else "system (anonymise_leavers)",
        )
    return True
