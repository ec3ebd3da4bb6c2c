"""Reminders: due in 7 days, due tomorrow, overdue (weekly) to learners; the managers' Monday
digest; each sent exactly once per (person, item, kind, period), whatever reruns."""

from datetime import date, timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone
from freezegun import freeze_time

from courses.models import Assignment, Notification, ReminderSent
from courses.selectors import reminders as selectors
from courses.services import reminders as services
from courses.tasks.reminders import reminders_send_task
from portal.accounts import roles
from tests.courses.factories import course
from tests.factories import DepartmentFactory, StaffFactory, UserFactory, person

from .test_chase_selectors import assign

pytestmark = pytest.mark.django_db

MONDAY = date(2025, 3, 10)
WEDNESDAY = date(2025, 3, 12)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run the daily job as the worker would: mails go out after the claims commit."""

    def run_once(today):
        with django_capture_on_commit_callbacks(execute=True):
            return services.reminders_send(today=today)

    return run_once


@pytest.fixture
def page():
    return course(title="Barcode medication administration", title_zh="扫码给药", lessons=1)


def learner(name="Wang Fang", **kwargs):
    return person([roles.LEARNER], full_name=name, **kwargs)


def test_kind_and_period_rules():
    kind = selectors.reminder_kind
    assert kind(due_date=WEDNESDAY + timedelta(days=8), today=WEDNESDAY) is None
    assert kind(due_date=WEDNESDAY + timedelta(days=7), today=WEDNESDAY) == "due_7"
    assert kind(due_date=WEDNESDAY + timedelta(days=2), today=WEDNESDAY) == "due_7"
    assert kind(due_date=WEDNESDAY + timedelta(days=1), today=WEDNESDAY) == "due_1"
    assert kind(due_date=WEDNESDAY, today=WEDNESDAY) == "due_1"
    assert kind(due_date=WEDNESDAY - timedelta(days=1), today=WEDNESDAY) == "overdue"
    period = selectors.reminder_period
    assert period(kind="overdue", due_date=date(2025, 1, 1), today=WEDNESDAY) == "2025-W11"
    assert period(kind="digest", due_date=None, today=date(2024, 12, 30)) == "2025-W01"
    assert period(kind="due_7", due_date=date(2025, 3, 19), today=WEDNESDAY) == "2025-03-19"


def test_due_in_seven_days_is_mailed_and_notified_once(run, page):
    member = learner()
    assign(member, page, due=WEDNESDAY + timedelta(days=7))

    assert run(WEDNESDAY) == {"learners": 1, "digests": 0}
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [member.user.email]
    assert "training due within a week" in message.subject
    # English, then Chinese.
    assert message.body.index("Dear Wang Fang,") < message.body.index("扫码给药")
    assert "Barcode medication administration: due in 7 days (2025-03-19)" in message.body
    assert "http://127.0.0.1:8000/training/" in message.body
    notice = Notification.objects.get(user=member.user)
    assert notice.title.startswith("Training due within a week")
    assert "Barcode medication administration / 扫码给药 · 2025-03-19" in notice.body
    assert notice.url == "/training/"
    assert ReminderSent.objects.get().key == (
        f"due_7:{member.user.pk}:{member.assignments.get().pk}:2025-03-19"
    )

    # The same day again, the next day (still in the 7-day window), a redelivered task: nothing.
    assert run(WEDNESDAY) == {"learners": 0, "digests": 0}
    assert run(WEDNESDAY + timedelta(days=1)) == {"learners": 0, "digests": 0}
    with freeze_time("2025-03-12 07:00"):
        reminders_send_task.delay()
        reminders_send_task.delay()
    assert len(mail.outbox) == 1
    assert Notification.objects.count() == 1


def test_due_tomorrow_then_overdue_weekly(run, page):
    member = learner()
    assign(member, page, due=WEDNESDAY + timedelta(days=1))
    run(WEDNESDAY)
    assert "training due tomorrow" in mail.outbox[-1].subject
    assert "due tomorrow (2025-03-13)" in mail.outbox[-1].body

    # Overdue from Friday: once that ISO week, again the next week.
    run(date(2025, 3, 14))
    assert "training overdue" in mail.outbox[-1].subject
    assert "1 day overdue" in mail.outbox[-1].body
    sent = len(mail.outbox)
    run(date(2025, 3, 15))
    run(date(2025, 3, 16))
    assert len(mail.outbox) == sent
    run(date(2025, 3, 17))
    assert len(mail.outbox) == sent + 1
    assert "4 days overdue" in mail.outbox[-1].body
    assert Notification.objects.filter(user=member.user).count() == 3


def test_one_mail_per_person_and_kind_listing_the_items(run):
    member = learner()
    first = course(title="HIS basics", lessons=0)
    second = course(title="Orders", lessons=0)
    third = course(title="Billing", lessons=0)
    assign(member, first, due=WEDNESDAY + timedelta(days=3))
    assign(member, second, due=WEDNESDAY + timedelta(days=5))
    assign(member, third, due=WEDNESDAY - timedelta(days=3))
    assert run(WEDNESDAY)["learners"] == 2
    bodies = {m.subject: m.body for m in mail.outbox}
    soon = next(b for s, b in bodies.items() if "within a week" in s)
    assert "HIS basics" in soon and "Orders" in soon and "Billing" not in soon
    assert Notification.objects.get(title__contains="within a week").title.endswith("(2)")


def test_who_gets_nothing(run, page):
    late = WEDNESDAY - timedelta(days=2)
    assign(learner("done"), page, due=late, completed=True)
    assign(learner("withdrawn"), page, due=late, status="withdrawn")
    assign(learner("left", active=False), page, due=late)
    assign(StaffFactory(full_name="no login", user=None), page, due=late)
    locked = learner("locked")
    locked.user.is_active = False
    locked.user.save()
    assign(locked, page, due=late)
    assign(learner("undated"), page)
    assign(learner("far off"), page, due=WEDNESDAY + timedelta(days=30))
    assert run(WEDNESDAY) == {"learners": 0, "digests": 0}
    assert mail.outbox == []


def test_a_moved_due_date_is_a_new_deadline(run, page):
    assignment = assign(learner(), page, due=WEDNESDAY + timedelta(days=6))
    run(WEDNESDAY)
    assignment.due_date = WEDNESDAY + timedelta(days=5)
    assignment.save()
    run(WEDNESDAY)
    assert len(mail.outbox) == 2


def test_a_failed_mail_gives_its_claim_back(run, page):
    member = learner()
    other = learner("Li Na")
    assign(member, page, due=WEDNESDAY + timedelta(days=2))
    assign(other, page, due=WEDNESDAY + timedelta(days=2))
    real_send = mail.EmailMessage.send

    def flaky(message, *args, **kwargs):
        if member.user.email in message.to:
            raise ConnectionError("mail server down")
        return real_send(message, *args, **kwargs)

    with mock.patch.object(mail.EmailMessage, "send", flaky), pytest.raises(ConnectionError):
        run(WEDNESDAY)
    assert [m.to for m in mail.outbox] == [[other.user.email]]
    assert not Notification.objects.filter(user=member.user).exists()
    assert ReminderSent.objects.count() == 1

    # The task's retry sends only the one that failed.
    run(WEDNESDAY)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([member.user.email, other.user.email])
    assert Notification.objects.count() == 2


def test_a_run_that_fails_before_commit_claims_nothing(run, page):
    assign(learner(), page, due=WEDNESDAY + timedelta(days=2))
    with (
        mock.patch.object(Notification.objects, "bulk_create", side_effect=RuntimeError("boom")),
        pytest.raises(RuntimeError),
    ):
        run(WEDNESDAY)
    assert ReminderSent.objects.count() == 0
    assert mail.outbox == []
    run(WEDNESDAY)
    assert len(mail.outbox) == 1


def test_a_claim_already_held_is_not_sent_again(page):
    member = learner()
    assignment = assign(member, page, due=WEDNESDAY + timedelta(days=2))
    # Another worker got there first (e.g. the original delivery of a redelivered task).
    ReminderSent.objects.create(
        key=f"due_7:{member.user.pk}:{assignment.pk}:2025-03-14",
        recipient=member.user,
        kind="due_7",
        period="2025-03-14",
    )
    claims = [
        services.Claim(
            f"due_7:{member.user.pk}:{assignment.pk}:2025-03-14", member.user.pk, "due_7", "x"
        ),
        services.Claim("due_7:new", member.user.pk, "due_7", "x"),
    ]
    assert services.reminders_claim(claims) == {"due_7:new"}
    assert services.reminders_claim(claims) == set()


def test_query_count_does_not_grow_with_reminders(run, django_assert_max_num_queries):
    pages = [course(lessons=0) for _ in range(2)]
    for i in range(30):
        member = learner(f"n{i}")
        for page in pages:
            assign(member, page, due=WEDNESDAY + timedelta(days=1 + i % 3))
    with django_assert_max_num_queries(12):
        assert run(WEDNESDAY)["learners"] == 30
    assert len(mail.outbox) == 30


def test_many_people_go_in_several_transactions(run, page, monkeypatch):
    monkeypatch.setattr(services, "PEOPLE_PER_TRANSACTION", 3)
    people = [learner(f"n{i}") for i in range(10)]
    for member in people:
        assign(member, page, due=WEDNESDAY - timedelta(days=1))
    assert run(WEDNESDAY)["learners"] == 10
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.user.email for p in people)
    assert run(WEDNESDAY)["learners"] == 0


# ---------------------------------------------------------------------------------------------
# Managers' digest


@pytest.fixture
def hospital(role_groups, page):
    ed = DepartmentFactory(code="ED", name="Emergency", name_zh="急诊科")
    obs = DepartmentFactory(code="ED-OBS", name="Observation", parent=ed)
    card = DepartmentFactory(code="CARD", name="Cardiology")
    manager = person([roles.LEARNER, roles.MANAGER], department=ed, full_name="Huang Xiulan")
    manager.managed_departments.add(ed)
    late = MONDAY - timedelta(days=10)
    assign(StaffFactory(full_name="Late in ED", department=ed, user=None), page, due=late)
    assign(StaffFactory(full_name="Late in OBS", department=obs, user=None), page, due=late)
    assign(StaffFactory(full_name="Late in CARD", department=card, user=None), page, due=late)
    assign(StaffFactory(full_name="Done in ED", department=ed, user=None), page, late, True)
    return manager


def test_monday_digest_lists_overdue_staff_of_the_managers_departments(run, hospital):
    counts = run(MONDAY)
    assert counts["digests"] == 1
    digest = next(m for m in mail.outbox if m.to == [hospital.user.email])
    assert "weekly digest" in digest.subject
    assert "Dear Huang Xiulan," in digest.body
    assert "2 people in your departments are overdue" in digest.body
    assert "Late in ED" in digest.body and "Late in OBS" in digest.body
    assert "Late in CARD" not in digest.body and "Done in ED" not in digest.body
    assert "急诊科" in digest.body  # the Chinese half names departments in Chinese
    assert "http://127.0.0.1:8000/learning/chase/?status=overdue" in digest.body
    notice = Notification.objects.get(user=hospital.user)
    assert notice.url == "/learning/chase/?status=overdue"
    assert "Late in ED" in notice.body

    # Twice on Monday, or later that week: nothing more. The next Monday: again.
    assert run(MONDAY)["digests"] == 0
    assert run(MONDAY + timedelta(days=1))["digests"] == 0
    assert run(MONDAY + timedelta(days=7))["digests"] == 1


def test_no_digest_on_other_days_nor_without_overdue_staff(run, hospital, page):
    assert run(WEDNESDAY)["digests"] == 0
    Assignment.objects.update(completed_at=timezone.now())
    assert run(MONDAY)["digests"] == 0


def test_no_digest_for_a_manager_without_the_role_or_a_login(run, hospital, page):
    not_manager = person([roles.LEARNER], full_name="Not a manager")
    not_manager.managed_departments.add(DepartmentFactory(code="ED"))
    hospital.user.is_active = False
    hospital.user.save()
    assert run(MONDAY)["digests"] == 0


def test_superuser_without_staff_profile_gets_no_digest(run, hospital):
    UserFactory(is_superuser=True)
    assert run(MONDAY)["digests"] == 1
