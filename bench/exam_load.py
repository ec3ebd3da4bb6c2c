"""Exam load benchmark: hundreds of staff taking one timed exam at once, against gunicorn and
PostgreSQL on loopback, beside a baseline that does the least an authenticated save can do.

    python -m bench.exam_load [--users 500] [--duration 180] [--workers 4] [--threads 4]

Sets up a PostgreSQL database of its own (readyline_bench_exam on 127.0.0.1:5432 as postgres,
or --database-url; created when missing, migrated, then flushed: never point it at data you
want to keep), creates the examinees (users, staff records, signed-in sessions) in bulk and one
published exam of 20 questions, starts gunicorn with bench.settings (production settings over
loopback HTTP, DEBUG off) and runs bench.exam_locustfile in a child process:

1. synchronised start: all examinees POST start at the same instant;
2. steady state (--duration): examinees answer every 30-90 s (saved at once) and autosave every
   15 s; as many baseline users send the same bodies on the same schedule to /bench/upsert/;
3. saturation: 50 users save back to back, 50 upsert back to back, 20 s each, in alternating
   slices of 5 s (never together);
4. every examinee submits.

Then it checks the database (one attempt per examinee, every accepted answer stored) and prints
throughput, latency, errors, the ratios to the baseline and the issue's targets. Numbers and
PASS/FAIL words only: it asserts nothing and always exits 0 once it has run.
"""

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from .setup import BENCH_VAR_DIR, ROOT

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/readyline_bench_exam"
PLACEHOLDER = 987654321  # stands for the attempt id in the URLs handed to the load generator
TARGET_USERS, TARGET_RATIO, TARGET_START_SECONDS = 500, 0.5, 30.0

# (type, English text, Chinese text, answers as (text, percent[, extra fields])).
QUESTIONS = [
    ("single", "Before giving a medication, how do you confirm the patient's identity?",
     "给药前如何核对患者身份？",
     [("Scan the wristband", 100), ("Ask the bed number", 0), ("Ask a relative", 0),
      ("Read the name on the door", 0)]),
    ("single", "Where does the new HIS show a patient's allergies?",
     "新系统在哪里显示患者过敏信息？",
     [("In the banner at the top of the chart", 100), ("On the billing screen", 0),
      ("Only on the paper chart", 0)]),
    ("single", "An order was entered for the wrong patient. What do you do?",
     "医嘱开错了患者，应该怎么办？",
     [("Discontinue it and enter it for the right patient", 100),
      ("Change the patient name on the order", 0), ("Leave it", 0)]),
    ("single", "What does a red alert in order entry mean?", "医嘱录入中的红色警示表示什么？",
     [("A hard stop: resolve it before signing", 100), ("Information only", 0),
      ("The printer is offline", 0)]),
    ("single", "Who may authorise a refund at the cashier desk?", "收费处谁可以批准退费？",
     [("A supervisor with the refund permission", 100), ("Any cashier", 0),
      ("The patient", 0)]),
    ("single", "During HIS downtime, how are orders recorded?", "系统停机期间如何记录医嘱？",
     [("On the downtime forms, entered afterwards", 100), ("Not at all", 0),
      ("By telephone only", 0)]),
    ("single", "What do you do when you leave a workstation?", "离开工作站时应该怎么做？",
     [("Lock the screen or sign out", 100), ("Stay signed in for the next colleague", 0),
      ("Switch off the monitor", 0)]),
    ("single", "A medication barcode does not scan. What next?", "药品条码扫不出来怎么办？",
     [("Check it against the order by hand and report the label", 100),
      ("Give it without checking", 0), ("Scan a similar package instead", 0)]),
    ("multiple", "Which of these identify a patient?", "以下哪些可以识别患者身份？",
     [("Full name", 50), ("Date of birth", 50), ("Bed number", -50)]),
    ("multiple", "What does a complete medication order include?", "完整的用药医嘱包括哪些内容？",
     [("Drug", 33.33333), ("Dose", 33.33333), ("Route", 33.33334), ("Ward colour", -100)]),
    ("multiple", "Which actions are written to the audit trail?", "哪些操作会记入审计日志？",
     [("Opening a record", 50), ("Changing an order", 50), ("Moving the mouse", -100)]),
    ("truefalse", "You may share your HIS password with a trusted colleague.",
     "可以把系统密码告诉信任的同事。", [("true", 0), ("false", 100)]),
    ("truefalse", "A signed order reaches the pharmacy without a phone call.",
     "签署的医嘱无需电话即可到达药房。", [("true", 100), ("false", 0)]),
    ("truefalse", "A cancelled bill can be reprinted as paid.", "作废的账单可以作为已付重新打印。",
     [("true", 0), ("false", 100)]),
    ("shortanswer", "What do you scan before giving a medication? (one word)",
     "给药前要扫描什么？（一个词）", [("wristband", 100), ("barcode", 50)]),
    ("shortanswer", "Which keys lock a Windows workstation?", "哪个组合键可以锁定 Windows 工作站？",
     [("Win*L", 100)]),
    ("numerical", "How many patient identifiers must match before a transfusion?",
     "输血前至少需要核对几个患者身份标识？", [("2", 100)]),
    ("numerical", "A drip runs at 50 ml/h. How many ml run in 6 minutes?",
     "输液速度 50 ml/h，6 分钟输入多少 ml？", [("5", 100, {"tolerance": Decimal("0.5")})]),
    ("matching", "Match each role with the screen it uses most.", "将岗位与其最常用的界面配对。",
     [("Doctor", 0, {"match": "Order entry"}), ("Nurse", 0, {"match": "Medication"}),
      ("Cashier", 0, {"match": "Billing"}), ("Admin staff", 0, {"match": "User accounts"})]),
    ("essay", "Describe what you do when the HIS is down at the start of a night shift.",
     "描述夜班开始时系统停机你会怎么做。", []),
]  # fmt: skip


# --- database -------------------------------------------------------------------------------


def postgres_ensure(url: str) -> str:
    """Create the bench database when missing; exit with a clear message when PostgreSQL is
    absent. Returns the server version."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit(f"The exam load bench needs PostgreSQL; {url!r} is not a postgres:// URL.")
    name = parts.path.lstrip("/")
    where = f"{parts.hostname or 'localhost'}:{parts.port or 5432}"
    try:
        with psycopg.connect(
            host=parts.hostname or "localhost",
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password,
            dbname="postgres",
            connect_timeout=5,
            autocommit=True,
        ) as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not found:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return conn.execute("SHOW server_version").fetchone()[0].split()[0]
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        sys.exit(
            f"PostgreSQL is not reachable at {where} ({first}).\n"
            "The exam load bench runs only on PostgreSQL (the issue's target is PostgreSQL on "
            "loopback): start it, or pass --database-url postgres://USER@HOST:PORT/NAME."
        )


def django_setup(url: str) -> dict:
    """Configure Django with bench.settings on the bench database and migrate it. Returns the
    environment the gunicorn workers need (the same database, the same secret key)."""
    import django

    developer_url = os.environ.get("DATABASE_URL", "")
    if developer_url and developer_url == url:
        sys.exit("The bench database is DATABASE_URL: the bench flushes its database.")
    server_env = {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": url,
        # Sessions are signed with it: the bench writes them, the workers read them.
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "READYLINE_VAR_DIR": str(BENCH_VAR_DIR),
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "filesystem://",
        "DEBUG": "False",
    }
    os.environ.update(server_env)
    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    return server_env


def data_reset() -> None:
    from bench.baseline import baseline_table_ensure
    from bench.generate import reference_data_ensure
    from bench.setup import bench_flush
    from content.setup import site_tree_ensure

    bench_flush()
    reference_data_ensure()
    site_tree_ensure()
    baseline_table_ensure()


def examinees_create(count: int) -> list:
    """`count` users with a staff record each (nurses of one ward, learners), in bulk. No
    password: they sign in through the sessions below."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from portal.accounts.roles import LEARNER
    from portal.org.models import Department, JobRole, StaffMember

    user_model = get_user_model()
    ward = Department.objects.create(
        code="BENCH-WARD", name="Bench ward", name_zh="压测病区", kind=Department.Kind.NURSING
    )
    nurse = JobRole.objects.get(code="nurse")
    users = user_model.objects.bulk_create(
        user_model(
            email=f"examinee{i:05d}@bench.invalid",
            first_name=f"Examinee {i}",
            password=make_password(None),
        )
        for i in range(count)
    )
    StaffMember.objects.bulk_create(
        StaffMember(
            user=user,
            employee_no=f"BX{i:05d}",
            full_name=f"考生 {i}",
            department=ward,
            job_role=nurse,
        )
        for i, user in enumerate(users)
    )
    learners = Group.objects.get(name=LEARNER)
    user_model.groups.through.objects.bulk_create(
        user_model.groups.through(user_id=user.pk, group_id=learners.pk) for user in users
    )
    return users


def sessions_create(users) -> list[str]:
    """A signed-in session per user, written as django.contrib.auth.login writes it: the bench
    measures exams, not password hashing (a PBKDF2 sign-in costs ~0.3 s of CPU by design)."""
    from datetime import timedelta

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    store = SessionStore()
    expires = timezone.now() + timedelta(days=1)
    keys, rows = [], []
    for user in users:
        key = store._get_new_session_key()
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
        keys.append(key)
    Session.objects.bulk_create(rows)
    return keys


def exam_create():
    """One published exam of the QUESTIONS in this order (not shuffled, so the load generator
    knows each position's type; answers shuffled), 5 per page, 2 hours. Returns the exam and
    what the load generator needs to answer each position."""
    from assessments.models import Exam, ExamSlot, Question, QuestionAnswer, QuestionCategory
    from assessments.services.bank import question_version_ensure

    category = QuestionCategory.objects.create(name="Bench", name_zh="压测")
    exam = Exam.objects.create(
        title="HIS go-live exam (bench)",
        title_zh="新系统上线考试（压测）",
        intro="20 questions, 2 hours.",
        time_limit_minutes=120,
        max_attempts=3,
        pass_mark_percent=80,
        shuffle_questions=False,
        shuffle_answers=True,
        questions_per_page=5,
        published=True,
    )
    described = []
    for order, (qtype, text, text_zh, answers) in enumerate(QUESTIONS):
        question = Question.objects.create(
            category=category,
            qtype=qtype,
            name=f"Bench {order + 1}",
            text=f"<p>{text}</p>",
            text_zh=f"<p>{text_zh}</p>",
            general_feedback="<p>See the ward handbook.</p>",
        )
        QuestionAnswer.objects.bulk_create(
            QuestionAnswer(
                question=question,
                sort_order=i,
                text=row[0],
                fraction=Decimal(str(row[1])),
                **(row[2] if len(row) > 2 else {}),
            )
            for i, row in enumerate(answers)
        )
        question_version_ensure(question=question)
        ExamSlot.objects.create(exam=exam, question=question, sort_order=order)
        described.append(
            {
                "qtype": qtype,
                "answers": len(answers),
                "rows": [i for i, row in enumerate(answers) if row[0]],
            }
        )
    return exam, described


def urls(exam, *, baseline_only: bool) -> dict:
    from django.urls import NoReverseMatch, reverse

    found = {"baseline": reverse("bench_upsert"), "placeholder": str(PLACEHOLDER)}
    if baseline_only:
        return found
    try:
        found["detail"] = reverse("assessments:exam_detail", args=[exam.pk])
        found["start"] = reverse("assessments:attempt_start", args=[exam.pk])
        for key, name in (("page", "attempt_page"), ("save", "attempt_save")):
            found[key] = reverse(f"assessments:{name}", args=[PLACEHOLDER])
        found["submit"] = reverse("assessments:attempt_submit", args=[PLACEHOLDER])
    except NoReverseMatch as exc:
        sys.exit(f"The learner exam views are not there ({exc}); --baseline-only runs the rest.")
    return found


# --- server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn_start(env: dict, port: int, workers: int, threads: int, log: Path):
    command = [
        sys.executable, "-m", "gunicorn", "portal.wsgi:application",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--worker-class", "gthread" if threads > 1 else "sync",
        "--threads", str(threads),
        "--backlog", "2048",
        "--keep-alive", "75",
        "--timeout", "120",
        "--log-level", "warning",
    ]  # fmt: skip
    out = open(log, "w")  # noqa: SIM115 (closed when the server is stopped)
    server = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
    )
    server.log_file = out
    deadline = time.time() + 60
    while time.time() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited ({server.returncode}):\n{log_tail(log)}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/upsert/", timeout=2)
        except urllib.error.HTTPError as exc:
            if exc.code == 405:  # up: the baseline view refuses GET
                return server
        except OSError:
            pass
        time.sleep(0.3)
    gunicorn_stop(server)
    sys.exit(f"gunicorn did not answer within 60 s:\n{log_tail(log)}")


def gunicorn_stop(server) -> None:
    if server.poll() is None:
        server.terminate()  # graceful: the master stops its workers
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    server.log_file.close()


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def warm_up(host: str, paths: list[str], session: str, csrf: str, requests: int) -> int:
    """Let every worker import the views and open its database connections before anything is
    measured. Returns how many requests failed."""

    def one(i: int) -> bool:
        path = paths[i % len(paths)]
        post = path.startswith("/bench/")
        request = urllib.request.Request(
            host + path,
            data=b'{"answers": [], "page": 0}' if post else None,
            headers={
                "Cookie": f"sessionid={session}; csrftoken={csrf}",
                "X-CSRFToken": csrf,
                "Content-Type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status == 200
        except OSError:
            return False

    with ThreadPoolExecutor(max_workers=16) as pool:
        return sum(1 for ok in pool.map(one, range(requests)) if not ok)


def generator_run(plan: dict, out_dir: Path, *, limit: float) -> dict:
    """Run the load generator (bench.exam_locustfile) in a child process: Locust patches the
    standard library for gevent on import, which this Django process must not have."""
    plan_path, result_path = out_dir / "plan.json", out_dir / "result.json"
    log = out_dir / "locust.log"
    plan_path.write_text(json.dumps(plan))
    result_path.unlink(missing_ok=True)
    command = [sys.executable, "-m", "bench.exam_locustfile", str(plan_path), str(result_path)]
    with open(log, "w") as out:
        try:
            # Every phase has its own time limit inside; this one only stops a hung generator.
            done = subprocess.run(
                command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, timeout=limit
            )
        except subprocess.TimeoutExpired:
            sys.exit(f"the load generator did not finish in {limit:.0f} s: {log}")
    if done.returncode != 0 or not result_path.exists():
        sys.exit(f"the load generator failed:\n{log_tail(log)}")
    return json.loads(result_path.read_text())


# --- checks ---------------------------------------------------------------------------------


def database_check(exam, examinees: int, saved: dict) -> dict:
    """What the database holds after the run: one attempt per examinee, and every answer the
    server accepted (the last one per question) stored as sent."""
    from django.db.models import Count

    from assessments.models import Attempt, AttemptQuestion

    attempts = Attempt.objects.filter(exam=exam)
    per_staff = attempts.values("staff").annotate(n=Count("pk"))
    stored = {
        (attempt, position): response
        for attempt, position, response in AttemptQuestion.objects.filter(
            attempt__exam=exam
        ).values_list("attempt_id", "position", "response")
    }
    checked = lost = 0
    for attempt, answers in saved.items():
        for position, response in answers.items():
            checked += 1
            if stored.get((int(attempt), int(position))) != response:
                lost += 1
    return {
        "attempts": attempts.count(),
        "examinees_with_attempt": per_staff.count(),
        "examinees_with_two": sum(1 for row in per_staff if row["n"] > 1),
        "finished": attempts.filter(state=Attempt.State.FINISHED).count(),
        "answers_checked": checked,
        "answers_lost": lost,
        "examinees": examinees,
    }


def server_errors(log: Path) -> int:
    """Tracebacks and 5xx lines the workers logged (DEBUG is off: Django logs each 500)."""
    text = log.read_text(errors="replace") if log.exists() else ""
    return text.count("Traceback (most recent call last)") + text.count("WORKER TIMEOUT")


# --- report ---------------------------------------------------------------------------------


def _ms(value) -> str:
    return "-" if value is None else f"{value:,.0f} ms"


def _rate(value) -> str:
    return "-" if value is None else f"{value:,.1f} req/s"


def _ratio(a, b) -> float | None:
    return a / b if a is not None and b else None


def _x(value) -> str:
    return "-" if value is None else f"{value:.2f}×"


def _line(label: str, s: dict) -> str:
    return (
        f"  {label:<9} {s['count']:>7,} requests, {_rate(s['rps'])}, p50 {_ms(s['p50'])}, "
        f"p95 {_ms(s['p95'])}, p99 {_ms(s['p99'])}, errors {s['errors']:,}"
    )


def verdict(ok: bool | None) -> str:
    return "n/a " if ok is None else ("PASS" if ok else "FAIL")


def figures(result: dict, checks: dict, args, server_error_count: int) -> dict:
    """The report as one dict (printed below; --json writes it)."""
    steady, saturation, start = result["steady"], result["saturation"], result["start"]
    examinee_errors = sum(
        n for name, n in result["failures"].items() if not name.startswith("upsert")
    )
    baseline_errors = sum(n for name, n in result["failures"].items() if name.startswith("upsert"))
    steady_ratio = _ratio(steady["save"]["rps"], steady["upsert"]["rps"])
    saturation_ratio = _ratio(saturation["save"]["rps"], saturation["upsert"]["rps"])
    errors = examinee_errors + checks.get("answers_lost", 0) + server_error_count
    if not args.baseline_only:
        errors += abs(checks["examinees"] - checks["examinees_with_attempt"])
        errors += checks["examinees_with_two"]
    return {
        "examinees": args.users,
        "duration": steady["seconds"],
        "saves": steady["save"]["count"],
        "throughput": steady["save"]["rps"],
        "p50": steady["save"]["p50"],
        "p95": steady["save"]["p95"],
        "errors": errors,
        "examinee_request_errors": examinee_errors,
        "server_errors_logged": server_error_count,
        "baseline": {
            "throughput": steady["upsert"]["rps"],
            "p50": steady["upsert"]["p50"],
            "p95": steady["upsert"]["p95"],
            "errors": baseline_errors,
        },
        "ratio": steady_ratio,
        "latency_ratio": {
            "p50": _ratio(steady["save"]["p50"], steady["upsert"]["p50"]),
            "p95": _ratio(steady["save"]["p95"], steady["upsert"]["p95"]),
        },
        "steady": {"save": steady["save"], "upsert": steady["upsert"]},
        "saturation": {
            "users": saturation["users"],
            "seconds": args.saturation_seconds,
            "save": saturation["save"],
            "upsert": saturation["upsert"],
            "ratio": saturation_ratio,
        },
        "start": {
            "seconds": start["seconds"],
            "attempts": start["attempts"],
            "errors": start["errors"],
            "p50": start["p50"],
            "p95": start["p95"],
        },
        "submit": result["submit"],
        "attempt_page": result["attempt_page"],
        "checks": checks,
        "failure_samples": result["failure_samples"],
        "generator_cpu": result["generator_cpu"],
        "generator_wall": result["generator_wall"],
        "targets": targets(args, result, checks, errors, steady_ratio, saturation_ratio),
    }


def targets(args, result, checks, errors, steady_ratio, saturation_ratio) -> dict:
    """The issue's targets: {name: {"pass": True/False (None: not judged at this scale),
    "measured": what was measured}}."""
    if args.baseline_only:
        return {}
    start, full = result["start"], args.users >= TARGET_USERS
    stayed = checks["examinees_with_attempt"]
    started_in_time = (
        start["seconds"] is not None
        and start["seconds"] <= TARGET_START_SECONDS
        and start["errors"] == 0
        and start["attempts"] == args.users
    )
    ratios = [r for r in (saturation_ratio, steady_ratio) if r is not None]
    return {
        f"{TARGET_USERS} concurrent examinees": {
            "pass": stayed >= args.users if full else None,
            "measured": f"{stayed:,} examinees with an attempt throughout",
        },
        "0 errors": {"pass": errors == 0, "measured": f"{errors:,} errors"},
        f"save throughput >= {TARGET_RATIO}x baseline": {
            "pass": len(ratios) == 2 and min(ratios) >= TARGET_RATIO,
            "measured": f"{_x(saturation_ratio)} at saturation, {_x(steady_ratio)} at equal "
            "offered load",
        },
        f"{TARGET_USERS} starts within {TARGET_START_SECONDS:g} s, 0 errors": {
            "pass": started_in_time if full else None,
            "measured": f"{start['attempts']:,} in {start['seconds'] or 0:.1f} s, "
            f"{start['errors']:,} errors",
        },
    }


def report(f: dict, args) -> str:
    sat, start, submit, checks = f["saturation"], f["start"], f["submit"], f["checks"]
    lines = []
    if not args.baseline_only:
        lines += [
            f"synchronised start: {args.users:,} examinees POST start at the same instant",
            f"  {start['attempts']:,} attempts in {start['seconds'] or 0:.1f} s "
            f"(p50 {_ms(start['p50'])}, p95 {_ms(start['p95'])}), errors {start['errors']:,}",
            _line("page", f["attempt_page"]) + " (first page, then page turns)",
        ]
    think = f"{args.think[0]:g}-{args.think[1]:g} s"
    lines += [
        f"steady state: {f['duration']:.0f} s, {f['examinees']:,} examinees (think {think}, "
        f"autosave every {args.autosave:g} s) beside as many baseline users on the same schedule",
        _line("saves", f["steady"]["save"]),
        _line("baseline", f["steady"]["upsert"]),
        f"  save/baseline at equal offered load: throughput {_x(f['ratio'])}, "
        f"latency p50 {_x(f['latency_ratio']['p50'])}, p95 {_x(f['latency_ratio']['p95'])}",
        f"saturation: {sat['users']} users back to back, {sat['seconds']:g} s per side in "
        f"{args.saturation_slices} alternating slices each (saves, baseline, saves, ...)",
        _line("saves", sat["save"]),
        _line("baseline", sat["upsert"]),
        f"  save/baseline throughput at saturation: {_x(sat['ratio'])} "
        f"(latency p50 {_x(_ratio(sat['save']['p50'], sat['upsert']['p50']))})",
    ]
    if not args.baseline_only:
        lines += [
            f"submit: {submit['count']:,} within {args.submit_window:g} s, p50 {_ms(submit['p50'])}"
            f", p95 {_ms(submit['p95'])}, errors {submit['errors']:,}",
            f"database: {checks['attempts']:,} attempts for {checks['examinees_with_attempt']:,} "
            f"examinees ({checks['examinees_with_two']} with two), {checks['finished']:,} "
            f"finished; answers checked {checks['answers_checked']:,}, lost "
            f"{checks['answers_lost']:,}; server errors logged {f['server_errors_logged']:,}",
        ]
    share = f["generator_cpu"] / f["generator_wall"] if f["generator_wall"] else 0
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines.append(
        f"load generator: CPU {f['generator_cpu']:.0f} s over {f['generator_wall']:.0f} s "
        f"({share:.0%} of one core); load average after the run {load}"
    )
    if f["failure_samples"]:
        lines.append("first errors:")
        lines += [f"  {sample}" for sample in f["failure_samples"][:10]]
    if f["targets"]:
        lines.append("targets (issue 4, on this machine):")
        for name, target in f["targets"].items():
            lines.append(f"  {verdict(target['pass'])}  {name}: {target['measured']}")
    return "\n".join(lines)


# --- main -----------------------------------------------------------------------------------


def parse(argv):
    parser = argparse.ArgumentParser(
        prog="python -m bench.exam_load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--users", type=int, default=TARGET_USERS, help="examinees (500)")
    parser.add_argument("--duration", type=float, default=180, help="steady state, seconds")
    parser.add_argument("--think", type=float, nargs=2, default=[30, 90], metavar=("MIN", "MAX"))
    parser.add_argument("--autosave", type=float, default=15, help="seconds between autosaves")
    parser.add_argument("--saturation-users", type=int, default=50)
    parser.add_argument(
        "--saturation-seconds", type=float, default=20, help="per side (saves, baseline)"
    )
    parser.add_argument(
        "--saturation-slices", type=int, default=4, help="alternating slices per side"
    )
    parser.add_argument("--submit-window", type=float, default=10, help="seconds")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (gthread)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("EXAM_BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        help=f"PostgreSQL database of the bench, flushed (default {DEFAULT_DATABASE_URL})",
    )
    parser.add_argument(
        "--baseline-only", action="store_true", help="no exam views: the baseline users alone"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse(argv)
    # A SIGTERM (timeout, CI) unwinds like Ctrl+C, so gunicorn is stopped on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped (SIGTERM)"))
    version = postgres_ensure(args.database_url)
    clock = time.perf_counter()
    server_env = django_setup(args.database_url)
    migrated = time.perf_counter() - clock

    from bench.setup import describe_database

    clock = time.perf_counter()
    data_reset()
    users = examinees_create(args.users + 1)  # the last one warms the server up
    examinee_sessions = sessions_create(users[:-1])
    baseline_sessions = sessions_create(users[:-1])
    warm_session = sessions_create(users[-1:])[0]
    exam, questions = exam_create()
    found = urls(exam, baseline_only=args.baseline_only)
    built = time.perf_counter() - clock
    print(
        f"database: PostgreSQL {version} {describe_database()} (migrate {migrated:.1f} s, "
        f"data {built:.1f} s)"
    )

    from django.db import connection

    connection.close()  # the workers get the database to themselves
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    csrf = secrets.token_hex(16)  # 32 characters: a CSRF secret as the cookie holds it
    # Logs, plan and result per database: two runs on two databases do not mix their files.
    out_dir = BENCH_VAR_DIR / "exam_load" / urlsplit(args.database_url).path.strip("/")
    out_dir.mkdir(parents=True, exist_ok=True)
    server_log = out_dir / "gunicorn.log"
    kind = f"gthread, {args.threads} threads each" if args.threads > 1 else "sync"
    server = gunicorn_start(server_env, port, args.workers, args.threads, server_log)
    try:
        warm_paths = [found["baseline"]] + ([] if args.baseline_only else [found["detail"]])
        warm_failed = warm_up(host, warm_paths, warm_session, csrf, 16 * args.workers)
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(
            f"server: gunicorn {args.workers} workers ({kind}) on {host}; {os.cpu_count()} CPUs, "
            f"load average {load} before the run; warm-up failures {warm_failed}"
        )
        print(
            f"exam: {len(questions)} questions, 5 per page; {args.users:,} examinees signed in "
            "by pre-made session cookies (no password hashing measured)"
        )
        plan = {
            "host": host,
            "urls": found,
            "csrf_token": csrf,
            "questions": questions,
            "questions_per_page": exam.questions_per_page,
            "examinees": [] if args.baseline_only else [{"session": k} for k in examinee_sessions],
            "baseline": [{"session": k} for k in baseline_sessions],
            "duration": args.duration,
            "think": args.think,
            "autosave": args.autosave,
            "saturation_users": args.saturation_users,
            "saturation_seconds": args.saturation_seconds,
            "saturation_slices": args.saturation_slices,
            "submit_window": args.submit_window,
        }
        result = generator_run(plan, out_dir, limit=args.duration + 1800)
    finally:
        gunicorn_stop(server)

    checks = (
        {"answers_lost": 0}
        if args.baseline_only
        else database_check(exam, args.users, result["saved"])
    )
    f = figures(result, checks, args, server_errors(server_log))
    print(report(f, args))
    if f["server_errors_logged"]:
        print(f"server log: {server_log}")
    if args.json:
        args.json.write_text(json.dumps(f, indent=2))
    return f


if __name__ == "__main__":
    main()
