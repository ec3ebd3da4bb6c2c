"""Signed-in sessions (allauth.usersessions): a person sees where they are signed in and ends
the other sessions; a password change ends every other session but keeps the one it was made
in."""

import pytest
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-123"


def _signed_in(user, agent: str) -> Client:
    client = Client(HTTP_USER_AGENT=agent)
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_a_person_sees_their_sessions_and_ends_the_others():
    user = UserFactory(email="nurse@hospital.example")
    UserFactory(email="other@hospital.example")
    laptop = _signed_in(user, "Laptop browser")
    ward_pc = _signed_in(user, "Ward PC browser")
    assert 'href="/accounts/sessions/"' in laptop.get("/training/").content.decode()
    page = laptop.get("/accounts/sessions/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Laptop browser" in body and "Ward PC browser" in body
    response = laptop.post("/accounts/sessions/", {"action": "end_others"}, follow=True)
    assert response.status_code == 200
    assert ward_pc.get("/training/").status_code == 302  # signed out: to the sign-in page
    assert laptop.get("/training/").status_code == 200


def test_sessions_need_a_sign_in(client):
    response = client.get("/accounts/sessions/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_password_change_ends_the_other_sessions():
    user = UserFactory(email="nurse@hospital.example")
    laptop = _signed_in(user, "Laptop browser")
    ward_pc = _signed_in(user, "Ward PC browser")
    response = laptop.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "a-New-pass-4567", "password2": "a-New-pass-4567"},
    )
    assert response.status_code == 302
    assert laptop.get("/training/").status_code == 200
    assert ward_pc.get("/training/").status_code == 302


def test_a_session_lasts_a_shift_at_most(settings):
    user = UserFactory(email="nurse@hospital.example")
    client = Client()
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD, "remember": "on"})
    assert settings.SESSION_COOKIE_AGE == 12 * 3600
    assert client.session.get_expiry_age() == 12 * 3600
    forgetful = _signed_in(user, "Ward PC browser")  # "Remember me" not ticked
    assert forgetful.session.get_expire_at_browser_close()
