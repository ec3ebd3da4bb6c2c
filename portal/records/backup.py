"""Backup and restore: the database and the media tree, with a manifest of checksums.

A backup is one directory, `readyline-backup-<UTC time>/`, holding

    manifest.json       what the backup holds (see `_manifest`), with SHA-256 and size of every file
    database.pgdump     PostgreSQL: `pg_dump --format=custom`, or
    database.sqlite3    SQLite: a copy made with the SQLite backup API
    media/...           a copy of MEDIA_ROOT (uploads, private exports, SCORM packages)

It is written under a hidden `.partial` name and renamed only when complete, so a directory with
the final name is always a whole backup. The row counts, migration state and audit chain head in
the manifest are read from the same snapshot the dump is made of (PostgreSQL: an exported
snapshot handed to pg_dump; SQLite: the copy itself), so they agree with the dump even while the
portal keeps running.

A restore checks every checksum before it touches anything, refuses a non-empty database (or
media folder) unless told to replace it, then restores, counts the rows again and walks the audit
chain (`audit_chain_verify`). Both steps are recorded in the audit trail.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC
from importlib import metadata
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.postgresql.client import DatabaseClient
from django.utils import timezone

MANIFEST = "manifest.json"
FORMAT = 1
DUMP_FILES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
MEDIA_DIR = "media"
PREFIX = "readyline-backup-"
CHUNK = 1024 * 1024
MANIFEST_KEYS = (
    "format",
    "created_at",
    "readyline_version",
    "database",
    "migrations",
    "row_counts",
    "audit_chain_head",
    "files",
)

Progress = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says what and where."""


def _quiet(_message: str) -> None:
    pass


def backup_root_default() -> Path:
    """BACKUP_ROOT when set, else var/backups beside the SQLite file and the media folder. Copy
    backups off this machine: a backup on the disk it protects protects nothing."""
    return Path(getattr(settings, "BACKUP_ROOT", Path(settings.VAR_DIR) / "backups"))


# --- reading the database state (row counts, migrations, audit chain head) -------------------


def _table_names(cursor, vendor: str) -> set[str]:
    if vendor == "postgresql":
        cursor.execute(
            "SELECT c.relname FROM pg_catalog.pg_class c"
            " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind IN ('r', 'p') AND pg_catalog.pg_table_is_visible(c.oid)"
            " AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
        )
    else:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    return {row[0] for row in cursor.fetchall()}


def model_tables() -> dict[str, str]:
    """Model label -> table, for every model that owns a table (many-to-many tables too)."""
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or meta.swapped or not meta.managed:
            continue
        tables[meta.label] = meta.db_table
    return tables


def _database_state(cursor, vendor: str) -> dict:
    """What the manifest records about the database, read through one cursor (one snapshot).
    Plain SQL without parameters, so a sqlite3 cursor and a Django cursor both do."""
    present = _table_names(cursor, vendor)
    counts = {}
    for label, table in sorted(model_tables().items()):
        if table in present:
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
            counts[label] = cursor.fetchone()[0]
    migrations: dict[str, list[str]] = {}
    if "django_migrations" in present:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        for app, name in cursor.fetchall():
            migrations.setdefault(app, []).append(name)
    head = None
    if "records_auditchainhead" in present:
        cursor.execute("SELECT last_hash, count FROM records_auditchainhead WHERE id = 1")
        row = cursor.fetchone()
        head = {"last_hash": row[0], "count": row[1]} if row else None
    return {
        "tables": len(present),
        "row_counts": counts,
        "migrations": migrations,
        "audit_chain_head": head,
    }


# --- PostgreSQL ----------------------------------------------------------------------------


def _pg_connection(settings_dict: dict) -> tuple[list[str], dict]:
    """Connection options for pg_dump / pg_restore, and the environment carrying the password
    (PGPASSWORD, never on the command line, where `ps` would show it) and SSL settings."""
    _args, env = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    args = []
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            args.append(f"{option}={settings_dict[key]}")
    if settings_dict.get("NAME"):
        args.append(f"--dbname={settings_dict['NAME']}")
    return args, {**os.environ, **(env or {})}


def _run(program: str, args: list[str], env: dict) -> None:
    if shutil.which(program) is None:
        raise BackupError(
            f"{program} was not found on PATH: install the PostgreSQL client tools "
            "(Debian: postgresql-client), the same major version as the server or newer."
        )
    try:
        subprocess.run(
            [program, *args], env=env, check=True, capture_output=True, text=True, timeout=6 * 3600
        )
    except subprocess.CalledProcessError as error:
        detail = (error.stderr or error.stdout or "").strip()[-2000:]
        raise BackupError(f"{program} failed (exit {error.returncode}): {detail}") from error
    except subprocess.TimeoutExpired as error:
        raise BackupError(f"{program} did not finish within {error.timeout} s") from error


def _dump_postgresql(connection, dump: Path, progress: Progress) -> dict:
    if connection.in_atomic_block:
        raise BackupError("Run the backup outside a transaction (pg_dump sees committed data).")
    name = connection.settings_dict.get("NAME")
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        # One repeatable-read snapshot, exported to pg_dump: the counts read here are the
        # counts of the dump, whatever the portal writes meanwhile.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        state = _database_state(cursor, "postgresql")
        progress(f"Dumping PostgreSQL database {name!r} with pg_dump (snapshot {snapshot}) ...")
        args, env = _pg_connection(connection.settings_dict)
        _run(
            "pg_dump",
            [*args, "--format=custom", "--no-password", f"--snapshot={snapshot}", f"--file={dump}"],
            env,
        )
    state["server_version"] = connection.pg_version
    return state


def _restore_postgresql(connection, dump: Path, *, replace: bool, progress: Progress) -> None:
    name = connection.settings_dict.get("NAME")
    if replace:
        progress(f"Emptying PostgreSQL database {name!r} (--yes) ...")
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    connection.close()
    progress(f"Restoring into PostgreSQL database {name!r} with pg_restore ...")
    args, env = _pg_connection(connection.settings_dict)
    # One transaction, stopping at the first error: a failed restore leaves the database empty.
    # Objects belong to the restoring user; grants of the old server's roles are not replayed.
    _run(
        "pg_restore",
        [
            *args,
            "--no-password",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            str(dump),
        ],
        env,
    )


# --- SQLite --------------------------------------------------------------------------------


def _dump_sqlite(connection, dump: Path, progress: Progress) -> dict:
    progress(f"Copying SQLite database {connection.settings_dict.get('NAME')} (backup API) ...")
    connection.ensure_connection()
    copy = sqlite3.connect(dump)
    try:
        # The backup API copies a consistent snapshot while the portal keeps reading and writing.
        connection.connection.backup(copy)
        # A self-contained file: no -wal/-shm companions beside it in the backup.
        copy.execute("PRAGMA journal_mode=DELETE")
        cursor = copy.cursor()
        cursor.execute("PRAGMA quick_check")
        verdict = cursor.fetchone()[0]
        if verdict != "ok":
            raise BackupError(f"The SQLite copy fails its integrity check: {verdict}")
        state = _database_state(cursor, "sqlite")
    finally:
        copy.close()
    state["server_version"] = sqlite3.sqlite_version
    return state


def _restore_sqlite(connection, dump: Path, progress: Progress) -> None:
    progress(f"Restoring into SQLite database {connection.settings_dict.get('NAME')} ...")
    connection.ensure_connection()
    source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    try:
        # Page by page into the portal's own connection, in one write transaction.
        source.backup(connection.connection)
    finally:
        source.close()


# --- files -------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _files_under(root: Path) -> list[str]:
    """Every file below root, as POSIX paths relative to it, the manifest excluded."""
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and path.relative_to(root).as_posix() != MANIFEST
    )


def _checksums(root: Path, progress: Progress) -> dict[str, dict]:
    names = _files_under(root)
    progress(f"Computing SHA-256 of {len(names)} files ...")
    return {
        name: {"sha256": _sha256(root / name), "size": (root / name).stat().st_size}
        for name in names
    }


def _copy_media(source: Path, target: Path, progress: Progress) -> None:
    if not source.is_dir():
        progress(f"No media folder at {source}: the backup holds no media.")
        target.mkdir()
        return
    progress(f"Copying media from {source} ...")
    shutil.copytree(source, target)


def _is_empty_dir(path: Path) -> bool:
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


def _write_json(path: Path, data: dict) -> None:
    with path.open("w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True, ensure_ascii=False)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())


def readyline_version() -> str:
    try:
        return metadata.version("readyline")
    except metadata.PackageNotFoundError:
        return "unknown"


# --- backup ------------------------------------------------------------------------------


def _dump_database(connection, work: Path, progress: Progress) -> tuple[str, dict]:
    vendor = connection.vendor
    if vendor not in DUMP_FILES:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")
    dump = work / DUMP_FILES[vendor]
    if vendor == "postgresql":
        state = _dump_postgresql(connection, dump, progress)
    else:
        state = _dump_sqlite(connection, dump, progress)
    rows = sum(state["row_counts"].values())
    progress(
        f"Database: {state['tables']} tables, {rows} rows in {len(state['row_counts'])} models."
    )
    return vendor, state


def _manifest(*, created_at, connection, vendor: str, state: dict, files: dict) -> dict:
    media = [name for name in files if name.startswith(f"{MEDIA_DIR}/")]
    return {
        "format": FORMAT,
        "created_at": created_at.isoformat(timespec="seconds"),
        "readyline_version": readyline_version(),
        "django_version": django.get_version(),
        "database": {
            "vendor": vendor,
            "name": str(connection.settings_dict.get("NAME")),
            "server_version": state["server_version"],
            "dump": DUMP_FILES[vendor],
            "tables": state["tables"],
        },
        "media": {
            "source": str(settings.MEDIA_ROOT),
            "files": len(media),
            "bytes": sum(files[name]["size"] for name in media),
        },
        "migrations": state["migrations"],
        "row_counts": state["row_counts"],
        "audit_chain_head": state["audit_chain_head"],
        "files": files,
    }


def backup_create(
    *, to: Path | None = None, progress: Progress = _quiet, using: str = DEFAULT_DB_ALIAS
) -> Path:
    """Write a complete backup directory under `to` (default: backup_root_default()) and return
    its path. On any failure nothing with the final name is left behind."""
    root = Path(to) if to else backup_root_default()
    media_root = Path(settings.MEDIA_ROOT).resolve()
    if root.resolve().is_relative_to(media_root):
        raise BackupError(f"Backups cannot go inside MEDIA_ROOT ({media_root}): pick another --to.")
    created_at = timezone.now().astimezone(UTC).replace(microsecond=0)
    name = f"{PREFIX}{created_at:%Y%m%dT%H%M%SZ}"
    final, work = root / name, root / f".{name}.partial"
    connection = connections[using]
    _warn_outside_media(media_root, progress)
    try:
        root.mkdir(parents=True, exist_ok=True)
        if final.exists():
            raise BackupError(f"{final} already exists: wait a second and run the backup again.")
        # Backups hold personal data: readable by the portal's own user only.
        work.mkdir(mode=0o700)
    except OSError as error:
        raise BackupError(f"Cannot create the backup folder under {root}: {error}") from error
    try:
        vendor, state = _dump_database(connection, work, progress)
        _copy_media(media_root, work / MEDIA_DIR, progress)
        files = _checksums(work, progress)
        manifest = _manifest(
            created_at=created_at, connection=connection, vendor=vendor, state=state, files=files
        )
        _write_json(work / MANIFEST, manifest)
        work.rename(final)
    except OSError as error:
        shutil.rmtree(work, ignore_errors=True)
        raise BackupError(f"Backup failed, nothing kept: {error}") from error
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    _audit("backup.create", final, manifest, command="backup")
    progress(f"Backup complete: {final}")
    return final


def _warn_outside_media(media_root: Path, progress: Progress) -> None:
    scorm_root = getattr(settings, "SCORM_ROOT", None)
    if scorm_root and not Path(scorm_root).resolve().is_relative_to(media_root):
        progress(
            f"WARNING: SCORM_ROOT ({scorm_root}) is outside MEDIA_ROOT and is NOT in this "
            "backup: copy it separately, or leave SCORM_ROOT unset."
        )


def _audit(action: str, path: Path, manifest: dict, *, command: str) -> None:
    from .services import audit_record

    head = manifest["audit_chain_head"] or {}
    manifest_sha256 = _sha256(path / MANIFEST)
    audit_record(
        action=action,
        object_type="backup",
        object_id=path.name,
        after={
            "created_at": manifest["created_at"],
            "readyline_version": manifest["readyline_version"],
            "audit_events": head.get("count", 0),
            "audit_last_hash": head.get("last_hash", ""),
            # Lets an auditor tell later whether a backup's manifest is the one written then.
            "manifest_sha256": manifest_sha256,
        },
        actor_label=f"system (manage.py {command})",
    )


# --- verify ------------------------------------------------------------------------------


def backup_manifest_read(path: Path) -> dict:
    manifest_path = Path(path) / MANIFEST
    if not Path(path).is_dir():
        raise BackupError(f"{path} is not a backup directory.")
    if not manifest_path.is_file():
        raise BackupError(
            f"{manifest_path} is missing: not a Readyline backup, or one that never finished."
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise BackupError(
            f"{manifest_path} is unreadable ({error}): the backup is truncated or damaged."
        ) from error
    missing = [
        key for key in MANIFEST_KEYS if not isinstance(manifest, dict) or key not in manifest
    ]
    if missing:
        raise BackupError(f"{manifest_path} is incomplete: no {', '.join(missing)}.")
    database = manifest["database"]
    if not isinstance(database, dict) or not {"vendor", "dump"} <= set(database):
        raise BackupError(f"{manifest_path} is incomplete: no database vendor or dump file.")
    if not isinstance(manifest["files"], dict) or not all(
        isinstance(entry, dict) and {"sha256", "size"} <= set(entry)
        for entry in manifest["files"].values()
    ):
        raise BackupError(f"{manifest_path} is damaged: a file entry lacks its sha256 or size.")
    if manifest["format"] != FORMAT:
        raise BackupError(
            f"{manifest_path} has format {manifest['format']}; this Readyline reads {FORMAT}."
        )
    return manifest


def backup_verify(*, path: Path, progress: Progress = _quiet) -> dict:
    """The manifest, once every file it lists is present, unaltered and alone (raise if not)."""
    path = Path(path)
    manifest = backup_manifest_read(path)
    listed, present = set(manifest["files"]), set(_files_under(path))
    if listed - present:
        raise BackupError(f"Incomplete backup: {sorted(listed - present)[0]} is missing.")
    if present - listed:
        raise BackupError(
            f"Tampered backup: {sorted(present - listed)[0]} is not listed in the manifest."
        )
    dump = manifest["database"].get("dump")
    if dump not in listed:
        raise BackupError(f"Incomplete backup: the database dump {dump!r} is not in the manifest.")
    progress(f"Verifying SHA-256 of {len(listed)} files ...")
    for name in sorted(listed):
        expected, file = manifest["files"][name], path / name
        if file.stat().st_size != expected["size"] or _sha256(file) != expected["sha256"]:
            raise BackupError(
                f"Tampered or damaged backup: {name} does not match its checksum in the manifest."
            )
    progress("Checksums: all files match the manifest.")
    return manifest


# --- restore -----------------------------------------------------------------------------


@dataclass
class RestoreReport:
    backup: Path
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _refuse_non_empty(connection, media_root: Path, *, replace: bool) -> None:
    with connection.cursor() as cursor:
        tables = _table_names(cursor, connection.vendor)
    name = connection.settings_dict.get("NAME")
    if tables and not replace:
        raise BackupError(
            f"The target database {name!r} is not empty ({len(tables)} tables, e.g. "
            f"{sorted(tables)[0]}). Restore into a new, empty database, or pass --yes to "
            "replace its contents."
        )
    if not _is_empty_dir(media_root) and not replace:
        raise BackupError(
            f"The media folder {media_root} is not empty. Restore into an empty one, or pass "
            "--yes to move it aside and replace it."
        )


def _restore_media(source: Path, media_root: Path, stamp: str, progress: Progress) -> list[str]:
    lines = []
    if media_root.exists() and not _is_empty_dir(media_root):
        aside = media_root.with_name(f"{media_root.name}.before-restore-{stamp}")
        media_root.rename(aside)
        lines.append(f"Media: the previous folder was moved aside to {aside}.")
    elif media_root.exists():
        media_root.rmdir()
    media_root.parent.mkdir(parents=True, exist_ok=True)
    if not source.is_dir():  # a backup made without media keeps no folder for it
        media_root.mkdir()
        return lines
    staging = media_root.with_name(f".{media_root.name}.restoring-{stamp}")
    progress(f"Restoring media into {media_root} ...")
    shutil.copytree(source, staging)
    staging.rename(media_root)
    return lines


def _migration_lines(applied: dict[str, list[str]]) -> list[str]:
    from django.db.migrations.loader import MigrationLoader

    on_disk = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    restored = {(app, name) for app, names in applied.items() for name in names}
    missing = sorted(on_disk - restored)
    unknown = sorted(restored - on_disk)
    lines = []
    if missing:
        lines.append(
            f"Migrations: the backup predates {len(missing)} migrations of this code "
            f"(e.g. {missing[0][0]}.{missing[0][1]}): run manage.py migrate next."
        )
    if unknown:
        lines.append(
            f"Migrations: WARNING, the backup has {len(unknown)} migrations this code does not "
            f"know (e.g. {unknown[0][0]}.{unknown[0][1]}): it was made by a newer Readyline."
        )
    return lines or ["Migrations: the backup matches this code's migrations."]


def _check_restored(connection, manifest: dict, report: RestoreReport) -> None:
    from .selectors import audit_chain_verify

    with connection.cursor() as cursor:
        state = _database_state(cursor, connection.vendor)
    expected, found = manifest["row_counts"], state["row_counts"]
    wrong = [
        f"{label}: {expected.get(label)} in the manifest, {found.get(label)} restored"
        for label in sorted(set(expected) | set(found))
        if expected.get(label) != found.get(label)
    ]
    if wrong:
        report.problems.append("Row counts differ: " + "; ".join(wrong))
    else:
        total = sum(found.values())
        report.lines.append(
            f"Row counts: {len(found)} models, {total} rows, all as in the manifest."
        )
    if state["audit_chain_head"] != manifest["audit_chain_head"]:
        report.problems.append(
            f"Audit chain head differs: manifest {manifest['audit_chain_head']}, "
            f"restored {state['audit_chain_head']}"
        )
    chain = audit_chain_verify()
    if chain.ok:
        report.lines.append(f"Audit chain: {chain.checked} events, chain intact.")
    else:
        where = f"event {chain.broken_id}" if chain.broken_id else "the end of the chain"
        report.problems.append(f"Audit chain BROKEN at {where}: {chain.reason}")
    report.lines.extend(_migration_lines(state["migrations"]))


def backup_restore(
    *, path: Path, replace: bool = False, progress: Progress = _quiet
) -> RestoreReport:
    """Restore a verified backup into the default database and MEDIA_ROOT, then check it.
    Raises BackupError before changing anything when the backup or the target is not fit; the
    report lists what the checks after the restore found."""
    path = Path(path)
    manifest = backup_verify(path=path, progress=progress)
    connection = connections[DEFAULT_DB_ALIAS]
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(
            f"This backup holds a {vendor} database; the target is {connection.vendor}. "
            "Restore into the same kind of database."
        )
    media_root = Path(settings.MEDIA_ROOT)
    _refuse_non_empty(connection, media_root, replace=replace)
    report = RestoreReport(backup=path)
    report.lines.append(
        f"Backup: {path.name}, made {manifest['created_at']} by Readyline "
        f"{manifest['readyline_version']} ({vendor})."
    )
    dump = path / manifest["database"]["dump"]
    if vendor == "postgresql":
        _restore_postgresql(connection, dump, replace=replace, progress=progress)
    else:
        _restore_sqlite(connection, dump, progress)
    report.lines.append(f"Database: restored into {connection.settings_dict.get('NAME')}.")
    stamp = f"{timezone.now().astimezone(UTC):%Y%m%dT%H%M%SZ}"
    report.lines.extend(_restore_media(path / MEDIA_DIR, media_root, stamp, progress))
    report.lines.append(
        f"Media: {manifest.get('media', {}).get('files', '?')} files restored into {media_root}."
    )
    progress("Checking the restored database ...")
    _check_restored(connection, manifest, report)
    if report.ok:
        _audit("backup.restore", path, manifest, command="restore")
        report.lines.append("Audit trail: the restore is recorded (action backup.restore).")
    return report
