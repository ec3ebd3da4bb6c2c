"""The browser enforces the Content Security Policy: an injected inline script does not run,
and the page fixture (conftest.py) sees the refusal, so any journey whose page needed an inline
script would fail."""

import pytest

from tests.conftest import has_chromium, need

pytestmark = pytest.mark.e2e


def test_an_inline_script_is_refused_and_noticed(page):
    need(has_chromium(), "Chromium (/usr/bin/chromium)")
    page.goto("/accounts/login/")
    page.evaluate(
        """() => {
            const s = document.createElement("script");
            s.textContent = "document.body.dataset.injected = 'ran';";
            document.head.appendChild(s);
        }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("() => document.body.dataset.injected") is None
    assert any("script-src" in text for text in page.csp_refused), page.csp_refused
    page.csp_refused.clear()  # seen: not a failure of this test
