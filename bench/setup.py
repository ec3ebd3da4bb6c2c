"""Django set-up for the benchmarks: the dev settings, but a database and a var directory of their
own, so a benchmark never touches the developer's dev database, cache or queue.

The database is BENCH_DATABASE_URL when set, else the SQLite file var/bench/bench.sqlite3.
Everything else the portal writes (file cache, embedded Celery queue) goes under var/bench.
"""

import os
import resource
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_VAR_DIR = ROOT / "var" / "bench"
DEV_SQLITE = ROOT / "var" / "readyline.sqlite3"


def bench_database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{BENCH_VAR_DIR / 'bench.sqlite3'}"


def bench_setup(*, migrate: bool = True) -> str:
    """Point Django at the bench database, set it up and migrate it. Returns a short description
    of the database. Call before importing anything that touches models."""
    import django
    from django.conf import settings

    if settings.configured:
        raise RuntimeError("Django is already configured; the bench must set it up itself.")
    url = bench_database_url()
    developer_url = os.environ.get("DATABASE_URL", "")
    if developer_url and url == developer_url:
        sys.exit("BENCH_DATABASE_URL is the same as DATABASE_URL: the bench flushes its database.")
    BENCH_VAR_DIR.mkdir(parents=True, exist_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.dev"
    os.environ["DATABASE_URL"] = url
    os.environ["READYLINE_VAR_DIR"] = str(BENCH_VAR_DIR)
    # File cache and file-system broker under var/bench, not a developer's Redis.
    os.environ["REDIS_URL"] = ""
    os.environ["CELERY_BROKER_URL"] = "filesystem://"
    # DEBUG keeps every SQL statement in memory: it would distort both time and memory figures.
    os.environ["DEBUG"] = "False"
    django.setup()

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3") and Path(str(database["NAME"])) == DEV_SQLITE:
        sys.exit("Refusing to run: the bench database resolved to the dev database.")
    if migrate:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
    return describe_database()


def describe_database() -> str:
    from django.db import connection

    if connection.vendor == "sqlite":
        return f"SQLite {connection.settings_dict['NAME']}"
    return f"{connection.vendor} {connection.settings_dict.get('NAME', '')}"


def bench_flush() -> None:
    """Empty the bench database (post_migrate re-creates content types, permissions, roles)."""
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)


def peak_rss_mb() -> float:
    """The process's resident-set high-water mark (ru_maxrss is in KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def current_rss_mb() -> float | None:
    """Resident set size now (Linux only; None elsewhere)."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
    except OSError:
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)
