"""Certificates: revoke and reissue (HR only, with a reason, audited, once) and the bilingual PDF
with the Chinese name, the code and the QR's URL. The pages are in test_certificate_views.py."""

import io

import pypdf
import pytest
from django.core.exceptions import PermissionDenied
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
from tests.assessments.certification_factories import certify, track
from tests.factories import UserFactory, job_role, person

pytestmark = pytest.mark.django_db


def issued_certificate(*, name="王秀英") -> Certificate:
    """A cashier certified on 2026-01-10 (valid until 2027-01-09), as the refresh issues it."""
    t = track(courses=0, name="Cashier: billing", name_zh="收费员系统认证")
    holder = person([roles.LEARNER], job_role=job_role("cashier"), full_name=name)
    certify(holder, t, when="2026-01-10")
    with freeze_time("2026-02-01"):
        status_refresh(staff_ids=[holder.pk])
    return Certificate.objects.get(staff=holder)


@pytest.fixture
def certified(role_groups):
    return issued_certificate()


@pytest.fixture
def hr(role_groups):
    return UserFactory(roles=[roles.HR])


def _row(cert) -> CertificationStatus:
    return CertificationStatus.objects.get(staff=cert.staff, track=cert.track)


def _pdf_text(cert) -> str:
    return pypdf.PdfReader(io.BytesIO(certificate_pdf(cert))).pages[0].extract_text()


# --- Revoke ------------------------------------------------------------------------------------


def test_hr_revokes_with_a_reason_audited_and_the_status_row_follows(certified, hr):
    assert _row(certified).status == "certified"
    revoked = certificate_revoke(
        certificate=certified, actor=hr, reason="Exam sat by a colleague", ip="10.0.0.9"
    )
    assert revoked.revoked_at is not None and revoked.revoked_by == hr
    assert revoked.revoked_reason == "Exam sat by a colleague"
    event = AuditEvent.objects.get(action="certificate.revoke")
    assert event.before["revoked_at"] is None and event.after["revoked_at"] is not None
    assert _row(certified).status == "revoked"


def test_a_second_revoke_changes_nothing_and_is_not_audited_again(certified, hr):
    first = certificate_revoke(certificate=certified, actor=hr, reason="Exam sat by a colleague")
    again = certificate_revoke(certificate=certified, actor=hr, reason="Double click")
    assert again.revoked_reason == "Exam sat by a colleague"
    assert again.revoked_at == first.revoked_at
    assert AuditEvent.objects.filter(action="certificate.revoke").count() == 1


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_a_reason_is_required_and_nothing_changes(certified, hr, reason):
    with pytest.raises(CertificateRefused) as refused:
        certificate_revoke(certificate=certified, actor=hr, reason=reason)
    assert refused.value.message
    with pytest.raises(CertificateRefused):
        certificate_reissue(certificate=certified, actor=hr, reason=reason)
    certified.refresh_from_db()
    assert certified.revoked_at is None and Certificate.objects.count() == 1
    assert not AuditEvent.objects.filter(action__startswith="certificate.r").exists()


def test_a_reason_of_500_characters_is_accepted(certified, hr):
    certificate_revoke(certificate=certified, actor=hr, reason="x" * 500)
    certified.refresh_from_db()
    assert certified.revoked_at is not None


@pytest.mark.parametrize(
    "role", [roles.LEARNER, roles.TRAINER, roles.MANAGER, roles.ROLLOUT_LEAD, roles.AUDITOR]
)
def test_only_users_who_may_change_certificates_revoke_or_reissue(certified, role):
    actor = UserFactory(roles=[role])
    with pytest.raises(PermissionDenied):
        certificate_revoke(certificate=certified, actor=actor, reason="x")
    with pytest.raises(PermissionDenied):
        certificate_reissue(certificate=certified, actor=actor, reason="x")
    certified.refresh_from_db()
    assert certified.revoked_at is None and Certificate.objects.count() == 1


# --- Reissue -----------------------------------------------------------------------------------


def test_reissue_makes_a_new_certificate_with_the_current_name(certified, hr):
    staff = certified.staff
    staff.full_name, staff.employee_no = "王秀英（更正）", "E-CORRECTED"
    staff.save()
    with freeze_time("2026-03-01 09:00"):
        new = certificate_reissue(certificate=certified, actor=hr, reason="Name corrected")
    certified.refresh_from_db()
    assert new.code != certified.code and new.replaces == certified
    assert (new.holder_name, new.employee_no) == ("王秀英（更正）", "E-CORRECTED")
    assert (new.valid_from, new.valid_until) == (certified.valid_from, certified.valid_until)
    assert (new.score, new.level, new.track) == (certified.score, certified.level, certified.track)
    assert new.issued_at.date().isoformat() == "2026-03-01"
    assert certified.revoked_at is not None
    assert certified.revoked_reason == "Reissued: Name corrected"
    event = AuditEvent.objects.get(action="certificate.reissue")
    assert event.before["code"] == certified.code and event.after["code"] == new.code


def test_status_row_is_revoked_then_certified_again_after_reissue(certified, hr):
    certificate_revoke(certificate=certified, actor=hr, reason="Revoked by mistake")
    assert _row(certified).status == "revoked"
    new = certificate_reissue(certificate=certified, actor=hr, reason="Revoked by mistake")
    row = _row(new)
    assert row.certificate == new and row.status in ("certified", "expiring")
    # The old one was revoked already: its reason stays as it was.
    certified.refresh_from_db()
    assert certified.revoked_reason == "Revoked by mistake"


def test_a_replaced_certificate_cannot_be_reissued_again(certified, hr):
    new = certificate_reissue(certificate=certified, actor=hr, reason="Name corrected")
    with pytest.raises(CertificateRefused, match="already been replaced"):
        certificate_reissue(certificate=certified, actor=hr, reason="Double submit")
    assert Certificate.objects.count() == 2
    assert AuditEvent.objects.filter(action="certificate.reissue").count() == 1
    # The newest one may be reissued in turn.
    newer = certificate_reissue(certificate=new, actor=hr, reason="Another correction")
    assert newer.replaces == new and _row(newer).certificate == newer


# --- The PDF -----------------------------------------------------------------------------------


def test_the_pdf_prints_the_chinese_name_code_and_verification_url(certified):
    text = _pdf_text(certified)
    assert "王秀英" in text and "收费员系统认证" in text and "Cashier: billing" in text
    assert "新HIS系统操作认证证书" in text and "Certificate of proficiency" in text
    assert certified.code in text and certified.employee_no in text
    assert "2026-01-10" in text and "2027-01-09" in text
    flat = text.replace("\n", "").replace(" ", "")
    assert verification_url(certified.code) in flat
    assert "REVOKED" not in text


def test_the_pdf_names_the_level_in_both_languages(certified):
    assert certified.level == "expert"
    text = _pdf_text(certified)
    assert "Expert" in text and "专家" in text and str(certified.score) in text


def test_a_revoked_pdf_says_so(certified, hr):
    certificate_revoke(certificate=certified, actor=hr, reason="Exam sat by a colleague")
    certified.refresh_from_db()
    text = _pdf_text(certified)
    assert "REVOKED" in text and "已撤销" in text


def test_the_verification_url_opens_the_public_page(settings):
    settings.PORTAL_BASE_URL = "https://readyline.hospital.example/"
    assert verification_url("ABCD234567") == (
        "https://readyline.hospital.example/verify/ABCD234567/"
    )
