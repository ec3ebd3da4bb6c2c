from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from freezegun import freeze_time

from portal.records.models import AuditEvent
from seedusers import services
from seedusers.models import Nomination
from tests.factories import DepartmentFactory, StaffFactory

from . import factories as f

pytestmark = pytest.mark.django_db

N = Nomination.Status
TODAY = "2026-03-01 04:00"  # noon in Shanghai


@pytest.fixture
def ward(role_groups):
    return DepartmentFactory(code="W1")


@pytest.fixture
def boss(ward):
    return f.manager(ward, department=ward)


@pytest.fixture
def rollout_lead(role_groups):
    return f.lead().user


def eligible(department, **kwargs):
    """A nominee who meets the prerequisites (two years' service, score 80 ≥ 75)."""
    staff = StaffFactory(department=department, hire_date=date(2024, 1, 1), **kwargs)
    f.score(staff, 80)
    return staff


def nominate(actor, staff, prog, reason="Patient and clear"):
    return services.nomination_create(actor=actor, programme=prog, staff=staff, reason=reason)


def audits(action):
    return list(AuditEvent.objects.filter(action=action))


# ---------------------------------------------------------------------------------------------
# Nominating


def test_manager_nominates_her_department_and_sub_departments(ward, boss):
    team = DepartmentFactory(code="W1-T", parent=ward)
    prog = f.programme()
    a, b = StaffFactory(department=ward), StaffFactory(department=team)
    first = nominate(boss.user, a, prog)
    second = nominate(boss.user, b, prog)
    assert (first.status, first.volunteered, first.nominated_by) == (N.NOMINATED, False, boss.user)
    assert second.staff == b
    assert len(audits("seed.nominate")) == 2


def test_manager_cannot_nominate_another_department(boss):
    other = StaffFactory(department=DepartmentFactory(code="X"))
    with pytest.raises(PermissionDenied):
        nominate(boss.user, other, f.programme())
    assert not Nomination.objects.exists()


def test_empty_reason_is_refused(ward, boss):
    with pytest.raises(ValidationError) as err:
        nominate(boss.user, StaffFactory(department=ward), f.programme(), reason="   ")
    assert "reason" in err.value.message_dict
    assert not Nomination.objects.exists()


def test_second_open_nomination_is_refused(ward, boss):
    prog = f.programme()
    staff = StaffFactory(department=ward, full_name="Li Na")
    nominate(boss.user, staff, prog)
    with pytest.raises(ValidationError) as err:
        nominate(boss.user, staff, prog, reason="Again")
    assert err.value.message_dict["staff"] == ["Li Na is already nominated in this programme."]
    assert Nomination.objects.count() == 1
    # Another programme is fine.
    assert nominate(boss.user, staff, f.programme()).status == N.NOMINATED


def test_volunteering(ward):
    staff = StaffFactory(department=ward)
    nomination = nominate(staff.user, staff, f.programme(), reason="I like computers")
    assert nomination.volunteered is True
    assert nomination.nominated_by == staff.user
    assert len(audits("seed.volunteer")) == 1


# ---------------------------------------------------------------------------------------------
# Deciding


def decide(actor, nomination, approve=True, **kwargs):
    return services.nomination_decide(
        actor=actor, nomination_id=nomination.pk, approve=approve, **kwargs
    )


@freeze_time(TODAY)
def test_approve_with_prerequisites_goes_into_training(ward, rollout_lead):
    prog = f.programme()
    nomination = f.nomination(prog, eligible(ward))
    result = decide(rollout_lead, nomination)
    assert result.status == N.IN_TRAINING
    assert result.decided_by == rollout_lead
    assert result.override_reason == ""
    (event,) = audits("seed.approve")
    assert event.after["status"] == N.APPROVED
    assert event.after["unmet"] == []
    assert [e.after["status"] for e in audits("seed.training")] == [N.IN_TRAINING]


@freeze_time(TODAY)
def test_approve_before_the_training_window_stays_approved(ward, rollout_lead):
    prog = f.programme(training_starts=date(2026, 4, 1))
    nomination = f.nomination(prog, eligible(ward))
    assert decide(rollout_lead, nomination).status == N.APPROVED
    assert Nomination.objects.get().status == N.APPROVED


@freeze_time(TODAY)
@pytest.mark.parametrize(
    "hire_date,value,unmet",
    [
        (date(2025, 9, 1), 80, "At least 12 months of service"),
        (date(2024, 1, 1), 70, "Proficiency score at least 75"),
        (date(2024, 1, 1), None, "Proficiency score at least 75"),
    ],
)
def test_unmet_prerequisites_need_an_override(ward, rollout_lead, hire_date, value, unmet):
    staff = StaffFactory(department=ward, hire_date=hire_date, full_name="Wang Fang")
    if value is not None:
        f.score(staff, value)
    nomination = f.nomination(f.programme(), staff)
    with pytest.raises(ValidationError) as err:
        decide(rollout_lead, nomination)
    (message,) = err.value.message_dict["override_reason"]
    assert message.startswith("Wang Fang does not meet: ")
    assert unmet in message
    assert message.count(";") == 0  # only the one unmet check
    nomination.refresh_from_db()
    assert (nomination.status, nomination.decided_by) == (N.NOMINATED, None)
    assert audits("seed.approve") == []


@freeze_time(TODAY)
def test_override_approves_and_is_audited(ward, rollout_lead):
    staff = StaffFactory(department=ward, hire_date=date(2025, 9, 1))
    f.score(staff, 70)
    nomination = f.nomination(f.programme(), staff)
    result = decide(rollout_lead, nomination, override_reason="Only nurse on nights who can")
    assert result.status == N.IN_TRAINING
    assert result.override_reason == "Only nurse on nights who can"
    (event,) = audits("seed.approve")
    assert event.actor == rollout_lead
    assert event.after["override"] == "Only nurse on nights who can"
    assert event.after["unmet"] == [
        "At least 12 months of service",
        "Proficiency score at least 75.0",
    ]


def test_decline_needs_a_note(ward, rollout_lead):
    nomination = f.nomination(f.programme(), StaffFactory(department=ward))
    with pytest.raises(ValidationError) as err:
        decide(rollout_lead, nomination, approve=False, note=" ")
    assert "note" in err.value.message_dict
    assert Nomination.objects.get().status == N.NOMINATED
    result = decide(rollout_lead, nomination, approve=False, note="Leaving in May")
    assert (result.status, result.decision_note) == (N.DECLINED, "Leaving in May")


@freeze_time(TODAY)
@pytest.mark.parametrize("approve", [True, False])
def test_same_decision_twice_changes_nothing(ward, rollout_lead, approve):
    nomination = f.nomination(f.programme(), eligible(ward))
    first = decide(rollout_lead, nomination, approve=approve, note="No")
    second = decide(rollout_lead, nomination, approve=approve, note="No")
    assert second.status == first.status == (N.IN_TRAINING if approve else N.DECLINED)
    assert second.decided_at == first.decided_at
    assert len(audits("seed.approve" if approve else "seed.decline")) == 1


@freeze_time(TODAY)
@pytest.mark.parametrize("approve", [True, False])
def test_a_decided_nomination_cannot_be_decided_the_other_way(ward, rollout_lead, approve):
    nomination = f.nomination(f.programme(), eligible(ward))
    first = decide(rollout_lead, nomination, approve=approve, note="No")
    with pytest.raises(ValidationError, match="decided already"):
        decide(rollout_lead, nomination, approve=not approve, note="Changed my mind")
    nomination.refresh_from_db()
    assert nomination.status == first.status
    assert AuditEvent.objects.filter(action__in=["seed.approve", "seed.decline"]).count() == 1


def test_lead_cannot_decide_their_own_nomination(ward, role_groups):
    me = f.lead(department=ward, hire_date=date(2020, 1, 1))
    nomination = nominate(me.user, me, f.programme())
    with pytest.raises(ValidationError, match="their own nomination"):
        decide(me.user, nomination)
    assert Nomination.objects.get().status == N.NOMINATED


def test_manager_cannot_decide(ward, boss):
    nomination = nominate(boss.user, eligible(ward), f.programme())
    with pytest.raises(PermissionDenied):
        decide(boss.user, nomination)
    with pytest.raises(PermissionDenied):
        decide(boss.user, nomination, approve=False, note="No")
    assert Nomination.objects.get().status == N.NOMINATED


# ---------------------------------------------------------------------------------------------
# Training


@pytest.fixture
def advanced():
    from tests.courses.factories import course

    return [course(title="Super-user A", lessons=1), course(title="Super-user B", lessons=1)]


def completed(staff, course_page):
    from courses.models import CourseProgress
    from tests.assessments.certification_factories import at

    return CourseProgress.objects.create(
        staff=staff, course=course_page, percent=100, completed_at=at("2026-02-20")
    )


def in_training(ward, advanced, **fields):
    prog = f.programme(**fields)
    prog.advanced_courses.set(advanced)
    staff = StaffFactory(department=ward)
    return f.nomination(prog, staff, status=N.IN_TRAINING)


def status_of(nomination):
    nomination.refresh_from_db()
    return nomination.status


@freeze_time(TODAY)
def test_training_completes_with_courses_certification_and_score(ward, advanced):
    nomination = in_training(ward, advanced)
    Nomination.objects.filter(pk=nomination.pk).update(updated_at="2026-01-01T00:00Z")
    staff = nomination.staff
    f.score(staff, 90)
    completed(staff, advanced[0])
    assert services.seed_training_refresh(staff_ids=[staff.pk]) == 0
    assert status_of(nomination) == N.IN_TRAINING
    completed(staff, advanced[1])
    assert services.seed_training_refresh(staff_ids=[staff.pk]) == 1
    assert status_of(nomination) == N.CERTIFIED
    assert nomination.certified_at is not None
    assert nomination.updated_at == nomination.certified_at
    # Idempotent.
    assert services.seed_training_refresh(staff_ids=[staff.pk]) == 0
    assert services.seed_training_refresh() == 0
    assert len(audits("seed.training")) == 1


@freeze_time(TODAY)
@pytest.mark.parametrize(
    "value,status",
    [(84.9, f.S.CERTIFIED), (None, f.S.CERTIFIED), (95, f.S.IN_PROGRESS), (95, f.S.EXPIRED)],
)
def test_training_not_complete_without_score_or_certification(ward, advanced, value, status):
    nomination = in_training(ward, advanced)
    f.score(nomination.staff, value, status=status)
    for c in advanced:
        completed(nomination.staff, c)
    assert services.seed_training_refresh() == 0
    assert status_of(nomination) == N.IN_TRAINING


@freeze_time(TODAY)
def test_expiring_certification_counts(ward, advanced):
    nomination = in_training(ward, advanced)
    f.score(nomination.staff, 85, status=f.S.EXPIRING)
    for c in advanced:
        completed(nomination.staff, c)
    assert services.seed_training_refresh() == 1
    assert status_of(nomination) == N.CERTIFIED


@freeze_time(TODAY)
def test_certified_goes_back_to_training_when_evidence_is_lost(ward, advanced):
    nomination = in_training(ward, advanced)
    row = f.score(nomination.staff, 90)
    for c in advanced:
        completed(nomination.staff, c)
    services.seed_training_refresh()
    assert status_of(nomination) == N.CERTIFIED
    row.status = f.S.REVOKED
    row.save()
    assert services.seed_training_refresh(staff_ids=[nomination.staff_id]) == 1
    assert status_of(nomination) == N.IN_TRAINING
    assert services.seed_training_refresh() == 0


def test_status_change_enqueues_the_training_refresh(
    ward, advanced, django_capture_on_commit_callbacks
):
    """A real status refresh (the person certifies on their role's track) sends status_changed
    on commit; the seed-user receiver runs seed_training_refresh_task (eager in tests)."""
    from unittest import mock

    from assessments.services.certification import status_refresh
    from seedusers import tasks
    from tests.assessments.certification_factories import certify, track

    nomination = in_training(ward, advanced, proficiency_threshold=0)
    staff = nomination.staff
    for c in advanced:
        completed(staff, c)
    t = track(role=staff.job_role.code, courses=1)
    certify(staff, t, when="2026-02-10", percent=95)
    spy = mock.patch.object(
        tasks.seed_training_refresh_task,
        "run",
        wraps=tasks.seed_training_refresh_task.run,
    )
    with freeze_time("2026-02-11 04:00"), spy as run:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            report = status_refresh(staff_ids=[staff.pk])
        assert report.staff_changed == {staff.pk}
        assert len(callbacks) >= 2  # status_changed, then the task enqueued on commit
    run.assert_called_once_with(staff_ids=[staff.pk])
    row = staff.certification_statuses.get()
    assert row.status == f.S.CERTIFIED
    assert row.score is not None
    assert status_of(nomination) == N.CERTIFIED


def test_course_completed_signal_enqueues_the_refresh(ward, django_capture_on_commit_callbacks):
    from unittest import mock

    from courses.signals import course_completed
    from seedusers import tasks

    with mock.patch.object(tasks.seed_training_refresh_task, "delay_on_commit") as delay:
        course_completed.send(sender=None, staff_id=7, course_id=3)
    delay.assert_called_once_with(staff_ids=[7])


# ---------------------------------------------------------------------------------------------
# Duty


@freeze_time(TODAY)
def test_manager_activates_a_certified_seed_user_once(ward, boss):
    nomination = f.nomination(f.programme(), StaffFactory(department=ward), status=N.CERTIFIED)
    result = services.nomination_activate(actor=boss.user, nomination_id=nomination.pk)
    assert result.status == N.ACTIVE
    assert result.activated_at is not None
    again = services.nomination_activate(actor=boss.user, nomination_id=nomination.pk)
    assert again.activated_at == result.activated_at
    assert len(audits("seed.activate")) == 1


@pytest.mark.parametrize("status", [N.NOMINATED, N.APPROVED, N.IN_TRAINING, N.DECLINED])
def test_only_certified_can_be_activated(ward, boss, status):
    nomination = f.nomination(f.programme(), StaffFactory(department=ward), status=status)
    with pytest.raises(ValidationError, match="Only a certified seed user"):
        services.nomination_activate(actor=boss.user, nomination_id=nomination.pk)
    assert status_of(nomination) == status


def test_activation_by_a_manager_of_another_department(ward, role_groups):
    other = f.manager(DepartmentFactory(code="X"))
    nomination = f.nomination(f.programme(), StaffFactory(department=ward), status=N.CERTIFIED)
    with pytest.raises(PermissionDenied):
        services.nomination_activate(actor=other.user, nomination_id=nomination.pk)
    # Nor does the seed user activate themself.
    with pytest.raises(PermissionDenied):
        services.nomination_activate(actor=nomination.staff.user, nomination_id=nomination.pk)
    assert status_of(nomination) == N.CERTIFIED


def test_step_down_needs_a_reason(ward, boss):
    nomination = f.nomination(f.programme(), StaffFactory(department=ward), status=N.ACTIVE)
    with pytest.raises(ValidationError) as err:
        services.nomination_step_down(actor=boss.user, nomination_id=nomination.pk, reason="")
    assert "reason" in err.value.message_dict
    assert status_of(nomination) == N.ACTIVE
    result = services.nomination_step_down(
        actor=boss.user, nomination_id=nomination.pk, reason="Moved to the lab"
    )
    assert (result.status, result.step_down_reason) == (N.STEPPED_DOWN, "Moved to the lab")
    assert result.stepped_down_at is not None


def test_seed_user_steps_down_themself(ward):
    nomination = f.nomination(f.programme(), StaffFactory(department=ward), status=N.ACTIVE)
    me = nomination.staff.user
    services.nomination_step_down(actor=me, nomination_id=nomination.pk, reason="Night school")
    services.nomination_step_down(actor=me, nomination_id=nomination.pk, reason="Night school")
    assert status_of(nomination) == N.STEPPED_DOWN
    (event,) = audits("seed.step_down")
    assert event.actor == me
    assert event.after["reason"] == "Night school"


def test_someone_else_cannot_step_a_seed_user_down(ward):
    nomination = f.nomination(f.programme(), StaffFactory(department=ward), status=N.ACTIVE)
    colleague = StaffFactory(department=ward)
    with pytest.raises(PermissionDenied):
        services.nomination_step_down(
            actor=colleague.user, nomination_id=nomination.pk, reason="Jealous"
        )
    assert status_of(nomination) == N.ACTIVE
