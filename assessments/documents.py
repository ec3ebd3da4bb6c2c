"""The certificate as a PDF: bilingual, with the hospital's name and logo, and a QR code that
opens the public verification page."""

import segno
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from portal.pdf import pdf_render

from .proficiency import DEFAULT_LEVELS

LEVELS = {level.code: level for level in DEFAULT_LEVELS}
# Marks other apps print on a certificate: callables (certificate) -> (English, Chinese) or
# None. The seed-user app appends "Seed user · 种子用户" (in its AppConfig.ready), so this app
# never imports it.
CERTIFICATE_MARKS: list = []


def certificate_marks(certificate) -> list[tuple[str, str]]:
    return [mark for provider in CERTIFICATE_MARKS if (mark := provider(certificate))]


def verification_url(code: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse("certificate_verify", args=[code])


def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


def certificate_pdf(certificate) -> bytes:
    url = verification_url(certificate.code)
    level = LEVELS.get(certificate.level)
    return pdf_render(
        "assessments/certificates/certificate_pdf.html",
        {
            "certificate": certificate,
            "url": url,
            "qr": qr_data_uri(url),
            "level": level,
            "state": certificate.state_on(timezone.localdate()),
            "marks": certificate_marks(certificate),
        },
    )
