"""Certificates: revoke and reissue (HR, audited, once), the bilingual PDF with the Chinese
name and the QR's URL, the public verification page (and what it must not show), My
certificates, and who may download or manage them."""

import io

import pypdf
import pytest
from django.urls import reverse
from freezegun import freeze_time

from assessments.documents import certificate_pdf, verification_url
from assessments.models import Certificate, CertificationStatus
from assessments.services.certificates import (
    CertificateRefused,
    certificate_reissue,
    certificate_revoke,
)
from assessments.services.certification import status_refresh
from portal.accounts import roles
from portal.records.models import AuditEvent
from tests.assessments.certification_factories import attempt, certify, track
from tests.factories import StaffFactory, UserFactory, job_role, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def certified(role_groups):
    t = track(courses=0, name="Cashier: billing", name_zh="收费员系统认证")
    holder = person([roles.LEARNER], job_role=job_role("cashier"), full_name="王秀英")
    certify(holder, t, when="2026-01-10")
    with freeze_time("2026-02-01"):
        status_refresh(staff_ids=[holder.pk])
    return Certificate.objects.get(staff=holder)


@pytest.fixture
def hr(role_groups):
    return UserFactory(roles=[roles.HR])


def _row(cert):
    return CertificationStatus.objects.get(staff=cert.staff, track=cert.track)


def test_hr_revokes_once_with_a_reason_and_the_status_follows(certified, hr):
    revoked = certificate_revoke(certificate=certified, actor=hr, reason="Exam sat by a colleague")
    again = certificate_revoke(certificate=certified, actor=hr, reason="Double click")
    assert revoked.revoked_reason == again.revoked_reason == "Exam sat by a colleague"
    assert AuditEvent.objects.filter(action="certificate.revoke").count() == 1
    assert _row(certified).status == "revoked"


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_a_reason_is_required_and_nothing_changes(certified, hr, reason):
    with pytest.raises(CertificateRefused):
        certificate_revoke(certificate=certified, actor=hr, reason=reason)
    certified.refresh_from_db()
    assert certified.revoked_at is None


def test_only_hr_revokes(certified, role_groups):
    from django.core.exceptions import PermissionDenied

    for role in (roles.TRAINER, roles.MANAGER, roles.LEARNER):
        with pytest.raises(PermissionDenied):
            certificate_revoke(certificate=certified, actor=UserFactory(roles=[role]), reason="x")


def test_reissue_makes_one_new_certificate_with_the_current_name(certified, hr):
    staff = certified.staff
    staff.full_name = "王秀英（更正）"
    staff.save()
    new = certificate_reissue(certificate=certified, actor=hr, reason="Name corrected")
    certified.refresh_from_db()
    assert new.code != certified.code and new.replaces == certified
    assert new.holder_name == "王秀英（更正）"
    assert (new.valid_from, new.valid_until) == (certified.valid_from, certified.valid_until)
    assert certified.revoked_reason == "Reissued: Name corrected"
    assert _row(new).certificate == new and _row(new).status in ("certified", "expiring")
    with pytest.raises(CertificateRefused):
        certificate_reissue(certificate=certified, actor=hr, reason="Double submit")
    assert Certificate.objects.count() == 2
    assert AuditEvent.objects.filter(action="certificate.reissue").count() == 1


def test_the_pdf_prints_the_chinese_name_code_and_verification_url(certified):
    text = pypdf.PdfReader(io.BytesIO(certificate_pdf(certified))).pages[0].extract_text()
    assert "王秀英" in text and "收费员系统认证" in text
    assert certified.code in text
    assert verification_url(certified.code).replace("://", "") in text.replace("://", "").replace(
        "\n", ""
    )


def test_a_revoked_pdf_says_so(certified, hr):
    certificate_revoke(certificate=certified, actor=hr, reason="Exam sat by a colleague")
    certified.refresh_from_db()
    text = pypdf.PdfReader(io.BytesIO(certificate_pdf(certified))).pages[0].extract_text()
    assert "REVOKED" in text


def test_verification_page_valid_expired_revoked_and_nothing_more(client, certified, hr):
    url = reverse("certificate_verify", args=[certified.code.lower()])
    with freeze_time("2026-06-01"):
        page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200 and 'data-state="valid"' in body
    assert page["Cache-Control"] == "no-store"
    assert "王秀英" in body and "Cashier: billing" in body
    assert certified.employee_no not in body and str(certified.score) not in body
    with freeze_time("2027-03-01"):
        assert 'data-state="expired"' in client.get(url).content.decode()
    certificate_revoke(certificate=certified, actor=hr, reason="Secret reason")
    body = client.get(url).content.decode()
    assert 'data-state="revoked"' in body and "Secret reason" not in body


def test_unknown_or_malformed_code_is_404(client, db):
    assert client.get(reverse("certificate_verify", args=["NOSUCHCODE"])).status_code == 404
    assert client.get("/verify/%3Cscript%3E/").status_code == 404
    assert client.get("/verify/", {"code": "ab-cd 23"}).status_code == 302


def test_pdf_download_holder_and_hr_only(client, certified, hr):
    url = reverse("assessments:certificate_pdf", args=[certified.pk])
    assert client.get(url).status_code == 302  # anonymous: sign in
    client.force_login(certified.staff.user)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    client.force_login(hr)
    assert client.get(url).status_code == 200
    for role in (roles.LEARNER, roles.TRAINER, roles.MANAGER):
        client.force_login(UserFactory(roles=[role]))
        assert client.get(url).status_code == 404


def test_my_certificates_shows_what_remains_and_the_countdown(client, role_groups):
    t = track(courses=1)
    me = person([roles.LEARNER], job_role=job_role("cashier"))
    attempt(t.knowledge_exam, me, when="2026-01-09", percent=90)
    status_refresh(staff_ids=[me.pk])
    client.force_login(me.user)
    body = client.get(reverse("assessments:my_certificates")).content.decode()
    course = t.required_courses.get()
    assert course.title in body and t.practical_exam.title in body
    assert t.knowledge_exam.title not in body  # passed: not listed as remaining


def test_my_certificates_countdown_when_expiring(client, certified):
    client.force_login(certified.staff.user)
    with freeze_time("2026-12-20"):
        body = client.get(reverse("assessments:my_certificates")).content.decode()
    assert "expires in 20 days" in body and "Download certificate (PDF)" in body


def test_manage_pages_are_hr_only_and_revoke_is_post_only(client, certified, hr):
    manage = reverse("assessments:certificate_manage")
    detail = reverse("assessments:certificate_detail", args=[certified.pk])
    revoke = reverse("assessments:certificate_revoke", args=[certified.pk])
    for role in (roles.LEARNER, roles.TRAINER, roles.MANAGER):
        client.force_login(UserFactory(roles=[role]))
        assert client.get(manage).status_code == 403
        assert client.post(revoke, {"reason": "x"}).status_code == 403
    client.force_login(hr)
    assert "王秀英" in client.get(manage, {"q": "王"}).content.decode()
    assert client.get(detail).status_code == 200
    assert client.get(revoke).status_code == 405
    response = client.post(revoke, {"reason": ""}, follow=True)
    assert "Give a reason" in response.content.decode()
    client.post(revoke, {"reason": "Exam sat by a colleague"})
    certified.refresh_from_db()
    assert certified.revoked_at is not None


@pytest.mark.parametrize("count", [10, 1000])
def test_manage_list_and_my_certificates_query_counts(
    client, role_groups, hr, count, django_assert_max_num_queries
):
    t = track(courses=0)
    holder = person([roles.LEARNER], job_role=job_role("cashier"))
    Certificate.objects.bulk_create(
        Certificate(
            code=f"C{n:08d}",
            staff=holder,
            track=t,
            holder_name=holder.full_name,
            employee_no=holder.employee_no,
            track_name=t.name,
            valid_from="2026-01-01",
            valid_until="2026-12-31",
            issued_at="2026-01-01T10:00:00Z",
        )
        for n in range(count)
    )
    StaffFactory.create_batch(2, job_role=job_role("cashier"))
    status_refresh()
    client.force_login(hr)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("assessments:certificate_manage")).status_code == 200
    client.force_login(holder.user)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("assessments:my_certificates")).status_code == 200
