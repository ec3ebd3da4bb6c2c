"""Backup and the recovery drill (manage.py backup / restore), on whichever database the suite
runs: SQLite locally, PostgreSQL in CI.

The backup runs in-process against the test database; the restore runs as an operator would run
it, `manage.py restore` in a new process whose DATABASE_URL names an empty database (a fresh
SQLite file, or a PostgreSQL database created for the test and dropped after)."""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from portal.records import backup
from portal.records.models import AuditChainHead, AuditEvent
from portal.records.selectors import audit_chain_verify
from portal.records.services import audit_record
from tests.conftest import need
from tests.factories import StaffFactory, UserFactory

# pg_dump sees committed rows only, so the data must really be committed.
pytestmark = pytest.mark.django_db(transaction=True)

MEDIA_FILES = {
    "private/exports/promotion-2026.csv": "工号,姓名\nE00001,王芳\n".encode(),
    "images/original_images/wristband.png": bytes(range(256)) * 40,
    "scorm/1/index.html": b"<html><body>lesson</body></html>",
}


@pytest.fixture(autouse=True)
def _tools_and_media(settings, tmp_path):
    if connection.vendor == "postgresql":
        need(bool(shutil.which("pg_dump") and shutil.which("pg_restore")), "pg_dump/pg_restore")
    settings.MEDIA_ROOT = tmp_path / "media"


def _portal_data():
    """Users, staff, audit events (Chinese text too) and files in the media folder."""
    auditor = UserFactory(email="auditor@hospital.example")
    staff = StaffFactory.create_batch(3)
    for member in staff:
        audit_record(
            action="staff.update",
            actor=auditor,
            obj=member,
            before={"title": "护士"},
            after={"title": "护师"},
            ip="10.0.0.7",
        )
    audit_record(action="auth.login_failed", actor_label="nobody@hospital.example")
    for name, content in MEDIA_FILES.items():
        path = Path(settings.MEDIA_ROOT) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def _tables() -> dict[str, str]:
    existing = set(connection.introspection.table_names())
    return {
        model._meta.label: model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and model._meta.db_table in existing
    }


def _orm_counts(tables: dict[str, str]) -> dict[str, int]:
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.label in tables
    }


def _make_backup(tmp_path) -> Path:
    out = io.StringIO()
    call_command("backup", to=tmp_path / "backups", stdout=out)
    return Path(out.getvalue().strip().splitlines()[-1])


def _tree(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file()
    }


@pytest.fixture
def empty_target(tmp_path):
    """An empty database for the restore: its DATABASE_URL and a raw DB-API connector."""
    if connection.vendor == "sqlite":
        path = tmp_path / "restored.sqlite3"
        yield f"sqlite:///{path}", lambda: sqlite3.connect(path)
        return
    import psycopg

    name = f"readyline_drill_{uuid.uuid4().hex[:10]}"
    source = connection.settings_dict
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    auth = quote(source["USER"] or "", safe="")
    if source["PASSWORD"]:
        auth += ":" + quote(source["PASSWORD"], safe="")
    url = f"postgres://{auth}@{source['HOST'] or 'localhost'}:{source['PORT'] or 5432}/{name}"
    params = {
        "host": source["HOST"] or None,
        "port": source["PORT"] or None,
        "user": source["USER"] or None,
        "password": source["PASSWORD"] or None,
    }
    try:
        yield url, lambda: psycopg.connect(dbname=name, **params)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _manage(*args, database_url: str, var_dir: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "READYLINE_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
    }
    return subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), *args],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _raw_counts(connect, tables: dict[str, str]) -> dict[str, int]:
    db = connect()
    try:
        cursor = db.cursor()
        counts = {}
        for label, table in tables.items():
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
            counts[label] = cursor.fetchone()[0]
        return counts
    finally:
        db.close()


def test_recovery_drill_end_to_end(tmp_path, empty_target):
    _portal_data()
    tables = _tables()
    counts = _orm_counts(tables)
    events = audit_chain_verify()
    assert events.ok and counts["accounts.User"] >= 4 and counts["org.StaffMember"] == 3

    path = _make_backup(tmp_path)

    # The manifest describes the database as it was dumped, and every file by checksum.
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    assert path.name.startswith("readyline-backup-") and path.parent == tmp_path / "backups"
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["row_counts"] == counts
    head = AuditChainHead.objects.get(pk=1)
    assert manifest["audit_chain_head"]["count"] == events.checked
    assert "0002_hr_export" in manifest["migrations"]["records"]
    listed = {name for name in manifest["files"] if name.startswith("media/")}
    assert listed == {f"media/{name}" for name in MEDIA_FILES}
    assert manifest["files"]["media/private/exports/promotion-2026.csv"]["size"] == len(
        MEDIA_FILES["private/exports/promotion-2026.csv"]
    )
    # The backup itself is in the source's audit trail, after the snapshot it describes.
    last = AuditEvent.objects.order_by("-id").first()
    assert last.action == "backup.create" and last.object_id == path.name
    manifest_sha256 = hashlib.sha256((path / "manifest.json").read_bytes()).hexdigest()
    assert last.after["manifest_sha256"] == manifest_sha256
    assert head.count == events.checked + 1

    # The wipe: restore into an empty database and an empty media folder, in a new process.
    database_url, connect = empty_target
    var_dir = tmp_path / "restored-var"
    restored = _manage("restore", str(path), database_url=database_url, var_dir=var_dir)
    assert restored.returncode == 0, restored.stderr
    assert "Checksums: all files match the manifest." in restored.stdout
    assert "all as in the manifest" in restored.stdout
    assert f"Audit chain: {events.checked} events, chain intact." in restored.stdout
    assert f"Restore OK: {path}" in restored.stdout

    # audit_verify passes on the restored database (the restore is its one new event).
    verified = _manage("audit_verify", database_url=database_url, var_dir=var_dir)
    assert verified.returncode == 0, verified.stderr
    assert f"OK: {events.checked + 1} audit events, chain intact." in verified.stdout

    # Counts read straight from the restored database equal the source's at backup time.
    restored_counts = _raw_counts(connect, tables)
    assert restored_counts["records.AuditEvent"] == counts["records.AuditEvent"] + 1
    assert {**restored_counts, "records.AuditEvent": counts["records.AuditEvent"]} == counts

    # Media identical, byte for byte.
    assert _tree(var_dir / "media") == _tree(Path(settings.MEDIA_ROOT))


def test_tampered_files_are_refused_naming_the_file(tmp_path):
    _portal_data()
    path = _make_backup(tmp_path)
    dump = json.loads((path / "manifest.json").read_text())["database"]["dump"]

    media_copy = shutil.copytree(path, tmp_path / "media-tampered")
    with (media_copy / "media/private/exports/promotion-2026.csv").open("ab") as handle:
        handle.write(b"E99999,Mallory\n")
    with pytest.raises(CommandError, match="media/private/exports/promotion-2026.csv"):
        call_command("restore", str(media_copy))

    # Same size, one byte different: only the SHA-256 can tell.
    dump_copy = shutil.copytree(path, tmp_path / "dump-tampered")
    data = bytearray((dump_copy / dump).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (dump_copy / dump).write_bytes(bytes(data))
    with pytest.raises(CommandError, match=f"{dump} does not match its checksum"):
        call_command("restore", str(dump_copy))

    added = shutil.copytree(path, tmp_path / "file-added")
    (added / "media/extra.php").write_bytes(b"<?php ?>")
    with pytest.raises(CommandError, match="media/extra.php is not listed in the manifest"):
        call_command("restore", str(added))


def test_incomplete_backups_are_refused(tmp_path):
    _portal_data()
    path = _make_backup(tmp_path)

    truncated = shutil.copytree(path, tmp_path / "truncated")
    manifest = (truncated / "manifest.json").read_bytes()
    (truncated / "manifest.json").write_bytes(manifest[: len(manifest) // 2])
    with pytest.raises(CommandError, match=r"manifest\.json is unreadable .*truncated"):
        call_command("restore", str(truncated))

    missing = shutil.copytree(path, tmp_path / "missing")
    (missing / "media/scorm/1/index.html").unlink()
    with pytest.raises(CommandError, match="media/scorm/1/index.html is missing"):
        call_command("restore", str(missing))

    never_finished = shutil.copytree(path, tmp_path / "never-finished")
    (never_finished / "manifest.json").unlink()
    with pytest.raises(CommandError, match=r"manifest\.json is missing"):
        call_command("restore", str(never_finished))


def test_a_non_empty_database_is_refused_and_left_alone(tmp_path):
    _portal_data()
    path = _make_backup(tmp_path)
    shutil.rmtree(settings.MEDIA_ROOT)  # only the database stands in the way
    before = (AuditEvent.objects.count(), AuditEvent.objects.order_by("-id").first().hash)

    with pytest.raises(CommandError, match="is not empty .* pass --yes to replace"):
        call_command("restore", str(path), stdout=io.StringIO())
    after = (AuditEvent.objects.count(), AuditEvent.objects.order_by("-id").first().hash)
    assert after == before
    assert not Path(settings.MEDIA_ROOT).exists()


def test_a_failed_backup_leaves_nothing_that_looks_complete(tmp_path, monkeypatch):
    _portal_data()

    def disk_full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup, "_copy_media", disk_full)
    with pytest.raises(CommandError, match="Backup FAILED: .*No space left on device"):
        call_command("backup", to=tmp_path / "backups", stdout=io.StringIO())
    assert list((tmp_path / "backups").iterdir()) == []
    assert not AuditEvent.objects.filter(action="backup.create").exists()


@pytest.mark.django_db
def test_the_checks_after_a_restore_report_differences():
    """What restore compares once the database is back: counts and the chain head against the
    manifest (here the test database plays the restored one, and the manifest is off by one)."""
    audit_record(action="roster.import", after={"new": 2})
    with connection.cursor() as cursor:
        state = backup._database_state(cursor, connection.vendor)
    manifest = {**state, "row_counts": {**state["row_counts"]}}
    manifest["row_counts"]["records.AuditEvent"] += 1
    manifest["audit_chain_head"] = {**state["audit_chain_head"], "count": 0}

    report = backup.RestoreReport(backup=Path("readyline-backup-x"))
    backup._check_restored(connection, manifest, report)
    assert not report.ok
    assert "records.AuditEvent" in report.problems[0] and "Row counts differ" in report.problems[0]
    assert "Audit chain head differs" in report.problems[1]
    assert any(line.startswith("Audit chain: ") for line in report.lines)

    matching = backup.RestoreReport(backup=Path("readyline-backup-x"))
    backup._check_restored(connection, state, matching)
    assert matching.ok, matching.problems
