"""Seed users in the demo hospital: the go-live programme with nominees at every stage,
Emergency's night shift a gap (its day shift covered), confirmed points, a second run that
creates nothing, and a certification status table still equal to a recompute."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from assessments.demo import build_exams
from assessments.demo_certification import build_certification
from assessments.demo_practical import build_practical
from assessments.models import Attempt, Certificate
from assessments.services.certification import status_diff
from courses.demo_content import build_courses
from courses.demo_learning import build_learning
from courses.models import CoursePage
from portal.demo.hospital import DOMAIN, build_hospital
from portal.records.models import AuditEvent
from seedusers import selectors
from seedusers.demo import PROGRAMME, TOOLKIT_SLUG, WAVE2, demo_seed_users
from seedusers.models import Activity, Nomination, Programme

N = Nomination.Status


@pytest.fixture(scope="module")
def demo_built(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        build_hospital()
        build_courses()
        build_learning()
        build_exams()
        build_practical()
        build_certification()
        yield demo_seed_users()
        transaction.set_rollback(True)


@pytest.fixture
def demo(db, demo_built):
    return demo_built


def _user(local: str):
    return get_user_model().objects.get(email=f"{local}@{DOMAIN}")


def _programme() -> Programme:
    return Programme.objects.get(name=PROGRAMME["name"])


def test_the_programme_is_set_up(demo):
    programme = _programme()
    assert programme.name_zh == "2027上线种子用户" and not programme.departments.exists()
    assert programme.staff_per_seed_user == 10
    assert dict(programme.ratios.values_list("kind", "staff_per_seed_user")) == {"pharmacy": 8}
    slugs = set(programme.advanced_courses.values_list("slug", flat=True))
    assert TOOLKIT_SLUG in slugs and CoursePage.objects.live().filter(slug=TOOLKIT_SLUG).exists()
    assert (programme.proficiency_threshold, programme.min_proficiency) == (85, 75)
    assert programme.min_months_service == 12
    assert (programme.training_ends - programme.training_starts).days == 60
    assert (programme.support_until - programme.training_ends).days == 60
    assert programme.duties and programme.duties_zh
    points = (programme.points_coaching, programme.points_floor_shift, programme.points_issue)
    assert points == (3, 5, 1)


def test_every_status_is_there(demo):
    statuses = set(Nomination.objects.values_list("status", flat=True))
    assert statuses == set(N.values)
    approved = Nomination.objects.get(status=N.APPROVED)
    assert approved.programme.name == WAVE2["name"]  # its training window has not opened yet
    main = Nomination.objects.filter(programme=_programme())
    assert main.filter(status=N.ACTIVE).count() >= 5
    assert main.get(status=N.DECLINED).decision_note
    assert main.get(status=N.STEPPED_DOWN).step_down_reason
    assert main.filter(status=N.IN_TRAINING).exclude(override_reason="").exists()
    assert main.filter(volunteered=True, status=N.NOMINATED).exists()


def test_active_seed_users_span_departments_and_shifts_and_are_no_logins(demo):
    active = Nomination.objects.filter(programme=_programme(), status=N.ACTIVE)
    assert len(set(active.values_list("staff__department__code", flat=True))) >= 3
    assert len(set(active.values_list("staff__shift__code", flat=True))) >= 3
    assert not active.filter(staff__user__email__endswith=f"@{DOMAIN}").exists()
    assert not Nomination.objects.filter(staff__user__email=f"learner-nurse@{DOMAIN}").exists()
    for nomination in active:
        assert nomination.certified_at < nomination.activated_at


def test_emergency_night_shift_is_a_gap_and_the_day_shift_is_covered(demo):
    manager = _user("manager")
    rows = selectors.coverage(programme=_programme(), viewer=manager)
    ed = next(d for d in rows if d.department.code == "ED")
    cells = {c.shift.code: c for c in ed.cells}
    assert cells["day"].staff > 0 and cells["day"].gap == 0 and cells["day"].active > 0
    assert cells["night"].gap > 0 and cells["night"].active == 0
    assert cells["night"].candidates
    nurse = _user("learner-nurse").staff
    assert nurse.pk in {staff.pk for staff, _score in cells["night"].candidates}
    nominable = selectors.staff_nominable(viewer=manager, programme=_programme())
    assert nominable.filter(pk=nurse.pk).exists()


def test_confirmed_points_and_a_pending_activity_for_the_manager(demo):
    confirmed = Activity.objects.filter(status=Activity.Status.CONFIRMED)
    assert set(confirmed.values_list("kind", flat=True)) == set(Activity.Kind.values)
    assert all(a.points > 0 for a in confirmed)
    issues = confirmed.filter(kind=Activity.Kind.ISSUE)
    assert len(set(issues.values_list("category", flat=True))) >= 3
    assert len(set(issues.values_list("severity", flat=True))) >= 3
    manager = _user("manager")
    pending = Activity.objects.filter(status=Activity.Status.PENDING)
    assert pending and all(selectors.may_confirm(manager, a) for a in pending)
    board = list(selectors.leaderboard(programme=_programme(), viewer=_user("rollout-lead")))
    assert board and board[0].points > 0
    assert AuditEvent.objects.filter(action="seed.activity_confirm").count() == confirmed.count()


def _snapshot() -> dict:
    return {
        "nominations": sorted(Nomination.objects.values_list("pk", "status")),
        "activities": sorted(Activity.objects.values_list("pk", "status")),
        "programmes": Programme.objects.count(),
        "attempts": Attempt.objects.count(),
        "certificates": Certificate.objects.count(),
        "courses": CoursePage.objects.count(),
        "audit": AuditEvent.objects.filter(action__startswith="seed.").count(),
    }


def test_a_second_run_creates_nothing(demo):
    before = _snapshot()
    summary = demo_seed_users()
    assert _snapshot() == before
    assert "0 nominations, 0 activities (0 confirmed) and 0 attempts added" in summary


def test_the_status_table_equals_a_recompute(demo):
    assert status_diff() == []
    out = StringIO()
    call_command("recompute_status", "--check", stdout=out)
    assert out.getvalue().rstrip().endswith(": no differences")
