"""The enrolment benchmark's harness builds what it says (on the extra-small hospital; the
timing itself is `python -m bench.enrolment --size XL`)."""

import pytest

from bench.enrolment import (
    COURSES,
    CURRICULA,
    courses_create,
    curricula_create,
    go_live_set,
    pages_ensure,
    recompute_timed,
    target_line,
)
from bench.generate import build
from courses.models import Assignment, Curriculum, CurriculumItem
from portal.org.models import Department


@pytest.mark.django_db
def test_the_bench_builds_curricula_and_times_the_recompute():
    build("XS")
    pages_ensure()
    pages = courses_create()
    assert len(pages) == len(COURSES)
    assert courses_create() == pages  # idempotent
    assert curricula_create(pages) == 10 == Curriculum.objects.count()
    assert CurriculumItem.objects.count() == sum(len(c[3]) for c in CURRICULA)
    assert Curriculum.objects.filter(departments__isnull=False).distinct().count() == 4
    waves = go_live_set()
    assert waves["pilot"] >= 1
    assert not Department.objects.filter(parent__isnull=True, waves__isnull=True).exists()

    seconds, cpu, counts = recompute_timed()
    assert counts["created"] == Assignment.objects.count() > 0
    assert "× the 60 s target" in target_line("recompute", seconds, cpu, counts)
    assert recompute_timed()[2]["unchanged"] == counts["created"]
