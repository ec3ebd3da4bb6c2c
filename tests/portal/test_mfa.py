"""Two-factor authentication (portal/accounts/mfa.py): required for every privileged role and
for admin access, optional for learners; codes at sign-in; secrets stored encrypted."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.contrib.auth.models import Group
from django.core.cache import cache
from freezegun import freeze_time

from portal.accounts import roles
from portal.accounts.mfa import MFAAdapter, totp_code
from tests.factories import TOTP_SECRET, UserFactory, code_now

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-123"
SET_UP = "/accounts/2fa/totp/activate/"
PRIVILEGED = [
    {"roles": [roles.LEARNER, roles.TRAINER]},
    {"roles": [roles.LEARNER, roles.MANAGER]},
    {"roles": [roles.LEARNER, roles.HR]},
    {"roles": [roles.LEARNER, roles.ROLLOUT_LEAD]},
    {"roles": [roles.LEARNER, roles.AUDITOR]},
    {"is_superuser": True, "is_staff": True},
    {"is_staff": True},
]
PRIVILEGED_IDS = ["trainer", "manager", "hr", "rollout-lead", "auditor", "superuser", "staff"]


@pytest.fixture(autouse=True)
def _fresh_cache(role_groups):
    cache.clear()  # used codes and sign-in rate limits
    yield
    cache.clear()


@pytest.mark.parametrize("kind", PRIVILEGED, ids=PRIVILEGED_IDS)
def test_each_privileged_role_without_an_authenticator_is_sent_to_set_it_up(client, kind):
    user = UserFactory(authenticator=False, **kind)
    client.force_login(user)
    for path in ("/training/", "/cms/", "/records/my-transcript/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == SET_UP, path
    page = client.get(SET_UP, follow=True)
    assert "Your role needs two-factor authentication" in page.content.decode()


@pytest.mark.parametrize("kind", PRIVILEGED, ids=PRIVILEGED_IDS)
def test_each_privileged_role_with_an_authenticator_goes_on(client, kind):
    client.force_login(UserFactory(**kind))
    assert client.get("/training/").status_code == 200


def test_anyone_let_into_the_cms_by_another_group_needs_it_too(client):
    from django.contrib.auth.models import Permission

    editors = Group.objects.create(name="ward editors")
    editors.permissions.add(Permission.objects.get(codename="access_admin"))
    user = UserFactory(roles=[roles.LEARNER], authenticator=False)
    user.groups.add(editors)
    client.force_login(user)
    assert client.get("/training/")["Location"] == SET_UP


def test_a_learner_needs_none(client):
    client.force_login(UserFactory(roles=[roles.LEARNER]))
    assert client.get("/training/").status_code == 200
    assert not Authenticator.objects.exists()


def test_a_role_given_during_a_session_asks_for_it_within_minutes(client):
    user = UserFactory(roles=[roles.LEARNER])
    with freeze_time("2026-12-07 08:00") as clock:
        client.force_login(user)
        assert client.get("/training/").status_code == 200
        user.groups.add(Group.objects.get(name=roles.HR))
        clock.tick(6 * 60)
        assert client.get("/training/")["Location"] == SET_UP


def test_sign_in_asks_for_the_code_and_refuses_a_wrong_one(client):
    user = UserFactory(roles=[roles.LEARNER, roles.MANAGER])
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200 and "Incorrect code" in wrong.content.decode()
    assert "_auth_user_id" not in client.session
    right = client.post("/accounts/2fa/authenticate/", {"code": code_now()})
    assert right.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get("/training/").status_code == 200


def test_a_recovery_code_signs_in_once(client):
    user = UserFactory(roles=[roles.LEARNER, roles.HR])
    code = RecoveryCodes(
        Authenticator.objects.get(user=user, type="recovery_codes")
    ).get_unused_codes()[0]
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    client.post("/accounts/2fa/authenticate/", {"code": code})
    assert client.session["_auth_user_id"] == str(user.pk)
    client.logout()
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    again = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert again.status_code == 200 and "_auth_user_id" not in client.session


def test_setting_it_up_gives_recovery_codes_and_opens_the_portal(client):
    user = UserFactory(roles=[roles.LEARNER, roles.TRAINER], authenticator=False)
    signed_in = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert client.get("/training/")["Location"] == SET_UP
    # Just signed in: no second password prompt (portal/accounts/adapter.py).
    page = client.get(SET_UP)
    assert page.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in page.content.decode()  # the QR code
    secret = client.session[SECRET_SESSION_KEY]
    done = client.post(SET_UP, {"code": totp_code(secret)})
    assert done["Location"] == "/accounts/2fa/recovery-codes/"
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    assert Authenticator.objects.filter(user=user, type="recovery_codes").exists()
    assert client.get("/training/").status_code == 200


def test_setting_it_up_later_in_a_session_asks_for_the_password_again(client):
    """Someone else at an unlocked ward PC must not be able to add their authenticator."""
    user = UserFactory(roles=[roles.LEARNER], authenticator=False)
    with freeze_time("2026-12-07 08:00") as clock:
        client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
        assert client.get(SET_UP).status_code == 200
        clock.tick(10 * 60)
        assert client.get(SET_UP)["Location"].startswith("/accounts/reauthenticate/")


def test_privileged_people_may_not_remove_it_learners_may(client):
    manager = UserFactory(roles=[roles.LEARNER, roles.MANAGER])
    client.post("/accounts/login/", {"login": manager.email, "password": PASSWORD})
    client.post("/accounts/2fa/authenticate/", {"code": code_now()})
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    refused = client.post("/accounts/2fa/totp/deactivate/")
    assert refused.status_code == 200
    assert "You cannot deactivate" in refused.content.decode()
    assert Authenticator.objects.filter(user=manager, type="totp").exists()

    client.logout()
    cache.clear()  # the same code again, for another person
    learner = UserFactory(roles=[roles.LEARNER])
    from tests.factories import give_authenticator

    give_authenticator(learner)
    client.post("/accounts/login/", {"login": learner.email, "password": PASSWORD})
    client.post("/accounts/2fa/authenticate/", {"code": code_now()})
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    removed = client.post("/accounts/2fa/totp/deactivate/")
    assert removed.status_code == 302
    assert not Authenticator.objects.filter(user=learner, type="totp").exists()


def test_the_secret_is_stored_encrypted():
    user = UserFactory(roles=[roles.LEARNER, roles.AUDITOR])
    stored = Authenticator.objects.get(user=user, type="totp").data["secret"]
    assert TOTP_SECRET not in stored
    assert MFAAdapter().decrypt(stored) == TOTP_SECRET


def test_api_calls_are_not_sent_to_set_up(client):
    """Integrations use tokens, not sessions (portal/readiness/api.py)."""
    client.force_login(UserFactory(roles=[roles.LEARNER, roles.ROLLOUT_LEAD], authenticator=False))
    assert client.get("/api/waves").status_code == 401
