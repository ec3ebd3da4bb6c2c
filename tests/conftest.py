"""Shared fixtures and the rule for tests that need a service this machine may lack.

Browser, PostgreSQL and Redis tests skip locally with a visible reason when their service is
missing. CI sets READYLINE_REQUIRE_SERVICES=1, which turns each such skip into a failure."""

import os
import shutil

import pytest

from portal.accounts import roles

REQUIRE_SERVICES = os.environ.get("READYLINE_REQUIRE_SERVICES") == "1"
CHROMIUM = "/usr/bin/chromium"


def need(condition: bool, what: str):
    """Skip (locally) or fail (in CI) when a service the test needs is absent."""
    if condition:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required in CI (READYLINE_REQUIRE_SERVICES=1) but missing")
    pytest.skip(f"{what} not available here: skipped (CI runs it)")


def has_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def has_redis_broker() -> bool:
    return os.environ.get("CELERY_BROKER_URL", "").startswith("redis://")


def has_chromium() -> bool:
    return os.path.exists(CHROMIUM) or shutil.which("chromium") is not None


@pytest.fixture
def role_groups(db):
    """The role groups exist after migrate; tests on a flushed database (transactional) need
    them again."""
    roles.roles_sync()


def pytest_report_header(config):
    from django.db import connection

    skipped = []
    if not has_chromium():
        skipped.append("browser (no /usr/bin/chromium)")
    if connection.vendor != "postgresql":
        skipped.append("PostgreSQL (no DATABASE_URL)")
    if not has_redis_broker():
        skipped.append("Redis worker (no CELERY_BROKER_URL=redis://...)")
    mode = "failing" if REQUIRE_SERVICES else "skipping"
    return [
        f"readyline: database={connection.vendor}; "
        + (f"{mode} tests that need: {', '.join(skipped)}" if skipped else "all services present")
    ]


@pytest.fixture(autouse=True)
def _fresh_save_caches():
    """The exam save path caches attempt layouts (and practical exams their parsed scenario
    versions) by id in the process; a rolled-back test database hands the same ids out again,
    so every test starts with empty caches."""
    from assessments.services.attempts import save_caches_clear
    from assessments.services.practical import scenario_cache_clear

    save_caches_clear()
    scenario_cache_clear()
    yield


@pytest.fixture(autouse=True)
def _english_between_tests():
    """A request in Chinese leaves the thread's active language set; the next test starts in
    the default language again."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
