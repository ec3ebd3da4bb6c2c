"""The readiness bench builds what it says, its figures equal the recomputes, and the evaluation's
query count does not grow with the hospital (extra-small and small hospitals). Nothing here is
about speed."""

import re

import pytest
from django.db import transaction

from assessments.models import Attempt, CertificationStatus
from bench.readiness import data_build, evidence_target, measure, queries_of
from courses.models import Assignment
from portal.org.models import Department, StaffMember
from portal.readiness.evaluation import wave_readiness

pytestmark = pytest.mark.django_db

LINE = re.compile(
    r"^readiness: 50 staff, 5 departments, 5,000 evidence rows; "
    r"dashboard \d+\.\d{3} s \((\d+) queries\), raw GROUP BY \d+\.\d{3} s: "
    r"(\d+\.\d\d|inf)x \(target ≤ 1\.5x\)$"
)


def test_build_and_measure_extra_small():
    lines = []
    built = data_build("XS", out=lines.append)

    assert built["staff"] == StaffMember.objects.count() == 50
    assert not StaffMember.objects.filter(shift__isnull=True).exists()
    assert built["evidence"] == Attempt.objects.count() == evidence_target(50) == 5_000
    assert built["status_rows"] == CertificationStatus.objects.count() > 0
    assert built["assignments"] == Assignment.objects.count() == 3 * 50
    assert set(Assignment.objects.values_list("status", flat=True)) == {"active", "withdrawn"}
    # Inserted raw, then counted onto the staff rows as the enrolment services would.
    active = Assignment.objects.filter(status="active", staff__active=True).count()
    assert (
        sum(StaffMember.objects.filter(active=True).values_list("assignments_active", flat=True))
        == active
    )
    wave = built["wave"]
    assert set(wave.departments.all()) == set(Department.objects.filter(parent__isnull=True))
    assert wave.criteria.count() == 5
    assert lines[0].startswith("hospital XS: 50 staff")

    result = measure(wave, out=lines.append, sample=20)
    assert result["equal"], result["problems"]
    assert result["cells"] > 0
    match = LINE.match(result["line"])
    assert match, result["line"]
    assert int(match.group(1)) == result["queries"]
    assert result["queries"] == result["subset_queries"]
    assert result["cell_queries"] == result["queries"] + 2  # with cells: the roles and shifts
    # The wave holds the whole hospital: no statement lists its departments' ids.
    assert not [sql for sql in result["query_sql"] if re.search(r'department_id" IN \(', sql)]
    assert any(line.startswith("figures equal the recompute: yes (") for line in lines)
    # The status-table figures reach the evaluation's wave total.
    assert result["readiness"].counts.rows == CertificationStatus.objects.count()


def test_query_count_is_the_same_for_a_ten_times_bigger_hospital():
    def count(size):
        built = data_build(size, out=lambda _line: None)
        wave = built["wave"]
        result = measure(wave, out=lambda _line: None, sample=50)
        assert result["equal"], result["problems"]
        queries = queries_of(lambda: wave_readiness(wave=wave, today=result["readiness"].today))
        return len(queries), StaffMember.objects.count()

    with transaction.atomic():
        extra_small, staff_xs = count("XS")
        transaction.set_rollback(True)
    small, staff_s = count("S")
    assert (staff_xs, staff_s) == (50, 500)
    assert extra_small == small
