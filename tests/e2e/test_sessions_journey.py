"""A nurse signed in on two computers opens *My sessions*, sees both (this one marked current)
and signs the other out; the other computer is back at the sign-in page."""

import pytest
from playwright.sync_api import expect

from tests.conftest import has_chromium, need

from .conftest import login, screenshot

pytestmark = pytest.mark.e2e

NURSE = "learner-nurse@readyline.example"


def test_a_nurse_signs_out_her_other_session(page, browser, live_server):
    need(has_chromium(), "Chromium (/usr/bin/chromium)")
    ward_pc = browser.new_context(base_url=live_server.url, locale="en-GB")
    other = ward_pc.new_page()
    try:
        login(other, NURSE)
        login(page, NURSE)
        page.click("a[data-account=sessions]")
        rows = page.locator("table tbody tr")
        expect(rows).to_have_count(2)
        expect(page.get_by_text("Current")).to_be_visible()
        screenshot(page, "sessions-two")
        page.get_by_role("button", name="Sign Out Other Sessions").click()
        expect(page.locator("table tbody tr")).to_have_count(1)
        other.goto("/training/")
        expect(other).to_have_url(f"{live_server.url}/accounts/login/?next=/training/")
    finally:
        ward_pc.close()
