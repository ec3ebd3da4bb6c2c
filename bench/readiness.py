"""Readiness dashboard benchmark: how close the wave evaluation comes to one bare GROUP BY.

    python -m bench.readiness [--size XS|S|M|L|XL] [--seed 2026]

Rebuilds the bench database (never the dev one: see bench/setup.py) with the hospital of
`--size` (default XL: 50,000 staff, 1,000 departments; everyone given a shift), then:

1. certification evidence and the status table from it (`bench.certification_data`: one track
   per role, graded attempts, `status_refresh` for everybody), so the table equals a recompute;
2. practice-quiz attempts (exams on no track: evidence the evaluation must never read) bulk
   inserted with raw `executemany` in batches of 10,000 inside one transaction, until the exam
   attempts number at least 5,000,000 at XL (scaled by staff for smaller sizes);
3. an assignment per staff member for three courses (a seeded mix: done, on time, overdue, a
   few withdrawn), a seed-user programme for the whole hospital with active seed users;
4. one wave holding every top-level department, with the default criteria;
5. on PostgreSQL, VACUUM ANALYZE of the tables the evaluation reads (what autovacuum would do).

It then times `portal.readiness.evaluation.wave_readiness(wave=, today=)` (best of 3 after one
warm-up), counts its queries (at this size and for a five-department subset), times the bare
`SELECT ... GROUP BY department_id, job_role_id, shift_id` over the status table (best of 3),
and prints both and the ratio against the target (1.5x). Finally it checks the figures: every
cell's counts from the evaluation against raw GROUP BYs (status table and assignments), and
`plans_for` (a recompute from raw evidence) against the table for a sample of 2,000 staff.
Numbers only: nothing is asserted about speed.
"""

import argparse
import math
import random
import sys
import time
from datetime import timedelta
from decimal import Decimal

from .generate import SEED, SIZES

TARGET_RATIO = 1.5
EVIDENCE_XL = 5_000_000  # exam attempts at XL; scaled by staff for smaller sizes
PRACTICE_EXAMS = 20
BATCH = 10_000
SAMPLE = 2_000
COURSE_SLUGS = ["his-basics", "privacy", "downtime"]
# Assignments: completed, due later and not completed, due before today and not completed,
# withdrawn (not counted).
ASSIGNMENT_MIX = {"done": 0.55, "on_time": 0.30, "overdue": 0.12, "withdrawn": 0.03}
SEED_USER_SHARE = 1 / 12  # active staff who are active seed users
BENCH_WAVE = "Bench: whole hospital"
SUBSET = 5  # departments of the small evaluation whose query count is compared
RAW_SQL = (
    "SELECT department_id, job_role_id, shift_id, COUNT(*), "
    "SUM(CASE WHEN status IN ('certified','expiring') THEN 1 ELSE 0 END), AVG(score) "
    "FROM assessments_certificationstatus GROUP BY 1,2,3"
)
CHECK_SQL = (
    "SELECT department_id, job_role_id, shift_id, COUNT(*), "
    "SUM(CASE WHEN status IN ('certified','expiring') THEN 1 ELSE 0 END), COUNT(score), "
    "AVG(score), SUM(CASE WHEN practical_first_passed IS NULL THEN 0 ELSE 1 END), "
    "SUM(CASE WHEN practical_first_passed THEN 1 ELSE 0 END) "
    "FROM assessments_certificationstatus GROUP BY 1,2,3"
)
ASSIGNMENT_SQL = (
    "SELECT s.department_id, s.job_role_id, s.shift_id, COUNT(*), "
    "SUM(CASE WHEN a.due_date < %s AND a.completed_at IS NULL THEN 1 ELSE 0 END) "
    "FROM courses_assignment a JOIN org_staffmember s ON s.id = a.staff_id "
    "WHERE a.status = 'active' AND s.active = %s GROUP BY 1,2,3"
)


def evidence_target(staff: int) -> int:
    """Exam attempts to reach for a hospital of `staff` people (5,000,000 at XL's 50,000)."""
    return math.ceil(EVIDENCE_XL * staff / SIZES["XL"][0])


def sqlite_fast_writes() -> str:
    """For the bench's own SQLite file only (the CLI): no rollback journal, no fsync, a bigger
    page cache. Returns what was set ("" on PostgreSQL)."""
    from django.db import connection

    if connection.vendor != "sqlite":
        return ""
    with connection.cursor() as cursor:
        for pragma in (
            "journal_mode=OFF",
            "synchronous=OFF",
            "cache_size=-262144",
            "temp_store=MEMORY",
        ):
            cursor.execute(f"PRAGMA {pragma}")
    return "journal_mode=OFF, synchronous=OFF"


def statistics_update() -> str:
    """PostgreSQL: VACUUM ANALYZE the tables the evaluation reads, as autovacuum would after a
    bulk load (left alone, the planner estimates half the staff active and misjudges the joins,
    and the index-only scans visit the table for rows not yet marked visible). SQLite
    needs none: its planner takes the covering indexes without statistics, and ANALYZE there
    would read all 5M attempts (12 s). Returns what was done."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return ""
    tables = [
        "assessments_certificationstatus",
        "courses_assignment",
        "org_staffmember",
        "org_department",
        "seedusers_nomination",
    ]
    # VACUUM cannot run in a transaction (the bench's own tests run in one): ANALYZE there.
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"{command} {connection.ops.quote_name(table)}")
    return f"{command} {len(tables)} tables"


def _insert(model, fields: list[str], rows) -> int:
    """Raw multi-row insert: `rows` (an iterable of tuples in `fields` order, values already in
    the database's form) with executemany in batches of BATCH. Returns the rows written."""
    from django.db import connection

    qn = connection.ops.quote_name
    columns = ", ".join(qn(model._meta.get_field(name).column) for name in fields)
    sql = (
        f"INSERT INTO {qn(model._meta.db_table)} ({columns}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    written, batch = 0, []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                written, batch = written + len(batch), []
        if batch:
            cursor.executemany(sql, batch)
            written += len(batch)
    return written


def shifts_fill() -> int:
    """Everyone gets a shift: staff generated without one (some admin staff) work days."""
    from portal.org.models import Shift, StaffMember

    day = Shift.objects.get(code="day")
    return StaffMember.objects.filter(shift__isnull=True).update(shift=day)


ATTEMPT_FIELDS = [
    "exam",
    "staff",
    "number",
    "state",
    "started_at",
    "finished_at",
    "finished_by",
    "current_page",
    "marks",
    "max_marks",
    "percent",
    "passed",
    "needs_grading",
    "excluded",
    "excluded_reason",
    "excluded_by",
]


def practice_attempts(staff_ids: list[int], count: int, *, rng: random.Random, now) -> int:
    """`count` finished practice-quiz attempts spread evenly over the staff, on exams that
    belong to no certification track (raw inserts)."""
    from django.db import connection

    from assessments.models import Attempt, Exam

    if count <= 0 or not staff_ids:
        return 0
    exams = [
        Exam.objects.create(
            kind=Exam.Kind.KNOWLEDGE,
            title=f"Bench: practice quiz {n + 1}",
            pass_mark_percent=Decimal(80),
            published=True,
        ).pk
        for n in range(PRACTICE_EXAMS)
    ]
    adapt = connection.ops.adapt_datetimefield_value
    moments = []
    for _ in range(4000):
        finished = now - timedelta(days=rng.randint(0, 300), minutes=rng.randrange(0, 600, 5))
        started = finished - timedelta(minutes=rng.randint(5, 30))
        moments.append((adapt(started), adapt(finished)))
    percents = [Decimal(n) / 2 for n in range(60, 201)]  # 30.0 .. 100.0
    per_person, extra = divmod(count, len(staff_ids))

    def rows():
        randrange = rng.randrange
        for index, staff_id in enumerate(staff_ids):
            for i in range(per_person + (index < extra)):
                started, finished = moments[randrange(4000)]
                percent = percents[randrange(141)]
                yield (
                    exams[i % PRACTICE_EXAMS],
                    staff_id,
                    i // PRACTICE_EXAMS + 1,
                    "finished",
                    started,
                    finished,
                    "learner",
                    0,
                    percent,
                    100,
                    percent,
                    percent >= 80,
                    False,
                    False,
                    "",
                    "",
                )

    return _insert(Attempt, ATTEMPT_FIELDS, rows())


def assignments_build(staff_ids: list[int], *, rng: random.Random, today, now) -> dict:
    """An assignment per staff member and course (three course pages), a seeded mix."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from courses.models import Assignment, CoursePage

    from .enrolment import courses_create, pages_ensure

    pages_ensure()
    pages = courses_create()
    course_type = ContentType.objects.get_for_model(CoursePage).pk
    ops = connection.ops
    assigned = ops.adapt_datetimefield_value(now - timedelta(days=60))
    names, weights = list(ASSIGNMENT_MIX), list(ASSIGNMENT_MIX.values())
    mix = dict.fromkeys(names, 0)

    def rows():
        for staff_id in staff_ids:
            for slug in COURSE_SLUGS:
                kind = rng.choices(names, weights=weights)[0]
                mix[kind] += 1
                due = today + timedelta(days=rng.randint(-40, -1) if kind == "overdue" else 30)
                done = None
                if kind == "done":
                    done = ops.adapt_datetimefield_value(now - timedelta(days=rng.randint(1, 50)))
                status = "withdrawn" if kind == "withdrawn" else "active"
                yield (
                    staff_id,
                    course_type,
                    pages[slug],
                    ops.adapt_datefield_value(due),
                    status,
                    assigned,
                    assigned if status == "withdrawn" else None,
                    done,
                )

    fields = ["staff", "content_type", "object_id", "due_date", "status", "assigned_at"]
    written = _insert(Assignment, fields + ["withdrawn_at", "completed_at"], rows())
    return {"assignments": written, "mix": mix}


def seed_users_build(staff_ids: list[int], *, rng: random.Random) -> int:
    """A seed-user programme for the whole hospital and its active seed users."""
    from seedusers.models import Nomination, Programme

    programme = Programme.objects.create(name="Bench seed users", name_zh="种子用户（基准）")
    nominations = [
        Nomination(programme=programme, staff_id=pk, status="active", reason="bench")
        for pk in staff_ids
        if rng.random() < SEED_USER_SHARE
    ]
    Nomination.objects.bulk_create(nominations, batch_size=BATCH)
    return len(nominations)


def wave_build(today):
    """One wave holding every top-level department, with the default criteria."""
    from portal.org.models import Department
    from portal.readiness.models import Criterion, Wave

    wave = Wave.objects.create(
        name=BENCH_WAVE, name_zh="全院（基准）", go_live_date=today + timedelta(30)
    )
    wave.departments.set(Department.objects.filter(parent__isnull=True))
    Criterion.objects.bulk_create(
        Criterion(wave=wave, kind=kind, green=green, amber=amber)
        for kind, (green, amber) in Criterion.DEFAULTS.items()
    )
    return wave


def data_build(size: str, *, seed: int = SEED, out=print) -> dict:
    """The hospital of `size` and everything the evaluation reads, in the current database
    (empty of staff). Returns the counts and the time of each step."""
    from django.db import transaction
    from django.utils import timezone

    from assessments.models import Attempt, CertificationStatus
    from courses.models import LessonProgress
    from courses.services.assignment_counts import assignment_counts_refresh
    from portal.org.models import StaffMember

    from . import certification_data
    from .generate import build

    timings: dict[str, float] = {}
    started = time.perf_counter()
    rng = random.Random(f"{seed}-readiness")
    today = timezone.localdate()
    now = timezone.now()

    clock = time.perf_counter()
    hospital = build(size, seed=seed)
    shifted = shifts_fill()
    timings["hospital"] = time.perf_counter() - clock

    clock = time.perf_counter()
    evidence = certification_data.evidence_build(seed=seed)
    timings["certification evidence + status_refresh"] = time.perf_counter() - clock

    staff_ids = list(StaffMember.objects.order_by("pk").values_list("pk", flat=True))
    active_ids = list(
        StaffMember.objects.filter(active=True).order_by("pk").values_list("pk", flat=True)
    )
    clock = time.perf_counter()
    with transaction.atomic():
        practice = practice_attempts(
            staff_ids, evidence_target(len(staff_ids)) - evidence["attempts"], rng=rng, now=now
        )
    timings["practice attempts"] = time.perf_counter() - clock

    clock = time.perf_counter()
    with transaction.atomic():
        assignments = assignments_build(staff_ids, rng=rng, today=today, now=now)
        # Inserted raw, so counted here, as the enrolment services count what they write.
        assignment_counts_refresh()
        seed_users = seed_users_build(active_ids, rng=rng)
        wave = wave_build(today)
    timings["assignments (and their counts), seed users, wave"] = time.perf_counter() - clock
    clock = time.perf_counter()
    done = statistics_update()
    if done:
        timings[done.rsplit(" ", 2)[0]] = time.perf_counter() - clock
    timings["total"] = time.perf_counter() - started

    attempts = Attempt.objects.count()
    lessons = LessonProgress.objects.count()
    built = {
        "size": size,
        "staff": hospital["staff"],
        "departments": hospital["departments"],
        "shift_filled": shifted,
        "status_rows": CertificationStatus.objects.count(),
        "statuses": evidence["statuses"],
        "certification_attempts": evidence["attempts"],
        "practice_attempts": practice,
        "attempts": attempts,
        "lesson_progress": lessons,
        "evidence": attempts + lessons,
        "assignments": assignments["assignments"],
        "assignment_mix": assignments["mix"],
        "seed_users": seed_users,
        "wave": wave,
        "tops": wave.departments.count(),
        "timings": timings,
    }
    out(build_report(built))
    return built


def build_report(built: dict) -> str:
    timings = built["timings"]
    mix = ", ".join(f"{k} {v:,}" for k, v in built["assignment_mix"].items())
    statuses = ", ".join(f"{k} {v:,}" for k, v in built["statuses"].most_common())
    return "\n".join(
        [
            f"hospital {built['size']}: {built['staff']:,} staff ({built['shift_filled']:,} given "
            f"the day shift), {built['departments']:,} departments ({built['tops']:,} top-level, "
            "all in one wave)",
            f"  status rows: {built['status_rows']:,} ({statuses})",
            f"  evidence rows: {built['evidence']:,} (exam attempts: "
            f"{built['certification_attempts']:,} certification, {built['practice_attempts']:,} "
            f"practice; lesson progress {built['lesson_progress']:,})",
            f"  assignments: {built['assignments']:,} ({mix}); active seed users: "
            f"{built['seed_users']:,}",
            "  build time: "
            + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items() if k != "total")
            + f"; total {timings['total']:.1f} s",
        ]
    )


# ---------------------------------------------------------------------------------------------
# Measuring


def _best_of(fn, runs: int = 3) -> tuple[float, float, object]:
    """Best wall clock and best CPU time of `runs` calls, and the last result."""
    best = best_cpu = math.inf
    result = None
    for _ in range(runs):
        cpu, clock = time.process_time(), time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - clock)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best, best_cpu, result


def _raw(sql: str, params=None) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def queries_of(fn) -> list[dict]:
    """The SQL statements `fn()` runs (with their times)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    return list(captured.captured_queries)


def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def figures_check(
    readiness,
    raw_rows: list[tuple],
    *,
    today,
    sample: int = SAMPLE,
    seed=SEED,
    by_department=None,
):
    """Compare the evaluation with recomputes (and the dashboard's by-department evaluation,
    `by_department`, with the cells pooled). Returns (equal, cells, sample sizes, problems)."""
    from django.db import connection
    from django.utils import timezone

    from assessments.models import CertificationStatus
    from assessments.services.certification import plans_for
    from portal.readiness.evaluation import Counts, K

    problems: list[str] = []
    cells = {
        (c.department_id, c.job_role_id, c.shift_id): c.counts
        for d in readiness.departments
        for c in d.cells
    }
    # 1. the status table, cell by cell: the timed GROUP BY and a fuller one
    timed = {tuple(r[:3]): (r[3], int(r[4] or 0), _dec(r[5])) for r in raw_rows}
    full = {
        tuple(r[:3]): tuple(int(v or 0) for v in r[3:6]) + (_dec(r[6]),) + r[7:]
        for r in _raw(CHECK_SQL)
    }
    status_cells = {key: c for key, c in cells.items() if c.rows}
    if set(full) != set(status_cells) or set(timed) != set(full):
        problems.append(
            f"cells: raw {len(full)}, evaluation {len(status_cells)} "
            f"(only raw {len(set(full) - set(status_cells))}, "
            f"only evaluation {len(set(status_cells) - set(full))})"
        )
    for key, (rows, covered, scored, avg, first_known, first_passed) in full.items():
        counts = cells.get(key, Counts())
        got = (counts.rows, counts.covered, counts.scored, counts.first_known, counts.first_passed)
        want = (rows, covered, scored, int(first_known or 0), int(first_passed or 0))
        if got != want or timed.get(key, (None, None))[:2] != (rows, covered):
            problems.append(f"cell {key}: evaluation {got}, raw {want}")
        mean = counts.value(K.PROFICIENCY)
        if (mean is None) != (avg is None) or (
            avg is not None and abs(mean - avg.quantize(Decimal("0.1"))) > Decimal("0.1")
        ):
            problems.append(f"cell {key}: mean score evaluation {mean}, raw {avg}")
    # 2. assignments, cell by cell
    raw_assignments = {
        tuple(r[:3]): (r[3], int(r[4] or 0))
        for r in _raw(ASSIGNMENT_SQL, [connection.ops.adapt_datefield_value(today), True])
    }
    got = {key: (c.assignments, c.overdue) for key, c in cells.items() if c.assignments}
    if got != raw_assignments:
        wrong = {k for k in set(got) | set(raw_assignments) if got.get(k) != raw_assignments.get(k)}
        problems.append(f"assignments differ in {len(wrong)} cells, e.g. {sorted(wrong)[:3]}")
    # 3. departments pool their cells; the wave pools its departments
    for dept in readiness.departments:
        pooled = Counts()
        for cell in dept.cells:
            pooled.add(cell.counts)
        if (pooled.rows, pooled.covered, pooled.assignments) != (
            dept.counts.rows,
            dept.counts.covered,
            dept.counts.assignments,
        ):
            problems.append(f"department {dept.department.code}: cells do not add up")
    if by_department is not None:
        pooled = {d.department.pk: (d.counts, d.rag) for d in readiness.departments}
        dashboard = {d.department.pk: (d.counts, d.rag) for d in by_department.departments}
        if dashboard != pooled:
            wrong = sorted(
                k for k in set(pooled) | set(dashboard) if pooled.get(k) != dashboard.get(k)
            )
            problems.append(f"dashboard departments differ from the cells pooled: {wrong[:3]}")
    if readiness.counts.rows != sum(v[0] for v in full.values()):
        problems.append(
            f"wave rows {readiness.counts.rows} != raw {sum(v[0] for v in full.values())}"
        )
    # 4. the table against a recompute from raw evidence, for a sample of staff
    from portal.org.models import StaffMember

    staff = list(StaffMember.objects.filter(active=True).values_list("pk", flat=True))
    chosen = sorted(random.Random(f"{seed}-sample").sample(staff, min(sample, len(staff))))
    computed = {
        (p.staff.pk, p.info.track.pk): (p.values()["status"], p.values()["score"])
        for p in plans_for(staff_ids=chosen, now=timezone.now())
    }
    stored = {
        (s, t): (status, score)
        for s, t, status, score in CertificationStatus.objects.filter(
            staff_id__in=chosen
        ).values_list("staff_id", "track_id", "status", "score")
    }
    wrong = {k for k in set(computed) | set(stored) if computed.get(k) != stored.get(k)}
    if wrong:
        key = sorted(wrong)[0]
        problems.append(
            f"plans_for differs from the table for {len(wrong)} of {len(computed)} rows, "
            f"e.g. {key}: computed {computed.get(key)}, stored {stored.get(key)}"
        )
    return not problems, len(full), {"sampled": len(chosen), "sample_rows": len(computed)}, problems


def measure(wave, *, today=None, out=print, sample: int = SAMPLE, seed: int = SEED) -> dict:
    """Time the evaluation and the bare GROUP BY, count queries, check the figures."""
    from django.db import connection
    from django.utils import timezone

    from assessments.models import CertificationStatus
    from portal.readiness.evaluation import wave_department_ids, wave_readiness

    today = today or timezone.localdate()
    assert CertificationStatus._meta.db_table == "assessments_certificationstatus"

    def heat_map():
        return wave_readiness(wave=wave, today=today, cells=False)

    def with_cells():
        return wave_readiness(wave=wave, today=today)

    heat_map()  # warm-up (caches, page cache)
    seconds, cpu, by_department = _best_of(heat_map)
    with_cells()
    cells_seconds, _cells_cpu, readiness = _best_of(with_cells)
    _raw(RAW_SQL)  # warm-up
    raw_seconds, raw_cpu, raw_rows = _best_of(lambda: _raw(RAW_SQL))
    queries = queries_of(heat_map)
    cell_queries = queries_of(with_cells)
    subset = sorted(wave_department_ids(wave))[:SUBSET]
    subset_queries = queries_of(
        lambda: wave_readiness(wave=wave, today=today, department_ids=subset, cells=False)
    )
    ratio = seconds / raw_seconds if raw_seconds else math.inf
    from assessments.models import Attempt
    from courses.models import LessonProgress
    from portal.org.models import Department, StaffMember

    staff = StaffMember.objects.count()
    departments = Department.objects.count()
    evidence = Attempt.objects.count() + LessonProgress.objects.count()
    line = (
        f"readiness: {staff:,} staff, {departments:,} departments, {evidence:,} evidence rows; "
        f"dashboard {seconds:.3f} s ({len(queries)} queries), raw GROUP BY {raw_seconds:.3f} s: "
        f"{ratio:.2f}x (target ≤ {TARGET_RATIO}x)"
    )
    out(line)
    out(
        f"    CPU: dashboard {cpu:.2f} s, raw GROUP BY {raw_cpu:.2f} s; "
        f"{len(by_department.departments):,} departments; database {connection.vendor}"
    )
    out(
        f"    with cells (department x role x shift, as the API and the evidence pack): "
        f"{cells_seconds:.3f} s ({len(cell_queries)} queries), "
        f"{sum(len(d.cells) for d in readiness.departments):,} cells, "
        f"{len(raw_rows):,} raw groups: {cells_seconds / raw_seconds:.2f}x"
    )
    out(
        f"    queries: {len(queries)} for the whole wave, {len(subset_queries)} for "
        f"{len(subset)} of its departments"
    )
    slowest = sorted(queries, key=lambda q: -float(q.get("time") or 0))[:3]
    out(
        "    slowest statements (capture run): "
        + "; ".join(f"{float(q['time']):.3f} s {q['sql'][:90]}…" for q in slowest)
    )
    clock = time.perf_counter()
    equal, cells, sampled, problems = figures_check(
        readiness, raw_rows, today=today, sample=sample, seed=seed, by_department=by_department
    )
    out(
        f"figures equal the recompute: {'yes' if equal else 'no'} ({cells:,} cells; plans_for "
        f"on {sampled['sampled']:,} staff, {sampled['sample_rows']:,} rows; "
        f"{time.perf_counter() - clock:.1f} s)"
    )
    for problem in problems[:10]:
        out(f"    {problem}")
    return {
        "line": line,
        "seconds": seconds,
        "raw_seconds": raw_seconds,
        "ratio": ratio,
        "cells_seconds": cells_seconds,
        "cell_queries": len(cell_queries),
        "queries": len(queries),
        "subset_queries": len(subset_queries),
        "query_sql": [q["sql"] for q in queries],
        "equal": equal,
        "cells": cells,
        "problems": problems,
        "readiness": readiness,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m bench.readiness",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--size", choices=list(SIZES), default="XL", type=str.upper)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--again",
        action="store_true",
        help="measure the wave the last run built (same database), without building again;"
        " --size is then ignored",
    )
    args = parser.parse_args(argv)

    from .setup import bench_flush, bench_setup, peak_rss_mb

    clock = time.perf_counter()
    database = bench_setup()
    if args.again:
        wave = last_wave()
        # A migration since may have rewritten the tables: what autovacuum would do by now.
        done = statistics_update()
        print(f"database: {database} (the hospital of the last run{'; ' + done if done else ''})")
    else:
        bench_flush()
        fast = sqlite_fast_writes()
        print(
            f"database: {database} (migrate + flush {time.perf_counter() - clock:.1f} s"
            + (f"; {fast}" if fast else "")
            + ")"
        )
        wave = data_build(args.size, seed=args.seed)["wave"]
    measure(wave, seed=args.seed)
    print(f"peak memory (maxrss, whole process): {peak_rss_mb():,.0f} MB")


def last_wave():
    """The wave the previous run built in this database (for --again)."""
    from portal.readiness.models import Wave

    wave = Wave.objects.filter(name=BENCH_WAVE).order_by("-pk").first()
    if wave is None:
        sys.exit("Nothing to measure again: run without --again first to build the hospital.")
    return wave


if __name__ == "__main__":
    main()
