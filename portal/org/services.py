"""Writes to the organisation: roster imports, staff edits, invitations. Each audits itself."""

import hashlib
import secrets
from datetime import date, timedelta

from allauth.account import app_settings as allauth_settings
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.forms.models import model_to_dict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from portal.accounts.roles import LEARNER
from portal.progress import Progress
from portal.records.services import AuditEntry, audit_changes, audit_record, audit_record_many

from .models import Department, JobRole, RosterImport, Shift, StaffMember
from .roster import FIELDS, RosterFileError, RosterPlan, roster_check, roster_read
from .signals import department_changed, staff_changed

DIFF_LIMIT = 1000


def _may_import(actor) -> bool:
    return actor is None or actor.has_perm("org.import_roster")


# ---------------------------------------------------------------------------------------------
# Roster import


def roster_plan(*, data: bytes) -> RosterPlan:
    """Read and check a roster file. File-level problems become a single error without a row."""
    from .roster import RosterError

    try:
        records = roster_read(data)
    except RosterFileError as exc:
        return RosterPlan(errors=[RosterError(None, None, exc.message)])
    return roster_check(records)


def roster_import_create(*, actor, filename: str, data: bytes) -> RosterImport:
    """Store an uploaded roster with its preview (or its errors). Applies nothing."""
    if not _may_import(actor):
        raise PermissionDenied
    plan = roster_plan(data=data)
    status = RosterImport.Status.INVALID if plan.errors else RosterImport.Status.PREVIEWED
    return RosterImport.objects.create(
        uploaded_by=actor,
        filename=filename[:255],
        content=data,
        sha256=hashlib.sha256(data).hexdigest(),
        status=status,
        summary=plan.summary(),
        diff=roster_plan_diff(plan),
        errors=[e.as_dict() for e in plan.errors],
    )


def roster_import_confirm(*, actor, roster_import: RosterImport, deactivate_missing: bool) -> bool:
    """Queue a previewed import for the worker. A second confirm (double submit) does nothing."""
    if not _may_import(actor):
        raise PermissionDenied
    from .tasks import roster_import_apply_task

    with transaction.atomic():
        queued = RosterImport.objects.filter(
            pk=roster_import.pk, status=RosterImport.Status.PREVIEWED
        ).update(
            status=RosterImport.Status.CONFIRMED,
            deactivate_missing=deactivate_missing,
            confirmed_at=timezone.now(),
        )
        if queued:
            roster_import_apply_task.delay_on_commit(roster_import.pk)
    return bool(queued)


def roster_import_apply(*, roster_import_id: int) -> RosterImport:
    """Apply a confirmed import in one transaction. Idempotent: the row lock and the status
    guard make a redelivered task a no-op, and a crash rolls back to CONFIRMED for the retry."""
    with transaction.atomic():
        roster_import = RosterImport.objects.select_for_update().get(pk=roster_import_id)
        if roster_import.status != RosterImport.Status.CONFIRMED:
            return roster_import
        # The roster may have changed since the preview: check again against today's data.
        plan = roster_plan(data=bytes(roster_import.content))
        if plan.errors:
            roster_import.status = RosterImport.Status.FAILED
            roster_import.errors = [e.as_dict() for e in plan.errors]
            roster_import.save(update_fields=["status", "errors"])
            Progress(f"roster-import-{roster_import.pk}", 0).finish("failed")
            return roster_import
        summary = roster_plan_apply(
            plan=plan,
            actor=roster_import.uploaded_by,
            deactivate_missing=roster_import.deactivate_missing,
            progress_key=f"roster-import-{roster_import.pk}",
            source=f"roster import {roster_import.pk} ({roster_import.filename})",
        )
        roster_import.status = RosterImport.Status.APPLIED
        roster_import.summary = summary
        roster_import.applied_at = timezone.now()
        roster_import.save(update_fields=["status", "summary", "applied_at"])
    return roster_import


def roster_import_fail(*, roster_import_id: int, error: BaseException) -> bool:
    """Mark a confirmed import as failed after its apply raised. The apply's transaction rolled
    back, so nothing was changed; without this the import would show "Queued" for ever (only a
    lost worker redelivers the task, an exception does not)."""
    message = translation.gettext(
        "The import could not be applied (%(error)s); nothing was changed. Upload the file "
        "again, and tell the IT department if it fails again."
    ) % {"error": error.__class__.__name__}
    failed = RosterImport.objects.filter(
        pk=roster_import_id, status=RosterImport.Status.CONFIRMED
    ).update(
        status=RosterImport.Status.FAILED,
        errors=[{"row": None, "column": None, "message": message}],
    )
    if failed:
        Progress(f"roster-import-{roster_import_id}", 0).finish("failed")
    return bool(failed)


PREVIEW_VALID_DAYS = 7
FILE_KEPT_DAYS = 30


def roster_import_sweep(*, now=None) -> dict:
    """Nightly: previews nobody confirmed within a week expire (the roster has moved on), and
    uploaded files are dropped after 30 days (they hold personal data; the summary, diff and
    audit events stay)."""
    now = now or timezone.now()
    expired = RosterImport.objects.filter(
        status=RosterImport.Status.PREVIEWED,
        created_at__lt=now - timedelta(days=PREVIEW_VALID_DAYS),
    ).update(
        status=RosterImport.Status.FAILED,
        errors=[
            {
                "row": None,
                "column": None,
                "message": "The preview expired after 7 days; upload the file again.",
            }
        ],
    )
    dropped = (
        RosterImport.objects.filter(created_at__lt=now - timedelta(days=FILE_KEPT_DAYS))
        .exclude(status=RosterImport.Status.CONFIRMED)
        .exclude(sha256="")
        .update(content=b"", sha256="")
    )
    return {"expired": expired, "files_dropped": dropped}


def _staff_fields(row) -> dict:
    return {
        "full_name": row.full_name,
        "department_id": row.department_id,
        "job_role_id": row.job_role_id,
        "title": row.title,
        "shift_id": row.shift_id,
        "hire_date": row.hire_date,
        "active": row.active,
    }


def roster_plan_apply(
    *,
    plan: RosterPlan,
    actor,
    deactivate_missing: bool,
    progress_key: str | None = None,
    source: str = "roster import",
    invite: bool = True,
) -> dict:
    """Write a checked plan: create, update and (optionally) deactivate staff, with their logins,
    learner role and audit events. The bulk path behind imports and the bench generator."""
    if plan.errors:
        raise ValueError("A plan with errors cannot be applied.")
    User = get_user_model()
    total = len(plan.new) + len(plan.changed) + (len(plan.missing) if deactivate_missing else 0)
    progress = Progress(progress_key, total)
    audit: list[AuditEntry] = []
    with transaction.atomic():
        # New logins first, so new staff can point at them.
        new_users = [
            _new_user(row.email, row.full_name, row.active) for row in plan.new if row.email
        ]
        User.objects.bulk_create(new_users, batch_size=1000)
        user_ids = dict(
            User.objects.filter(email__in=[u.email for u in new_users]).values_list("email", "pk")
        )
        staff = [
            StaffMember(
                employee_no=row.employee_no, user_id=user_ids.get(row.email), **_staff_fields(row)
            )
            for row in plan.new
        ]
        for chunk_start in range(0, len(staff), 1000):
            StaffMember.objects.bulk_create(staff[chunk_start : chunk_start + 1000])
            progress.advance(len(staff[chunk_start : chunk_start + 1000]))
        created_ids = dict(
            StaffMember.objects.filter(
                employee_no__in=[r.employee_no for r in plan.new]
            ).values_list("employee_no", "pk")
        )
        _add_learners(list(user_ids.values()))
        for row in plan.new:
            audit.append(
                AuditEntry(
                    action="staff.create",
                    actor=actor,
                    object_type="org.staffmember",
                    object_id=created_ids[row.employee_no],
                    after={
                        "employee_no": row.employee_no,
                        "email": row.email,
                        **_jsonable(_staff_fields(row)),
                    },
                    extra={"actor_label": _actor_label(actor, source)},
                )
            )

        given_login = _apply_changes(plan, actor, source, audit, progress)

        deactivated = 0
        if deactivate_missing and plan.missing:
            ids = [pk for pk, _no, _name in plan.missing]
            deactivated = StaffMember.objects.filter(pk__in=ids, active=True).update(
                active=False, updated_at=timezone.now()
            )
            User.objects.filter(staff__pk__in=ids).update(is_active=False)
            for pk, number, _name in plan.missing:
                audit.append(
                    AuditEntry(
                        action="staff.deactivate",
                        actor=actor,
                        object_type="org.staffmember",
                        object_id=pk,
                        before={"employee_no": number, "active": True},
                        after={"active": False},
                        extra={"actor_label": _actor_label(actor, source)},
                    )
                )
            progress.advance(len(ids))

        summary = plan.summary(deactivate_missing)
        summary["deactivated"] = deactivated
        audit.append(
            AuditEntry(
                action="roster.import",
                actor=actor,
                object_type="org.rosterimport",
                after={"source": source, **summary},
                extra={"actor_label": _actor_label(actor, source)},
            )
        )
        audit_record_many(entries=audit)
        _staff_changed_on_commit(
            [*created_ids.values()]
            + [pk for pk, _row, changes in plan.changed if STAFF_CHANGES_THAT_MATTER & set(changes)]
            + ([pk for pk, _no, _name in plan.missing] if deactivated else [])
        )
        new_staff_ids = [created_ids[r.employee_no] for r in plan.new if r.email and r.active]
        # Staff already on the roster who got their first login now need an invitation as well:
        # without one their login has no password they could know.
        new_staff_ids += given_login
        if invite and new_staff_ids:
            from .tasks import staff_invite_task

            staff_invite_task.delay_on_commit(new_staff_ids)
    progress.finish()
    return summary


# What other apps recompute from (assignments by role, department and hire date; the
# certification status rows copy department, role and shift for readiness).
STAFF_CHANGES_THAT_MATTER = {"department", "job_role", "shift", "hire_date", "active"}
# (Go-live dates come from rollout waves, whose service sends department_changed itself.)
DEPARTMENT_CHANGES_THAT_MATTER = {"parent"}


def _staff_changed_on_commit(staff_ids: list[int]):
    if staff_ids:
        transaction.on_commit(
            lambda: staff_changed.send(sender=StaffMember, staff_ids=sorted(set(staff_ids)))
        )


def _apply_changes(plan, actor, source, audit, progress) -> list[int]:
    """Update changed staff and their logins. Returns the ids of active staff who had no login
    and were given one (to be invited). Writes only the fields that changed, field by field."""
    if not plan.changed:
        return []
    User = get_user_model()
    by_id = StaffMember.objects.select_related("user").in_bulk([pk for pk, _r, _c in plan.changed])
    staff_values: dict[str, dict[int, object]] = {}  # field -> {staff id: new value}
    user_values: dict[str, dict[int, object]] = {}  # field -> {user id: new value}
    new_users = []
    for pk, row, changes in plan.changed:
        member = by_id[pk]
        new = _staff_fields(row)
        for name in changes:
            if name != "email":
                field = f"{name}_id" if name in ("department", "job_role", "shift") else name
                staff_values.setdefault(field, {})[pk] = new[field]
        if member.user_id:
            if "email" in changes:
                user_values.setdefault("email", {})[member.user_id] = row.email
            if "active" in changes:
                user_values.setdefault("is_active", {})[member.user_id] = row.active
        elif row.email:
            new_users.append((member, _new_user(row.email, row.full_name, row.active)))
        audit.append(
            AuditEntry(
                action="staff.update",
                actor=actor,
                object_type="org.staffmember",
                object_id=pk,
                before={k: v[0] for k, v in _jsonable(changes).items()},
                after={k: v[1] for k, v in _jsonable(changes).items()},
                extra={"actor_label": _actor_label(actor, source)},
            )
        )
    if new_users:
        User.objects.bulk_create([u for _m, u in new_users], batch_size=1000)
        ids = dict(
            User.objects.filter(email__in=[u.email for _m, u in new_users]).values_list(
                "email", "pk"
            )
        )
        staff_values["user_id"] = {m.pk: ids[u.email] for m, u in new_users}
        _add_learners(list(ids.values()))
    for field, values in staff_values.items():
        _write_field(StaffMember, field, values)
    for field, values in user_values.items():
        _write_field(User, field, values)
    StaffMember.objects.filter(pk__in=list(by_id)).update(updated_at=timezone.now())
    progress.advance(len(plan.changed))
    return [member.pk for member, user in new_users if user.is_active]


def _write_field(model, field: str, values: dict[int, object]):
    """Set one field on many rows: an UPDATE per distinct value when there are few (a ward moved
    to another department, a shift renamed), else bulk_update on this field alone."""
    by_value: dict[object, list[int]] = {}
    for pk, value in values.items():
        by_value.setdefault(value, []).append(pk)
    if len(by_value) <= 50:
        for value, pks in by_value.items():
            for start in range(0, len(pks), 1000):
                model.objects.filter(pk__in=pks[start : start + 1000]).update(**{field: value})
        return
    objs = []
    for pk, value in values.items():
        obj = model(pk=pk)
        setattr(obj, field, value)
        objs.append(obj)
    model.objects.bulk_update(objs, [field], batch_size=1000)


def _new_user(email: str, full_name: str, active: bool):
    User = get_user_model()
    # They choose a password through their invitation. Equivalent to set_unusable_password(),
    # whose per-character random draw costs a second per 10,000 new staff.
    password = UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)
    return User(email=email, first_name=full_name[:150], is_active=active, password=password)


def _add_learners(user_ids: list[int]):
    if not user_ids:
        return
    group = Group.objects.get(name=LEARNER)
    through = get_user_model().groups.through
    through.objects.bulk_create(
        [through(user_id=uid, group_id=group.pk) for uid in user_ids],
        ignore_conflicts=True,
        batch_size=1000,
    )


def _actor_label(actor, source: str) -> str:
    who = actor.email if actor is not None else "system"
    return f"{who} via {source}"[:255]


def _jsonable(values: dict) -> dict:
    def plain(v):
        return v.isoformat() if isinstance(v, date) else v

    return {
        k: ([plain(x) for x in v] if isinstance(v, list) else plain(v)) for k, v in values.items()
    }


def roster_plan_diff(plan: RosterPlan, limit: int = DIFF_LIMIT) -> dict:
    """The preview a person reads: codes and names rather than ids, at most `limit` per list."""
    names = {
        "department": dict(Department.objects.values_list("pk", "code")),
        "job_role": dict(JobRole.objects.values_list("pk", "code")),
        "shift": dict(Shift.objects.values_list("pk", "code")),
    }

    def show(field, value):
        if field in names:
            return names[field].get(value, "") if value else ""
        if isinstance(value, date):
            return value.isoformat()
        return value

    return {
        "new": [
            {
                "row": r.row,
                "employee_no": r.employee_no,
                "full_name": r.full_name,
                "department": show("department", r.department_id),
                "job_role": show("job_role", r.job_role_id),
            }
            for r in plan.new[:limit]
        ],
        "changed": [
            {
                "row": r.row,
                "employee_no": r.employee_no,
                "full_name": r.full_name,
                "changes": {f: [show(f, c[f][0]), show(f, c[f][1])] for f in FIELDS if f in c},
            }
            for _pk, r, c in plan.changed[:limit]
        ],
        "missing": [
            {"employee_no": number, "full_name": name} for _pk, number, name in plan.missing[:limit]
        ],
    }


# ---------------------------------------------------------------------------------------------
# Invitations


def staff_invite_send(*, staff_ids: list[int]) -> int:
    """Email each person (once) a link to choose their password. Returns how many were sent."""
    sent, failure = 0, None
    token_generator = allauth_settings.PASSWORD_RESET_TOKEN_GENERATOR()
    for member in StaffMember.objects.filter(
        pk__in=staff_ids, invited_at__isnull=True, active=True, user__isnull=False
    ).select_related("user"):
        # Claim the invitation first, so a redelivered task does not send it twice.
        claimed = StaffMember.objects.filter(pk=member.pk, invited_at__isnull=True).update(
            invited_at=timezone.now()
        )
        if not claimed:
            continue
        key = token_generator.make_token(member.user)
        path = reverse(
            "account_reset_password_from_key",
            kwargs={"uidb36": user_pk_to_url_str(member.user), "key": key},
        )
        context = {"member": member, "url": settings.PORTAL_BASE_URL.rstrip("/") + path}
        # Invitations are bilingual: the portal does not know a new person's language yet.
        with translation.override("en"):
            body = render_to_string("org/email/invitation.txt", context)
        with translation.override("zh-hans"):
            body += "\n\n" + render_to_string("org/email/invitation.txt", context)
        try:
            send_mail(
                "Readyline: your training account / 培训账号已开通",
                body,
                settings.DEFAULT_FROM_EMAIL,
                [member.user.email],
            )
        except Exception as exc:
            # Not sent: give the claim back, so that the task's retry invites this person.
            StaffMember.objects.filter(pk=member.pk).update(invited_at=None)
            failure = failure or exc
            continue
        sent += 1
    if failure is not None:
        # The others were invited; raising lets the task retry the ones that failed.
        raise failure
    return sent


# ---------------------------------------------------------------------------------------------
# Edits in the admin


def _snapshot(instance) -> dict:
    data = model_to_dict(instance)
    return {
        k: ([getattr(x, "pk", x) for x in v] if isinstance(v, list | tuple | set) else v)
        for k, v in data.items()
    }


def org_record_save(*, actor, form, ip: str | None = None):
    """Save an organisation object edited in the admin (a ModelForm) and audit before/after.
    Role, department and active changes of staff are what auditors look for."""
    model = form._meta.model
    with transaction.atomic():
        before = None
        if form.instance.pk:
            before = _snapshot(model.objects.get(pk=form.instance.pk))
        instance = form.save()
        if isinstance(instance, StaffMember) and instance.user_id:
            get_user_model().objects.filter(pk=instance.user_id).update(is_active=instance.active)
        after = _snapshot(instance)
        before, after = audit_changes(before, after)
        if isinstance(instance, StaffMember) and (
            before is None or STAFF_CHANGES_THAT_MATTER & set(after)
        ):
            _staff_changed_on_commit([instance.pk])
        if (
            isinstance(instance, Department)
            and before
            and DEPARTMENT_CHANGES_THAT_MATTER & set(after)
        ):
            transaction.on_commit(
                lambda: department_changed.send(sender=Department, department_ids=[instance.pk])
            )
        audit_record(
            action=f"{model._meta.model_name}.{'update' if before is not None else 'create'}",
            actor=actor,
            obj=instance,
            before=before,
            after=after,
            ip=ip,
        )
    return instance


# ---------------------------------------------------------------------------------------------
# Departments in bulk (synthetic hospitals for benchmarks, hospital set-up scripts)


def departments_bulk_upsert(*, rows: list[dict], actor=None) -> int:
    """Create or update departments from dicts with code, name, name_zh, kind and parent_code
    (a parent listed before its children). One audit event for the batch. Returns the count."""
    with transaction.atomic():
        existing = {d.code: d for d in Department.objects.all()}
        fresh = [
            Department(
                code=r["code"],
                name=r["name"],
                name_zh=r.get("name_zh", ""),
                kind=r.get("kind", Department.Kind.CLINICAL),
            )
            for r in rows
            if r["code"] not in existing
        ]
        Department.objects.bulk_create(fresh, batch_size=1000)
        by_code = {d.code: d for d in Department.objects.all()}
        changed = []
        for r in rows:
            department = by_code[r["code"]]
            parent = by_code.get(r.get("parent_code") or "")
            values = {
                "name": r["name"],
                "name_zh": r.get("name_zh", ""),
                "kind": r.get("kind", department.kind),
                "parent": parent,
            }
            if any(getattr(department, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(department, k, v)
                changed.append(department)
        Department.objects.bulk_update(
            changed, ["name", "name_zh", "kind", "parent"], batch_size=1000
        )
        audit_record(
            action="department.bulk_upsert",
            actor=actor,
            object_type="org.department",
            after={"created": len(fresh), "updated": len(changed) - len(fresh)},
        )
    return len(rows)
