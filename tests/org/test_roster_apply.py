"""Applying a checked roster: new staff with logins, changed fields, deactivation of missing staff,
idempotence, all-or-nothing, and the audit trail it leaves."""

from datetime import date
from unittest import mock

import pytest
from django.contrib.auth import get_user_model

from portal.accounts.roles import HR, LEARNER
from portal.org import services
from portal.org.models import StaffMember
from portal.records.models import AuditEvent
from portal.records.selectors import audit_chain_verify
from tests.factories import DepartmentFactory, StaffFactory, UserFactory, job_role, shift
from tests.org.test_roster_read import cells, db_counts, roster_csv, roster_xlsx

User = get_user_model()


@pytest.fixture
def ed(db):
    return DepartmentFactory(code="ED")


def apply(rows, *, deactivate_missing=False, actor=None, build=roster_csv) -> dict:
    plan = services.roster_plan(data=build(rows))
    assert plan.errors == [], plan.errors
    return services.roster_plan_apply(
        plan=plan, actor=actor, deactivate_missing=deactivate_missing, invite=False
    )


def actions(action) -> int:
    return AuditEvent.objects.filter(action=action).count()


# ---------------------------------------------------------------------------------------------
# New staff


def test_new_staff_with_email_get_a_login_in_the_learner_group(ed):
    summary = apply(
        [
            cells(
                employee_no="N1",
                full_name="王芳",
                email="Wang.Fang@Hospital.example",
                role_code="doctor",
                title="主治医师",
                shift="night",
                hire_date="2019-07-01",
            ),
            cells(employee_no="N2", full_name="李明", email=""),
        ]
    )

    assert (summary["new"], summary["changed"]) == (2, 0)
    wang = StaffMember.objects.select_related("user").get(employee_no="N1")
    assert (wang.full_name, wang.department, wang.title) == ("王芳", ed, "主治医师")
    assert (wang.job_role, wang.shift) == (job_role("doctor"), shift("night"))
    assert wang.hire_date == date(2019, 7, 1)
    assert wang.active is True
    login = wang.user
    assert login.email == "wang.fang@hospital.example"
    assert login.first_name == "王芳"
    assert login.is_active is True
    assert login.has_usable_password() is False
    assert list(login.groups.values_list("name", flat=True)) == [LEARNER]
    assert StaffMember.objects.get(employee_no="N2").user is None


def test_new_inactive_staff_get_an_inactive_login(ed):
    apply([cells(employee_no="N1", email="left@hospital.example", active="no")])

    member = StaffMember.objects.select_related("user").get(employee_no="N1")
    assert member.active is False
    assert member.user.is_active is False


# ---------------------------------------------------------------------------------------------
# Changed staff


def test_changed_fields_are_updated(ed):
    icu = DepartmentFactory(code="ICU")
    member = StaffFactory(
        employee_no="E1",
        full_name="Wang Fang",
        department=ed,
        title="护士",
        hire_date=date(2019, 7, 1),
        user=UserFactory(email="wang@hospital.example"),
    )
    untouched = StaffFactory(employee_no="E2", department=ed)
    before_users = User.objects.count()

    summary = apply(
        [
            cells(
                employee_no="E1",
                full_name="王芳",
                email="wang.fang@hospital.example",
                department_code="ICU",
                role_code="doctor",
                title="主治医师",
                shift="evening",
                hire_date="2020-01-02",
            ),
            cells(
                employee_no="E2",
                full_name=untouched.full_name,
                email=untouched.user.email,
                title=untouched.title,
                hire_date="",
            ),
        ]
    )

    assert (summary["new"], summary["changed"], summary["unchanged"]) == (0, 1, 1)
    member.refresh_from_db()
    member.user.refresh_from_db()
    assert (member.full_name, member.department, member.title) == ("王芳", icu, "主治医师")
    assert (member.job_role, member.shift) == (job_role("doctor"), shift("evening"))
    assert member.hire_date == date(2020, 1, 2)
    assert member.user.email == "wang.fang@hospital.example"
    assert User.objects.count() == before_users  # the login was updated, not replaced
    event = AuditEvent.objects.get(action="staff.update")
    assert event.object_id == str(member.pk)
    assert event.before["full_name"] == "Wang Fang"
    assert event.after["full_name"] == "王芳"
    assert event.before["email"] == "wang@hospital.example"
    assert event.after["hire_date"] == "2020-01-02"
    assert event.after["department"] == icu.pk


def test_staff_without_login_get_one_when_the_file_gives_an_email(ed):
    member = StaffFactory(employee_no="E1", department=ed, user=None)

    apply([cells(employee_no="E1", full_name=member.full_name, email="new@hospital.example")])

    member.refresh_from_db()
    assert member.user.email == "new@hospital.example"
    assert member.user.has_usable_password() is False
    assert member.user.groups.filter(name=LEARNER).exists()


def test_inactive_in_the_file_deactivates_the_login(ed):
    member = StaffFactory(employee_no="E1", department=ed)

    apply([cells(employee_no="E1", full_name=member.full_name, active="离职")])

    member.refresh_from_db()
    member.user.refresh_from_db()
    assert (member.active, member.user.is_active) == (False, False)


def test_returning_staff_are_reactivated_with_their_login(ed):
    member = StaffFactory(
        employee_no="E1", department=ed, active=False, user=UserFactory(is_active=False)
    )

    summary = apply([cells(employee_no="E1", full_name=member.full_name, active="yes")])

    assert summary["changed"] == 1
    member.refresh_from_db()
    member.user.refresh_from_db()
    assert (member.active, member.user.is_active) == (True, True)


# ---------------------------------------------------------------------------------------------
# Staff missing from the file


def _two_staff(ed):
    stays = StaffFactory(employee_no="E1", full_name="Stays", department=ed)
    leaves = StaffFactory(employee_no="E2", full_name="Leaves", department=ed)
    return stays, leaves


def test_deactivate_missing_deactivates_and_deletes_nobody(ed):
    stays, leaves = _two_staff(ed)
    no_login = StaffFactory(employee_no="E3", department=ed, user=None)
    before = db_counts()

    summary = apply(
        [cells(employee_no="E1", full_name="Stays", email=stays.user.email)],
        deactivate_missing=True,
    )

    assert (summary["missing"], summary["deactivated"]) == (2, 2)
    for member in (leaves, no_login):
        member.refresh_from_db()
        assert member.active is False
    leaves.user.refresh_from_db()
    assert leaves.user.is_active is False
    stays.refresh_from_db()
    stays.user.refresh_from_db()
    assert (stays.active, stays.user.is_active) == (True, True)
    after = db_counts()
    assert (after["staff"], after["users"]) == (before["staff"], before["users"])
    assert set(
        AuditEvent.objects.filter(action="staff.deactivate").values_list("object_id", flat=True)
    ) == {str(leaves.pk), str(no_login.pk)}


def test_missing_staff_stay_active_without_the_option(ed):
    stays, leaves = _two_staff(ed)

    summary = apply([cells(employee_no="E1", full_name="Stays", email=stays.user.email)])

    assert (summary["missing"], summary["deactivated"]) == (1, 0)
    leaves.refresh_from_db()
    leaves.user.refresh_from_db()
    assert (leaves.active, leaves.user.is_active) == (True, True)
    assert actions("staff.deactivate") == 0


def test_staff_already_inactive_are_not_missing(ed):
    StaffFactory(employee_no="E9", department=ed, active=False)

    summary = apply([cells(employee_no="N1")], deactivate_missing=True)

    assert (summary["missing"], summary["deactivated"]) == (0, 0)
    assert actions("staff.deactivate") == 0


# ---------------------------------------------------------------------------------------------
# Idempotence and atomicity


@pytest.mark.parametrize("build", [roster_csv, roster_xlsx], ids=["csv", "xlsx"])
def test_the_same_file_twice_changes_nothing_the_second_time(ed, build):
    member = StaffFactory(employee_no="E1", department=ed, title="护士")
    StaffFactory(employee_no="E2", department=ed)  # missing: deactivated the first time
    rows = [
        cells(employee_no="E1", full_name="Renamed", email=member.user.email),
        cells(employee_no="N1", full_name="王芳", email="wang.fang@hospital.example"),
        cells(employee_no="N2", full_name="李明", email="", hire_date="", shift=""),
        cells(employee_no="N3", full_name="张伟", email="zhang@hospital.example", active="no"),
    ]
    first = apply(rows, deactivate_missing=True, build=build)
    assert (first["new"], first["changed"], first["deactivated"]) == (3, 1, 1)
    counts = db_counts()
    updates, creates = actions("staff.update"), actions("staff.create")

    second = apply(rows, deactivate_missing=True, build=build)

    assert (second["new"], second["changed"], second["unchanged"]) == (0, 0, len(rows))
    assert (second["missing"], second["deactivated"]) == (0, 0)
    assert (actions("staff.update"), actions("staff.create")) == (updates, creates)
    after = db_counts()
    assert after["audit"] == counts["audit"] + 1  # only the roster.import event itself
    assert {k: v for k, v in after.items() if k != "audit"} == {
        k: v for k, v in counts.items() if k != "audit"
    }


def test_a_failure_part_way_rolls_everything_back(ed):
    member = StaffFactory(employee_no="E1", department=ed, full_name="Before")
    before = db_counts()
    plan = services.roster_plan(
        data=roster_csv(
            [
                cells(employee_no="E1", full_name="After", email=member.user.email),
                cells(employee_no="N1", email="n1@hospital.example"),
            ]
        )
    )

    with mock.patch.object(services, "audit_record_many", side_effect=RuntimeError("disk full")):
        with pytest.raises(RuntimeError):
            services.roster_plan_apply(plan=plan, actor=None, deactivate_missing=True)

    assert db_counts() == before
    member.refresh_from_db()
    assert member.full_name == "Before"


def test_a_plan_with_errors_is_not_applied(ed):
    plan = services.roster_plan(data=roster_csv([cells(employee_no="N1", role_code="pilot")]))
    before = db_counts()

    with pytest.raises(ValueError):
        services.roster_plan_apply(plan=plan, actor=None, deactivate_missing=True)

    assert db_counts() == before


# ---------------------------------------------------------------------------------------------
# Audit trail


def test_apply_writes_a_verifiable_audit_trail(ed):
    hr = UserFactory(email="hr@hospital.example", roles=[HR])
    member = StaffFactory(employee_no="E1", department=ed)
    StaffFactory(employee_no="E2", department=ed)

    summary = apply(
        [
            cells(employee_no="E1", full_name="Renamed", email=member.user.email),
            cells(employee_no="N1", email="n1@hospital.example"),
            cells(employee_no="N2"),
        ],
        deactivate_missing=True,
        actor=hr,
    )

    imports = AuditEvent.objects.filter(action="roster.import")
    assert imports.count() == 1
    event = imports.get()
    assert event.actor_id == hr.pk
    assert event.actor_label.startswith("hr@hospital.example via ")
    assert {k: event.after[k] for k in summary} == summary
    created = AuditEvent.objects.filter(action="staff.create")
    assert set(created.values_list("object_id", flat=True)) == {
        str(pk)
        for pk in StaffMember.objects.filter(employee_no__in=["N1", "N2"]).values_list(
            "pk", flat=True
        )
    }
    assert created.get(after__employee_no="N1").after["email"] == "n1@hospital.example"
    assert actions("staff.update") == 1
    assert actions("staff.deactivate") == 1
    check = audit_chain_verify()
    assert check.ok, check.reason
    assert check.checked == AuditEvent.objects.count()


def test_apply_without_actor_is_labelled_system(ed):
    apply([cells(employee_no="N1")])

    event = AuditEvent.objects.get(action="roster.import")
    assert event.actor_id is None
    assert event.actor_label.startswith("system via ")
    assert audit_chain_verify().ok
