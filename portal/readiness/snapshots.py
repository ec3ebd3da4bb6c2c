"""Daily readiness snapshots and the coverage projection drawn from them.

`snapshots_take` (the beat job at 02:00) writes one Snapshot per wave and department for the
day: the RAG, the people counted, the covered and every criterion's value. Running it twice on
a day rewrites that day's rows (idempotent). Trends are drawn from snapshots only: a figure of
the past is never recomputed from today's evidence.

The projection is a least-squares line through the last PROJECTION_DAYS days of the wave's
coverage: where it reaches at go-live, and the day it crosses the green threshold.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from . import evaluation
from .models import Criterion, Snapshot, Wave

PROJECTION_DAYS = 21
OPEN = [Wave.Status.PLANNING, Wave.Status.TRAINING, Wave.Status.READY, Wave.Status.LIVE]


def _jsonable(values: list[evaluation.Value]) -> dict:
    return {v.kind: {"value": evaluation.figure_json(v.value), "rag": v.rag} for v in values}


def snapshot_wave(*, wave: Wave, today: date) -> int:
    readiness = evaluation.wave_readiness(wave=wave, today=today, cells=False)
    with transaction.atomic():
        Snapshot.objects.filter(wave=wave, day=today).delete()
        Snapshot.objects.bulk_create(
            Snapshot(
                wave=wave,
                department=dept.department,
                day=today,
                rag=dept.rag,
                staff=dept.counts.rows,
                covered=dept.counts.covered,
                values=_jsonable(dept.values),
            )
            for dept in readiness.departments
        )
    return len(readiness.departments)


def snapshots_take(*, today: date | None = None) -> int:
    today = today or timezone.localdate()
    return sum(snapshot_wave(wave=w, today=today) for w in Wave.objects.filter(status__in=OPEN))


# ---------------------------------------------------------------------------------------------
# Trend and projection


@dataclass
class Trend:
    days: list[date]
    coverage: list[float | None]  # percent per day (pooled over the departments)
    projected_at_go_live: float | None
    reaches_green_on: date | None
    green: float | None

    @property
    def on_track(self) -> bool | None:
        if self.projected_at_go_live is None or self.green is None:
            return None
        return self.projected_at_go_live >= self.green


def coverage_trend(*, wave: Wave, department_ids=None, today: date | None = None) -> Trend:
    """Daily pooled coverage of the wave (or some of its departments) from snapshots, and the
    projection to go-live. Two queries."""
    today = today or timezone.localdate()
    rows = Snapshot.objects.filter(wave=wave)
    if department_ids is not None:
        rows = rows.filter(department_id__in=department_ids)
    totals: dict[date, list[int]] = {}
    for day, staff, covered in rows.values_list("day", "staff", "covered").order_by("day"):
        entry = totals.setdefault(day, [0, 0])
        entry[0] += staff
        entry[1] += covered
    days = sorted(totals)
    coverage = [round(100 * c / s, 1) if s else None for s, c in (totals[d] for d in days)]
    criterion = wave.criteria.filter(kind=Criterion.Kind.COVERAGE, job_role=None).first()
    green = float(criterion.green) if criterion else None
    at, crossing = projection(
        [(d, v) for d, v in zip(days, coverage, strict=True) if v is not None],
        go_live=wave.go_live_date,
        threshold=green,
    )
    return Trend(days, coverage, at, crossing, green)


def projection(points: list[tuple[date, float]], *, go_live: date, threshold: float | None):
    """(projected value at go-live, capped 0..100; the first day the line reaches the
    threshold, or None) from the last PROJECTION_DAYS points. Fewer than two points: no line."""
    if len(points) < 2:
        return None, None
    last = points[-1][0]
    recent = [(d, v) for d, v in points if (last - d).days < PROJECTION_DAYS]
    if len(recent) < 2:
        return None, None
    xs = [(d - recent[0][0]).days for d, _v in recent]
    ys = [v for _d, v in recent]
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    spread = sum((x - mean_x) ** 2 for x in xs)
    slope = (
        0.0
        if spread == 0
        else sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    )
    intercept = mean_y - slope * mean_x

    def at(day: date) -> float:
        return intercept + slope * (day - recent[0][0]).days

    projected = round(max(0.0, min(100.0, at(go_live))), 1)
    crossing = None
    if threshold is not None:
        if ys[-1] >= threshold:
            crossing = last
        elif slope > 0:
            x = (threshold - intercept) / slope
            crossing = recent[0][0] + timedelta(days=int(-(-x // 1)))
    return projected, crossing


def trend_chart(trend: Trend, *, go_live: date) -> dict:
    """Chart.js data: the coverage line, the projection to go-live (dashed), the threshold."""
    labels = [d.isoformat() for d in trend.days]
    projection_line = [None] * len(labels)
    if trend.projected_at_go_live is not None and labels:
        projection_line[-1] = trend.coverage[-1]
        if go_live.isoformat() not in labels:
            labels.append(go_live.isoformat())
            trend.coverage.append(None)
            projection_line.append(trend.projected_at_go_live)
    return {
        "labels": labels,
        "coverage": trend.coverage,
        "projection": projection_line,
        "threshold": trend.green,
    }
