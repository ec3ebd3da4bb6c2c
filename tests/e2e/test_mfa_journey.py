"""A newly appointed trainer signs in for the first time: before anything else she is sent to set
up an authenticator app, types its code, sees her recovery codes, and only then reaches the CMS.
At her next sign-in the portal asks for the code after the password."""

import re

import pytest
from playwright.sync_api import expect

from portal.accounts import roles
from tests.conftest import has_chromium, need
from tests.factories import UserFactory

from .conftest import authenticator_code, current_code, login, screenshot

pytestmark = pytest.mark.e2e

PASSWORD = "pw-for-tests-123"


def test_a_new_trainer_must_set_up_two_factor_before_the_cms(page):
    need(has_chromium(), "Chromium (/usr/bin/chromium)")
    trainer = UserFactory(
        email="new-trainer@readyline.example",
        roles=[roles.LEARNER, roles.TRAINER],
        authenticator=False,
    )
    page.goto("/accounts/login/?next=/cms/")
    page.fill('input[name="login"]', trainer.email)
    page.fill('input[name="password"]', PASSWORD)
    page.click('form[action$="/accounts/login/"] button[type="submit"]')
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    expect(page.get_by_text("Your role needs two-factor authentication")).to_be_visible()
    qr = page.locator('img[src^="data:image/svg+xml"]')
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth") > 0  # drawn, not broken
    screenshot(page, "mfa-set-up")

    # Other pages stay closed until it is set up.
    page.goto("/cms/")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))

    secret = page.locator("#authenticator_secret").input_value()
    page.fill('input[name="code"]', current_code(secret))
    page.get_by_role("button", name="Activate").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    expect(page.locator("body")).to_contain_text("Unused codes")
    screenshot(page, "mfa-recovery-codes")

    page.goto("/cms/")
    expect(page).to_have_url(re.compile(r"/cms/$"))

    # Next time: password, then the code.
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill('input[name="login"]', trainer.email)
    page.fill('input[name="password"]', PASSWORD)
    page.click('form[action$="/accounts/login/"] button[type="submit"]')
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    screenshot(page, "mfa-code")
    page.fill('input[name="code"]', authenticator_code(trainer.email))
    page.click('form[action$="/accounts/2fa/authenticate/"] button[type="submit"]')
    expect(page).to_have_url(re.compile(r"/training/$"))


def test_a_demo_manager_signs_in_with_her_code_in_chinese(page):
    """The demo's privileged logins carry the documented demo key; the code page is in Chinese
    for a Chinese browser."""
    need(has_chromium(), "Chromium (/usr/bin/chromium)")
    login(page, "manager@readyline.example")
    expect(page.locator("a[data-account=two-factor]")).to_be_visible()
    page.click("a[data-account=two-factor]")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/$"))
    page.click('button[value="zh-hans"]')
    expect(page.locator("body")).to_contain_text("身份验证器")
    screenshot(page, "mfa-index-zh")
