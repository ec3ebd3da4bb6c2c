from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from portal.records.models import AuditEvent
from seedusers import selectors, services
from seedusers.models import Activity, Nomination
from tests.factories import DepartmentFactory, StaffFactory

from . import factories as f

pytestmark = pytest.mark.django_db

N = Nomination.Status
A = Activity.Status
COACHING = {
    "kind": Activity.Kind.COACHING,
    "day": date(2026, 3, 2),
    "minutes": 30,
    "colleagues": 4,
    "topic": "Discharge orders",
}


@pytest.fixture
def ward(role_groups):
    return DepartmentFactory(code="W1")


@pytest.fixture
def boss(ward):
    return f.manager(ward, department=ward)


@pytest.fixture
def seed(ward):
    prog = f.programme(points_coaching=4, points_floor_shift=6, points_issue=2)
    return f.nomination(prog, StaffFactory(department=ward), status=N.ACTIVE)


def log(seed, token="form-1", actor=None, **data):
    return services.activity_log(
        actor=actor or seed.staff.user, nomination=seed, token=token, data={**COACHING, **data}
    )


def confirm(actor, activity, yes=True, note=""):
    return services.activity_decide(actor=actor, activity_id=activity.pk, confirm=yes, note=note)


@pytest.mark.parametrize("status", [N.CERTIFIED, N.ACTIVE])
def test_seed_user_logs_a_coaching_session(seed, status):
    seed.status = status
    seed.save()
    activity = log(seed)
    assert (activity.status, activity.points, activity.colleagues) == (A.PENDING, 0, 4)
    assert activity.nomination == seed
    assert AuditEvent.objects.filter(action="seed.activity_log").count() == 1


def test_double_submit_logs_one_activity(seed):
    first = log(seed, token="same")
    second = log(seed, token="same", topic="Resubmitted")
    assert second.pk == first.pk
    assert Activity.objects.count() == 1
    assert Activity.objects.get().topic == "Discharge orders"
    assert log(seed, token="other").pk != first.pk


def test_someone_else_cannot_log_on_her_nomination(seed, boss, ward):
    for actor in (StaffFactory(department=ward).user, boss.user):
        with pytest.raises(PermissionDenied):
            log(seed, actor=actor)
    assert not Activity.objects.exists()


def test_a_token_of_another_nomination_is_refused(seed, ward):
    other = f.nomination(seed.programme, StaffFactory(department=ward), status=N.ACTIVE)
    log(other, token="shared")
    with pytest.raises(PermissionDenied):
        log(seed, token="shared")
    assert Activity.objects.get().nomination == other


@pytest.mark.parametrize("status", [N.NOMINATED, N.APPROVED, N.IN_TRAINING, N.STEPPED_DOWN])
def test_only_certified_or_active_seed_users_log(seed, status):
    seed.status = status
    seed.save()
    with pytest.raises(ValidationError, match="certified and active"):
        log(seed)
    assert not Activity.objects.exists()


def test_manager_confirms_and_the_points_are_frozen(seed, boss):
    activity = log(seed)
    result = confirm(boss.user, activity)
    assert (result.status, result.points, result.decided_by) == (A.CONFIRMED, 4, boss.user)
    # The same confirmation again changes nothing.
    assert confirm(boss.user, activity).points == 4
    assert AuditEvent.objects.filter(action="seed.activity_confirm").count() == 1
    programme = seed.programme
    programme.points_coaching = 10
    programme.save()
    activity.refresh_from_db()
    assert activity.points == 4
    assert selectors.points_by_staff([seed.staff_id]) == {seed.staff_id: 4}
    # A later one earns the new points.
    assert confirm(boss.user, log(seed, token="form-2")).points == 10


@pytest.mark.parametrize("kind,points", [(Activity.Kind.FLOOR, 6), (Activity.Kind.ISSUE, 2)])
def test_points_per_kind(seed, boss, kind, points):
    assert confirm(boss.user, log(seed, kind=kind)).points == points


def test_rejecting_needs_a_note(seed, boss):
    activity = log(seed)
    with pytest.raises(ValidationError) as err:
        confirm(boss.user, activity, yes=False)
    assert "note" in err.value.message_dict
    activity.refresh_from_db()
    assert activity.status == A.PENDING
    result = confirm(boss.user, activity, yes=False, note="Was on leave that day")
    assert (result.status, result.points) == (A.REJECTED, 0)
    with pytest.raises(ValidationError, match="decided already"):
        confirm(boss.user, activity)


def test_seed_user_cannot_confirm_their_own(ward, role_groups):
    # Even a seed user who manages the department.
    me = f.manager(ward, department=ward)
    nomination = f.nomination(f.programme(), me, status=N.ACTIVE)
    activity = log(nomination)
    with pytest.raises(PermissionDenied):
        confirm(me.user, activity)
    activity.refresh_from_db()
    assert activity.status == A.PENDING


def test_manager_of_another_department_cannot_confirm(seed):
    other = f.manager(DepartmentFactory(code="X"))
    activity = log(seed)
    with pytest.raises(PermissionDenied):
        confirm(other.user, activity)
    assert Activity.objects.get().status == A.PENDING


def test_rollout_lead_confirms(seed):
    assert confirm(f.lead_user(), log(seed)).status == A.CONFIRMED


def test_points_by_staff_counts_confirmed_only(seed, ward):
    f.activity(seed, status=A.CONFIRMED, points=4)
    f.activity(seed, status=A.CONFIRMED, points=6, kind=Activity.Kind.FLOOR)
    f.activity(seed, status=A.PENDING, points=0)
    f.activity(seed, status=A.REJECTED, points=0)
    # Another programme's points add up; someone with none is not listed.
    other = f.nomination(f.programme(), seed.staff, status=N.STEPPED_DOWN)
    f.activity(other, status=A.CONFIRMED, points=3)
    nobody = StaffFactory(department=ward)
    assert selectors.points_by_staff([seed.staff_id, nobody.pk]) == {seed.staff_id: 13}


def test_issues_for_export_only_issues_of_the_viewers_departments(seed, boss):
    issue = f.activity(
        seed, kind=Activity.Kind.ISSUE, category="orders", severity="high", day=date(2026, 3, 3)
    )
    earlier = f.activity(seed, kind=Activity.Kind.ISSUE, category="login", day=date(2026, 3, 1))
    f.activity(seed, kind=Activity.Kind.COACHING)
    elsewhere = f.nomination(
        seed.programme, StaffFactory(department=DepartmentFactory(code="X")), status=N.ACTIVE
    )
    far = f.activity(elsewhere, kind=Activity.Kind.ISSUE, category="billing")
    assert list(selectors.issues_for_export(viewer=boss.user)) == [earlier, issue]
    assert list(selectors.issues_for_export(viewer=f.lead_user())) == [earlier, far, issue]
    assert list(selectors.issues_for_export(viewer=boss.user, programme=f.programme())) == []
    assert list(selectors.issues_for_export(viewer=StaffFactory().user)) == []
