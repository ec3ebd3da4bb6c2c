"""Playwright harness: Debian's Chromium, headless, against pytest-django's live server.

The live server's database is transactional (flushed after every test), so each journey builds
the demo hospital again. Screenshots land in var/screenshots/ (gitignored) for people to look at.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import CHROMIUM, has_chromium, need

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Navigation and page loads are local; anything slower than this is a hang, not a slow page.
TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module. Skips (locally) or fails (CI) without Chromium."""
    need(has_chromium(), "Chromium")
    from playwright.sync_api import sync_playwright

    # The sync Playwright API keeps an event loop running in this thread; Django refuses ORM
    # calls from a thread with a running loop unless told this is safe (it is: nothing here is
    # async). Restored afterwards so the rest of the suite keeps Django's guard.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    executable = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def hospital(transactional_db):
    """The demo hospital (about 300 staff, one login per role) in the live server's database."""
    from django.core.cache import cache

    from portal.demo.hospital import build_hospital

    # Progress and allauth's login rate limits live in the (process-wide) local-memory cache.
    cache.clear()
    return build_hospital()


@pytest.fixture
def page(browser, live_server, hospital):
    """A fresh browser context (no cookies) per test, English first, with its base URL set."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-GB",
        viewport={"width": 1280, "height": 800},
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    # Every journey also proves its pages work under the Content Security Policy (portal/csp.py):
    # Chromium reports each refused script, style or frame on the console.
    refused: list[str] = []
    page.on(
        "console",
        lambda msg: (
            refused.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    page.csp_refused = refused
    try:
        yield page
    finally:
        context.close()
        _wait_for_quiet_database()
    assert not refused, f"refused by the Content Security Policy: {refused}"


def _wait_for_quiet_database(seconds: float = 10.0):
    """Let requests the browser started before it closed finish before the database is flushed.

    On PostgreSQL a live-server thread still inside a transaction when the flush's TRUNCATE
    starts deadlocks with it (CI saw it after a language switch). SQLite's flush waits anyway.
    """
    import time

    from django.db import connection

    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND state IS NOT NULL AND state <> 'idle'"
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)


def login(page, email: str, password: str | None = None):
    """Sign in through the allauth form, as a person would, with the code of their
    authenticator app when their role has one; lands on My training."""
    from portal.demo.hospital import PASSWORD

    page.goto("/accounts/login/")
    page.fill('input[name="login"]', email)
    page.fill('input[name="password"]', password or PASSWORD)
    page.click('form[action$="/accounts/login/"] button[type="submit"]')
    page.wait_for_url(re.compile(r"/training/$|/accounts/2fa/authenticate/$"))
    if page.url.endswith("/accounts/2fa/authenticate/"):
        page.fill('input[name="code"]', authenticator_code(email))
        page.click('form[action$="/accounts/2fa/authenticate/"] button[type="submit"]')
        page.wait_for_url(re.compile(r"/training/$"))


def authenticator_code(email: str) -> str:
    """What the person's authenticator app shows now. A code is accepted once: signing in
    twice within its 30 seconds waits for the next one, as a person would; so does a code
    about to expire."""
    import time

    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    from portal.accounts.mfa import MFAAdapter

    totp = Authenticator.objects.get(user__email=email, type=Authenticator.Type.TOTP)
    secret = MFAAdapter().decrypt(totp.data["secret"])
    while True:
        code = current_code(secret)
        if not _code_used(TOTP(totp), code):
            return code
        time.sleep(1)


def current_code(secret: str) -> str:
    """The app's code, not in the last seconds of its 30: still current when the form arrives."""
    import time

    from portal.accounts.mfa import totp_code

    while time.time() % 30 >= 27:
        time.sleep(0.5)
    return totp_code(secret)


def _code_used(totp, code: str) -> bool:
    from django.core.cache import cache

    return cache.get(totp._get_used_cache_key(code)) is not None


def nav_keys(page) -> list[str]:
    return page.locator("nav.nav a[data-nav]").evaluate_all(
        "links => links.map(a => a.dataset.nav)"
    )


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
