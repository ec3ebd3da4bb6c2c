"""PDF documents (certificates, transcripts) from Django templates, rendered by WeasyPrint.

Chinese names must never print as boxes: every document uses the Noto CJK fonts that `make` and
CI install (Debian `fonts-noto-cjk`), through `portal/pdf/base.html`. WeasyPrint may fetch only
the portal's own static files and data: URIs (the QR code), never the network: a name typed
into the roster cannot make the server fetch a URL.
"""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _


class PdfFetchRefused(ValueError):
    pass


def _fetcher():
    from weasyprint.urls import URLFetcher

    class StaticOnlyFetcher(URLFetcher):
        """data: URIs and the portal's static files; everything else is refused."""

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            prefix = "static:"
            if url.startswith(prefix):
                found = finders.find(url[len(prefix) :])
                if found:
                    return super().fetch(Path(found).resolve().as_uri(), headers)
            raise PdfFetchRefused(f"PDF may not fetch {url!r}")

    return StaticOnlyFetcher(allowed_protocols=("data", "file"))


def hospital() -> dict:
    """The hospital as documents name it (settings HOSPITAL_NAME / _ZH / _LOGO)."""
    return {
        "name": settings.HOSPITAL_NAME,
        "name_zh": settings.HOSPITAL_NAME_ZH,
        "logo": f"static:{settings.HOSPITAL_LOGO}" if settings.HOSPITAL_LOGO else "",
    }


def pdf_render(template: str, context: dict) -> bytes:
    """The template as PDF bytes. Static files are referenced as `static:path/in/static`."""
    from weasyprint import HTML

    html = render_to_string(template, {"hospital": hospital(), **context})
    return HTML(string=html, url_fetcher=_fetcher(), base_url="static:").write_pdf()


def pdf_response(content: bytes, filename: str, *, inline: bool = False):
    from django.http import HttpResponse

    response = HttpResponse(content, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


PDF_TITLE = _("Readyline document")
