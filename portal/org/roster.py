"""Reading and checking a roster file. Read-only: nothing here writes to the database.

A roster is CSV (UTF-8, UTF-8 with BOM or GBK/GB18030, as Chinese Excel saves it) or XLSX, with the
columns in COLUMNS. The result is a plan (who is new, changed, unchanged, missing from the file)
or a list of errors, each with the spreadsheet row number (the header is row 1) and the column.
"""

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.uploads import BINARY_CHARS, UploadRefused, zip_is, zip_limits_check

from .models import Department, JobRole, Shift, StaffMember

COLUMNS = [
    "employee_no",
    "full_name",
    "email",
    "department_code",
    "role_code",
    "title",
    "shift",
    "hire_date",
    "active",
]
REQUIRED_CELLS = ["employee_no", "full_name", "department_code", "role_code"]
# Fields compared with what the portal holds, in display order.
FIELDS = ["full_name", "email", "department", "job_role", "title", "shift", "hire_date", "active"]

_TRUE = {"1", "true", "yes", "y", "t", "是", "在职", "active"}
_FALSE = {"0", "false", "no", "n", "f", "否", "离职", "inactive"}
_DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y-%m-%d %H:%M:%S"]
_EARLIEST_HIRE = date(1950, 1, 1)
# A workbook Excel saves has a dozen or two members; thousands is not a roster.
XLSX_MAX_MEMBERS = 1000
# What the upload form accepts (the content must match the name: portal/uploads.py).
EXTENSIONS = ("csv", "txt", "xlsx")


@dataclass
class RosterError:
    row: int | None
    column: str | None
    message: str

    def as_dict(self):
        return {"row": self.row, "column": self.column, "message": str(self.message)}


@dataclass
class RosterRow:
    row: int
    employee_no: str
    full_name: str
    email: str
    department_id: int
    job_role_id: int
    title: str
    shift_id: int | None
    hire_date: date | None
    active: bool


@dataclass
class RosterPlan:
    rows: int = 0
    new: list[RosterRow] = field(default_factory=list)
    # (staff id, row, {field: [old, new]})
    changed: list[tuple[int, RosterRow, dict]] = field(default_factory=list)
    unchanged: int = 0
    # (staff id, employee_no, full_name) of active staff absent from the file
    missing: list[tuple[int, str, str]] = field(default_factory=list)
    errors: list[RosterError] = field(default_factory=list)

    def summary(self, deactivate_missing=False) -> dict:
        return {
            "rows": self.rows,
            "new": len(self.new),
            "changed": len(self.changed),
            "unchanged": self.unchanged,
            "missing": len(self.missing),
            "deactivated": len(self.missing) if deactivate_missing else 0,
            "errors": len(self.errors),
        }


class RosterFileError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------------------------------------
# Reading


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}"


def roster_read(data: bytes) -> list[dict]:
    """Bytes of a CSV or XLSX file -> list of row dicts with normalised headers (strings only).

    Raises RosterFileError with a message for the person who uploaded it."""
    if not data or not data.strip():
        raise RosterFileError(_("The file is empty."))
    if len(data) > settings.ROSTER_MAX_BYTES:
        raise RosterFileError(
            _("The file is %(size)s MB; the limit is %(limit)s MB. Split it into smaller files.")
            % {"size": _mb(len(data)), "limit": _mb(settings.ROSTER_MAX_BYTES)}
        )
    if data[:4] == b"PK\x03\x04":
        frame = _read_xlsx(data)
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise RosterFileError(
            _("This is an old Excel 97-2003 (.xls) file. Save it as .xlsx or CSV and upload again.")
        )
    elif data.lstrip()[:5] == b"%PDF-":
        # A PDF can be plain text at its start; read as CSV it would only report odd columns.
        raise RosterFileError(
            _("This is a PDF document, not a CSV or XLSX file. Export the roster from Excel.")
        )
    else:
        frame = _read_csv(data)
    frame.columns = [_header(c) for c in frame.columns]
    _check_columns(list(frame.columns))
    records = frame.to_dict("records")
    # Excel leaves blank lines at the end of a sheet; a row with every cell empty is not data.
    rows = [r for r in records if any(str(v).strip() for v in r.values())]
    if not rows:
        raise RosterFileError(_("The file has a header but no staff rows."))
    if len(rows) > settings.ROSTER_MAX_ROWS:
        raise RosterFileError(
            _("The file has %(rows)s rows; the limit is %(limit)s. Split it into smaller files.")
            % {"rows": f"{len(rows):,}", "limit": f"{settings.ROSTER_MAX_ROWS:,}"}
        )
    return records


def _header(name) -> str:
    return re.sub(r"\s+", "_", str(name).strip().lower())


def _check_columns(columns: list[str]):
    missing = [c for c in COLUMNS if c not in columns]
    unknown = [c for c in columns if c not in COLUMNS]
    problems = []
    if missing:
        problems.append(_("Missing columns: %(cols)s.") % {"cols": ", ".join(missing)})
    if unknown:
        problems.append(_("Unknown columns: %(cols)s.") % {"cols": ", ".join(unknown)})
    if len(set(columns)) != len(columns):
        problems.append(_("A column appears twice in the header."))
    if problems:
        problems.append(_("Expected exactly: %(cols)s.") % {"cols": ", ".join(COLUMNS)})
        raise RosterFileError(" ".join(problems))


def _read_xlsx(data: bytes) -> pd.DataFrame:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            is_workbook = zip_is(archive, "xlsx")
            zip_limits_check(
                archive,
                max_members=XLSX_MAX_MEMBERS,
                max_uncompressed=settings.ROSTER_MAX_UNCOMPRESSED_BYTES,
            )
    except zipfile.BadZipFile as exc:
        raise RosterFileError(_("The file looks like XLSX but is damaged.")) from exc
    except UploadRefused as exc:
        raise RosterFileError(exc.message) from exc
    if not is_workbook:
        raise RosterFileError(
            _("The file is a zip archive, not an Excel workbook. Upload a CSV or XLSX file.")
        )
    try:
        frame = pd.read_excel(
            io.BytesIO(data), sheet_name=0, dtype=object, engine="openpyxl", header=0
        )
    except Exception as exc:  # openpyxl raises many types for broken workbooks
        raise RosterFileError(
            _("The workbook could not be read (%(error)s).") % {"error": exc.__class__.__name__}
        ) from exc
    return frame.map(_cell_text)


def _cell_text(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # employee numbers typed as numbers
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _binary_error() -> RosterFileError:
    return RosterFileError(
        _(
            "The file is not a CSV or XLSX file (it contains binary data). If it is a text "
            "export, save it as 'CSV UTF-8'."
        )
    )


def _decode(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise _binary_error()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # GB18030 decodes almost any bytes, so binary files without a NUL byte land here.
        if BINARY_CHARS.search(text[:4096]):
            raise _binary_error()
        return text
    raise RosterFileError(
        _("The text encoding was not recognised. Save the file as 'CSV UTF-8' or as XLSX.")
    )


def _read_csv(data: bytes) -> pd.DataFrame:
    # Blank lines before the header are dropped; blank lines after it are kept as empty records
    # (skipped when checking), so that the row numbers in errors match the spreadsheet's.
    text = re.sub(r"\A(?:[ \t]*\r?\n)+", "", _decode(data))
    first_line = text.lstrip().splitlines()[0] if text.strip() else ""
    try:
        delimiter = csv.Sniffer().sniff(first_line, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    try:
        return pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
        )
    except pd.errors.ParserError as exc:
        raise RosterFileError(
            _("The CSV could not be read: %(error)s") % {"error": str(exc).strip()}
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise RosterFileError(_("The file is empty.")) from exc


# ---------------------------------------------------------------------------------------------
# Checking against the portal's data


def _parse_date(text: str) -> date:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    if re.fullmatch(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}", text):
        raise ValueError(_("%(value)s is not a real date.") % {"value": text})
    raise ValueError(_("%(value)s is not a date; use YYYY-MM-DD.") % {"value": text})


def _clean(value) -> str:
    text = str(value).strip()
    return re.sub(r"\s+", " ", text)


def roster_check(records: list[dict]) -> RosterPlan:
    """Validate every row and compare the file with the portal's staff."""
    plan = RosterPlan(rows=sum(1 for r in records if any(str(v).strip() for v in r.values())))
    departments = {d.code.lower(): d.pk for d in Department.objects.only("pk", "code")}
    roles = {r.code.lower(): r.pk for r in JobRole.objects.only("pk", "code")}
    shifts = {s.code.lower(): s.pk for s in Shift.objects.only("pk", "code")}
    from django.contrib.auth import get_user_model

    staff_by_no = {
        s["employee_no"]: s
        for s in StaffMember.objects.values(
            "pk",
            "employee_no",
            "full_name",
            "user_id",
            "user__email",
            "department_id",
            "job_role_id",
            "title",
            "shift_id",
            "hire_date",
            "active",
        )
    }
    owner_of_email = {
        u["email"].lower(): u
        for u in get_user_model().objects.values("pk", "email", "staff__employee_no")
    }
    today = timezone.localdate()
    seen_no: dict[str, int] = {}
    seen_email: dict[str, int] = {}
    rows: list[RosterRow] = []

    for index, record in enumerate(records):
        line = index + 2  # spreadsheet row: 1 is the header
        cells = {c: _clean(record.get(c, "")) for c in COLUMNS}
        if not any(cells.values()):
            continue
        errors: list[RosterError] = []

        def err(column, message, line=line, errors=errors):
            errors.append(RosterError(line, column, message))

        for column in REQUIRED_CELLS:
            if not cells[column]:
                err(column, _("%(column)s is required.") % {"column": column})

        number = cells["employee_no"]
        if number:
            if len(number) > 32:
                err("employee_no", _("Employee number is longer than 32 characters."))
            elif number in seen_no:
                err(
                    "employee_no",
                    _("Employee number %(no)s also appears on row %(row)s.")
                    % {"no": number, "row": seen_no[number]},
                )
            else:
                seen_no[number] = line
        if len(cells["full_name"]) > 200:
            err("full_name", _("Full name is longer than 200 characters."))

        email = cells["email"].lower()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                err("email", _("%(email)s is not a valid email address.") % {"email": email})
            else:
                owner = owner_of_email.get(email)
                if email in seen_email:
                    err(
                        "email",
                        _("Email %(email)s also appears on row %(row)s.")
                        % {"email": email, "row": seen_email[email]},
                    )
                elif owner and owner["staff__employee_no"] != number:
                    if owner["staff__employee_no"]:
                        err(
                            "email",
                            _("Email %(email)s already belongs to employee %(no)s.")
                            % {"email": email, "no": owner["staff__employee_no"]},
                        )
                    else:
                        err(
                            "email",
                            _("Email %(email)s already belongs to another account.")
                            % {"email": email},
                        )
                else:
                    seen_email[email] = line

        department_id = roles_id = shift_id = None
        if cells["department_code"]:
            department_id = departments.get(cells["department_code"].lower())
            if department_id is None:
                err(
                    "department_code",
                    _("Unknown department code %(code)s.") % {"code": cells["department_code"]},
                )
        if cells["role_code"]:
            roles_id = roles.get(cells["role_code"].lower())
            if roles_id is None:
                err(
                    "role_code", _("Unknown job role code %(code)s.") % {"code": cells["role_code"]}
                )
        if cells["shift"]:
            shift_id = shifts.get(cells["shift"].lower())
            if shift_id is None:
                err("shift", _("Unknown shift %(code)s.") % {"code": cells["shift"]})
        if len(cells["title"]) > 100:
            err("title", _("Title is longer than 100 characters."))

        hire_date = None
        if cells["hire_date"]:
            try:
                hire_date = _parse_date(cells["hire_date"])
            except ValueError as exc:
                err("hire_date", str(exc))
            else:
                if hire_date < _EARLIEST_HIRE or hire_date.year > today.year + 1:
                    err(
                        "hire_date",
                        _("Hire date %(date)s is not plausible.") % {"date": hire_date.isoformat()},
                    )

        active = True
        if cells["active"]:
            flag = cells["active"].lower()
            if flag in _TRUE:
                active = True
            elif flag in _FALSE:
                active = False
            else:
                err("active", _("%(value)s is not yes or no.") % {"value": cells["active"]})

        if errors:
            plan.errors.extend(errors)
            continue
        rows.append(
            RosterRow(
                row=line,
                employee_no=number,
                full_name=cells["full_name"],
                email=email,
                department_id=department_id,
                job_role_id=roles_id,
                title=cells["title"],
                shift_id=shift_id,
                hire_date=hire_date,
                active=active,
            )
        )

    if plan.errors:
        return plan
    _compare(plan, rows, staff_by_no)
    return plan


def _compare(plan: RosterPlan, rows: list[RosterRow], staff_by_no: dict):
    in_file = set()
    for row in rows:
        in_file.add(row.employee_no)
        current = staff_by_no.get(row.employee_no)
        if current is None:
            plan.new.append(row)
            continue
        changes = {}
        pairs = {
            "full_name": (current["full_name"], row.full_name),
            # A blank email keeps the login the person has: an import never removes a login.
            "email": (current["user__email"] or "", row.email or current["user__email"] or ""),
            "department": (current["department_id"], row.department_id),
            "job_role": (current["job_role_id"], row.job_role_id),
            "title": (current["title"], row.title),
            "shift": (current["shift_id"], row.shift_id),
            "hire_date": (current["hire_date"], row.hire_date),
            "active": (current["active"], row.active),
        }
        for name, (old, new) in pairs.items():
            if old != new:
                changes[name] = [old, new]
        if changes:
            plan.changed.append((current["pk"], row, changes))
        else:
            plan.unchanged += 1
    plan.missing = [
        (s["pk"], s["employee_no"], s["full_name"])
        for number, s in staff_by_no.items()
        if number not in in_file and s["active"]
    ]
