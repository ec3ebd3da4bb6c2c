"""Enrolment benchmark: recompute every assignment of a large hospital.

    python -m bench.enrolment [--size XL] [--seed 2026]

Rebuilds the bench database (never the dev one: see bench/setup.py) with the generated hospital
of `--size` (bench.generate.build), adds course pages under the catalogue, ten curricula (every
job role, some limited to departments, two to four courses each, all three due rules, courses
shared between curricula) and rollout waves (a pilot wave, the rest later, some wards in a wave
of their own), then times `courses.services.enrolment.assignments_recompute`:

1. the first run for all staff (every assignment created),
2. a no-op second run (nothing changes),
3. a run after the pilot wave's go-live moved a week (due dates of the pilot staff change),
4. a run for 100 named staff (what a roster import or an admin edit queues).

The issue's target: all staff × 10 curricula (50,000 × 10 at XL) in under 60 s on this 2-core
machine. Numbers only: nothing here asserts anything about speed.
"""

import argparse
import gc
import logging
import time
from datetime import date, timedelta

from .generate import SEED, SIZES

TARGET_SECONDS = 60.0
FIRST_GO_LIVE = date(2026, 3, 2)
SECOND_GO_LIVE = date(2026, 6, 1)

# Courses: slug, English title, Chinese title.
COURSES = [
    ("his-basics", "HIS basics for everyone", "新系统基础（全员）"),
    ("privacy", "Patient privacy in the new HIS", "新系统中的患者隐私"),
    ("downtime", "Downtime procedures", "系统停机应急流程"),
    ("e-prescribing", "Outpatient e-prescribing", "门诊电子处方"),
    ("orders", "Inpatient orders", "住院医嘱"),
    ("clinical-notes", "Clinical notes and templates", "病历书写与模板"),
    ("bcma", "Barcode medication administration", "扫码给药"),
    ("nursing-charts", "Nursing charts and handover", "护理记录与交接班"),
    ("icu-monitoring", "ICU monitoring in the new HIS", "重症监护信息系统"),
    ("registration", "Registration", "挂号登记"),
    ("billing", "Billing and refunds", "收费与退费"),
    ("insurance", "Medical insurance settlement", "医保结算"),
    ("user-accounts", "User accounts and role permissions", "用户账号与角色权限"),
    ("reports", "Management reports", "管理报表"),
    ("ed-triage", "Emergency triage", "急诊分诊"),
]
FIXED, GO_LIVE, HIRE = "fixed", "before_go_live", "after_hire"
# Curricula: name, job role, top-level department codes it is limited to (empty: everywhere),
# items as (course slug, rule, date or days).
CURRICULA = [
    ("Doctors: core", "doctor", [], [
        ("his-basics", GO_LIVE, 28), ("e-prescribing", GO_LIVE, 14), ("orders", GO_LIVE, 14),
        ("clinical-notes", GO_LIVE, 7),
    ]),
    ("Doctors: newcomers", "doctor", [], [("his-basics", HIRE, 14), ("privacy", HIRE, 30)]),
    ("Doctors: emergency", "doctor", ["ED", "ICU"], [
        ("ed-triage", GO_LIVE, 21), ("downtime", FIXED, date(2026, 2, 1)),
        ("icu-monitoring", GO_LIVE, 10),
    ]),
    ("Nurses: core", "nurse", [], [
        ("his-basics", GO_LIVE, 28), ("bcma", GO_LIVE, 14), ("nursing-charts", GO_LIVE, 10),
    ]),
    ("Nurses: newcomers", "nurse", [], [("his-basics", HIRE, 14), ("privacy", HIRE, 30)]),
    ("Nurses: intensive care", "nurse", ["ICU", "NURS"], [
        ("icu-monitoring", GO_LIVE, 21), ("downtime", FIXED, date(2026, 2, 1)),
        ("bcma", FIXED, date(2026, 1, 15)), ("privacy", GO_LIVE, 30),
    ]),
    ("Cashiers: core", "cashier", [], [
        ("his-basics", GO_LIVE, 28), ("registration", GO_LIVE, 14), ("billing", GO_LIVE, 14),
    ]),
    ("Cashiers: billing office", "cashier", ["BILL", "FIN"], [
        ("insurance", GO_LIVE, 10), ("downtime", FIXED, date(2026, 2, 15)),
    ]),
    ("Admin staff: core", "admin", [], [
        ("his-basics", GO_LIVE, 28), ("user-accounts", GO_LIVE, 14), ("privacy", HIRE, 30),
    ]),
    ("Admin staff: reporting", "admin", ["HR", "MED", "QA", "IT"], [
        ("reports", FIXED, date(2026, 4, 30)), ("user-accounts", FIXED, date(2026, 2, 1)),
    ]),
]  # fmt: skip


def pages_ensure():
    """A flushed database has no page tree: the root, the home page, then the catalogue."""
    from django.conf import settings
    from django.utils.translation import get_supported_language_variant
    from wagtail.models import Locale, Page
    from wagtail.models import Site as WagtailSite

    from content.models import HomePage
    from courses.setup import catalogue_ensure

    Locale.objects.get_or_create(
        language_code=get_supported_language_variant(settings.LANGUAGE_CODE)
    )
    root = Page.get_first_root_node() or Page.add_root(title="Root", slug="root")
    if not HomePage.objects.exists():
        home = root.add_child(instance=HomePage(title="Readyline", slug="home"))
        WagtailSite.objects.get_or_create(
            hostname="localhost", defaults={"root_page": home, "is_default_site": True}
        )
    catalogue_ensure()


def courses_create() -> dict[str, int]:
    """Minimal published course pages (no lessons: the recompute does not read them)."""
    from courses.models import CourseIndexPage, CoursePage

    catalogue = CourseIndexPage.objects.get()
    pages = {}
    for slug, title, title_zh in COURSES:
        page = CoursePage.objects.filter(slug=slug).first() or catalogue.add_child(
            instance=CoursePage(title=title, title_zh=title_zh, slug=slug)
        )
        pages[slug] = page.pk
    return pages


def curricula_create(pages: dict[str, int]) -> int:
    from django.contrib.contenttypes.models import ContentType

    from courses.models import CoursePage, Curriculum, CurriculumItem
    from portal.org.models import Department, JobRole

    course_type = ContentType.objects.get_for_model(CoursePage)
    roles = dict(JobRole.objects.values_list("code", "pk"))
    departments = dict(Department.objects.values_list("code", "pk"))
    for name, role, limits, items in CURRICULA:
        curriculum = Curriculum.objects.create(name=name, job_role_id=roles[role])
        # Small hospitals lack some departments: a limited curriculum stays limited (to the
        # first department) rather than becoming hospital-wide.
        limited = [departments[c] for c in limits if c in departments]
        if limits and not limited:
            limited = [min(departments.values())]
        curriculum.departments.set(limited)
        CurriculumItem.objects.bulk_create(
            CurriculumItem(
                curriculum=curriculum,
                sort_order=order,
                content_type=course_type,
                object_id=pages[slug],
                due_rule=rule,
                due_date=value if rule == FIXED else None,
                due_days=None if rule == FIXED else value,
            )
            for order, (slug, rule, value) in enumerate(items, start=1)
        )
    return len(CURRICULA)


PILOT_WAVE = "Bench pilot"


def go_live_set() -> dict[str, int]:
    """Rollout waves: a pilot (every fifth top-level department), the rest three months later,
    and every seventh sub-department in a third wave a week after its parent's. Run again, the
    waves are reset to that."""
    from portal.org.models import Department
    from portal.readiness.models import Wave

    tops = list(Department.objects.filter(parent__isnull=True).order_by("code"))
    pilot = [d.pk for i, d in enumerate(tops) if i % 5 == 0]
    later = [d.pk for d in tops if d.pk not in set(pilot)]
    children = list(
        Department.objects.filter(parent__isnull=False)
        .order_by("code")
        .values_list("pk", flat=True)
    )
    own = children[::7]
    for name, day, departments in (
        (PILOT_WAVE, FIRST_GO_LIVE, pilot),
        ("Bench hospital-wide", SECOND_GO_LIVE, later),
        ("Bench wards a week later", SECOND_GO_LIVE + timedelta(days=7), own),
    ):
        wave, _created = Wave.objects.update_or_create(
            name=name, defaults={"go_live_date": day, "status": Wave.Status.TRAINING}
        )
        wave.departments.set(departments)
    return {"pilot": len(pilot), "later": len(later), "own date": len(own)}


def recompute_timed(**kwargs) -> tuple[float, float, dict]:
    from courses.services.enrolment import assignments_recompute

    gc.collect()
    cpu, clock = time.process_time(), time.perf_counter()
    counts = assignments_recompute(**kwargs)
    return time.perf_counter() - clock, time.process_time() - cpu, counts


def _counts(counts: dict) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in counts.items())


def target_line(label: str, seconds: float, cpu: float, counts: dict) -> str:
    return (
        f"{label}: {seconds:.1f} s ({seconds / TARGET_SECONDS:.2f} × the {TARGET_SECONDS:g} s "
        f"target; CPU {cpu:.1f} s)\n    {_counts(counts)}"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m bench.enrolment",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--size", choices=list(SIZES), default="XL", type=str.upper)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)

    from .generate import build, report
    from .setup import bench_flush, bench_setup, peak_rss_mb

    clock = time.perf_counter()
    database = bench_setup()
    migrated = time.perf_counter() - clock
    bench_flush()
    print(f"database: {database} (migrate {migrated:.1f} s)")
    result = build(args.size, seed=args.seed)
    print(report(result))

    from portal.org.models import StaffMember

    # Wagtail logs every page it creates; the bench prints its own summary.
    logging.getLogger("wagtail").setLevel(logging.WARNING)
    pages_ensure()
    pages = courses_create()
    curricula = curricula_create(pages)
    waves = go_live_set()
    staff = StaffMember.objects.count()
    print(
        f"courses {len(pages)}, curricula {curricula}; go-live: "
        + ", ".join(f"{k} {v}" for k, v in waves.items())
    )

    label = f"recompute {staff:,} staff × {curricula} curricula"
    seconds, cpu, counts = recompute_timed()
    print(target_line(label, seconds, cpu, counts))
    seconds, cpu, counts = recompute_timed()
    print(target_line(f"no-op second run, {staff:,} staff", seconds, cpu, counts))

    from portal.readiness.models import Wave

    Wave.objects.filter(name=PILOT_WAVE).update(go_live_date=FIRST_GO_LIVE + timedelta(days=7))
    seconds, cpu, counts = recompute_timed()
    print(target_line("after the pilot's go-live moved a week, all staff", seconds, cpu, counts))

    some = list(StaffMember.objects.order_by("?").values_list("pk", flat=True)[:100])
    seconds, cpu, counts = recompute_timed(staff_ids=some)
    print(f"recompute 100 named staff: {seconds:.2f} s (CPU {cpu:.2f} s)\n    {_counts(counts)}")
    print(f"peak memory (maxrss): {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
