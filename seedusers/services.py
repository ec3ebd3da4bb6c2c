"""Writes of seed-user programmes. Every change is audited.

The life of a nomination:

    nominated ──approve──> approved ──(training window open)──> in training
        │                                                           │ advanced courses done,
        └──decline──> declined                                      │ certified on the role's
                                                                    │ track, score ≥ threshold
    stepped down <──step down── active <──activate── certified seed user <┘

A manager nominates staff of their departments (or a person volunteers); the rollout lead
approves or declines. Approving someone who does not meet the prerequisites needs an override
reason. Training moves forward by itself (`seed_training_refresh`, after commit whenever a course
is completed or a certification status changes, and daily); a certified seed user who loses the
evidence (a certificate revoked, say) goes back to in training. The manager (or the lead)
activates a certified seed user for floor duty, and anyone of them, or the seed user, ends it.
"""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.org.models import StaffMember
from portal.records.services import AuditEntry, audit_changes, audit_record, audit_record_many

from . import selectors
from .models import Activity, Nomination, Programme

N = Nomination.Status
A = Activity.Status


def _snapshot(nomination: Nomination) -> dict:
    return {
        "programme": nomination.programme_id,
        "staff": nomination.staff.employee_no,
        "status": nomination.status,
    }


def _locked(nomination_id: int) -> Nomination:
    return (
        Nomination.objects.select_for_update(of=("self",))
        .select_related("programme", "staff")
        .get(pk=nomination_id)
    )


# ---------------------------------------------------------------------------------------------
# Programmes


def programme_snapshot(programme: Programme) -> dict:
    data = model_to_dict(programme, exclude=["departments", "advanced_courses"])
    data["departments"] = sorted(d.pk for d in programme.departments.all())
    data["advanced_courses"] = sorted(c.pk for c in programme.advanced_courses.all())
    data["ratios"] = {r.kind: r.staff_per_seed_user for r in programme.ratios.all()}
    return data


def programme_save(*, actor, form, ip: str | None = None) -> Programme:
    """Save the programme from the admin form (with its ratios), audited; nominations move on
    if the advanced curriculum, the threshold or the window changed."""
    creating = form.instance.pk is None
    with transaction.atomic():
        before = None
        if not creating:
            before = programme_snapshot(Programme.objects.get(pk=form.instance.pk))
        programme = form.save()
        before, after = audit_changes(before, programme_snapshot(programme))
        audit_record(
            action="seed.programme_create" if creating else "seed.programme_update",
            actor=actor,
            obj=programme,
            before=before,
            after=after,
            ip=ip,
        )
        staff = Nomination.objects.filter(programme=programme).values_list("staff_id", flat=True)
        seed_training_refresh_later(staff_ids=list(staff))
    return programme


# ---------------------------------------------------------------------------------------------
# Nominating


def nomination_create(
    *, actor, programme: Programme, staff: StaffMember, reason: str, ip: str | None = None
) -> Nomination:
    """Nominate `staff` (a manager, for their departments; the rollout lead, anyone), or
    volunteer (`staff` is the actor's own record)."""
    reason = (reason or "").strip()
    volunteered = staff.user_id == actor.pk
    if not volunteered and not selectors.may_nominate(actor, staff):
        raise PermissionDenied
    if not reason:
        raise ValidationError({"reason": _("Say why: what makes this person a good seed user.")})
    if not programme.active:
        raise ValidationError(_("This programme is closed."))
    if not staff.active:
        raise ValidationError(
            {"staff": _("%(name)s is not active on the roster.") % {"name": staff.full_name}}
        )
    if not selectors.programme_covers(programme, staff.department_id):
        raise ValidationError(
            {
                "staff": _("The programme does not cover %(department)s.")
                % {"department": staff.department.label}
            }
        )
    try:
        with transaction.atomic():
            nomination = Nomination.objects.create(
                programme=programme,
                staff=staff,
                reason=reason,
                volunteered=volunteered,
                nominated_by=actor,
            )
    except IntegrityError:
        raise ValidationError(
            {
                "staff": _("%(name)s is already nominated in this programme.")
                % {"name": staff.full_name}
            }
        ) from None
    audit_record(
        action="seed.volunteer" if volunteered else "seed.nominate",
        actor=actor,
        obj=nomination,
        after={**_snapshot(nomination), "reason": reason},
        ip=ip,
    )
    return nomination


def nomination_decide(
    *,
    actor,
    nomination_id: int,
    approve: bool,
    note: str = "",
    override_reason: str = "",
    ip: str | None = None,
) -> Nomination:
    """The rollout lead approves or declines a nomination. A second submit of the same decision
    changes nothing; a decision on a decided nomination is refused."""
    if not actor.has_perm("seedusers.decide_nomination"):
        raise PermissionDenied
    note, override_reason = (note or "").strip(), (override_reason or "").strip()
    with transaction.atomic():
        nomination = _locked(nomination_id)
        wanted = N.APPROVED if approve else N.DECLINED
        if nomination.status != N.NOMINATED:
            if nomination.decided_by_id == actor.pk and (
                (approve and nomination.status != N.DECLINED)
                or (not approve and nomination.status == N.DECLINED)
            ):
                return nomination  # the same decision, sent twice
            raise ValidationError(_("This nomination has been decided already."))
        if nomination.staff.user_id == actor.pk:
            raise ValidationError(_("Nobody decides on their own nomination."))
        if not approve and not note:
            raise ValidationError({"note": _("Say why the nomination is declined.")})
        unmet = []
        if approve:
            score = selectors.current_scores([nomination.staff_id]).get(nomination.staff_id)
            checks = selectors.prerequisites(
                nomination.programme, nomination.staff, today=timezone.localdate(), score=score
            )
            unmet = [c.label for c in checks if not c.met]
            if unmet and not override_reason:
                raise ValidationError(
                    {
                        "override_reason": _(
                            "%(name)s does not meet: %(unmet)s. Give a reason to approve anyway."
                        )
                        % {"name": nomination.staff.full_name, "unmet": "; ".join(unmet)}
                    }
                )
        before = _snapshot(nomination)
        nomination.status = wanted
        nomination.decided_by = actor
        nomination.decided_at = timezone.now()
        nomination.decision_note = note
        nomination.override_reason = override_reason if unmet else ""
        nomination.save()
        audit_record(
            action="seed.approve" if approve else "seed.decline",
            actor=actor,
            obj=nomination,
            before=before,
            after={
                **_snapshot(nomination),
                "note": note,
                "override": nomination.override_reason,
                "unmet": unmet,
            },
            ip=ip,
        )
    if approve:
        seed_training_refresh(staff_ids=[nomination.staff_id])
        nomination.refresh_from_db()
    return nomination


# ---------------------------------------------------------------------------------------------
# Training


def _training_target(nomination: Nomination, training, today) -> str:
    programme = nomination.programme
    if nomination.status == N.APPROVED:
        if programme.training_starts and today < programme.training_starts:
            return N.APPROVED
        return N.CERTIFIED if training.complete else N.IN_TRAINING
    if nomination.status == N.IN_TRAINING and training.complete:
        return N.CERTIFIED
    if nomination.status == N.CERTIFIED and not training.complete:
        return N.IN_TRAINING
    return nomination.status


def seed_training_refresh(*, staff_ids: Iterable[int] | None = None, now=None) -> int:
    """Move approved, in-training and certified nominations of these people (everyone's when
    None) to where their evidence puts them. Idempotent; returns how many changed."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        rows = Nomination.objects.select_for_update(of=("self",)).filter(
            status__in=[N.APPROVED, N.IN_TRAINING, N.CERTIFIED]
        )
        if staff_ids is not None:
            rows = rows.filter(staff_id__in=list(staff_ids))
        nominations = list(rows.select_related("programme", "staff").order_by("pk"))
        training = selectors.training_for(nominations)
        entries, changed = [], []
        for nomination in nominations:
            target = _training_target(nomination, training[nomination.pk], today)
            if target == nomination.status:
                continue
            entries.append(
                AuditEntry(
                    action="seed.training",
                    object_type="seedusers.nomination",
                    object_id=str(nomination.pk),
                    before=_snapshot(nomination),
                    after={**_snapshot(nomination), "status": target},
                )
            )
            nomination.status = target
            nomination.certified_at = now if target == N.CERTIFIED else nomination.certified_at
            nomination.updated_at = now  # bulk_update does not apply auto_now
            changed.append(nomination)
        Nomination.objects.bulk_update(changed, ["status", "certified_at", "updated_at"])
        audit_record_many(entries=entries)
    return len(changed)


def seed_training_refresh_later(*, staff_ids: Iterable[int]) -> None:
    from .tasks import seed_training_refresh_task

    ids = sorted(set(staff_ids))
    if ids:
        seed_training_refresh_task.delay_on_commit(staff_ids=ids)


# ---------------------------------------------------------------------------------------------
# Duty


def nomination_activate(*, actor, nomination_id: int, ip: str | None = None) -> Nomination:
    with transaction.atomic():
        nomination = _locked(nomination_id)
        if not _may_manage(actor, nomination):
            raise PermissionDenied
        if nomination.status == N.ACTIVE:
            return nomination
        if nomination.status != N.CERTIFIED:
            raise ValidationError(
                _("Only a certified seed user can start floor duty (this one is %(status)s).")
                % {"status": nomination.get_status_display()}
            )
        before = _snapshot(nomination)
        nomination.status = N.ACTIVE
        nomination.activated_at = timezone.now()
        nomination.save()
        audit_record(
            action="seed.activate",
            actor=actor,
            obj=nomination,
            before=before,
            after=_snapshot(nomination),
            ip=ip,
        )
    return nomination


def nomination_step_down(
    *, actor, nomination_id: int, reason: str, ip: str | None = None
) -> Nomination:
    reason = (reason or "").strip()
    with transaction.atomic():
        nomination = _locked(nomination_id)
        if nomination.staff.user_id != actor.pk and not _may_manage(actor, nomination):
            raise PermissionDenied
        if nomination.status == N.STEPPED_DOWN:
            return nomination
        if nomination.status not in [N.APPROVED, N.IN_TRAINING, N.CERTIFIED, N.ACTIVE]:
            raise ValidationError(_("Only a seed user who has been approved can step down."))
        if not reason:
            raise ValidationError({"reason": _("Say why the seed user steps down.")})
        before = _snapshot(nomination)
        nomination.status = N.STEPPED_DOWN
        nomination.stepped_down_at = timezone.now()
        nomination.step_down_reason = reason
        nomination.save()
        audit_record(
            action="seed.step_down",
            actor=actor,
            obj=nomination,
            before=before,
            after={**_snapshot(nomination), "reason": reason},
            ip=ip,
        )
    return nomination


def _may_manage(actor, nomination: Nomination) -> bool:
    return selectors.may_nominate(actor, nomination.staff) and nomination.staff.user_id != actor.pk


# ---------------------------------------------------------------------------------------------
# Activities


def activity_log(
    *, actor, nomination: Nomination, token: str, data: dict, ip: str | None = None
) -> Activity:
    """A seed user records what they did. `token` is the form's one-time token: the same form
    sent twice (a double click, a retry after a timeout) logs one activity."""
    if nomination.staff.user_id != actor.pk:
        raise PermissionDenied
    existing = Activity.objects.filter(token=token).first()
    if existing is not None:  # a retry of a form already logged, whatever happened since
        if existing.nomination_id != nomination.pk:
            raise PermissionDenied
        return existing
    if nomination.status not in [N.CERTIFIED, N.ACTIVE]:
        raise ValidationError(_("Activities are logged by certified and active seed users."))
    activity = Activity(nomination=nomination, token=token, **data)
    activity.full_clean()
    try:
        with transaction.atomic():
            activity.save()
    except IntegrityError:
        return Activity.objects.get(token=token)
    audit_record(
        action="seed.activity_log",
        actor=actor,
        obj=activity,
        after={"kind": activity.kind, "day": activity.day.isoformat(), "nomination": nomination.pk},
        ip=ip,
    )
    return activity


def points_for(activity: Activity) -> int:
    programme = activity.nomination.programme
    return {
        Activity.Kind.COACHING: programme.points_coaching,
        Activity.Kind.FLOOR: programme.points_floor_shift,
        Activity.Kind.ISSUE: programme.points_issue,
    }[activity.kind]


def activity_decide(
    *, actor, activity_id: int, confirm: bool, note: str = "", ip: str | None = None
) -> Activity:
    """The manager confirms (the points count) or rejects (with a reason) an activity."""
    note = (note or "").strip()
    with transaction.atomic():
        activity = (
            Activity.objects.select_for_update(of=("self",))
            .select_related("nomination__programme", "nomination__staff")
            .get(pk=activity_id)
        )
        if not selectors.may_confirm(actor, activity):
            raise PermissionDenied
        wanted = A.CONFIRMED if confirm else A.REJECTED
        if activity.status == wanted:
            return activity
        if activity.status != A.PENDING:
            raise ValidationError(_("This activity has been decided already."))
        if not confirm and not note:
            raise ValidationError({"note": _("Say why the activity is not confirmed.")})
        activity.status = wanted
        activity.points = points_for(activity) if confirm else 0
        activity.decided_by = actor
        activity.decided_at = timezone.now()
        activity.decision_note = note
        activity.save()
        audit_record(
            action="seed.activity_confirm" if confirm else "seed.activity_reject",
            actor=actor,
            obj=activity,
            before={"status": A.PENDING},
            after={"status": activity.status, "points": activity.points, "note": note},
            ip=ip,
        )
    return activity
