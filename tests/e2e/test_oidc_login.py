"""A nurse signs in with the hospital's identity provider (a real OpenID Connect provider,
tests/oidc_idp/, in its own process on loopback) from the portal's sign-in page, and lands on
My training; a stranger the roster does not know is turned back with a word."""

import re

import pytest
from playwright.sync_api import expect

from portal.accounts.sso import REFUSALS
from portal.settings.sso import sso_settings
from tests.conftest import has_chromium, need
from tests.factories import StaffFactory, UserFactory
from tests.oidc_idp.harness import running_provider

from .conftest import screenshot

pytestmark = pytest.mark.e2e

PASSWORD = "idp-pass-123"
PEOPLE = [
    {
        "username": "chen",
        "password": PASSWORD,
        "email": "n.chen@idp.example",
        "employee_number": "E10001",
    },
    {"username": "stranger", "password": PASSWORD, "email": "stranger@elsewhere.example"},
]


@pytest.fixture(scope="module")
def provider(live_server, tmp_path_factory):
    callback = f"{live_server.url}/accounts/oidc/hospital/login/callback/"
    with running_provider(
        tmp_path_factory.mktemp("oidc-idp"), people=PEOPLE, redirect_uris=[callback]
    ) as running:
        yield running


@pytest.fixture
def hospital(transactional_db, provider, settings):
    """Not the demo hospital: one nurse on the roster is all this journey needs."""
    from django.core.cache import cache

    cache.clear()
    settings.SOCIALACCOUNT_PROVIDERS = sso_settings(provider.environ())["SOCIALACCOUNT_PROVIDERS"]
    return StaffFactory(employee_no="E10001", user=UserFactory(email="chen.na@riverside.example"))


def _sign_in_at_provider(page, username):
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Sign in with Riverside ID").click()
    page.wait_for_url(re.compile(r"127\.0\.0\.1:\d+/accounts/login/"))
    page.fill('input[name="login"]', username)
    page.fill('input[name="password"]', PASSWORD)
    page.locator('input[name="password"]').press("Enter")


def test_a_nurse_signs_in_with_the_hospital_account(page, hospital):
    need(has_chromium(), "Chromium (/usr/bin/chromium)")
    _sign_in_at_provider(page, "chen")
    page.wait_for_url(re.compile(r"/training/$"))
    expect(page.locator("header")).to_contain_text("Sign out")
    screenshot(page, "sso-signed-in")


def test_a_stranger_is_turned_back(page, hospital):
    need(has_chromium(), "Chromium (/usr/bin/chromium)")
    _sign_in_at_provider(page, "stranger")
    page.wait_for_url(re.compile(r"/accounts/login/$"))
    expect(page.locator(".messages")).to_contain_text(str(REFUSALS["no_match"]))
    screenshot(page, "sso-refused")
