"""Bulk exports of proficiency records for promotion rounds (职称晋升加分).

HR asks for an export with the search page's filters (`hr_export_request`); a background job
(`tasks.hr_export_task` -> `hr_export_run`) writes it, one row per staff member with at least
one matching status row, in the exporter pattern of portal.exports: rows from a generator over
the matching staff in chunks (a fixed number of queries per chunk), pandas for the per-person
pivot of the status rows, CSV guarded against formula injection, XLSX in write-only mode.

Columns: employee number, name, department, job role, title; "Certifications", one text cell
per person ("Track A: certified 2026-01-10, valid until 2027-01-09; Track B: expired
2026-05-01"); then the proficiency score, its level and the track it comes from: the
person's highest *current* score among the matching tracks (the status table's, the one the
transcript explains, not the best ever recorded; most people hold one track); then the
columns other apps register in EXPORT_COLUMNS (the seed-user points column, empty until the
seed-user app provides it). Certification and score cells describe the matching rows only: an
export filtered to one track is that track's export.

Files go to a private folder (settings.MEDIA_ROOT / "private" / "exports") under an
unguessable name, and leave it only through the audited download view.
"""

import hashlib
import io
import logging
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice
from pathlib import Path
from typing import Any

import pandas as pd
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from assessments.models import CertificationStatus, CertificationTrack
from portal.exports import Table, csv_write, xlsx_write
from portal.org.models import StaffMember
from portal.progress import Progress

from .hr import LEVELS, hr_filters_clean, hr_status_search, level_label, may_see_hr_records
from .models import HrExport
from .services import audit_record

logger = logging.getLogger(__name__)
S = CertificationStatus.Status
CHUNK = 2000
# The task's limits; an export still "running" after STALE_AFTER lost its worker (killed at the
# hard limit, or the machine went down) and may be claimed again by a redelivery.
TIME_LIMIT = 15 * 60
SOFT_TIME_LIMIT = 14 * 60
STALE_AFTER = timedelta(seconds=TIME_LIMIT + 60)


def hr_exports_dir() -> Path:
    """The private folder of export files: never under STATIC or a served MEDIA URL path
    of its own; downloads go through `hr_export_download`'s view."""
    return Path(settings.MEDIA_ROOT) / "private" / "exports"


# ---------------------------------------------------------------------------------------------
# Columns other apps add


@dataclass(frozen=True)
class ExportColumn:
    """A column another app adds: `values(staff_ids)` returns {staff id: value} for one chunk
    of staff, in a fixed number of queries."""

    key: str
    header: Any
    values: Callable[[list[int]], dict[int, Any]]


def _no_values(staff_ids: list[int]) -> dict[int, Any]:
    return {}


SEED_USER_POINTS = "seed_user_points"
# The seed-user app appends ExportColumn(SEED_USER_POINTS, ...) in its AppConfig.ready; until
# then the column is there and empty, so promotion spreadsheets keep their layout.
EXPORT_COLUMNS: list[ExportColumn] = []
_PLACEHOLDERS = [ExportColumn(SEED_USER_POINTS, gettext_lazy("Seed-user points"), _no_values)]


def export_columns() -> list[ExportColumn]:
    registered = {column.key: column for column in EXPORT_COLUMNS}
    columns = [registered.pop(column.key, column) for column in _PLACEHOLDERS]
    return columns + list(registered.values())


# ---------------------------------------------------------------------------------------------
# Request


def hr_export_request(*, actor, filters: dict, fmt: str, ip: str | None = None) -> HrExport:
    """Queue an export of the rows matching `filters` (the search page's, as JSON)."""
    if not may_see_hr_records(actor):
        raise PermissionDenied
    if fmt not in HrExport.Format.values:
        raise ValueError(f"unknown export format {fmt!r}")
    clean = hr_filters_clean(filters)
    from .tasks import hr_export_task

    with transaction.atomic():
        export = HrExport.objects.create(
            requested_by=actor,
            filters=clean,
            format=fmt,
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
        audit_record(
            action="hr_export.request",
            actor=actor,
            obj=export,
            after={"filters": clean, "format": fmt},
            ip=ip,
        )
        hr_export_task.delay_on_commit(export.pk)
    return export


# ---------------------------------------------------------------------------------------------
# The table


def _status_texts() -> dict[str, str]:
    """The certification phrases, translated once per export (not once per row)."""
    return {
        S.CERTIFIED: _("%(track)s: certified %(on)s, valid until %(until)s"),
        S.EXPIRING: _("%(track)s: certified %(on)s, valid until %(until)s (expiring)"),
        S.EXPIRED: _("%(track)s: expired %(until)s"),
        S.REVOKED: _("%(track)s: revoked"),
        S.IN_PROGRESS: _("%(track)s: in progress"),
        S.NOT_STARTED: _("%(track)s: not started"),
    }


def _iso(value) -> str:
    return value.isoformat() if value else "—"


def _frame(rows, staff_ids: list[int], order: dict[int, int]) -> pd.DataFrame:
    """The matching status rows of one chunk of staff (one query), in track order."""
    fields = ["staff_id", "track_id", "status", "certified_on", "valid_until", "score", "level"]
    values = rows.filter(staff_id__in=staff_ids).order_by().values_list(*fields)
    frame = pd.DataFrame.from_records(list(values), columns=fields)
    frame["order"] = frame["track_id"].map(order)
    return frame.sort_values(["staff_id", "order"], kind="stable")


def _certifications(frame: pd.DataFrame, names: dict[int, str], texts: dict) -> dict[int, str]:
    phrases = [
        texts.get(status, "%(track)s") % {"track": names[track], "on": _iso(on), "until": _iso(up)}
        for track, status, on, up in zip(
            frame["track_id"],
            frame["status"],
            frame["certified_on"],
            frame["valid_until"],
            strict=True,
        )
    ]
    joined = pd.Series(phrases, index=frame["staff_id"].to_numpy(), dtype=object)
    return joined.groupby(level=0, sort=False).agg("; ".join).to_dict()


def _best_scores(frame: pd.DataFrame, names: dict[int, str], labels: dict) -> dict[int, tuple]:
    """{staff id: (score, level label, track name)}: each person's highest current score among
    the chunk's rows (ties: the first track by code), so a promotion file has one figure per
    person and says which track it comes from."""
    scored = frame[frame["score"].notna()]
    if scored.empty:
        return {}
    scored = scored.assign(value=scored["score"].map(float))
    best = scored.sort_values(["staff_id", "value", "order"], ascending=[True, False, True])
    best = best.drop_duplicates("staff_id")
    return {
        staff_id: (value, labels.get(level or "") or None, names[track])
        for staff_id, value, level, track in zip(
            best["staff_id"], best["value"], best["level"], best["track_id"], strict=True
        )
    }


# The staff columns, read as tuples (50,000 model instances cost seconds).
_STAFF_FIELDS = (
    "pk",
    "employee_no",
    "full_name",
    "title",
    "department__name",
    "department__name_zh",
    "job_role__name",
    "job_role__name_zh",
)


def _label(name: str, name_zh: str, zh: bool) -> str:
    return name_zh if zh and name_zh else name


def _rows(staff, rows, tracks: list, columns: list[ExportColumn]) -> Iterator[list]:
    track_ids = [t.pk for t in tracks]
    order = {pk: index for index, pk in enumerate(track_ids)}
    names = {t.pk: t.display_name for t in tracks}
    labels = {code: level_label(code) for code in LEVELS}
    texts = _status_texts()
    zh = (translation.get_language() or "").startswith("zh")
    # Empty cells stay None: openpyxl writes no cell for None, but one for every "".
    empty = (None, None, None)
    iterator = staff.values_list(*_STAFF_FIELDS).iterator(chunk_size=CHUNK)
    while chunk := list(islice(iterator, CHUNK)):
        ids = [member[0] for member in chunk]
        frame = _frame(rows, ids, order)
        certifications = _certifications(frame, names, texts)
        best = _best_scores(frame, names, labels)
        extra = [column.values(ids) for column in columns]
        for pk, number, name, title, dept, dept_zh, role, role_zh in chunk:
            cells = [
                number,
                name,
                _label(dept, dept_zh, zh),
                _label(role, role_zh, zh),
                title or None,
                certifications.get(pk),
                *best.get(pk, empty),
            ]
            cells.extend(values.get(pk) for values in extra)
            yield cells


def hr_export_table(*, viewer, filters: dict, name: str = "hr-export") -> Table:
    """The export of the status rows matching `filters`, one row per staff member, ordered by
    department then name. Reads in chunks of CHUNK staff (three queries up front, one per
    chunk and per extra column), so 50,000 staff cost what a few chunks cost."""
    rows = hr_status_search(viewer=viewer, filters=filters)
    matching = rows.order_by().values("staff_id")
    tracks = list(
        CertificationTrack.objects.filter(pk__in=rows.order_by().values("track_id")).order_by(
            "code"
        )
    )
    staff = StaffMember.objects.filter(pk__in=matching).order_by(
        "department__code", "full_name", "pk"
    )
    columns = export_columns()
    header = [_("Employee number"), _("Name"), _("Department"), _("Job role")]
    header.append(pgettext("staff grade", "Title"))
    header.append(_("Certifications"))
    header.extend([_("Proficiency score"), _("Proficiency level"), _("Track of the score")])
    header.extend(str(column.header) for column in columns)
    return Table(
        name=name, header=header, rows=_rows(staff, rows, tracks, columns), total=staff.count()
    )


# ---------------------------------------------------------------------------------------------
# Run


class _Counted:
    """Counts the rows a writer takes from a generator (the file's real row count)."""

    def __init__(self, rows):
        self.rows, self.count = rows, 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row


def hr_export_claim(*, export_id: int) -> bool:
    """Queued -> running, atomically: a duplicate delivery or a retry of a running or finished
    export claims nothing. A run that lost its worker long ago (STALE_AFTER) may be claimed
    again."""
    now = timezone.now()
    stale = Q(status=HrExport.Status.RUNNING, started_at__lt=now - STALE_AFTER)
    return bool(
        HrExport.objects.filter(Q(status=HrExport.Status.QUEUED) | stale, pk=export_id).update(
            status=HrExport.Status.RUNNING, started_at=now, error=""
        )
    )


def _write(export: HrExport, table: Table, path: Path) -> str:
    """Write the table to `path` (through a partial file, renamed when complete); the SHA-256
    of what was written."""
    partial = path.with_name(path.name + ".partial")
    try:
        with open(partial, "wb") as stream:
            if export.format == HrExport.Format.XLSX:
                xlsx_write(table, stream, sheet_title=_("HR export"), progress_key=None)
            else:
                text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
                csv_write(table, text, progress_key=None)
                text.flush()
                text.detach()
        digest = hashlib.sha256()
        with open(partial, "rb") as written:
            while block := written.read(1 << 20):
                digest.update(block)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return digest.hexdigest()


def _with_progress(table: Table, key: str) -> Table:
    progress = Progress(key, table.total)

    def rows():
        for row in table.rows:
            yield row
            progress.advance()

    return Table(name=table.name, header=table.header, rows=rows(), total=table.total)


def hr_export_run(*, export_id: int) -> HrExport:
    """Write the export's file. The task claims the export first (`hr_export_claim`); called
    directly (the bench, a shell), a queued export is claimed here. A finished or failed export
    is returned as it is, so running twice writes one file and one audit event."""
    export = HrExport.objects.select_related("requested_by").get(pk=export_id)
    if export.status == HrExport.Status.QUEUED and hr_export_claim(export_id=export_id):
        export.refresh_from_db()
    if export.status != HrExport.Status.RUNNING:
        return export
    with translation.override(export.language or settings.LANGUAGE_CODE):
        table = hr_export_table(
            viewer=export.requested_by, filters=export.filters, name=f"hr-export-{export.pk}"
        )
        counted = _Counted(table.rows)
        table = _with_progress(
            Table(name=table.name, header=table.header, rows=counted, total=table.total),
            export.progress_key,
        )
        folder = hr_exports_dir()
        folder.mkdir(parents=True, exist_ok=True)
        name = f"hr-export-{export.pk}-{secrets.token_hex(12)}.{export.format}"
        sha256 = _write(export, table, folder / name)
    with transaction.atomic():
        # Only the run that holds the claim finishes it (a run taken for lost and claimed
        # again meanwhile has a newer started_at).
        finished = HrExport.objects.filter(
            pk=export.pk, status=HrExport.Status.RUNNING, started_at=export.started_at
        ).update(
            status=HrExport.Status.DONE,
            rows=counted.count,
            file=name,
            sha256=sha256,
            finished_at=timezone.now(),
        )
        if finished:
            audit_record(
                action="hr_export.done",
                actor=export.requested_by,
                obj=export,
                after={"rows": counted.count, "format": export.format, "sha256": sha256},
            )
    if not finished:
        (folder / name).unlink(missing_ok=True)
    Progress(export.progress_key, counted.count).finish("done" if finished else "failed")
    export.refresh_from_db()
    return export


def hr_export_fail(*, export_id: int, error: BaseException | str) -> bool:
    """Mark a running export failed after its run raised (nothing was kept of its file)."""
    if isinstance(error, BaseException):
        error = f"{error.__class__.__name__}: {error}"
    message = str(error)[:1000]
    with transaction.atomic():
        failed = HrExport.objects.filter(pk=export_id, status=HrExport.Status.RUNNING).update(
            status=HrExport.Status.FAILED, error=message, finished_at=timezone.now()
        )
        if failed:
            audit_record(
                action="hr_export.fail",
                object_type=HrExport._meta.label_lower,
                object_id=export_id,
                after={"error": message},
                actor_label="system (export job)",
            )
    if failed:
        Progress(f"hr-export-{export_id}", 0).finish("failed")
        logger.error("HR export %s failed: %s", export_id, message)
    return bool(failed)


# ---------------------------------------------------------------------------------------------
# Reads and the download


def hr_exports_visible(*, viewer):
    """Every HR export, for HR (they may all export the same data; who asked is shown)."""
    if not may_see_hr_records(viewer):
        raise PermissionDenied
    return HrExport.objects.select_related("requested_by").order_by("-created_at", "-pk")


def hr_export_get(*, viewer, pk: int) -> HrExport:
    from django.http import Http404

    found = hr_exports_visible(viewer=viewer).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def hr_export_path(export: HrExport) -> Path | None:
    """The export's file, when it is done and still there (and inside the private folder)."""
    if export.status != HrExport.Status.DONE or not export.file:
        return None
    folder = hr_exports_dir().resolve()
    path = (folder / export.file).resolve()
    if path.parent != folder or not path.is_file():
        return None
    return path


def hr_export_download_audit(*, export: HrExport, actor, ip: str | None = None) -> None:
    audit_record(
        action="hr_export.download",
        actor=actor,
        obj=export,
        after={"rows": export.rows, "format": export.format, "sha256": export.sha256},
        ip=ip,
    )
