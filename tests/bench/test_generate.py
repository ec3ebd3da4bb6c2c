"""The bench harness builds what it says, through the project's own services (kept fast: the
extra-small hospital and a small roster file)."""

from collections import Counter

import pytest

from bench.generate import SIZES, build, department_tree, reference_data_ensure
from bench.roster_import import import_records, records_changed, roster_xlsx
from portal.org.models import Department, StaffMember
from portal.org.roster import COLUMNS, roster_check, roster_read
from portal.org.services import departments_bulk_upsert


@pytest.mark.django_db
def test_build_xs_hospital():
    result = build("XS")

    staff, departments = SIZES["XS"]
    assert StaffMember.objects.count() == staff == 50
    assert Department.objects.count() == departments
    tops = Department.objects.filter(parent__isnull=True)
    assert 0 < tops.count() < departments
    assert Department.objects.filter(parent__in=tops).exists()
    roles = Counter(StaffMember.objects.values_list("job_role__code", flat=True))
    assert roles["nurse"] > roles["doctor"] > 0
    assert StaffMember.objects.filter(user__groups__name="learner").count() == result["logins"]
    assert result["summary"]["new"] == staff


def test_department_tree_is_deterministic_and_nested():
    first = department_tree(20)
    assert [d.code for d in first] == [d.code for d in department_tree(20)]
    codes = {d.code for d in first}
    assert all(d.parent_code in codes for d in first if d.parent_code)
    assert any(d.parent_code and d.parent_code not in {t.code for t in first[:4]} for d in first)


@pytest.mark.django_db
def test_roster_import_file_checks_clean():
    reference_data_ensure()
    departments = department_tree(SIZES["XS"][1])
    departments_bulk_upsert(rows=[d.as_row() for d in departments])
    records = import_records(30, departments)

    rows = roster_read(roster_xlsx(records))
    plan = roster_check(rows)

    assert not plan.errors
    assert len(plan.new) == 30
    assert set(rows[0]) == set(COLUMNS)
    assert rows[0]["hire_date"] == records[0]["hire_date"]

    changed = records_changed(records, departments)
    assert sum(a != b for a, b in zip(records, changed, strict=True)) == 3
    everyone = records_changed(records, departments, every=1, mark="（转岗）")
    assert all(a["title"] != b["title"] for a, b in zip(records, everyone, strict=True))
