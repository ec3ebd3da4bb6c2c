"""The one exporter pattern: a table is a header, rows from a generator and a known total.

Rows are read once and never held in memory as a whole, so a 500,000-row export costs what one
row costs. The total is known before the first row (a COUNT), so a long export can report its
progress (portal/progress.py) and a page can show a bar.

CSV cells that a spreadsheet would run as a formula (= + - @ tab CR at the start) are prefixed
with a single quote: an export of staff names must not become a phishing link or a DDE command
when HR opens it (OWASP "CSV injection"). XLSX cells are written as typed string cells, which
spreadsheets never evaluate, so their text stays exactly as it was.
"""

import csv
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from portal.progress import Progress

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel opens a UTF-8 CSV as UTF-8 (Chinese names intact) only when it starts with a BOM.
BOM = "\ufeff"


@dataclass
class Table:
    name: str  # the file name, without extension
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]  # usually a generator: read once
    total: int  # how many rows will come, known up front


def _plain(value) -> Any:
    """Numbers stay numbers; everything else becomes text (dates ISO, times local)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)  # lazy translations too


def csv_cell(value) -> Any:
    """A value as a CSV cell, defused if a spreadsheet would read it as a formula."""
    value = _plain(value)
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_lines(table: Table, *, progress_key: str | None = None) -> Iterator[str]:
    """The CSV text, line by line (header first), for streaming or writing to a file."""

    class _Line:
        def write(self, text):
            return text

    writer = csv.writer(_Line())
    progress = Progress(progress_key, table.total)
    yield BOM + writer.writerow([csv_cell(v) for v in table.header])
    for row in table.rows:
        yield writer.writerow([csv_cell(v) for v in row])
        progress.advance()
    progress.finish()


def csv_write(table: Table, stream, *, progress_key: str | None = None) -> None:
    for line in csv_lines(table, progress_key=progress_key):
        stream.write(line)


def _xlsx_cell(sheet, value):
    """Dates and numbers keep their type (Excel formats and sorts them); text is a string cell."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, datetime):
        # Excel has no time zones: local time, as the people reading it would say it.
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, date):
        return value
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    # openpyxl turns text starting with "=" into a formula; a string cell is never evaluated.
    cell.data_type = "s"
    return cell


def xlsx_write(
    table: Table, stream, *, sheet_title: str = "", progress_key: str | None = None
) -> None:
    """The table as an .xlsx workbook, written row by row (openpyxl's write-only mode)."""
    workbook = Workbook(write_only=True)
    title = "".join(c for c in (sheet_title or table.name) if c not in "[]:*?/\\")[:31]
    sheet = workbook.create_sheet(title=title or "Sheet1")
    sheet.append([_xlsx_cell(sheet, v) for v in table.header])
    progress = Progress(progress_key, table.total)
    for row in table.rows:
        sheet.append([_xlsx_cell(sheet, v) for v in row])
        progress.advance()
    workbook.save(stream)
    progress.finish()


def csv_response(table: Table, *, progress_key: str | None = None) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in csv_lines(table, progress_key=progress_key)),
        content_type=CSV_CONTENT_TYPE,
    )
    response["Content-Disposition"] = f'attachment; filename="{table.name}.csv"'
    return response


def xlsx_response(table: Table, *, progress_key: str | None = None) -> FileResponse:
    # A zip is written with seeks, so it goes to a temporary file rather than down the wire.
    stream = tempfile.TemporaryFile()
    xlsx_write(table, stream, progress_key=progress_key)
    stream.seek(0)
    return FileResponse(
        stream, as_attachment=True, filename=f"{table.name}.xlsx", content_type=XLSX_CONTENT_TYPE
    )
