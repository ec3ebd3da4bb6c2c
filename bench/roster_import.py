"""Roster import benchmark: how fast a large XLSX roster goes through read, check and apply.

    python -m bench.roster_import [--rows 10000] [--size M] [--seed 2026]

Rebuilds the bench database (never the dev one: see bench/setup.py) with a generated hospital of
`--size`, writes an XLSX roster of `--rows` new staff in that hospital's departments with
openpyxl, and times `roster_read` + `roster_check` + `roster_plan_apply` for:

1. the import of the file (every row a new person with a login),
2. a no-op re-import of the same file (every row unchanged),
3. a re-import in which every tenth person moved department and changed title,
4. a re-import in which everybody did (a reorganisation).

Then it imports a further file of the same size inside a transaction that is rolled back, with
tracemalloc on, for the peak Python memory of each step (tracemalloc slows Python down, so that
pass is not timed). The target (issue: a 10,000-row import in under 20 s on a 2-core machine)
scales with the number of rows. Numbers only: nothing here asserts anything about speed.
"""

import argparse
import gc
import io
import random
import time
import tracemalloc
from datetime import date

from .generate import SEED, SIZES, Department, department_tree, staff_records

TARGET_SECONDS = 20.0
TARGET_ROWS = 10_000


def import_records(
    rows: int, departments: list[Department], *, seed: int = SEED, prefix: str = "R"
) -> list[dict]:
    """`rows` roster records for staff not in the generated hospital (their employee numbers and
    emails start with `prefix`), spread over its departments."""
    return staff_records(rows, departments, seed=seed, prefix=prefix)


def records_changed(
    records: list[dict],
    departments: list[Department],
    *,
    every: int = 10,
    seed: int = SEED,
    mark: str = "（调岗）",
) -> list[dict]:
    """A copy in which every `every`-th person moved to another department, with `mark` added to
    their title."""
    rng = random.Random(seed)
    codes = [d.code for d in departments]
    changed = []
    for index, record in enumerate(records):
        record = dict(record)
        if index % every == 0:
            record["department_code"] = rng.choice(
                [c for c in codes if c != record["department_code"]] or codes
            )
            record["title"] = f"{record['title']}{mark}"
        changed.append(record)
    return changed


def roster_xlsx(records: list[dict]) -> bytes:
    """An XLSX workbook as HR exports it: a header row with the roster columns, employee numbers
    as text, hire dates as Excel dates."""
    from openpyxl import Workbook

    from portal.org.roster import COLUMNS

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Roster")
    sheet.append(COLUMNS)
    for record in records:
        row = [record[c] for c in COLUMNS]
        hired = record["hire_date"]
        row[COLUMNS.index("hire_date")] = date.fromisoformat(hired) if hired else None
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def import_timed(data: bytes) -> tuple[dict, dict]:
    """Read, check and apply `data` as a roster import does. Returns (timings, summary)."""
    from portal.org.roster import roster_check, roster_read
    from portal.org.services import roster_plan_apply

    gc.collect()
    timings = {}
    cpu = time.process_time()
    clock = time.perf_counter()
    records = roster_read(data)
    timings["read"] = time.perf_counter() - clock
    clock = time.perf_counter()
    plan = roster_check(records)
    timings["check"] = time.perf_counter() - clock
    if plan.errors:
        raise RuntimeError(f"bench roster does not check: {plan.errors[:3]}")
    clock = time.perf_counter()
    summary = roster_plan_apply(
        plan=plan, actor=None, deactivate_missing=False, source="bench roster import", invite=False
    )
    timings["apply"] = time.perf_counter() - clock
    timings["total"] = timings["read"] + timings["check"] + timings["apply"]
    # CPU time of this process: less disturbed than the wall clock by other work on the machine.
    timings["cpu"] = time.process_time() - cpu
    return timings, summary


def import_traced(data: bytes) -> dict:
    """Peak traced Python memory (bytes) of each step of an import, rolled back afterwards."""
    from django.db import transaction

    from portal.org.roster import roster_check, roster_read
    from portal.org.services import roster_plan_apply

    gc.collect()
    peaks = {}
    tracemalloc.start()
    try:
        with transaction.atomic():
            tracemalloc.reset_peak()
            records = roster_read(data)
            peaks["read"] = tracemalloc.get_traced_memory()[1]
            tracemalloc.reset_peak()
            plan = roster_check(records)
            peaks["check"] = tracemalloc.get_traced_memory()[1]
            tracemalloc.reset_peak()
            roster_plan_apply(plan=plan, actor=None, deactivate_missing=False, invite=False)
            peaks["apply"] = tracemalloc.get_traced_memory()[1]
            transaction.set_rollback(True)
    finally:
        tracemalloc.stop()
    return peaks


def target_line(label: str, rows: int, seconds: float, note: str = "") -> str:
    target = TARGET_SECONDS * rows / TARGET_ROWS
    ratio = seconds / target
    return (
        f"{label} {rows:,} rows{note}: {seconds:.1f} s ({ratio:.2f} × the {target:g} s target), "
        f"{rows / seconds:,.0f} rows/s"
    )


def _steps(timings: dict) -> str:
    steps = ", ".join(f"{k} {timings[k]:.2f} s" for k in ("read", "check", "apply"))
    return f"{steps} (CPU {timings['cpu']:.1f} s)"


def _counts(summary: dict) -> str:
    return ", ".join(f"{k} {summary[k]:,}" for k in ("new", "changed", "unchanged"))


def _mb(size: float) -> str:
    return f"{size / 1024 / 1024:,.0f} MB"


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m bench.roster_import",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--rows", type=int, default=TARGET_ROWS)
    parser.add_argument(
        "--size", choices=list(SIZES), default="M", type=str.upper, help="hospital to import into"
    )
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)

    from .generate import build
    from .setup import bench_flush, bench_setup, current_rss_mb, peak_rss_mb

    print(f"database: {bench_setup()}")
    bench_flush()
    hospital = build(args.size, seed=args.seed)
    print(
        f"hospital {args.size}: {hospital['departments']:,} departments, "
        f"{hospital['staff']:,} staff (built in {hospital['timings']['total']:.1f} s)"
    )
    departments = department_tree(SIZES[args.size][1])

    clock = time.perf_counter()
    records = import_records(args.rows, departments, seed=args.seed)
    data = roster_xlsx(records)
    changed = roster_xlsx(records_changed(records, departments, seed=args.seed))
    reorganised = roster_xlsx(
        records_changed(records, departments, every=1, seed=args.seed + 1, mark="（转岗）")
    )
    traced = roster_xlsx(import_records(args.rows, departments, seed=args.seed, prefix="T"))
    print(
        f"file: {args.rows:,} rows, {len(data) / 1024:,.0f} KB XLSX "
        f"(4 files written in {time.perf_counter() - clock:.1f} s, not measured)"
    )
    rss_before = current_rss_mb()

    runs = [
        ("import", "", data),
        ("no-op re-import", "", data),
        ("re-import", f" ({(args.rows + 9) // 10:,} changed)", changed),
        ("re-import", " (every row changed)", reorganised),
    ]
    for label, note, content in runs:
        timings, summary = import_timed(content)
        print(target_line(label, args.rows, timings["total"], note))
        print(f"    {_steps(timings)}; {_counts(summary)}")

    before = f" (RSS before the imports {rss_before:,.0f} MB)" if rss_before else ""
    print(f"peak memory: maxrss {peak_rss_mb():,.0f} MB{before}")
    peaks = import_traced(traced)
    print(
        "peak Python memory (tracemalloc, a fresh import rolled back): "
        + ", ".join(f"{k} {_mb(v)}" for k, v in peaks.items())
    )
    print(f"peak memory after the traced pass: maxrss {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
