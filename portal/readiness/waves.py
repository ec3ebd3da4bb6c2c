"""Rollout waves: saving one from the admin (audited, a department in one wave at most, the
default criteria for a new wave, assignments recomputed after commit for the departments whose
go-live date changed), and the go-live dates other apps read through portal.org.golive."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext

from portal.org.models import Department
from portal.org.signals import department_changed
from portal.records.services import audit_changes, audit_record

from .models import Criterion, Wave


def wave_go_live_dates() -> dict[int, date]:
    """{department id: its wave's go-live date} for the departments directly in a wave (one
    query). Registered as portal.org.golive's provider in ReadinessConfig.ready()."""
    through = Wave.departments.through
    return dict(through.objects.values_list("department_id", "wave__go_live_date"))


def waves_for_department(department: Department | int):
    pk = getattr(department, "pk", department)
    return Wave.objects.filter(departments=pk)


def department_wave(department: Department | int) -> Wave | None:
    """The wave a department is directly in (one at most: wave_save refuses a second)."""
    return waves_for_department(department).first()


def wave_snapshot(wave: Wave) -> dict:
    data = model_to_dict(wave, exclude=["departments"])
    data["departments"] = sorted(d.pk for d in wave.departments.all())
    return data


def _taken_elsewhere(wave: Wave, departments) -> list[str]:
    """Messages for the departments that another wave already holds."""
    through = Wave.departments.through
    rows = (
        through.objects.filter(department__in=departments)
        .exclude(wave_id=wave.pk)
        .select_related("department", "wave")
        .order_by("department__code")
    )
    return [
        gettext("%(department)s is already in the wave “%(wave)s”.")
        % {"department": row.department, "wave": row.wave}
        for row in rows
    ]


def _criteria_create_defaults(wave: Wave) -> None:
    Criterion.objects.bulk_create(
        Criterion(wave=wave, kind=kind, job_role=None, green=green, amber=amber)
        for kind, (green, amber) in Criterion.DEFAULTS.items()
    )


def _changed_departments(before: dict | None, after: dict) -> set[int]:
    """Departments whose go-live date changed: added, removed, or all of them when the wave's
    date moved."""
    old = set(before["departments"]) if before else set()
    new = set(after["departments"])
    changed = old ^ new
    if before and before["go_live_date"] != after["go_live_date"]:
        changed |= old | new
    return changed


def wave_save(*, actor, form, ip: str | None = None) -> Wave:
    """Save a wave edited in the admin (a ModelForm with its departments). Raises
    ValidationError (added to the form by the admin view) for a department in another wave."""
    creating = form.instance.pk is None
    departments = form.cleaned_data.get("departments") or []
    with transaction.atomic():
        # Lock the departments so that two waves saved at once cannot both take one.
        list(Department.objects.select_for_update().filter(pk__in=[d.pk for d in departments]))
        problems = _taken_elsewhere(form.instance, departments)
        if problems:
            raise ValidationError({"departments": problems})
        before = None
        if not creating:
            before = wave_snapshot(Wave.objects.get(pk=form.instance.pk))
        wave = form.save()
        if creating:
            _criteria_create_defaults(wave)
        after = wave_snapshot(wave)
        changed = _changed_departments(before, after)
        before, after = audit_changes(before, after)
        audit_record(
            action="wave.create" if creating else "wave.update",
            actor=actor,
            obj=wave,
            before=before,
            after=after,
            ip=ip,
        )
        if changed:
            ids = sorted(changed)
            transaction.on_commit(lambda: department_changed.send(sender=Wave, department_ids=ids))
    return wave


def criterion_snapshot(criterion: Criterion) -> dict:
    return model_to_dict(criterion)


def criterion_save(*, actor, form, ip: str | None = None) -> Criterion:
    """Save a readiness criterion edited in the admin (its thresholds checked by the model's
    clean()), audited."""
    creating = form.instance.pk is None
    with transaction.atomic():
        before = None
        if not creating:
            before = criterion_snapshot(Criterion.objects.get(pk=form.instance.pk))
        criterion = form.save()
        before, after = audit_changes(before, criterion_snapshot(criterion))
        audit_record(
            action="criterion.create" if creating else "criterion.update",
            actor=actor,
            obj=criterion,
            before=before,
            after=after,
            ip=ip,
        )
    return criterion
