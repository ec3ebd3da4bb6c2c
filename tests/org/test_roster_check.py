"""Checking roster rows against the portal: every row error names its row, column and problem and
nothing is written; a clean file becomes a plan of new, changed, unchanged and missing staff."""

from datetime import date

import pytest
from freezegun import freeze_time

from portal.org import services
from portal.org.roster import REQUIRED_CELLS
from tests.factories import DepartmentFactory, StaffFactory, UserFactory, job_role, shift
from tests.org.test_roster_read import cells, refused, roster_csv


@pytest.fixture
def ed(db):
    return DepartmentFactory(code="ED", name="Emergency")


@pytest.fixture
def existing(ed):
    return StaffFactory(
        employee_no="E0001",
        full_name="Old Hand",
        department=ed,
        user=UserFactory(email="old.hand@hospital.example"),
    )


def errors_of(rows, capture) -> list[tuple]:
    imp = refused(roster_csv(rows), capture)
    assert all(set(e) == {"row", "column", "message"} for e in imp.errors)
    return [(e["row"], e["column"], e["message"]) for e in imp.errors]


# ---------------------------------------------------------------------------------------------
# Row errors: message, row, column, and an unchanged database (see `refused`)


def test_unknown_department_code(existing, django_capture_on_commit_callbacks):
    rows = [cells(employee_no="N1"), cells(employee_no="N2", department_code="ICU9")]

    assert errors_of(rows, django_capture_on_commit_callbacks) == [
        (3, "department_code", "Unknown department code ICU9.")
    ]


def test_unknown_role_code(existing, django_capture_on_commit_callbacks):
    rows = [cells(employee_no="N1", role_code="surgeon")]

    assert errors_of(rows, django_capture_on_commit_callbacks) == [
        (2, "role_code", "Unknown job role code surgeon.")
    ]


def test_unknown_shift(existing, django_capture_on_commit_callbacks):
    rows = [cells(employee_no="N1", shift="graveyard")]

    assert errors_of(rows, django_capture_on_commit_callbacks) == [
        (2, "shift", "Unknown shift graveyard.")
    ]


def test_duplicate_employee_number_in_the_file(existing, django_capture_on_commit_callbacks):
    rows = [
        cells(employee_no="N1", full_name="A"),
        cells(employee_no="N2", full_name="B"),
        cells(employee_no="N1", full_name="C"),
    ]

    assert errors_of(rows, django_capture_on_commit_callbacks) == [
        (4, "employee_no", "Employee number N1 also appears on row 2.")
    ]


def test_duplicate_email_in_the_file_ignores_case(existing, django_capture_on_commit_callbacks):
    rows = [
        cells(employee_no="N1", email="wang.fang@hospital.example"),
        cells(employee_no="N2", email="Wang.Fang@Hospital.example"),
    ]

    assert errors_of(rows, django_capture_on_commit_callbacks) == [
        (3, "email", "Email wang.fang@hospital.example also appears on row 2.")
    ]


def test_email_of_another_staff_member(existing, django_capture_on_commit_callbacks):
    rows = [
        cells(employee_no="E0001", email=""),
        cells(employee_no="N1", email=existing.user.email.upper()),
    ]

    assert errors_of(rows, django_capture_on_commit_callbacks) == [
        (3, "email", f"Email {existing.user.email} already belongs to employee E0001.")
    ]


def test_email_of_an_account_without_staff_record(existing, django_capture_on_commit_callbacks):
    admin = UserFactory(email="it.admin@hospital.example")
    rows = [cells(employee_no="E0001"), cells(employee_no="N1", email=admin.email)]

    assert errors_of(rows, django_capture_on_commit_callbacks) == [
        (3, "email", "Email it.admin@hospital.example already belongs to another account.")
    ]


def test_invalid_email(existing, django_capture_on_commit_callbacks):
    rows = [cells(employee_no="N1", email="wang.fang@")]

    assert errors_of(rows, django_capture_on_commit_callbacks) == [
        (2, "email", "wang.fang@ is not a valid email address.")
    ]


@pytest.mark.parametrize(
    "text, message",
    [
        ("yesterday", "yesterday is not a date; use YYYY-MM-DD."),
        ("01/07/2019", "01/07/2019 is not a date; use YYYY-MM-DD."),
        ("2023-02-30", "2023-02-30 is not a real date."),
        ("2023-13-01", "2023-13-01 is not a real date."),
    ],
)
def test_bad_hire_date(existing, django_capture_on_commit_callbacks, text, message):
    rows = [cells(employee_no="N1", hire_date=text)]

    assert errors_of(rows, django_capture_on_commit_callbacks) == [(2, "hire_date", message)]


@freeze_time("2024-06-01")
@pytest.mark.parametrize("text", ["2026-01-01", "1949-12-31"])
def test_implausible_hire_date(existing, django_capture_on_commit_callbacks, text):
    rows = [cells(employee_no="N1", hire_date=text)]

    assert errors_of(rows, django_capture_on_commit_callbacks) == [
        (2, "hire_date", f"Hire date {text} is not plausible.")
    ]


@freeze_time("2024-06-01")
@pytest.mark.parametrize(
    "text, expected",
    [
        ("2025-12-31", date(2025, 12, 31)),  # next year: contracts signed ahead
        ("1950-01-01", date(1950, 1, 1)),
        ("2019/7/1", date(2019, 7, 1)),
        ("2019.07.01", date(2019, 7, 1)),
        ("2019年7月1日", date(2019, 7, 1)),
    ],
)
def test_accepted_hire_dates(ed, text, expected):
    plan = services.roster_plan(data=roster_csv([cells(employee_no="N1", hire_date=text)]))

    assert plan.errors == []
    assert plan.new[0].hire_date == expected


@pytest.mark.parametrize("column", REQUIRED_CELLS)
def test_empty_required_cell(existing, django_capture_on_commit_callbacks, column):
    rows = [cells(employee_no="N1"), cells(**{"employee_no": "N2", column: "  "})]

    assert errors_of(rows, django_capture_on_commit_callbacks) == [
        (3, column, f"{column} is required.")
    ]


def test_bad_active_flag(existing, django_capture_on_commit_callbacks):
    rows = [cells(employee_no="N1", active="maybe")]

    assert errors_of(rows, django_capture_on_commit_callbacks) == [
        (2, "active", "maybe is not yes or no.")
    ]


def test_too_long_cells(existing, django_capture_on_commit_callbacks):
    rows = [cells(employee_no="N" * 33, full_name="名" * 201, title="T" * 101)]

    assert errors_of(rows, django_capture_on_commit_callbacks) == [
        (2, "employee_no", "Employee number is longer than 32 characters."),
        (2, "full_name", "Full name is longer than 200 characters."),
        (2, "title", "Title is longer than 100 characters."),
    ]


def test_every_error_of_every_row_is_reported(existing, django_capture_on_commit_callbacks):
    rows = [
        cells(employee_no="N1", department_code="NOPE", role_code="nope"),
        cells(employee_no="N2"),  # fine
        cells(employee_no="", hire_date="2023-02-30"),
    ]

    found = errors_of(rows, django_capture_on_commit_callbacks)

    assert [(row, column) for row, column, _message in found] == [
        (2, "department_code"),
        (2, "role_code"),
        (4, "employee_no"),
        (4, "hire_date"),
    ]


def test_plan_with_errors_lists_no_changes(existing):
    plan = services.roster_plan(data=roster_csv([cells(employee_no="N1", role_code="x")]))

    assert plan.errors
    assert (plan.new, plan.changed, plan.missing) == ([], [], [])
    assert plan.summary()["errors"] == len(plan.errors)


# ---------------------------------------------------------------------------------------------
# The plan of a clean file


def test_plan_sorts_rows_into_new_changed_unchanged_missing(ed):
    same = StaffFactory(
        employee_no="E1",
        full_name="Same",
        department=ed,
        title="护师",
        hire_date=date(2019, 7, 1),
        user=UserFactory(email="same@hospital.example"),
    )
    moved = StaffFactory(employee_no="E2", full_name="Moved", department=ed, title="护师")
    gone = StaffFactory(employee_no="E3", full_name="Gone", department=ed)
    StaffFactory(employee_no="E4", department=ed, active=False)  # inactive: not "missing"
    icu = DepartmentFactory(code="ICU")
    rows = [
        cells(employee_no="E1", full_name="Same", email="same@hospital.example"),
        cells(
            employee_no="E2",
            full_name="Moved",
            email=moved.user.email,
            department_code="icu",  # codes ignore case
            role_code="doctor",
            hire_date="2020-02-03",
        ),
        cells(employee_no="N9", full_name="New Person"),
    ]

    plan = services.roster_plan(data=roster_csv(rows))

    assert plan.errors == []
    assert plan.summary() == {
        "rows": 3,
        "new": 1,
        "changed": 1,
        "unchanged": 1,
        "missing": 1,
        "deactivated": 0,
        "errors": 0,
    }
    assert [r.employee_no for r in plan.new] == ["N9"]
    pk, row, changes = plan.changed[0]
    assert (pk, row.row) == (moved.pk, 3)
    assert changes == {
        "department": [ed.pk, icu.pk],
        "job_role": [moved.job_role_id, job_role("doctor").pk],
        "hire_date": [None, date(2020, 2, 3)],
    }
    assert plan.missing == [(gone.pk, "E3", "Gone")]
    assert same.pk not in {p for p, _r, _c in plan.changed}


def test_blank_email_keeps_the_login(existing):
    rows = [
        cells(
            employee_no="E0001",
            full_name=existing.full_name,
            email="",
            title=existing.title,
            hire_date="",
        )
    ]

    plan = services.roster_plan(data=roster_csv(rows))

    assert (plan.summary()["unchanged"], plan.changed) == (1, [])


def test_own_email_is_no_clash(existing):
    rows = [cells(employee_no="E0001", email=existing.user.email, full_name="Renamed")]

    plan = services.roster_plan(data=roster_csv(rows))

    assert plan.errors == []
    assert plan.changed[0][2]["full_name"] == [existing.full_name, "Renamed"]


def test_cells_are_trimmed_and_spaces_collapsed(ed):
    rows = [cells(employee_no=" N1 ", full_name="  Wang   Fang ", shift=" NIGHT ", active=" 否 ")]

    plan = services.roster_plan(data=roster_csv(rows))

    row = plan.new[0]
    assert (row.employee_no, row.full_name) == ("N1", "Wang Fang")
    assert row.shift_id == shift("night").pk
    assert row.active is False


def test_diff_shows_codes_and_names(ed):
    member = StaffFactory(employee_no="E1", full_name="Moved", department=ed)
    DepartmentFactory(code="ICU")
    rows = [
        cells(
            employee_no="E1",
            full_name="Moved",
            email=member.user.email,
            department_code="ICU",
            title=member.title,
            hire_date="2020-02-03",
        ),
        cells(employee_no="N1", full_name="新同事"),
    ]

    diff = services.roster_plan_diff(services.roster_plan(data=roster_csv(rows)))

    assert diff["new"] == [
        {
            "row": 3,
            "employee_no": "N1",
            "full_name": "新同事",
            "department": "ED",
            "job_role": "nurse",
        }
    ]
    assert diff["changed"][0]["changes"] == {
        "department": ["ED", "ICU"],
        "hire_date": [None, "2020-02-03"],
    }
