"""HR bulk export benchmark: how fast, and in how much memory, everyone's proficiency records
go into one XLSX and one CSV file.

    python -m bench.hr_export [--size XS|S|M|L|XL] [--seed 2026]

Rebuilds the bench database (never the dev one: see bench/setup.py) with the hospital of
`--size` (default XL: 50,000 staff), bulk-creates two certification tracks per job role (the
HIS basics and the role's module; no requirements: written with the ORM), a status row per
staff member and track (a seeded mix of statuses, scores and levels; dates for the certified),
a certificate for each certified, expiring, expired or revoked row (revoked ones with a reason)
and a proficiency record per scored row, then runs `hr_export_run` over everybody, once per
format, timed, with the growth of the process's maxrss; and once more per format with
tracemalloc on for the peak Python memory (tracemalloc slows Python down, so that pass is not
timed). Targets: 10 s and 300 MB per export. Numbers only: nothing is asserted.
"""

import argparse
import gc
import random
import time
import tracemalloc
from datetime import date, datetime, timedelta
from decimal import Decimal

from .generate import SEED, SIZES

TARGET_SECONDS = 10.0
TARGET_MB = 300.0
FORMATS = ("xlsx", "csv")
# status: share of the rows
STATUS_MIX = {
    "certified": 0.50,
    "expiring": 0.10,
    "expired": 0.10,
    "revoked": 0.02,
    "in_progress": 0.18,
    "not_started": 0.10,
}
# How long ago a row of each status was certified (days), before a jitter of up to 20 days.
CERTIFIED_AGO = {"certified": 120, "expiring": 330, "expired": 420, "revoked": 200}
LEVELS = [("novice", 0), ("competent", 60), ("proficient", 75), ("expert", 90)]
TRACKS = [("basics", "HIS basics", "系统基础"), ("module", "HIS module", "岗位模块")]


def _level(score: Decimal) -> str:
    return [code for code, floor in LEVELS if score >= floor][-1]


def _status(rng: random.Random) -> str:
    return rng.choices(list(STATUS_MIX), weights=list(STATUS_MIX.values()))[0]


def _tracks_create() -> dict:
    from assessments.models import CertificationTrack
    from portal.org.models import JobRole

    CertificationTrack.objects.bulk_create(
        CertificationTrack(
            code=f"bench-{role.code}-{code}",
            name=f"{role.name}: {name}",
            name_zh=f"{role.name_zh or role.name}{name_zh}",
            job_role=role,
        )
        for role in JobRole.objects.order_by("code")
        for code, name, name_zh in TRACKS
    )
    tracks: dict[int, list] = {}
    for track in CertificationTrack.objects.filter(code__startswith="bench-").order_by("code"):
        tracks.setdefault(track.job_role_id, []).append(track)
    return tracks


def _row(rng, member, track, today, now, models) -> tuple:
    """One status row, with its certificate and proficiency record when it has them."""
    Certificate, CertificationStatus, ProficiencyRecord = models
    status = _status(rng)
    row = CertificationStatus(
        staff_id=member.pk,
        track=track,
        department_id=member.department_id,
        job_role_id=member.job_role_id,
        shift_id=member.shift_id,
        status=status,
    )
    certificate = record = None
    if status != "not_started":
        row.score = Decimal(rng.randint(300, 1000)) / 10
        row.level, row.score_complete = _level(row.score), status != "in_progress"
        record = ProficiencyRecord(
            staff_id=member.pk,
            track=track,
            at=now - timedelta(days=rng.randint(1, 400)),
            score=row.score,
            level=row.level,
            complete=row.score_complete,
            cause="bench",
            explanation={"en": [f"Score {row.score}"], "zh": [f"得分 {row.score}"]},
        )
    if status in CERTIFIED_AGO:
        row.certified_on = today - timedelta(days=CERTIFIED_AGO[status] + rng.randint(0, 20))
        row.valid_until = row.certified_on + timedelta(days=364)
        certificate = Certificate(
            code=f"B{member.pk:08d}{track.code[-1]}",
            staff_id=member.pk,
            track=track,
            holder_name=member.full_name,
            employee_no=member.employee_no,
            track_name=track.name,
            track_name_zh=track.name_zh,
            valid_from=row.certified_on,
            valid_until=row.valid_until,
            issued_at=now,
            score=row.score,
            level=row.level,
        )
        if status == "revoked":
            certificate.revoked_at, certificate.revoked_reason = now, "Issued in error (bench)"
    return row, certificate, record


def records_build(*, seed: int = SEED, today: date | None = None) -> dict:
    """Tracks, status rows, certificates and proficiency records for the staff of a built
    hospital (bulk_create, in chunks)."""
    from django.utils import timezone

    from assessments.models import Certificate, CertificationStatus, ProficiencyRecord
    from portal.org.models import StaffMember

    rng = random.Random(seed)
    today = today or timezone.localdate()
    now = timezone.make_aware(datetime.combine(today, datetime.min.time()))
    models = (Certificate, CertificationStatus, ProficiencyRecord)
    tracks = _tracks_create()
    staff = StaffMember.objects.filter(job_role_id__in=tracks).only(
        "pk", "full_name", "employee_no", "department_id", "job_role_id", "shift_id"
    )
    counts = {"tracks": sum(len(t) for t in tracks.values()), "statuses": 0}
    counts |= {"certificates": 0, "revoked": 0, "records": 0}
    rows, certificates, records = [], [], []
    for member in staff.iterator(chunk_size=2000):
        for track in tracks[member.job_role_id]:
            row, certificate, record = _row(rng, member, track, today, now, models)
            rows.append(row)
            certificates += [certificate] if certificate else []
            records += [record] if record else []
            counts["revoked"] += row.status == "revoked"
    Certificate.objects.bulk_create(certificates, batch_size=2000)
    CertificationStatus.objects.bulk_create(rows, batch_size=2000)
    ProficiencyRecord.objects.bulk_create(records, batch_size=2000)
    counts |= {"statuses": len(rows), "certificates": len(certificates), "records": len(records)}
    return counts


def _export(user, fmt: str):
    from portal.records.hr_exports import hr_export_run
    from portal.records.models import HrExport

    export = HrExport.objects.create(requested_by=user, format=fmt, language="en")
    return hr_export_run(export_id=export.pk)


def _file_drop(export) -> int:
    """The export file's size in bytes; the file is removed (the bench keeps no exports)."""
    from portal.records.hr_exports import hr_export_path

    path = hr_export_path(export)
    size = path.stat().st_size if path else 0
    if path:
        path.unlink()
    return size


def export_timed(user, fmt: str) -> dict:
    """Wall clock, CPU time, the growth of maxrss and the file size of one export."""
    from .setup import peak_rss_mb

    gc.collect()
    rss, cpu, clock = peak_rss_mb(), time.process_time(), time.perf_counter()
    export = _export(user, fmt)
    seconds, cpu = time.perf_counter() - clock, time.process_time() - cpu
    return {
        "seconds": seconds,
        "cpu": cpu,
        "rows": export.rows or 0,
        "maxrss_growth_mb": peak_rss_mb() - rss,
        "bytes": _file_drop(export),
    }


def export_traced(user, fmt: str) -> float:
    """Peak Python memory of one export, in MB (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        export = _export(user, fmt)
        return tracemalloc.get_traced_memory()[1] / (1024 * 1024)
    finally:
        tracemalloc.stop()
        _file_drop(export)


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
        f"{built['certificates']:,} certificates ({built['revoked']:,} revoked), "
        f"{built['records']:,} proficiency records ({time.perf_counter() - clock:.1f} s)"
    )
    user = bench_user()
    results = {}
    for fmt in FORMATS:
        figures = export_timed(user, fmt)
        figures["peak_mb"] = export_traced(user, fmt)
        results[fmt] = figures
        out(target_line(fmt, figures["rows"], figures["seconds"], figures["peak_mb"]))
        out(
            f"    CPU {figures['cpu']:.1f} s, file {figures['bytes'] / 1024 / 1024:,.1f} MB, "
            f"maxrss grew {figures['maxrss_growth_mb']:,.0f} MB during the timed run"
        )
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
