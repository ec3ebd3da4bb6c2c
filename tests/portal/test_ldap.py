"""Sign-in with the hospital directory (portal/accounts/ldap.py) through the normal sign-in
page, against a real throwaway slapd (tests/slapd.py). The settings are built from environment
variables the way portal/settings/directory.py builds them at start-up."""

import socket
import time

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import override_settings

from portal.accounts.roles import LEARNER
from portal.org.models import StaffMember
from portal.records.models import AuditEvent
from portal.settings.directory import BACKEND, DEFAULT_USER_FILTER, directory_settings
from tests.factories import StaffFactory, UserFactory
from tests.slapd import PEOPLE_IN_DIRECTORY as PEOPLE
from tests.slapd import slapd_directory  # noqa: F401

pytestmark = pytest.mark.django_db

LOCAL_PASSWORD = "pw-for-tests-123"
REFUSED = "The email address and/or password you specified are not correct."


@pytest.fixture(autouse=True)
def _fresh_counts():
    # allauth counts failed sign-ins per address in the cache.
    cache.clear()
    yield
    cache.clear()


def _directory_on(environ: dict):
    values = directory_settings(environ)
    backends = [b for b in settings.AUTHENTICATION_BACKENDS if b != BACKEND]
    return override_settings(AUTHENTICATION_BACKENDS=backends + values["LDAP_BACKENDS"], **values)


@pytest.fixture
def directory(slapd_directory):  # noqa: F811
    with _directory_on(slapd_directory.environ()):
        yield slapd_directory


def _sign_in(client, email: str, password: str):
    return client.post("/accounts/login/", {"login": email, "password": password})


def _signed_in_as(client, user) -> bool:
    return client.session.get("_auth_user_id") == str(user.pk)


def test_the_directory_password_signs_in_through_the_sign_in_page(client, directory):
    ana = PEOPLE["ana"]
    staff = StaffFactory(employee_no=ana.employee_number, user__email=ana.mail)
    response = _sign_in(client, ana.mail, ana.password)
    assert response.status_code == 302
    assert _signed_in_as(client, staff.user)
    assert client.session["_auth_user_backend"] == BACKEND
    # The next request finds the user through the same backend.
    assert client.get(response.url).status_code == 200
    event = AuditEvent.objects.get(action="auth.login")
    assert event.actor_id == staff.user.pk and event.ip == "127.0.0.1"
    # The local password the user had is left as it was.
    staff.user.refresh_from_db()
    assert staff.user.check_password(LOCAL_PASSWORD)


def test_a_wrong_directory_password_is_refused_and_audited(client, directory):
    ana = PEOPLE["ana"]
    StaffFactory(employee_no=ana.employee_number, user__email=ana.mail)
    response = _sign_in(client, ana.mail, "not-the-directory-password")
    assert response.status_code == 200
    assert REFUSED in response.content.decode()
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.actor_label == ana.mail
    assert not AuditEvent.objects.filter(action="auth.login").exists()


def test_the_employee_number_wins_over_a_different_email(client, directory):
    ana = PEOPLE["ana"]
    # The roster knows N1001 under another address; someone else holds the directory's one.
    staff = StaffFactory(employee_no=ana.employee_number, user__email="a.lee@hospital.example")
    UserFactory(email=ana.mail)
    assert _sign_in(client, ana.mail, ana.password).status_code == 302
    assert _signed_in_as(client, staff.user)
    staff.user.refresh_from_db()
    assert staff.user.email == "a.lee@hospital.example"  # the roster's address stays


def test_rostered_staff_without_a_login_get_one_without_a_password(client, directory):
    ben = PEOPLE["ben"]
    staff = StaffFactory(employee_no=ben.employee_number, user=None, full_name="Ben Ho")
    assert _sign_in(client, ben.mail, ben.password).status_code == 302
    staff.refresh_from_db()
    user = staff.user
    assert user is not None and _signed_in_as(client, user)
    assert user.email == ben.mail and user.first_name == "Ben Ho"
    assert not user.has_usable_password()
    # The roster's default role, nothing from the directory.
    assert [g.name for g in user.groups.all()] == [LEARNER]
    assert not user.is_staff and not user.is_superuser
    linked = AuditEvent.objects.get(action="staff.update", object_id=str(staff.pk))
    assert linked.after == {"email": ben.mail}


def test_without_an_employee_number_the_email_matches_case_insensitively(client, directory):
    cara = PEOPLE["cara"]
    staff = StaffFactory(user__email="Cara.Wu@Hospital.example")
    assert _sign_in(client, cara.mail, cara.password).status_code == 302
    assert _signed_in_as(client, staff.user)
    assert get_user_model().objects.filter(email__iexact=cara.mail).count() == 1


def test_a_directory_person_not_on_the_roster_is_refused_and_nothing_is_created(client, directory):
    dan = PEOPLE["dan"]
    StaffFactory()  # someone else is on the roster
    users, staff = get_user_model().objects.count(), StaffMember.objects.count()
    response = _sign_in(client, dan.mail, dan.password)
    assert response.status_code == 200 and REFUSED in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert get_user_model().objects.count() == users
    assert StaffMember.objects.count() == staff
    assert AuditEvent.objects.filter(action="auth.login_failed", actor_label=dan.mail).exists()


@pytest.mark.parametrize(
    "inactive", [{"active": False}, {"user__is_active": False}], ids=["staff", "login"]
)
def test_inactive_staff_or_logins_are_refused(client, directory, inactive):
    eve = PEOPLE["eve"]
    staff = StaffFactory(employee_no=eve.employee_number, user__email=eve.mail, **inactive)
    response = _sign_in(client, eve.mail, eve.password)
    assert response.status_code == 200 and REFUSED in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Active again, the same directory password lets them in.
    StaffMember.objects.filter(pk=staff.pk).update(active=True)
    get_user_model().objects.filter(pk=staff.user_id).update(is_active=True)
    assert _sign_in(client, eve.mail, eve.password).status_code == 302


def test_inactive_staff_without_a_login_get_none(client, directory):
    ben = PEOPLE["ben"]
    staff = StaffFactory(employee_no=ben.employee_number, user=None, active=False)
    assert _sign_in(client, ben.mail, ben.password).status_code == 200
    staff.refresh_from_db()
    assert staff.user is None
    assert not get_user_model().objects.filter(email=ben.mail).exists()


def test_inactive_staff_matched_by_email_are_refused(client, directory):
    cara = PEOPLE["cara"]
    StaffFactory(user__email=cara.mail, active=False)
    assert _sign_in(client, cara.mail, cara.password).status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_reused_mailbox_does_not_sign_in_as_its_former_owner(client, directory):
    fay = PEOPLE["fay"]
    # The address belongs to N1006 on the roster; the directory gives it to unknown N7777.
    StaffFactory(employee_no="N1006", user__email=fay.mail)
    assert _sign_in(client, fay.mail, fay.password).status_code == 200
    assert "_auth_user_id" not in client.session


def test_local_passwords_still_work_with_the_directory_on(client, directory):
    user = UserFactory(email="local.admin@hospital.example")
    assert _sign_in(client, user.email, LOCAL_PASSWORD).status_code == 302
    assert client.session["_auth_user_backend"] == "django.contrib.auth.backends.ModelBackend"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_directory_that_is_down_refuses_quickly(client, slapd_directory):  # noqa: F811
    ana = PEOPLE["ana"]
    StaffFactory(employee_no=ana.employee_number, user__email=ana.mail)
    environ = slapd_directory.environ(LDAP_SERVER_URI=f"ldap://127.0.0.1:{_closed_port()}")
    with _directory_on(environ):
        started = time.monotonic()
        response = _sign_in(client, ana.mail, ana.password)
    assert response.status_code == 200 and REFUSED in response.content.decode()
    assert time.monotonic() - started < 5
    assert AuditEvent.objects.filter(action="auth.login_failed", actor_label=ana.mail).exists()


def test_a_directory_that_never_answers_times_out(client, slapd_directory):  # noqa: F811
    ana = PEOPLE["ana"]
    StaffFactory(employee_no=ana.employee_number, user__email=ana.mail)
    with socket.socket() as silent:
        # The kernel completes the connection; nothing ever answers the bind.
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        environ = slapd_directory.environ(
            LDAP_SERVER_URI=f"ldap://127.0.0.1:{port}", LDAP_TIMEOUT="1", LDAP_CONNECT_TIMEOUT="1"
        )
        with _directory_on(environ):
            started = time.monotonic()
            response = _sign_in(client, ana.mail, ana.password)
    assert response.status_code == 200 and REFUSED in response.content.decode()
    assert time.monotonic() - started < 5


def test_no_server_uri_means_no_directory():
    assert directory_settings({}) == {"LDAP_BACKENDS": []}
    assert directory_settings({"LDAP_SERVER_URI": "  "}) == {"LDAP_BACKENDS": []}
    assert BACKEND not in settings.AUTHENTICATION_BACKENDS


def test_settings_come_from_the_environment(slapd_directory):  # noqa: F811
    import ldap

    values = directory_settings({"LDAP_SERVER_URI": "ldaps://dc1.hospital.example"})
    assert values["LDAP_BACKENDS"] == [BACKEND]
    assert values["AUTH_LDAP_USER_SEARCH"].filterstr == DEFAULT_USER_FILTER
    assert values["AUTH_LDAP_USER_ATTRLIST"] == ["mail", "employeeNumber"]
    assert values["AUTH_LDAP_START_TLS"] is False
    assert values["AUTH_LDAP_CONNECTION_OPTIONS"][ldap.OPT_NETWORK_TIMEOUT] == 5
    values = directory_settings(
        {
            "LDAP_SERVER_URI": "ldap://dc1",
            "LDAP_START_TLS": "true",
            "LDAP_USER_FILTER": "(sAMAccountName=%(user)s)",
            "LDAP_EMPLOYEE_NUMBER_ATTR": "employeeID",
            "LDAP_MAIL_ATTR": "proxyAddresses",
        }
    )
    assert values["AUTH_LDAP_START_TLS"] is True
    assert values["AUTH_LDAP_USER_SEARCH"].filterstr == "(sAMAccountName=%(user)s)"
    assert values["LDAP_EMPLOYEE_NUMBER_ATTR"] == "employeeID"
    assert values["AUTH_LDAP_USER_ATTRLIST"] == ["proxyAddresses", "employeeID"]
