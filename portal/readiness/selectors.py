"""Reads of readiness, scoped to the viewer: the rollout lead, HR and superusers see every
wave and department; a department manager sees the departments they manage (and their
sub-departments) within each wave; nobody else sees readiness."""

from datetime import date

from django.db.models import QuerySet
from django.http import Http404

from portal.accounts.roles import ROLLOUT_LEAD, has_role
from portal.org.selectors import managed_department_ids, sees_all_staff

from . import evaluation
from .models import Snapshot, Wave


def is_rollout_lead(viewer) -> bool:
    return bool(
        viewer
        and viewer.is_authenticated
        and (viewer.is_superuser or has_role(viewer, ROLLOUT_LEAD))
    )


def department_ids_visible(*, viewer) -> set[int] | None:
    """None: every department; otherwise the managed ones (maybe none)."""
    if is_rollout_lead(viewer) or sees_all_staff(viewer):
        return None
    return managed_department_ids(viewer=viewer)


def may_see_readiness(viewer) -> bool:
    if not (viewer and viewer.is_authenticated):
        return False
    return department_ids_visible(viewer=viewer) is None or bool(
        managed_department_ids(viewer=viewer)
    )


def may_decide(viewer) -> bool:
    return bool(viewer and viewer.is_authenticated and viewer.has_perm("readiness.decide_wave"))


def waves_visible(*, viewer) -> QuerySet:
    """Every wave for those who see everything; for a manager, the waves holding one of her
    departments (or a parent of one)."""
    waves = Wave.objects.order_by("go_live_date", "name")
    ids = department_ids_visible(viewer=viewer)
    if ids is None:
        return waves
    return waves.filter(pk__in=[w.pk for w in waves if evaluation.wave_department_ids(w) & ids])


def wave_get(*, viewer, pk: int) -> Wave:
    wave = waves_visible(viewer=viewer).filter(pk=pk).first()
    if wave is None:
        raise Http404
    return wave


def wave_readiness_for(*, viewer, wave: Wave, today: date) -> evaluation.WaveReadiness:
    """The wave's readiness by department (the heat map, the wave list) limited to what the
    viewer may see."""
    return evaluation.wave_readiness(
        wave=wave, today=today, department_ids=department_ids_visible(viewer=viewer), cells=False
    )


def department_in_wave(*, viewer, wave: Wave, department_id: int) -> bool:
    ids = evaluation.wave_department_ids(wave)
    visible = department_ids_visible(viewer=viewer)
    return department_id in ids and (visible is None or department_id in visible)


def snapshots_for(*, wave: Wave, department_ids=None) -> QuerySet:
    rows = Snapshot.objects.filter(wave=wave)
    if department_ids is not None:
        rows = rows.filter(department_id__in=department_ids)
    return rows.order_by("day")
