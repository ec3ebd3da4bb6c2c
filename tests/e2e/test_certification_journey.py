"""The certification acceptance journey: a cashier whose course and practical exam are done
takes the last requirement, the knowledge exam, in the browser; the status task issues her
certificate; My certificates offers it; its PDF prints her Chinese name; the URL behind its QR
code says "Valid"; HR revokes it in the browser and the same URL says "Revoked"."""

import io
import re
from urllib.parse import urlparse

import pypdf
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessments.models import Certificate, CertificationStatus
from assessments.services.certification import status_refresh
from portal.org.models import StaffMember
from tests.assessments.certification_factories import attempt, track
from tests.assessments.factories import exam, question
from tests.conftest import has_chromium, need

from .conftest import login, screenshot

pytestmark = pytest.mark.e2e

CASHIER = "learner-cashier@readyline.example"
HR = "hr@readyline.example"


def _setup():
    knowledge = exam(
        questions=[
            question(
                "single",
                text="<p>A patient pays part by insurance: what do you print?</p>",
                answers=[("The split receipt", 100), ("Nothing", 0)],
            )
        ],
        title="Billing: knowledge check",
        pass_mark_percent=80,
    )
    t = track(
        role="cashier",
        courses=0,
        knowledge_exam=knowledge,
        name="Cashier: billing in the new HIS",
        name_zh="收费员：新HIS收费认证",
    )
    cashier = StaffMember.objects.get(user__email=CASHIER)
    attempt(
        t.practical_exam, cashier, when=timezone.now() - timezone.timedelta(days=1), efficiency=1.0
    )
    status_refresh(staff_ids=[cashier.pk])  # what saving the track in the admin queues
    return t, knowledge, cashier


def _pdf_text(page, href: str) -> str:
    response = page.request.get(href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    return pypdf.PdfReader(io.BytesIO(response.body())).pages[0].extract_text()


def test_cashier_is_certified_and_the_qr_url_follows_revocation(
    page, hospital, browser, live_server
):
    need(has_chromium(), "Chromium")
    t, knowledge, cashier = _setup()
    login(page, CASHIER)

    # Before: My certificates says what remains (the knowledge exam).
    page.locator('nav.nav a[data-nav="certificates"]').click()
    card = page.locator("section.cert-card")
    expect(card).to_contain_text("In progress")
    expect(card.locator("ul.remaining")).to_contain_text("Billing: knowledge check")

    # The last requirement: the knowledge exam, from the link on the card.
    card.get_by_role("link", name="Billing: knowledge check").click()
    page.locator('[data-action="start"]').click()
    page.wait_for_url(re.compile(r"/exams/attempt/\d+/$"))
    page.get_by_text("The split receipt").click()
    expect(page.locator("[data-save-state]")).to_have_text("All answers saved")
    page.locator(".exam-side [data-finish]").click()
    page.locator("[data-confirm]").get_by_role("button", name="Submit all and finish").click()
    page.wait_for_url(re.compile(r"/exams/attempt/\d+/review/$"))
    expect(page.locator("[data-passed]")).to_contain_text("Passed")

    # The status task ran after the submit committed: the certificate is there.
    certificate = Certificate.objects.get(staff=cashier, track=t)
    assert CertificationStatus.objects.get(staff=cashier, track=t).status == "certified"
    page.goto("/exams/certificates/")
    expect(card).to_contain_text("Certified")
    expect(card).to_contain_text("expires in")
    download = card.get_by_role("link", name="Download certificate (PDF)")
    screenshot(page, "certification-my-certificates")

    # The PDF prints her name in Chinese, the track and the verification URL of the QR code.
    text = _pdf_text(page, download.get_attribute("href"))
    assert cashier.full_name in text and "收费员：新HIS收费认证" in text
    found = re.search(r"https?://\S+/verify/[A-Z0-9]+/", text.replace("\n", ""))
    assert found, text
    verify_path = urlparse(found.group(0)).path
    assert verify_path == f"/verify/{certificate.code}/"

    # Scanning the QR code: a phone with no login opens the URL.
    phone = browser.new_context(base_url=live_server.url)
    scanner = phone.new_page()
    scanner.goto(verify_path)
    expect(scanner.locator(".verdict")).to_have_text("Valid")
    expect(scanner.locator(".facts")).to_contain_text(cashier.full_name)
    expect(scanner.locator("body")).not_to_contain_text(cashier.employee_no)
    screenshot(scanner, "certification-verify-valid")

    # HR revokes it, with a reason, in the browser.
    page.context.clear_cookies()
    login(page, HR)
    page.locator('nav.nav a[data-nav="cert_manage"]').click()
    page.fill('input[name="q"]', certificate.code)
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name=certificate.code).click()
    page.fill("#revoke-reason", "Exam taken by a colleague on her behalf")
    page.get_by_role("button", name="Revoke the certificate").click()
    expect(page.locator(".messages")).to_contain_text("The certificate is revoked")
    screenshot(page, "certification-revoked-by-hr")

    scanner.reload()
    expect(scanner.locator(".verdict")).to_have_text("Revoked")
    expect(scanner.locator("body")).not_to_contain_text("colleague")
    screenshot(scanner, "certification-verify-revoked")
    assert page.js_errors == []
    phone.close()
