"""HR bulk export benchmark: how fast, and in how much memory, everyone's proficiency records
go into one XLSX and one CSV file.

    python -m bench.hr_export [--size XS|S|M|L|XL] [--seed 2026]

Rebuilds the bench database (never the dev one: see bench/setup.py) with the hospital of
`--size` (default XL: 50,000 staff), bulk-creates one certification track per job role (no
requirements: written with the ORM), one status row per staff member (a seeded mix of
statuses, scores and levels; dates for the certified) and a certificate for each certified
one, then runs `hr_export_run` over everybody, once per format, timed; and once more per
format with tracemalloc on for the peak Python memory (tracemalloc slows Python down, so that
pass is not timed). Targets: 10 s and 300 MB per export. Numbers only: nothing is asserted.
"""

import argparse
import random
import time
import tracemalloc
from datetime import date, timedelta
from decimal import Decimal

from .generate import SEED, SIZES

TARGET_SECONDS = 10.0
TARGET_MB = 300.0
FORMATS = ("xlsx", "csv")
# status: share of the staff
STATUS_MIX = {
    "certified": 0.55,
    "expiring": 0.10,
    "expired": 0.10,
    "in_progress": 0.15,
    "not_started": 0.10,
}
LEVELS = [("novice", 0), ("competent", 60), ("proficient", 75), ("expert", 90)]


def _level(score: Decimal) -> str:
    return [code for code, floor in LEVELS if score >= floor][-1]


def _status(rng: random.Random) -> str:
    return rng.choices(list(STATUS_MIX), weights=list(STATUS_MIX.values()))[0]


def records_build(*, seed: int = SEED, today: date | None = None) -> dict:
    """Tracks, status rows and certificates for the staff of a built hospital (bulk_create)."""
    from django.utils import timezone

    from assessments.models import Certificate, CertificationStatus, CertificationTrack
    from portal.org.models import JobRole, StaffMember

    rng = random.Random(seed)
    today = today or timezone.localdate()
    roles = list(JobRole.objects.order_by("code"))
    CertificationTrack.objects.bulk_create(
        CertificationTrack(
            code=f"bench-{role.code}",
            name=f"{role.name} HIS",
            name_zh=f"{role.name} 系统认证",
            job_role=role,
        )
        for role in roles
    )
    tracks = {
        t.job_role_id: t for t in CertificationTrack.objects.filter(code__startswith="bench-")
    }
    staff = StaffMember.objects.filter(job_role_id__in=tracks).only(
        "pk", "full_name", "employee_no", "department_id", "job_role_id", "shift_id"
    )
    certificates, statuses = [], []
    for member in staff.iterator(chunk_size=2000):
        track, status = tracks[member.job_role_id], _status(rng)
        row = CertificationStatus(
            staff_id=member.pk,
            track=track,
            department_id=member.department_id,
            job_role_id=member.job_role_id,
            shift_id=member.shift_id,
            status=status,
        )
        if status != "not_started":
            row.score = Decimal(rng.randint(300, 1000)) / 10
            row.level, row.score_complete = _level(row.score), status != "in_progress"
        if status in ("certified", "expiring", "expired"):
            back = {"certified": 120, "expiring": 330, "expired": 420}[status]
            row.certified_on = today - timedelta(days=back + rng.randint(0, 20))
            row.valid_until = row.certified_on + timedelta(days=364)
            certificates.append(
                Certificate(
                    code=f"B{member.pk:09d}",
                    staff_id=member.pk,
                    track=track,
                    holder_name=member.full_name,
                    employee_no=member.employee_no,
                    track_name=track.name,
                    track_name_zh=track.name_zh,
                    valid_from=row.certified_on,
                    valid_until=row.valid_until,
                    issued_at=timezone.now(),
                    score=row.score,
                    level=row.level,
                )
            )
        statuses.append(row)
    Certificate.objects.bulk_create(certificates, batch_size=2000)
    CertificationStatus.objects.bulk_create(statuses, batch_size=2000)
    return {"tracks": len(tracks), "statuses": len(statuses), "certificates": len(certificates)}


def _export(user, fmt: str):
    from portal.records.hr_exports import hr_export_run
    from portal.records.models import HrExport

    export = HrExport.objects.create(requested_by=user, format=fmt, language="en")
    return hr_export_run(export_id=export.pk)


def export_timed(user, fmt: str) -> tuple[float, int]:
    clock = time.perf_counter()
    export = _export(user, fmt)
    return time.perf_counter() - clock, export.rows or 0


def export_traced(user, fmt: str) -> float:
    """Peak Python memory of one export, in MB (tracemalloc)."""
    tracemalloc.start()
    try:
        _export(user, fmt)
        return tracemalloc.get_traced_memory()[1] / (1024 * 1024)
    finally:
        tracemalloc.stop()


def target_line(fmt: str, rows: int, seconds: float, peak_mb: float) -> str:
    return (
        f"{fmt}: {rows:,} staff in {seconds:.1f} s ({seconds / TARGET_SECONDS:.2f}x the "
        f"{TARGET_SECONDS:.0f} s target), peak {peak_mb:,.0f} MB ({peak_mb / TARGET_MB:.2f}x "
        f"the {TARGET_MB:.0f} MB target)"
    )


def bench_user():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser(
        email="bench-hr@hospital.example", password="bench-only"
    )


def run(size: str, *, seed: int = SEED, out=print) -> dict:
    """Build the data (on a hospital already built) and run the exports; returns the figures."""
    clock = time.perf_counter()
    built = records_build(seed=seed)
    out(
        f"records: {built['tracks']} tracks, {built['statuses']:,} status rows, "
        f"{built['certificates']:,} certificates ({time.perf_counter() - clock:.1f} s)"
    )
    user = bench_user()
    results = {}
    for fmt in FORMATS:
        seconds, rows = export_timed(user, fmt)
        peak = export_traced(user, fmt)
        results[fmt] = {"seconds": seconds, "rows": rows, "peak_mb": peak}
        out(target_line(fmt, rows, seconds, peak))
    return {"built": built, "results": results}


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m bench.hr_export",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--size", choices=list(SIZES), default="XL", type=str.upper)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)

    from .generate import build
    from .setup import bench_flush, bench_setup, peak_rss_mb

    print(f"database: {bench_setup()}")
    bench_flush()
    hospital = build(args.size, seed=args.seed)
    print(
        f"hospital {args.size}: {hospital['departments']:,} departments, "
        f"{hospital['staff']:,} staff (built in {hospital['timings']['total']:.1f} s)"
    )
    run(args.size, seed=args.seed)
    print(f"peak memory (maxrss, whole process): {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
