"""The Content Security Policy (portal/csp.py): the portal's pages allow scripts from this
origin only, the admins also inline script (Wagtail's templates need it), and no template of
the portal's own carries an inline script or event handler (they would be refused). The browser
side: tests/e2e/conftest.py fails any journey whose page the policy refused something on."""

import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APPS = ["portal", "content", "courses", "assessments", "seedusers"]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.I)


def directives(policy: str) -> dict[str, set[str]]:
    out = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out[words[0]] = set(words[1:])
    return out


@pytest.mark.django_db
def test_portal_pages_allow_scripts_from_this_origin_only(client):
    response = client.get("/accounts/login/")
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == {"'self'"}
    assert policy["default-src"] == {"'self'"}
    assert policy["object-src"] == {"'none'"}
    assert policy["frame-ancestors"] == {"'self'"}
    assert policy["base-uri"] == {"'self'"}


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/cms/", "/django-admin/"])
def test_the_admins_also_allow_inline_script(client, url):
    from tests.factories import UserFactory

    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.get(url)
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == {"'self'", "'unsafe-inline'"}
    assert policy["object-src"] == {"'none'"}


def _templates():
    for app in APPS:
        yield from sorted((ROOT / app).glob("**/templates/**/*.html"))


def test_the_template_scan_finds_the_templates():
    assert len(list(_templates())) > 100


def test_no_template_of_the_portal_has_inline_script():
    offenders = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER):
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {match.group(0).strip()}")
    assert offenders == []


def test_the_scan_recognises_inline_script():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert INLINE_SCRIPT.search('<script type="module">x()</script>')
    assert not INLINE_SCRIPT.search('<script src="/static/a.js"></script>')
    assert not INLINE_SCRIPT.search('<script id="d" type="application/json">{}</script>')
    assert EVENT_HANDLER.search('<button onclick="go()">')
    assert not EVENT_HANDLER.search('<button data-once="1">')
