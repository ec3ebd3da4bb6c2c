"""Go / no-go decisions: the evidence pack, decisions with conditions, sign-offs and the
post-go-live evaluations (services and selectors).

A decision freezes the evidence it was taken on: `evidence_pack_build` reads the wave's figures
and the people counted into one JSON document, stored on the decision with its SHA-256 over
the canonical JSON. Every page and download of a decision reads that document, never the live
figures, so what the lead decided on stays visible after the roster and the exams move on.
Decisions, their conditions and sign-offs are never edited or deleted (a condition is only
marked done).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from assessments.models import CertificationStatus
from courses.models import Assignment
from courses.selectors.assignment_counts import overdue_on
from portal.records.services import audit_record

from . import evaluation, selectors
from .models import Condition, Criterion, Decision, Evaluation, SignOff, Wave

PACK_VERSION = 1
RULE = (
    "Each criterion is computed per department x job role x shift over its own people; a "
    "department's value pools all its people, the wave's all its departments. A value is green "
    "at or beyond the green threshold, amber at or beyond amber, else red (overdue assignments: "
    "lower is better). A role's own criterion replaces the general one for that role. The "
    "colour of a cell, department or wave is its worst criterion colour; grey: nothing to count."
)


# ---------------------------------------------------------------------------------------------
# The evidence pack


def _num(value) -> str | None:
    return evaluation.figure_json(value, exact=True)


def _values(values) -> list[dict]:
    """The values as the API gives them, with exact figures (text) and each criterion's label
    (the pack explains itself without the code)."""
    return [
        {**row, "label": str(Criterion.Kind(row["kind"]).label)}
        for row in evaluation.values_json(values, exact=True)
    ]


def _counts(counts: evaluation.Counts) -> dict:
    return {
        name: _num(getattr(counts, name)) if name == "score_sum" else getattr(counts, name)
        for name in counts.__dataclass_fields__
    }


def _named(obj) -> dict | None:
    if obj is None:
        return None
    return {"id": obj.pk, "code": obj.code, "name": obj.name, "name_zh": obj.name_zh}


def _people(department_ids, today: date) -> dict[tuple, list[dict]]:
    """The people counted, per cell key: one row per status row (person × track). Two queries:
    the status rows with their staff, overdue assignments grouped by staff."""
    overdue = dict(
        Assignment.objects.filter(
            overdue_on(today), staff__active=True, staff__department_id__in=department_ids
        )
        .values("staff_id")
        .annotate(n=Count("pk"))
        .values_list("staff_id", "n")
        .order_by()
    )
    rows = (
        CertificationStatus.objects.filter(department_id__in=department_ids)
        .select_related("staff", "track")
        .order_by("staff__employee_no", "track_id")
    )
    out: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows.iterator(chunk_size=2000):
        out[(row.department_id, row.job_role_id, row.shift_id)].append(
            {
                "employee_no": row.staff.employee_no,
                "name": row.staff.full_name,
                "track": row.track.name,
                "status": row.status,
                "valid_until": row.valid_until.isoformat() if row.valid_until else None,
                "score": _num(row.score),
                "practical_first_passed": row.practical_first_passed,
                "overdue_assignments": overdue.get(row.staff_id, 0),
            }
        )
    return out


def evaluations_earlier(*, wave: Wave) -> list[dict]:
    """The post-go-live evaluations of the waves that went live before this one (one query)."""
    rows = (
        Evaluation.objects.filter(wave__go_live_date__lt=wave.go_live_date)
        .exclude(wave=wave)
        .select_related("wave")
        .order_by("wave__go_live_date", "wave__name", "measure")
    )
    waves: dict[int, dict] = {}
    for row in rows:
        entry = waves.setdefault(
            row.wave_id,
            {
                "wave": row.wave.name,
                "wave_zh": row.wave.name_zh,
                "go_live_date": row.wave.go_live_date.isoformat(),
                "measures": [],
            },
        )
        entry["measures"].append(
            {
                "measure": row.measure,
                "label": str(Evaluation.Measure(row.measure).label),
                "before": _num(row.before),
                "after": _num(row.after),
                "note": row.note,
            }
        )
    return list(waves.values())


def evidence_pack_build(*, wave: Wave, today: date) -> dict:
    """Everything a go / no-go decision rests on, as JSON: the wave, its criteria, the values and
    colours of the wave, of every department and cell, the people counted, and the earlier
    waves' evaluations. Labels are in English (the document explains itself whatever the
    reader's language); a fixed number of queries whatever the hospital's size."""
    with override("en"):
        readiness = evaluation.wave_readiness(wave=wave, today=today)
        ids = {d.department.pk for d in readiness.departments}
        people = _people(ids, today)
        criteria = [
            {
                "kind": c.kind,
                "label": str(c.get_kind_display()),
                "job_role": _named(c.job_role),
                "green": _num(c.green),
                "amber": _num(c.amber),
                "lower_is_better": c.kind in Criterion.LOWER_IS_BETTER,
            }
            for c in wave.criteria.filter(active=True).select_related("job_role")
        ]
        departments, cells = [], []
        for d in readiness.departments:
            departments.append(
                {
                    **_named(d.department),
                    "rag": d.rag,
                    "values": _values(d.values),
                    "counts": _counts(d.counts),
                }
            )
            for c in d.cells:
                cells.append(
                    {
                        "department": _named(d.department),
                        "job_role": _named(readiness.roles.get(c.job_role_id)),
                        "shift": _named(readiness.shifts.get(c.shift_id)),
                        "rag": c.rag,
                        "values": _values(c.values),
                        "counts": _counts(c.counts),
                        "people": people.get((c.department_id, c.job_role_id, c.shift_id), []),
                    }
                )
        return {
            "version": PACK_VERSION,
            "generated_at": timezone.now().isoformat(),
            "today": today.isoformat(),
            "rule": RULE,
            "wave": {
                "id": wave.pk,
                "name": wave.name,
                "name_zh": wave.name_zh,
                "go_live_date": wave.go_live_date.isoformat(),
                "dual_track_until": (
                    wave.dual_track_until.isoformat() if wave.dual_track_until else None
                ),
                "status": wave.status,
                "status_label": str(wave.get_status_display()),
                "days_to_go_live": readiness.days_to_go_live,
            },
            "criteria": criteria,
            "rag": readiness.rag,
            "values": _values(readiness.values),
            "counts": _counts(readiness.counts),
            "departments": departments,
            "cells": cells,
            "evaluations": evaluations_earlier(wave=wave),
        }


def evidence_canonical(evidence: dict) -> bytes:
    return json.dumps(evidence, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def evidence_sha256(evidence: dict) -> str:
    return hashlib.sha256(evidence_canonical(evidence)).hexdigest()


# ---------------------------------------------------------------------------------------------
# Decisions


def _conditions_clean(conditions: list[dict], today: date) -> list[dict]:
    errors, cleaned = [], []
    for n, raw in enumerate(conditions, start=1):
        text = (raw.get("text") or "").strip()
        owner = (raw.get("owner") or "").strip()
        due = raw.get("due_date")
        if not text:
            errors.append(_("Condition %(n)s: say what must be done.") % {"n": n})
        if not owner:
            errors.append(_("Condition %(n)s needs an owner.") % {"n": n})
        if not isinstance(due, date):
            errors.append(_("Condition %(n)s needs a due date.") % {"n": n})
        elif due < today:
            errors.append(_("Condition %(n)s: the due date is in the past.") % {"n": n})
        cleaned.append({"text": text[:500], "owner": owner[:200], "due_date": due})
    if errors:
        raise ValidationError(errors)
    return cleaned


def decision_record(
    *,
    actor,
    wave: Wave,
    outcome: str,
    rationale: str,
    conditions: list[dict],
    token: str,
    ip: str | None = None,
) -> Decision:
    """Record the rollout lead's decision with the evidence frozen now. The form's token makes a
    double submit record one decision (the second returns the first)."""
    if not selectors.may_decide(actor):
        raise PermissionDenied
    token = (token or "").strip()[:64]
    if not token:
        raise ValidationError(_("The form has expired: open it again and resubmit."))
    existing = Decision.objects.filter(token=token).first()
    if existing is not None:
        return existing
    today = timezone.localdate()
    errors = []
    if outcome not in Decision.Outcome.values:
        errors.append(_("Choose go, go with conditions or no-go."))
    rationale = (rationale or "").strip()
    if not rationale:
        errors.append(_("Give the rationale of the decision."))
    if outcome == Decision.Outcome.CONDITIONS and not conditions:
        errors.append(_("Go with conditions needs at least one condition."))
    if outcome == Decision.Outcome.GO and conditions:
        errors.append(_("A plain go has no conditions: choose go with conditions."))
    try:
        conditions = _conditions_clean(conditions, today)
    except ValidationError as exc:
        errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    evidence = evidence_pack_build(wave=wave, today=today)
    sha = evidence_sha256(evidence)
    try:
        with transaction.atomic():
            decision = Decision.objects.create(
                wave=wave,
                outcome=outcome,
                rationale=rationale,
                decided_by=actor,
                evidence=evidence,
                evidence_sha256=sha,
                token=token,
            )
            Condition.objects.bulk_create(Condition(decision=decision, **c) for c in conditions)
            audit_record(
                action="readiness.decision",
                actor=actor,
                obj=decision,
                after={
                    "wave": wave.pk,
                    "outcome": outcome,
                    "rationale": rationale,
                    "conditions": len(conditions),
                    "evidence_sha256": sha,
                },
                ip=ip,
            )
    except IntegrityError:
        # The same token submitted twice at once: the other request recorded it.
        existing = Decision.objects.filter(token=token).first()
        if existing is None:
            raise
        return existing
    return decision


def signoff_add(*, actor, decision: Decision, capacity: str, comment: str = "", ip=None) -> SignOff:
    """A named sign-off by the signed-in person, once per person (a second is a no-op)."""
    decision_get(viewer=actor, pk=decision.pk)  # 403 / 404 as for the page
    existing = SignOff.objects.filter(decision=decision, user=actor).first()
    if existing is not None:
        return existing
    capacity = (capacity or "").strip()
    if not capacity:
        raise ValidationError(_("Say in which capacity you sign (e.g. nursing director)."))
    try:
        with transaction.atomic():
            signoff = SignOff.objects.create(
                decision=decision,
                user=actor,
                capacity=capacity[:200],
                comment=(comment or "").strip(),
            )
            audit_record(
                action="readiness.signoff",
                actor=actor,
                obj=signoff,
                after={"decision": decision.pk, "capacity": signoff.capacity},
                ip=ip,
            )
    except IntegrityError:
        return SignOff.objects.get(decision=decision, user=actor)
    return signoff


def condition_done(*, actor, condition: Condition, ip=None) -> Condition:
    """The lead marks a condition met (once; a second time changes nothing)."""
    if not selectors.may_decide(actor):
        raise PermissionDenied
    if condition.done_at is not None:
        return condition
    with transaction.atomic():
        condition.done_at = timezone.now()
        condition.save(update_fields=["done_at"])
        audit_record(
            action="readiness.condition_done",
            actor=actor,
            obj=condition,
            after={"decision": condition.decision_id, "text": condition.text},
            ip=ip,
        )
    return condition


# ---------------------------------------------------------------------------------------------
# Reads


def _require_viewer(viewer) -> None:
    if not selectors.may_see_readiness(viewer):
        raise PermissionDenied


def decisions_visible(*, viewer) -> QuerySet:
    _require_viewer(viewer)
    rows = Decision.objects.all()
    if selectors.department_ids_visible(viewer=viewer) is not None:
        rows = rows.filter(wave__in=list(selectors.waves_visible(viewer=viewer)))
    return rows


def decision_get(*, viewer, pk: int) -> Decision:
    """The decision with its wave and decider, if the viewer sees its wave: 403 for those who
    see no readiness, 404 for another wave's."""
    decision = decisions_visible(viewer=viewer).select_related("wave", "decided_by").filter(pk=pk)
    decision = decision.first()
    if decision is None:
        raise Http404
    return decision


def decisions_for_wave(*, viewer, wave: Wave) -> QuerySet:
    """The wave's decisions, newest first, without their (big) evidence."""
    return (
        decisions_visible(viewer=viewer)
        .filter(wave=wave)
        .defer("evidence")
        .select_related("decided_by")
        .annotate(
            n_conditions=Count("conditions", distinct=True),
            n_open=Count("conditions", filter=Q(conditions__done_at__isnull=True), distinct=True),
            n_signoffs=Count("signoffs", distinct=True),
        )
        .order_by("-decided_at", "-pk")
    )


def condition_get(*, viewer, pk: int) -> Condition:
    condition = Condition.objects.select_related("decision").filter(pk=pk).first()
    if condition is None:
        raise Http404
    decision_get(viewer=viewer, pk=condition.decision_id)
    return condition


def evidence_for_viewer(*, viewer, evidence: dict) -> dict:
    """The frozen pack as the viewer may read it: a manager sees every department's figures but
    only the people of her own departments (names are personal data)."""
    visible = selectors.department_ids_visible(viewer=viewer)
    if visible is None:
        return evidence
    cells = [
        {**c, "people": c["people"] if c["department"]["id"] in visible else []}
        for c in evidence.get("cells", [])
    ]
    return {**evidence, "cells": cells, "people_limited": True}


# ---------------------------------------------------------------------------------------------
# Post-go-live evaluations


@dataclass
class MeasureRow:
    measure: str
    label: str
    row: Evaluation | None


def evaluations_for_wave(*, wave: Wave) -> list[MeasureRow]:
    rows = {e.measure: e for e in wave.evaluations.select_related("recorded_by")}
    return [MeasureRow(m, label, rows.get(m)) for m, label in Evaluation.Measure.choices]


def _decimal(value, label) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValidationError(_("%(measure)s: enter numbers.") % {"measure": label}) from None
    if not number.is_finite() or abs(number) >= Decimal("1000000"):
        raise ValidationError(_("%(measure)s: enter numbers.") % {"measure": label})
    return number.quantize(Decimal("0.01"))


def evaluation_record(
    *, actor, wave: Wave, measure: str, before, after, note: str = "", ip=None
) -> Evaluation:
    """Record (or correct) one outcome measure of a wave, before and after go-live (the lead)."""
    if not selectors.may_decide(actor):
        raise PermissionDenied
    if measure not in Evaluation.Measure.values:
        raise ValidationError(_("Unknown measure."))
    label = Evaluation.Measure(measure).label
    before, after = _decimal(before, label), _decimal(after, label)
    with transaction.atomic():
        previous = Evaluation.objects.select_for_update().filter(wave=wave, measure=measure).first()
        old = (
            {"before": str(previous.before), "after": str(previous.after), "note": previous.note}
            if previous
            else None
        )
        row, _created = Evaluation.objects.update_or_create(
            wave=wave,
            measure=measure,
            defaults={
                "before": before,
                "after": after,
                "note": (note or "").strip(),
                "recorded_by": actor,
            },
        )
        audit_record(
            action="readiness.evaluation",
            actor=actor,
            obj=row,
            before=old,
            after={
                "wave": wave.pk,
                "measure": measure,
                "before": str(before),
                "after": str(after),
                "note": row.note,
            },
            ip=ip,
        )
    return row
