"""Build a synthetic hospital through the portal's own bulk services.

    python -m bench.generate --size XS|S|M|L|XL [--seed N] [--certification]

Empties the bench database (never the dev one: see bench/setup.py), then creates departments with
`departments_bulk_upsert` and staff by checking roster records with `roster_check` and applying
them with `roster_plan_apply(..., invite=False)`, the path a roster import takes. The data are
drawn from a seeded generator, so a size is the same hospital on every machine. With
`--certification`, it then adds certification tracks, exam attempts and certificates for everyone
(bench/certification_data.py).
"""

import argparse
import random
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

# size: (staff, departments)
SIZES = {
    "XS": (50, 5),
    "S": (500, 20),
    "M": (5_000, 100),
    "L": (20_000, 400),
    "XL": (50_000, 1_000),
}
SEED = 2026
EMAIL_DOMAIN = "hospital.example"
# Hire dates count back from a fixed day, so the data do not change with the calendar.
REFERENCE_DAY = date(2025, 6, 30)

# Top-level departments, in the order small hospitals get them (the first few cover every kind of
# staff): code, English, Chinese, kind.
SPECIALTIES = [
    ("ED", "Emergency", "急诊科", "clinical"),
    ("BILL", "Billing office", "收费处", "finance"),
    ("IM", "Internal medicine", "大内科", "clinical"),
    ("NURS", "Nursing department", "护理部", "nursing"),
    ("GS", "General surgery", "普外科", "clinical"),
    ("HR", "Human resources", "人力资源部", "administration"),
    ("CARD", "Cardiology", "心内科", "clinical"),
    ("PHARM", "Pharmacy", "药剂科", "pharmacy"),
    ("PAED", "Paediatrics", "儿科", "clinical"),
    ("LAB", "Clinical laboratory", "检验科", "medtech"),
    ("OBGYN", "Obstetrics and gynaecology", "妇产科", "clinical"),
    ("IT", "Information technology", "信息科", "it"),
    ("ORTH", "Orthopaedics", "骨科", "clinical"),
    ("RAD", "Radiology", "放射科", "medtech"),
    ("NEUR", "Neurology", "神经内科", "clinical"),
    ("FIN", "Finance", "财务科", "finance"),
    ("RESP", "Respiratory medicine", "呼吸内科", "clinical"),
    ("ICU", "Intensive care", "重症医学科", "clinical"),
    ("OPD", "Outpatients", "门诊部", "clinical"),
    ("QA", "Quality management", "质量管理科", "administration"),
    ("GAST", "Gastroenterology", "消化内科", "clinical"),
    ("NSUR", "Neurosurgery", "神经外科", "clinical"),
    ("ONC", "Oncology", "肿瘤科", "clinical"),
    ("US", "Ultrasound", "超声科", "medtech"),
    ("URO", "Urology", "泌尿外科", "clinical"),
    ("ENDO", "Endocrinology", "内分泌科", "clinical"),
    ("MED", "Medical affairs", "医务处", "administration"),
    ("NEPH", "Nephrology", "肾内科", "clinical"),
    ("ENT", "Otolaryngology", "耳鼻喉科", "clinical"),
    ("OPH", "Ophthalmology", "眼科", "clinical"),
    ("CSUR", "Cardiothoracic surgery", "心胸外科", "clinical"),
    ("DERM", "Dermatology", "皮肤科", "clinical"),
    ("ANES", "Anaesthesiology", "麻醉科", "clinical"),
    ("TCM", "Traditional Chinese medicine", "中医科", "clinical"),
    ("REHAB", "Rehabilitation", "康复医学科", "clinical"),
    ("PATH", "Pathology", "病理科", "medtech"),
    ("INF", "Infectious diseases", "感染科", "clinical"),
    ("STOM", "Stomatology", "口腔科", "clinical"),
    ("LOG", "Logistics", "后勤保障部", "other"),
    ("GER", "Geriatrics", "老年医学科", "clinical"),
]
CAMPUSES = [
    ("", "", "本部"),  # the main campus keeps the bare code and name
    ("E", "East campus", "东院"),
    ("W", "West campus", "西院"),
    ("N", "North campus", "北院"),
    ("S", "South campus", "南院"),
]
# What a sub-department of each kind is called: English, Chinese (with {n} for its number).
UNITS = {
    "clinical": ("ward {n}", "{n}病区"),
    "nursing": ("nursing unit {n}", "护理单元{n}"),
    "finance": ("billing point {n}", "收费点{n}"),
    "administration": ("section {n}", "{n}组"),
    "it": ("team {n}", "{n}组"),
    "pharmacy": ("dispensary {n}", "{n}号药房"),
    "medtech": ("unit {n}", "{n}室"),
    "other": ("team {n}", "{n}班组"),
}
# How many sub-departments a top-level department of each kind gets per round of the allocation.
UNITS_PER_ROUND = {
    "clinical": 4,
    "nursing": 2,
    "finance": 1,
    "administration": 1,
    "it": 1,
    "pharmacy": 1,
    "medtech": 2,
    "other": 1,
}
# Relative headcount of a department by kind (a sub-department, e.g. a ward, gets the full weight,
# its top-level department 60% of it, a team inside a ward 50%).
KIND_WEIGHT = {
    "clinical": 3.0,
    "nursing": 2.5,
    "finance": 1.5,
    "administration": 0.6,
    "it": 0.5,
    "pharmacy": 1.0,
    "medtech": 1.5,
    "other": 0.8,
}
# Job-role mix by department kind (the seeded roles: doctor, nurse, cashier, admin; pharmacists and
# technicians are filed under admin).
ROLE_MIX = {
    "clinical": {"doctor": 0.36, "nurse": 0.56, "admin": 0.08},
    "nursing": {"nurse": 0.92, "admin": 0.08},
    "finance": {"cashier": 0.85, "admin": 0.15},
    "administration": {"admin": 0.95, "nurse": 0.05},
    "it": {"admin": 1.0},
    "pharmacy": {"admin": 0.9, "cashier": 0.1},
    "medtech": {"doctor": 0.45, "admin": 0.55},
    "other": {"admin": 1.0},
}
SHIFT_MIX = {
    "doctor": {"day": 0.7, "evening": 0.15, "night": 0.15},
    "nurse": {"day": 0.5, "evening": 0.25, "night": 0.25},
    "cashier": {"day": 0.6, "evening": 0.3, "night": 0.1},
    "admin": {"day": 0.9, "": 0.1},
}
TITLES = {
    "doctor": ["住院医师", "住院医师", "主治医师", "主治医师", "副主任医师", "主任医师"],
    "nurse": ["护士", "护士", "护师", "护师", "主管护师", "副主任护师"],
    "cashier": ["收费员", "收费员", "收费组长"],
    "admin": ["科员", "科员", "技师", "主管技师", "科长"],
}
EMAIL_SHARE = 0.97  # the rest have no login yet
ACTIVE_SHARE = 0.98  # the rest are on the roster as inactive (leave, left)


def _numbered(template: str, number: int) -> str:
    return template.format(n=number)


@dataclass
class Department:
    code: str
    name: str
    name_zh: str
    kind: str
    parent_code: str
    weight: float

    def as_row(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "name_zh": self.name_zh,
            "kind": self.kind,
            "parent_code": self.parent_code,
        }


def department_tree(count: int) -> list[Department]:
    """`count` departments: a fifth are top-level (specialties, then the same on other campuses),
    the rest sub-departments (wards, units) of them, and every fifth of those a team inside a
    sub-department, so the tree is three levels deep. Parents come before their children."""
    tops_count = min(count, max(2, count // 5))
    tops: list[Department] = []
    for index in range(tops_count):
        code, name, name_zh, kind = SPECIALTIES[index % len(SPECIALTIES)]
        campus = index // len(SPECIALTIES)
        suffix, campus_en, campus_zh = CAMPUSES[campus % len(CAMPUSES)]
        if campus >= len(CAMPUSES):
            suffix, campus_en = f"{suffix}{campus // len(CAMPUSES) + 1}", f"{campus_en} II"
        if suffix:
            code, name, name_zh = f"{code}-{suffix}", f"{name} ({campus_en})", campus_zh + name_zh
        tops.append(Department(code, name, name_zh, kind, "", KIND_WEIGHT[kind] * 0.6))

    top_codes = {t.code for t in tops}
    # Tops in turn, each as often per round as its kind has sub-departments (wards outnumber
    # billing points).
    rounds = max(UNITS_PER_ROUND.values())
    parents = [t for r in range(rounds) for t in tops if UNITS_PER_ROUND[t.kind] > r]
    children: list[Department] = []
    units: Counter[str] = Counter()
    for index in range(count - tops_count):
        if index % 5 == 4 and children:
            # A team inside a sub-department created earlier.
            parent = children[(index // 5) % len(children)]
            if parent.parent_code not in top_codes:
                parent = next(c for c in children if c.code == parent.parent_code)
            weight = KIND_WEIGHT[parent.kind] * 0.5
            team_en, team_zh = "team {n}", "{n}组"
        else:
            parent = parents[index % len(parents)]
            weight = KIND_WEIGHT[parent.kind]
            team_en, team_zh = UNITS[parent.kind]
        units[parent.code] += 1
        n = units[parent.code]
        children.append(
            Department(
                code=f"{parent.code}-{n:02d}" if not parent.parent_code else f"{parent.code}-T{n}",
                name=f"{parent.name}, {_numbered(team_en, n)}",
                name_zh=parent.name_zh + _numbered(team_zh, n),
                kind=parent.kind,
                parent_code=parent.code,
                weight=weight,
            )
        )
    return tops + children


def _pick(rng: random.Random, mix: dict[str, float]) -> str:
    return rng.choices(list(mix), weights=list(mix.values()))[0]


def staff_records(
    count: int,
    departments: list[Department],
    *,
    seed: int = SEED,
    prefix: str = "H",
) -> list[dict]:
    """`count` roster records (dicts with the roster's COLUMNS) for staff spread over the
    departments by their weight. Employee numbers are `prefix` + six digits; emails follow them,
    so two prefixes never collide."""
    from portal.demo.names import chinese_names

    rng = random.Random(f"{seed}-{prefix}")
    names = chinese_names(count, seed=seed)
    weights = [d.weight for d in departments]
    records = []
    for index in range(count):
        department = rng.choices(departments, weights=weights)[0]
        role = _pick(rng, ROLE_MIX[department.kind])
        number = f"{prefix}{100_001 + index:06d}"
        records.append(
            {
                "employee_no": number,
                "full_name": names[index],
                "email": f"{number.lower()}@{EMAIL_DOMAIN}" if rng.random() < EMAIL_SHARE else "",
                "department_code": department.code,
                "role_code": role,
                "title": rng.choice(TITLES[role]),
                "shift": _pick(rng, SHIFT_MIX[role]),
                "hire_date": (
                    REFERENCE_DAY - timedelta(days=rng.randint(30, 35 * 365))
                ).isoformat(),
                "active": "yes" if rng.random() < ACTIVE_SHARE else "no",
            }
        )
    return records


def reference_data_ensure() -> None:
    """Role groups, and the default job roles and shifts (a flush removes them)."""
    from portal.accounts.roles import roles_sync
    from portal.org.reference import reference_data_ensure as org_reference_data_ensure

    roles_sync()
    org_reference_data_ensure()


def build(size: str, *, seed: int = SEED) -> dict:
    """Create the hospital of `size` in the current database (which should be empty of staff).
    Returns what was built and how long each step took. Used by the CLI and the tests."""
    from portal.org.roster import roster_check
    from portal.org.services import departments_bulk_upsert, roster_plan_apply

    staff_count, department_count = SIZES[size]
    timings: dict[str, float] = {}
    started, cpu = time.perf_counter(), time.process_time()

    clock = time.perf_counter()
    reference_data_ensure()
    timings["reference data"] = time.perf_counter() - clock

    clock = time.perf_counter()
    departments = department_tree(department_count)
    departments_bulk_upsert(rows=[d.as_row() for d in departments])
    timings["departments"] = time.perf_counter() - clock

    clock = time.perf_counter()
    records = staff_records(staff_count, departments, seed=seed)
    timings["records"] = time.perf_counter() - clock

    clock = time.perf_counter()
    plan = roster_check(records)
    timings["roster_check"] = time.perf_counter() - clock
    if plan.errors:
        raise RuntimeError(f"generated roster does not check: {plan.errors[:3]}")

    clock = time.perf_counter()
    summary = roster_plan_apply(
        plan=plan,
        actor=None,
        deactivate_missing=False,
        source=f"bench generator ({size})",
        invite=False,
    )
    timings["roster_plan_apply"] = time.perf_counter() - clock
    timings["total"] = time.perf_counter() - started
    # CPU time of this process: less disturbed than the wall clock by other work on the machine.
    timings["cpu"] = time.process_time() - cpu

    depth = {d.code: 0 for d in departments}
    for d in departments:
        if d.parent_code:
            depth[d.code] = depth[d.parent_code] + 1
    return {
        "size": size,
        "seed": seed,
        "departments": len(departments),
        "levels": Counter(depth.values()),
        "staff": staff_count,
        "roles": Counter(r["role_code"] for r in records),
        "shifts": Counter(r["shift"] or "(none)" for r in records),
        "logins": sum(1 for r in records if r["email"]),
        "inactive": sum(1 for r in records if r["active"] == "no"),
        "summary": summary,
        "timings": timings,
    }


def _share(counter: Counter, total: int) -> str:
    return ", ".join(f"{k} {v:,} ({v / total:.0%})" for k, v in counter.most_common())


def report(result: dict) -> str:
    staff = result["staff"]
    levels = result["levels"]
    timings = result["timings"]
    lines = [
        f"hospital {result['size']} (seed {result['seed']}):",
        f"  departments: {result['departments']:,} "
        f"({levels[0]} top-level, {levels[1]} sub-departments, {levels[2]} teams)",
        f"  staff: {staff:,}: {_share(result['roles'], staff)}",
        f"  shifts: {_share(result['shifts'], staff)}",
        f"  logins: {result['logins']:,}; inactive on the roster: {result['inactive']:,}",
        "  time: "
        + ", ".join(f"{k} {v:.2f} s" for k, v in timings.items() if k not in ("total", "cpu"))
        + f"; total {timings['total']:.2f} s, {staff / timings['total']:,.0f} staff/s "
        f"(CPU {timings['cpu']:.2f} s)",
    ]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--size", choices=list(SIZES), required=True, type=str.upper)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--certification",
        action="store_true",
        help="then add certification tracks, exam attempts and certificates for everyone",
    )
    args = parser.parse_args(argv)

    from .setup import bench_flush, bench_setup, peak_rss_mb

    clock = time.perf_counter()
    database = bench_setup()
    migrated = time.perf_counter() - clock
    clock = time.perf_counter()
    bench_flush()
    flushed = time.perf_counter() - clock
    print(f"database: {database} (migrate {migrated:.1f} s, flush {flushed:.1f} s)")
    result = build(args.size, seed=args.seed)
    print(report(result))
    if args.certification:
        import sys

        from . import certification_data

        evidence = certification_data.evidence_build(seed=args.seed, stdout=sys.stdout)
        print(certification_data.report(evidence))
    print(f"  peak memory (maxrss): {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
