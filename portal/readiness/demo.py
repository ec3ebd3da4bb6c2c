"""Readiness in the demo hospital: thirty days of daily snapshots for each wave, reconstructed
from the status table's certification dates (what the daily job would have recorded: a row
counts as covered on a day when it was certified on or before it and valid on it), today's
snapshot from the live evaluation, and a go-with-conditions decision on the pilot wave by the
rollout lead, signed off by the head nurse. Idempotent: existing snapshots and the decision
are kept."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone

from assessments.models import CertificationStatus
from portal.demo.hospital import DOMAIN

from . import evaluation, snapshots
from .decisions import decision_record, signoff_add
from .models import Decision, Snapshot, Wave

HISTORY_DAYS = 30
TOKEN = "demo-pilot-decision"


def _history(wave: Wave, today) -> int:
    ids = evaluation.wave_department_ids(wave)
    made = 0
    for back in range(HISTORY_DAYS, 0, -1):
        day = today - timedelta(days=back)
        if Snapshot.objects.filter(wave=wave, day=day).exists():
            continue
        covered = Q(certified_on__lte=day) & (Q(valid_until__gte=day) | Q(valid_until=None))
        rows = (
            CertificationStatus.objects.filter(department_id__in=ids)
            .values("department_id")
            .annotate(staff=Count("pk"), covered=Count("pk", filter=covered))
            .order_by()
        )
        Snapshot.objects.bulk_create(
            Snapshot(
                wave=wave,
                department_id=r["department_id"],
                day=day,
                rag="grey",
                staff=r["staff"],
                covered=r["covered"],
                values={},
            )
            for r in rows
        )
        made += len(rows)
    return made


def demo_readiness() -> str:
    today = timezone.localdate()
    waves = list(Wave.objects.order_by("go_live_date"))
    made = sum(_history(w, today) for w in waves)
    for w in waves:
        if not Snapshot.objects.filter(wave=w, day=today).exists():
            made += snapshots.snapshot_wave(wave=w, today=today)
    User = get_user_model()
    lead = User.objects.filter(email=f"rollout-lead@{DOMAIN}").first()
    manager = User.objects.filter(email=f"manager@{DOMAIN}").first()
    decided = 0
    if waves and lead and not Decision.objects.filter(token=TOKEN).exists():
        pilot = waves[0]
        decision = decision_record(
            actor=lead,
            wave=pilot,
            outcome=Decision.Outcome.CONDITIONS,
            rationale=(
                "Coverage is close to the threshold and rising; the pilot goes live on the "
                "condition that the night shifts are trained and seed users cover them."
            ),
            conditions=[
                {
                    "text": "Every night-shift nurse in Emergency certified",
                    "owner": "Head nurse, Emergency",
                    "due_date": pilot.go_live_date - timedelta(days=2),
                },
                {
                    "text": "A seed user on every night shift of the pilot departments",
                    "owner": "Rollout lead",
                    "due_date": pilot.go_live_date - timedelta(days=1),
                },
            ],
            token=TOKEN,
        )
        if manager:
            signoff_add(actor=manager, decision=decision, capacity="Nursing director (acting)")
        decided = 1
    return f"{len(waves)} waves, {made} snapshots, {decided} decision"
