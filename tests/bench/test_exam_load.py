"""The exam load bench, run end to end at a tiny scale (5 examinees, a few seconds per phase):
every phase yields its figures, nothing fails, and the database holds what was saved. Nothing
here is about speed. The run needs PostgreSQL (the bench refuses anything else); it uses a
database of its own, next to the test database."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from bench.exam_load import postgres_ensure
from tests.conftest import has_postgres, need

ROOT = Path(__file__).resolve().parents[2]


def bench_database_url() -> str:
    """The test server, another database (the bench flushes its own)."""
    db = connection.settings_dict
    login = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    server = f"{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
    return f"postgres://{login}@{server}/readyline_bench_exam_test"


@pytest.mark.postgres
def test_small_run_reports_every_phase_without_errors(tmp_path):
    need(has_postgres(), "PostgreSQL")
    figures_file = tmp_path / "figures.json"
    run = subprocess.run(
        [
            sys.executable, "-m", "bench.exam_load",
            "--users", "5",
            "--duration", "4",
            "--think", "0.5", "1",
            "--autosave", "1",
            "--saturation-users", "2",
            "--saturation-seconds", "2",
            "--saturation-slices", "2",
            "--submit-window", "0.5",
            "--workers", "2",
            "--threads", "1",
            "--database-url", bench_database_url(),
            "--json", str(figures_file),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    figures = json.loads(figures_file.read_text())

    assert figures["examinees"] == 5
    assert figures["errors"] == 0, figures["failure_samples"]
    assert figures["start"]["attempts"] == 5
    assert figures["start"]["errors"] == 0
    assert figures["start"]["seconds"] > 0
    assert figures["saves"] > 0 and figures["throughput"] > 0
    assert 0 < figures["p50"] <= figures["p95"]
    assert figures["baseline"]["throughput"] > 0 and figures["baseline"]["errors"] == 0
    assert figures["ratio"] > 0 and figures["latency_ratio"]["p95"] > 0
    assert figures["saturation"]["save"]["count"] > 0
    assert figures["saturation"]["upsert"]["count"] > 0
    assert figures["saturation"]["ratio"] > 0
    assert figures["submit"]["count"] == 5 and figures["submit"]["errors"] == 0

    checks = figures["checks"]
    assert checks["attempts"] == checks["examinees_with_attempt"] == checks["finished"] == 5
    assert checks["examinees_with_two"] == 0
    assert checks["answers_checked"] > 0 and checks["answers_lost"] == 0
    assert figures["server_errors_logged"] == 0

    # The scale is 500: at 5 examinees those targets are not judged, the rest are.
    targets = figures["targets"]
    assert targets["0 errors"]["pass"] is True
    assert targets["500 concurrent examinees"]["pass"] is None
    assert targets["500 starts within 30 s, 0 errors"]["pass"] is None
    assert "PASS  0 errors" in run.stdout
    assert "synchronised start: 5 examinees" in run.stdout


def test_refuses_clearly_without_postgresql():
    # Port 1 on loopback: nothing listens there.
    with pytest.raises(SystemExit) as refused:
        postgres_ensure("postgres://postgres@127.0.0.1:1/readyline_bench_exam")
    assert "PostgreSQL is not reachable at 127.0.0.1:1" in str(refused.value)

    with pytest.raises(SystemExit) as refused:
        postgres_ensure("sqlite:///var/bench/bench.sqlite3")
    assert "needs PostgreSQL" in str(refused.value)
