"""Reading a roster file: formats, encodings, limits, and files refused before any row is checked.

Also home of the small helpers the other roster test modules import (building CSV and XLSX files,
counting what an import could have written)."""

import csv
import io
import zipfile
from datetime import date, datetime

import openpyxl
import pytest
from django.contrib.auth import get_user_model

from portal.org import services
from portal.org.models import RosterImport, StaffMember
from portal.org.roster import COLUMNS, RosterFileError, roster_read
from portal.records.models import AuditEvent
from tests.factories import DepartmentFactory, StaffFactory, UserFactory

# ---------------------------------------------------------------------------------------------
# Helpers shared by the roster tests


def cells(**values) -> list[str]:
    """One roster line in COLUMNS order; unspecified cells take plausible values."""
    line = {
        "employee_no": "N0001",
        "full_name": "王芳",
        "email": "",
        "department_code": "ED",
        "role_code": "nurse",
        "title": "护师",
        "shift": "day",
        "hire_date": "2019-07-01",
        "active": "yes",
    }
    unknown = set(values) - set(line)
    assert not unknown, f"not roster columns: {unknown}"
    line.update(values)
    return [line[c] for c in COLUMNS]


def roster_csv(rows, header=COLUMNS, encoding="utf-8", delimiter=",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def roster_xlsx(rows, header=COLUMNS) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def db_counts() -> dict:
    """What a roster import could change. Equal before and after = nothing was written."""
    User = get_user_model()
    return {
        "staff": StaffMember.objects.count(),
        "active_staff": StaffMember.objects.filter(active=True).count(),
        "users": User.objects.count(),
        "active_users": User.objects.filter(is_active=True).count(),
        # Refused requests are audited themselves (access.denied): not a change by the import.
        "audit": AuditEvent.objects.exclude(action="access.denied").count(),
    }


def refused(data: bytes, capture) -> RosterImport:
    """Upload `data`, try to confirm it (with deactivate_missing, the most destructive option) and
    run whatever that queued. Asserts the database is unchanged; returns the stored import."""
    before = db_counts()
    with capture(execute=True):
        imp = services.roster_import_create(actor=None, filename="roster.csv", data=data)
        queued = services.roster_import_confirm(
            actor=None, roster_import=imp, deactivate_missing=True
        )
    imp.refresh_from_db()
    assert imp.status == RosterImport.Status.INVALID
    assert queued is False
    assert imp.errors, "a refused file reports why"
    assert db_counts() == before
    return imp


def only_message(imp: RosterImport) -> str:
    """The message of a file-level error (no row, no column)."""
    assert len(imp.errors) == 1, imp.errors
    error = imp.errors[0]
    assert error["row"] is None and error["column"] is None
    return error["message"]


@pytest.fixture
def ed(db):
    return DepartmentFactory(code="ED", name="Emergency", name_zh="急诊科")


@pytest.fixture
def existing(ed):
    """Someone already on the roster, who a wrongly applied import would deactivate."""
    return StaffFactory(
        employee_no="E0001", department=ed, user=UserFactory(email="old.hand@hospital.example")
    )


# ---------------------------------------------------------------------------------------------
# Header problems


def test_missing_columns_are_named(existing, django_capture_on_commit_callbacks):
    header = [c for c in COLUMNS if c not in ("email", "active")]
    data = roster_csv([["N1", "A", "ED", "nurse", "", "day", "2020-01-01"]], header=header)

    message = only_message(refused(data, django_capture_on_commit_callbacks))

    assert "Missing columns: email, active." in message
    assert "Expected exactly: " + ", ".join(COLUMNS) in message
    assert "Unknown columns" not in message


def test_unknown_columns_are_named(existing, django_capture_on_commit_callbacks):
    data = roster_csv([[*cells(), "138 0000 0000"]], header=[*COLUMNS, "Mobile Phone"])

    message = only_message(refused(data, django_capture_on_commit_callbacks))

    assert "Unknown columns: mobile_phone." in message
    assert "Missing columns" not in message


def test_a_column_twice_is_refused(existing, django_capture_on_commit_callbacks):
    data = roster_csv([[*cells(), "x"]], header=[*COLUMNS, "title"])

    message = only_message(refused(data, django_capture_on_commit_callbacks))

    # pandas renames the second copy; either way the person learns which column is the problem.
    assert "title" in message
    assert "Expected exactly" in message


def test_header_names_are_normalised(ed):
    header = [f"  {c.replace('_', ' ').upper()} " for c in COLUMNS]

    records = roster_read(roster_csv([cells()], header=header))

    assert list(records[0]) == COLUMNS
    assert records[0]["full_name"] == "王芳"


# ---------------------------------------------------------------------------------------------
# Empty files


@pytest.mark.parametrize(
    "data", [b"", b"   \r\n\r\n", "\ufeff".encode()], ids=["0 bytes", "blank", "bom"]
)
def test_empty_file_is_refused(existing, django_capture_on_commit_callbacks, data):
    message = only_message(refused(data, django_capture_on_commit_callbacks))

    assert message == "The file is empty."


@pytest.mark.parametrize("build", [roster_csv, roster_xlsx], ids=["csv", "xlsx"])
def test_header_only_file_is_refused(existing, django_capture_on_commit_callbacks, build):
    message = only_message(refused(build([]), django_capture_on_commit_callbacks))

    assert message == "The file has a header but no staff rows."


def test_rows_of_empty_cells_are_not_staff(existing, django_capture_on_commit_callbacks):
    data = roster_csv([[""] * len(COLUMNS), [" "] * len(COLUMNS)])

    message = only_message(refused(data, django_capture_on_commit_callbacks))

    assert message == "The file has a header but no staff rows."


# ---------------------------------------------------------------------------------------------
# Files that are not a roster at all


def _png() -> bytes:
    import struct
    import zlib

    def chunk(kind, body):
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def _pdf() -> bytes:
    # A small PDF is text at its start (no NUL byte): it must not be read as a CSV.
    return (
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n"
        b"%%EOF\n"
    )


def _plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("roster.csv", roster_csv([cells()]))
    return out.getvalue()


def _xls() -> bytes:
    # The OLE2 compound-file signature every Excel 97-2003 workbook starts with.
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + b"\xfe\xff" * 100


def _gzip_binary() -> bytes:
    import gzip

    return gzip.compress(b"employee_no,full_name\n" * 50)


@pytest.mark.parametrize(
    "data, expected",
    [
        (_png(), "The file is not a CSV or XLSX file (it contains binary data)."),
        (_pdf(), "This is a PDF document, not a CSV or XLSX file."),
        (_plain_zip(), "The file is a zip archive, not an Excel workbook."),
        (_xls(), "This is an old Excel 97-2003 (.xls) file."),
        (_gzip_binary(), "The file is not a CSV or XLSX file (it contains binary data)."),
        (b"PK\x03\x04" + b"\x14\x00" * 40, "The file looks like XLSX but is damaged."),
        (
            b"\x1b\x02\x07" + roster_csv([cells()]),  # control bytes but no NUL byte
            "The file is not a CSV or XLSX file (it contains binary data).",
        ),
    ],
    ids=["png", "pdf", "zip", "xls", "gzip", "broken-zip", "control-bytes"],
)
def test_file_that_is_not_csv_or_xlsx_is_refused(
    existing, django_capture_on_commit_callbacks, data, expected
):
    message = only_message(refused(data, django_capture_on_commit_callbacks))

    assert message.startswith(expected)


def test_truncated_xlsx_is_refused(existing, django_capture_on_commit_callbacks):
    whole = roster_xlsx([cells(department_code="ED")])

    message = only_message(refused(whole[: len(whole) // 2], django_capture_on_commit_callbacks))

    assert message == "The file looks like XLSX but is damaged."


# ---------------------------------------------------------------------------------------------
# Limits


def test_more_rows_than_the_limit_are_refused(
    existing, settings, django_capture_on_commit_callbacks
):
    settings.ROSTER_MAX_ROWS = 5
    rows = [cells(employee_no=f"N{i}") for i in range(6)]

    message = only_message(refused(roster_csv(rows), django_capture_on_commit_callbacks))

    assert message == "The file has 6 rows; the limit is 5. Split it into smaller files."


def test_exactly_the_row_limit_is_read(ed, settings):
    settings.ROSTER_MAX_ROWS = 5
    rows = [cells(employee_no=f"N{i}") for i in range(5)]

    assert len(roster_read(roster_csv(rows))) == 5


def test_blank_lines_do_not_count_against_the_row_limit(ed, settings):
    settings.ROSTER_MAX_ROWS = 2
    rows = [cells(employee_no="N1"), [""] * len(COLUMNS), cells(employee_no="N2")]

    assert [r["employee_no"] for r in roster_read(roster_csv(rows)) if r["employee_no"]] == [
        "N1",
        "N2",
    ]


def test_the_real_row_limit_refuses_50001_rows(settings):
    assert settings.ROSTER_MAX_ROWS == 50_000
    line = ",Name,,ED,nurse,,,,\r\n"
    data = ",".join(COLUMNS).encode() + b"\r\n"
    data += "".join(f"N{i}{line}" for i in range(50_001)).encode()

    with pytest.raises(RosterFileError) as refusal:
        roster_read(data)

    assert refusal.value.message == (
        "The file has 50,001 rows; the limit is 50,000. Split it into smaller files."
    )


def test_file_over_the_size_limit_is_refused(
    existing, settings, django_capture_on_commit_callbacks
):
    settings.ROSTER_MAX_BYTES = 2000
    rows = [cells(employee_no=f"N{i}") for i in range(60)]
    data = roster_csv(rows)
    assert len(data) > 2000

    message = only_message(refused(data, django_capture_on_commit_callbacks))

    assert message.startswith("The file is 0.0 MB; the limit is 0.0 MB.")
    assert "Split it into smaller files" in message


def test_the_real_size_limit_refuses_a_file_over_10_mb(settings):
    assert settings.ROSTER_MAX_BYTES == 10 * 1024 * 1024
    data = roster_csv([cells()])
    data += b" " * (settings.ROSTER_MAX_BYTES + 1 - len(data))

    with pytest.raises(RosterFileError) as refusal:
        roster_read(data)

    assert refusal.value.message == (
        "The file is 10.0 MB; the limit is 10.0 MB. Split it into smaller files."
    )


def _zip_bomb(padding_bytes: int) -> bytes:
    """A real workbook with one more member: `padding_bytes` of zeros, which deflate to almost
    nothing (a ratio of about 1000:1), so the zip is small but declares a huge inflated size."""
    workbook = zipfile.ZipFile(io.BytesIO(roster_xlsx([cells()])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for member in workbook.infolist():
            archive.writestr(member, workbook.read(member.filename))
        with archive.open("xl/media/image1.bin", "w", force_zip64=True) as padding:
            chunk = bytes(4 * 1024 * 1024)
            for start in range(0, padding_bytes, len(chunk)):
                padding.write(chunk[: padding_bytes - start])
    return out.getvalue()


def test_xlsx_zip_bomb_is_refused(existing, settings, django_capture_on_commit_callbacks):
    settings.ROSTER_MAX_UNCOMPRESSED_BYTES = 5 * 1024 * 1024
    bomb = _zip_bomb(20 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024  # small on the wire

    message = only_message(refused(bomb, django_capture_on_commit_callbacks))

    assert message.startswith("The file would unpack to 20.0 MB")
    assert "zip bomb" in message


def test_xlsx_zip_bomb_at_the_configured_limit_is_refused(settings):
    limit = settings.ROSTER_MAX_UNCOMPRESSED_BYTES
    bomb = _zip_bomb(limit + 1)
    assert len(bomb) < settings.ROSTER_MAX_BYTES

    with pytest.raises(RosterFileError) as refusal:
        roster_read(bomb)

    assert "zip bomb" in refusal.value.message


def test_xlsx_under_the_inflation_limit_is_read(ed, settings):
    settings.ROSTER_MAX_UNCOMPRESSED_BYTES = 5 * 1024 * 1024

    records = roster_read(_zip_bomb(1024 * 1024))

    assert [r["employee_no"] for r in records] == ["N0001"]


# ---------------------------------------------------------------------------------------------
# Encodings and formats that must work


def _apply(data: bytes) -> dict:
    plan = services.roster_plan(data=data)
    assert not plan.errors, plan.errors
    return services.roster_plan_apply(plan=plan, actor=None, deactivate_missing=False, invite=False)


NAMES = ["王芳", "欧阳娜娜", "李明"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_keep_chinese_names(ed, encoding):
    rows = [
        cells(employee_no=f"N{i}", full_name=name, title="主管护师") for i, name in enumerate(NAMES)
    ]
    data = roster_csv(rows, encoding=encoding)
    if encoding == "utf-8-sig":
        assert data.startswith(b"\xef\xbb\xbf")

    summary = _apply(data)

    assert summary["new"] == len(NAMES)
    stored = dict(StaffMember.objects.values_list("employee_no", "full_name"))
    assert stored == {f"N{i}": name for i, name in enumerate(NAMES)}
    assert set(StaffMember.objects.values_list("title", flat=True)) == {"主管护师"}


@pytest.mark.parametrize("delimiter", [";", "\t"], ids=["semicolon", "tab"])
def test_csv_with_another_delimiter_is_read(ed, delimiter):
    records = roster_read(roster_csv([cells(full_name="张伟")], delimiter=delimiter))

    assert records[0]["full_name"] == "张伟"
    assert records[0]["department_code"] == "ED"


def test_xlsx_with_date_cell_and_numeric_employee_number(ed):
    rows = [
        cells(employee_no=1001, full_name="王芳", hire_date=datetime(2019, 7, 1)),
        cells(employee_no=1002.0, full_name="李明", hire_date=date(2021, 3, 15), active=True),
    ]
    data = roster_xlsx(rows)
    assert data[:4] == b"PK\x03\x04"

    summary = _apply(data)

    assert summary["new"] == 2
    wang = StaffMember.objects.get(employee_no="1001")
    assert wang.full_name == "王芳"
    assert wang.hire_date == date(2019, 7, 1)
    li = StaffMember.objects.get(employee_no="1002")
    assert li.hire_date == date(2021, 3, 15)
    assert li.active is True


def test_xlsx_blank_cells_read_as_empty(ed):
    rows = [cells(email=None, title=None, shift=None, hire_date=None, active=None)]

    records = roster_read(roster_xlsx(rows))

    assert records[0]["email"] == ""
    assert records[0]["hire_date"] == ""
    assert records[0]["active"] == ""


def test_blank_lines_before_the_header_are_ignored(ed):
    data = b"\r\n  \r\n" + roster_csv([cells(full_name="张伟")])

    records = roster_read(data)

    assert [r["full_name"] for r in records] == ["张伟"]


def test_short_csv_rows_read_as_empty_cells(ed):
    data = ",".join(COLUMNS).encode() + b"\r\nN1,Name,,ED,nurse\r\n"

    records = roster_read(data)

    assert records == [
        dict(zip(COLUMNS, ["N1", "Name", "", "ED", "nurse", "", "", "", ""], strict=True))
    ]


@pytest.mark.parametrize("build", [roster_csv, roster_xlsx], ids=["csv", "xlsx"])
def test_error_rows_match_spreadsheet_rows_across_blank_lines(ed, build):
    # [] is a truly blank line in the CSV (not a line of commas) and an untouched sheet row.
    rows = [cells(employee_no="N1"), [], cells(employee_no="N2", role_code="x")]
    data = build(rows)
    if build is roster_csv:
        assert b"\r\n\r\n" in data

    plan = services.roster_plan(data=data)

    # Header is row 1, N1 row 2, the blank line row 3: N2 is on row 4 of the sheet.
    assert [(e.row, e.column) for e in plan.errors] == [(4, "role_code")]
