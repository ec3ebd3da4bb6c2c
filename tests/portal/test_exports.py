"""The one exporter pattern (portal/exports.py): rows from a generator, a known total for
progress, CSV defused against formula injection, XLSX in write-only mode."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from portal import exports
from portal.progress import progress_get


@pytest.mark.parametrize(
    "value",
    [
        "=1+1",
        '=HYPERLINK("http://evil.example","Click")',
        "+49 30 1234",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_csv_defuses_what_a_spreadsheet_would_run(value):
    assert exports.csv_cell(value) == "'" + value


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("Wang Fang", "Wang Fang"),
        ("王芳", "王芳"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (-5, -5),  # a number is not a formula
        (2.5, 2.5),
        (Decimal("1.50"), Decimal("1.50")),
        (True, "yes"),
        (date(2025, 3, 9), "2025-03-09"),
        (gettext_lazy("Overdue"), "Overdue"),
    ],
)
def test_csv_keeps_ordinary_values(value, cell):
    assert exports.csv_cell(value) == cell


def test_csv_datetimes_in_local_time(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    assert exports.csv_cell(datetime(2025, 3, 9, 1, 30, tzinfo=UTC)) == "2025-03-09 09:30"


def _table(rows, total=None):
    rows = list(rows)
    consumed = []

    def generate():
        for row in rows:
            consumed.append(row)
            yield row

    table = exports.Table(
        name="people",
        header=["Name", "Number"],
        rows=generate(),
        total=len(rows) if total is None else total,
    )
    return table, consumed


def test_csv_streams_the_generator_with_a_bom_and_reports_progress():
    table, consumed = _table([["=cmd", 1], ["王芳", 2]])
    lines = exports.csv_lines(table, progress_key="export-test")
    first = next(lines)
    assert first == "\ufeffName,Number\r\n"
    assert consumed == []  # nothing read before it is needed
    rest = list(lines)
    assert list(csv.reader(io.StringIO("".join(rest)))) == [["'=cmd", "1"], ["王芳", "2"]]
    assert progress_get("export-test") == {"done": 2, "total": 2, "state": "done"}


def test_csv_response_is_an_attachment():
    table, _ = _table([["a", 1]])
    response = exports.csv_response(table)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="people.csv"'
    assert b"".join(response.streaming_content).decode() == "\ufeffName,Number\r\na,1\r\n"


def test_xlsx_keeps_text_as_text_and_types_as_types():
    table, _ = _table(
        [
            ['=HYPERLINK("http://evil.example","Click")', 1],
            ["bell\x07 ok", date(2025, 3, 9)],
            [None, datetime(2025, 3, 9, 1, 30, tzinfo=UTC)],
        ]
    )
    stream = io.BytesIO()
    exports.xlsx_write(table, stream, progress_key="xlsx-test")
    sheet = load_workbook(io.BytesIO(stream.getvalue())).active
    assert sheet.title == "people"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Name", "Number")
    assert sheet["A2"].data_type == "s"
    assert sheet["A2"].value == '=HYPERLINK("http://evil.example","Click")'
    assert rows[1][1] == 1
    assert rows[2] == ("bell ok", datetime(2025, 3, 9))  # control characters dropped
    assert rows[3][1] == datetime(2025, 3, 9, 9, 30)  # local (Asia/Shanghai), no zone
    assert progress_get("xlsx-test")["state"] == "done"


def test_xlsx_response():
    table, _ = _table([["a", 1]])
    response = exports.xlsx_response(table)
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert 'filename="people.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert list(sheet.iter_rows(values_only=True)) == [("Name", "Number"), ("a", 1)]


def test_fifty_thousand_rows_from_a_generator():
    # Written row by row as the generator yields them (write-only mode).
    table = exports.Table(
        name="big",
        header=["n"],
        rows=([i] for i in range(50_000)),
        total=50_000,
    )
    stream = io.BytesIO()
    exports.xlsx_write(table, stream)
    assert stream.tell() > 0
