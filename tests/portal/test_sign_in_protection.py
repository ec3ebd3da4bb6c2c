"""Sign-in protections: allauth's rate limits count failed attempts per account (five, then five
minutes' lock, even with the right password) in the cache; the Wagtail and Django admins have no
sign-in page of their own, so the same limits and audit cover them."""

import pytest
from django.core.cache import cache

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-123"
LOCKED = "Too many failed login attempts"


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


def _sign_in(client, email, password):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_five_failures_lock_the_account_even_for_the_right_password(client):
    UserFactory(email="nurse@hospital.example")
    for _ in range(5):
        response = _sign_in(client, "nurse@hospital.example", "wrong")
        assert response.status_code == 200 and LOCKED not in response.content.decode()
    response = _sign_in(client, "nurse@hospital.example", PASSWORD)
    assert response.status_code == 200
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_account(client):
    UserFactory(email="nurse@hospital.example")
    UserFactory(email="doctor@hospital.example")
    for _ in range(5):
        _sign_in(client, "nurse@hospital.example", "wrong")
    response = _sign_in(client, "doctor@hospital.example", PASSWORD)
    assert response.status_code == 302


def test_the_counts_live_in_the_shared_cache(client, settings):
    UserFactory(email="nurse@hospital.example")
    for _ in range(5):
        _sign_in(client, "nurse@hospital.example", "wrong")
    cache.clear()  # another worker sees what the cache holds: cleared, the lock is gone
    assert _sign_in(client, "nurse@hospital.example", PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("url", "next_url"), [("/cms/login/?next=/cms/", "/cms/"), ("/django-admin/", "/django-admin/")]
)
def test_the_admins_sign_in_through_the_portal(client, url, next_url):
    response = client.get(url, follow=True)
    final, _status = response.redirect_chain[-1]
    assert final.startswith("/accounts/login/")
    assert f"next={next_url}" in final.replace("%2F", "/")


def test_a_signed_in_person_without_admin_access_is_refused_not_looped(client):
    client.force_login(UserFactory())
    response = client.get("/cms/", follow=True)
    assert response.status_code == 403
    assert len(response.redirect_chain) == 1  # /cms/ -> /cms/login/, refused there


def test_a_signed_in_administrator_goes_on_into_the_admin(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.get("/django-admin/login/?next=/django-admin/auth/group/")
    assert response.status_code == 302 and response["Location"] == "/django-admin/auth/group/"
    assert client.get("/cms/login/")["Location"] == "/cms/"


def test_an_outside_next_is_dropped(client):
    response = client.get("/cms/login/?next=https://evil.example/")
    assert response["Location"] == "/accounts/login/?next=%2Fcms%2F"
