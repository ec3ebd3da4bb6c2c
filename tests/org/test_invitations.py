"""Invitations: one email per new person with a login, never a second one, and a link that lets
them choose a password and sign in."""

import re
import smtplib
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from freezegun import freeze_time

from portal.org import services
from portal.org.models import StaffMember
from portal.org.tasks import staff_invite_task
from tests.factories import DepartmentFactory, StaffFactory
from tests.org.test_roster_read import cells, roster_csv

LINK = re.compile(r"https?://\S+/accounts/password/reset/key/\S+/")


@pytest.fixture
def ed(db):
    return DepartmentFactory(code="ED")


def import_rows(rows, capture, **kwargs) -> dict:
    """Apply rows with invitations on, running the on-commit task as a real commit would."""
    plan = services.roster_plan(data=roster_csv(rows))
    assert plan.errors == [], plan.errors
    with capture(execute=True):
        return services.roster_plan_apply(plan=plan, actor=None, deactivate_missing=False, **kwargs)


def link_in(message) -> str:
    links = LINK.findall(message.body)
    assert links, message.body
    # The English and the Chinese half of the mail carry the same link.
    assert len(set(links)) == 1
    return links[0]


def test_new_staff_with_email_get_exactly_one_invitation(ed, django_capture_on_commit_callbacks):
    colleague = StaffFactory(employee_no="E1", department=ed)  # already has a login
    import_rows(
        [
            cells(employee_no="E1", full_name="Renamed", email=colleague.user.email),
            cells(employee_no="N1", full_name="王芳", email="wang.fang@hospital.example"),
            cells(employee_no="N2", full_name="李明", email=""),  # no login: nobody to mail
            cells(employee_no="N3", full_name="张伟", email="zhang@hospital.example", active="no"),
        ],
        django_capture_on_commit_callbacks,
    )

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["wang.fang@hospital.example"]
    assert "Readyline" in message.subject
    assert "王芳" in message.body
    link = link_in(message)
    assert link.startswith(settings.PORTAL_BASE_URL.rstrip("/") + "/accounts/password/reset/key/")
    invited = StaffMember.objects.filter(invited_at__isnull=False)
    assert list(invited.values_list("employee_no", flat=True)) == ["N1"]


def test_no_invitations_when_switched_off(ed, django_capture_on_commit_callbacks):
    import_rows(
        [cells(employee_no="N1", email="n1@hospital.example")],
        django_capture_on_commit_callbacks,
        invite=False,
    )

    assert mail.outbox == []
    assert StaffMember.objects.get(employee_no="N1").invited_at is None


def test_inviting_again_sends_nothing(ed, django_capture_on_commit_callbacks):
    import_rows(
        [
            cells(employee_no="N1", email="n1@hospital.example"),
            cells(employee_no="N2", email="n2@hospital.example"),
        ],
        django_capture_on_commit_callbacks,
    )
    assert len(mail.outbox) == 2
    ids = list(StaffMember.objects.values_list("pk", flat=True))

    assert services.staff_invite_send(staff_ids=ids) == 0
    assert staff_invite_task.delay(ids).get() == 0

    assert len(mail.outbox) == 2


def test_staff_given_their_first_login_by_an_import_are_invited(
    ed, django_capture_on_commit_callbacks
):
    member = StaffFactory(employee_no="E1", department=ed, user=None)

    import_rows(
        [cells(employee_no="E1", full_name=member.full_name, email="e1@hospital.example")],
        django_capture_on_commit_callbacks,
    )

    assert [m.to for m in mail.outbox] == [["e1@hospital.example"]]
    member.refresh_from_db()
    assert member.invited_at is not None


def _set_password(client, link: str, password: str):
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path)
    # allauth keeps the key in the session and moves to a URL without it.
    assert response.status_code == 302
    assert response["Location"].endswith("-set-password/")
    form = client.get(response["Location"])
    assert form.status_code == 200
    assert not form.context.get("token_fail")
    return client.post(
        response["Location"], {"password1": password, "password2": password}, follow=False
    )


def test_the_invitation_link_sets_a_password_and_the_person_signs_in(
    ed, client, django_capture_on_commit_callbacks
):
    import_rows(
        [cells(employee_no="N1", full_name="王芳", email="wang.fang@hospital.example")],
        django_capture_on_commit_callbacks,
    )
    link = link_in(mail.outbox[0])
    password = "Readyline-新密码-2024"

    done = _set_password(client, link, password)

    assert done.status_code == 302
    user = StaffMember.objects.get(employee_no="N1").user
    user.refresh_from_db()
    assert user.has_usable_password()
    assert user.check_password(password)
    client.logout()
    login = client.post(
        "/accounts/login/", {"login": "wang.fang@hospital.example", "password": password}
    )
    assert login.status_code == 302
    assert client.get("/training/").wsgi_request.user == user
    # A used link does not work a second time.
    client.logout()
    again = client.get("/" + link.split("://", 1)[1].split("/", 1)[1], follow=True)
    assert again.context["token_fail"]


def test_the_invitation_link_expires_after_a_week(ed, client, django_capture_on_commit_callbacks):
    with freeze_time("2024-06-01 08:00:00"):
        import_rows(
            [cells(employee_no="N1", email="n1@hospital.example")],
            django_capture_on_commit_callbacks,
        )
    path = "/" + link_in(mail.outbox[0]).split("://", 1)[1].split("/", 1)[1]

    with freeze_time("2024-06-07 20:00:00"):
        assert client.get(path).status_code == 302  # still valid on day 7
    client.logout()
    with freeze_time("2024-06-08 09:00:00"):
        expired = client.get(path, follow=True)

    assert expired.context["token_fail"]
    assert not StaffMember.objects.get(employee_no="N1").user.has_usable_password()


def test_a_failed_send_is_not_counted_as_invited(ed):
    first = StaffFactory(employee_no="E1", department=ed)
    second = StaffFactory(employee_no="E2", department=ed)
    real_send = services.send_mail

    def flaky(subject, body, sender, recipients):
        if recipients == [first.user.email]:
            raise smtplib.SMTPServerDisconnected("connection unexpectedly closed")
        return real_send(subject, body, sender, recipients)

    with mock.patch.object(services, "send_mail", side_effect=flaky):
        with pytest.raises(smtplib.SMTPServerDisconnected):
            services.staff_invite_send(staff_ids=[first.pk, second.pk])

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.invited_at is None  # claim given back: a retry will invite them
    assert second.invited_at is not None
    assert [m.to for m in mail.outbox] == [[second.user.email]]

    assert services.staff_invite_send(staff_ids=[first.pk, second.pk]) == 1
    assert [m.to for m in mail.outbox] == [[second.user.email], [first.user.email]]


def test_the_invitation_task_retries_when_the_mail_server_drops(ed):
    member = StaffFactory(employee_no="E1", department=ed)
    real_send = services.send_mail
    calls = []

    def drops_once(*args):
        calls.append(args)
        if len(calls) == 1:
            raise smtplib.SMTPServerDisconnected("connection unexpectedly closed")
        return real_send(*args)

    with mock.patch.object(services, "send_mail", side_effect=drops_once):
        # throw=False: run like a worker, where a retry is scheduled instead of raised.
        result = staff_invite_task.apply(args=([member.pk],), throw=False)

    assert result.successful()
    assert result.result == 1
    assert len(calls) == 2
    assert [m.to for m in mail.outbox] == [[member.user.email]]
