"""Every demo login sees exactly its role's navigation, is refused other roles' pages, and can
switch the portal to Simplified Chinese."""

import pytest

from tests.conftest import has_chromium, need

from .conftest import login, nav_keys, screenshot

pytestmark = pytest.mark.e2e

DOMAIN = "readyline.example"
# Navigation order as portal.navigation builds it.
NAV_ORDER = [
    "training",
    "certificates",
    "chase",
    "staff",
    "certification",
    "readiness",
    "seedusers",
    "cert_manage",
    "hr_records",
    "roster",
    "feedback",
    "exams",
    "examine",
    "audit",
    "cms",
    "notifications",
]
STAFF, ROSTER, AUDIT = "/org/staff/", "/org/roster/", "/records/audit/"
CHASE, FEEDBACK, EXAMS = "/learning/chase/", "/learning/feedback/", "/exams/manage/"
EXAMINE = "/exams/manage/examine/"
STATUS, CERTS = "/exams/certification/status/", "/exams/certificates/manage/"
HR = "/records/hr/"
# login -> (the nav keys it sees, pages of other roles it must be refused)
ROLES = {
    "learner-nurse": (
        {"training", "certificates", "seedusers", "notifications"},
        [STAFF, ROSTER, AUDIT, CHASE, FEEDBACK, EXAMS, EXAMINE, STATUS, CERTS, HR],
    ),
    "learner-doctor": (
        {"training", "certificates", "seedusers", "notifications"},
        [STAFF, ROSTER, AUDIT, CHASE, FEEDBACK, EXAMS, EXAMINE, STATUS, CERTS, HR],
    ),
    "learner-cashier": (
        {"training", "certificates", "seedusers", "notifications"},
        [STAFF, ROSTER, AUDIT, CHASE, FEEDBACK, EXAMS, EXAMINE, STATUS, CERTS, HR],
    ),
    "trainer": (
        {
            "training",
            "certificates",
            "seedusers",
            "feedback",
            "exams",
            "examine",
            "cms",
            "notifications",
        },
        [STAFF, ROSTER, AUDIT, CHASE, STATUS, CERTS, HR],
    ),
    "manager": (
        {
            "training",
            "certificates",
            "chase",
            "staff",
            "certification",
            "readiness",
            "seedusers",
            "notifications",
        },
        [ROSTER, AUDIT, FEEDBACK, CERTS, HR],
    ),
    "hr": (
        {
            "training",
            "certificates",
            "chase",
            "staff",
            "certification",
            "readiness",
            "seedusers",
            "cert_manage",
            "hr_records",
            "roster",
            "cms",
            "notifications",
        },
        [AUDIT, FEEDBACK],
    ),
    "rollout-lead": (
        {
            "training",
            "certificates",
            "chase",
            "staff",
            "certification",
            "readiness",
            "seedusers",
            "cms",
            "notifications",
        },
        [ROSTER, AUDIT, FEEDBACK, CERTS, HR],
    ),
    "auditor": (
        {"training", "certificates", "seedusers", "audit", "notifications"},
        [STAFF, ROSTER, CHASE, FEEDBACK, STATUS, CERTS, HR],
    ),
}
# What the zh-hans catalogue says for each navigation label (and the sign-out button).
CHINESE = {
    "training": "我的培训",
    "certificates": "我的证书",
    "certification": "认证状态",
    "cert_manage": "证书管理",
    "hr_records": "人事档案",
    "seedusers": "种子用户",
    "readiness": "上线就绪",
    "staff": "员工",
    "roster": "花名册导入",
    "audit": "审计日志",
    "cms": "内容编辑（CMS）",
    "chase": "督办名单",
    "feedback": "学员反馈",
    "exams": "我负责的考试",
    "examine": "考核评分",
    "notifications": "消息通知",
}
SIGN_OUT_ZH = "退出登录"


def _expected(keys: set[str]) -> list[str]:
    return [k for k in NAV_ORDER if k in keys]


@pytest.mark.parametrize("local", list(ROLES))
def test_role_sees_its_navigation_and_is_refused_elsewhere(page, local):
    need(has_chromium(), "Chromium")
    keys, refused = ROLES[local]
    login(page, f"{local}@{DOMAIN}")

    assert nav_keys(page) == _expected(keys)
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").first.inner_text() == "My training"
    screenshot(page, f"role-{local}-en")

    # Every item in the bar opens (the CMS is Wagtail's admin, the rest are portal pages).
    hrefs = page.locator("nav.nav a[data-nav]").evaluate_all(
        "links => links.map(a => [a.dataset.nav, a.getAttribute('href')])"
    )
    for key, href in hrefs:
        response = page.goto(href)
        assert response.status == 200, f"{local}: {key} ({href}) answered {response.status}"
        if key != "cms":
            assert nav_keys(page) == _expected(keys), f"{local}: navigation differs on {href}"
        if key != "training":
            screenshot(page, f"role-{local}-en-{key}")

    for index, url in enumerate(refused):
        response = page.goto(url)
        assert response.status == 403, f"{local} opened {url}: {response.status}, expected 403"
        if index == 0:
            screenshot(page, f"role-{local}-en-refused")
    if "cms" not in keys:
        # Wagtail sends people without admin access to its login URL, which refuses them
        # (portal/accounts/views.py) rather than sending them round in circles.
        response = page.goto("/cms/")
        assert "/cms/login/" in page.url, f"{local} reached the CMS at {page.url}"
        assert response.status == 403
    assert page.js_errors == [], f"JavaScript errors: {page.js_errors}"


@pytest.mark.parametrize("local", list(ROLES))
def test_role_switches_to_simplified_chinese(page, local):
    need(has_chromium(), "Chromium")
    keys, _refused = ROLES[local]
    login(page, f"{local}@{DOMAIN}")

    page.click('button[data-lang="zh-hans"]')
    page.wait_for_function("document.documentElement.lang === 'zh-hans'")
    assert page.url.endswith("/training/"), "the language switch should stay on the same page"
    assert page.locator('button[data-lang="zh-hans"]').get_attribute("aria-pressed") == "true"
    assert nav_keys(page) == _expected(keys)
    screenshot(page, f"role-{local}-zh-hans")

    labels = dict(
        page.locator("nav.nav a[data-nav]").evaluate_all(
            "links => links.map(a => [a.dataset.nav, a.childNodes[0].textContent.trim()])"
        )
    )
    assert labels == {k: CHINESE[k] for k in keys}, "navigation is not translated"
    assert page.locator("h1").first.inner_text() == CHINESE["training"]
    assert page.get_by_role("button", name=SIGN_OUT_ZH).count() == 1

    # The choice sticks for the rest of the visit, and English comes back with the other button.
    if "staff" in keys:
        page.goto("/org/staff/")
        assert page.locator("html").get_attribute("lang") == "zh-hans"
        screenshot(page, f"role-{local}-zh-hans-staff")
    page.click('button[data-lang="en"]')
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.locator('nav.nav a[data-nav="training"]').inner_text() == "My training"
