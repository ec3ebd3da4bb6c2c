"""Certificates: the learner's "My certificates", the PDF, HR's list with revoke and reissue,
and the public verification page (name, track, dates and state: nothing else)."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from courses.models import CoursePage
from portal.org.selectors import staff_for_user
from portal.pagination import paginate
from portal.pdf import pdf_response
from portal.records.services import client_ip

from ..documents import certificate_pdf as render_pdf
from ..models import Certificate, CertificationStatus, CertificationTrack
from ..selectors.certification import certificate_code_normalised, certificates_filtered
from ..services.certificates import CertificateRefused, certificate_reissue, certificate_revoke

URGENT_DAYS = 30
CODE_RE = re.compile(r"^[A-Z0-9]{6,20}$")


# --- My certificates ---------------------------------------------------------------------------


@login_required
def my_certificates(request):
    staff = staff_for_user(user=request.user)
    cards, certificates = [], []
    if staff is not None:
        today = timezone.localdate()
        rows = list(
            CertificationStatus.objects.filter(staff=staff)
            .select_related("track__knowledge_exam", "track__practical_exam", "certificate")
            .order_by("track__code")
        )
        courses = _courses_missing(rows)
        cards = [_card(request, row, courses, today) for row in rows]
        certificates = list(
            Certificate.objects.filter(staff=staff)
            .select_related("track")
            .prefetch_related(Prefetch("replaced_by", Certificate.objects.only("pk", "code")))
            .order_by("-issued_at", "-pk")
        )
        for cert in certificates:
            cert.state = cert.state_on(today)
            cert.successor = next(iter(cert.replaced_by.all()), None)
    return render(
        request,
        "assessments/certificates/mine.html",
        {"staff": staff, "cards": cards, "certificates": certificates},
    )


def _courses_missing(rows: list[CertificationStatus]) -> dict:
    """The courses still to complete on any card, in one query."""
    ids = {int(k.split(":")[1]) for r in rows for k in r.missing if k.startswith("course:")}
    if not ids:
        return {}
    return {c.pk: c for c in CoursePage.objects.filter(pk__in=ids)}


def _card(request, row: CertificationStatus, courses: dict, today) -> dict:
    remaining = []
    for key in row.missing:
        if key.startswith("course:"):
            course = courses.get(int(key.split(":")[1]))
            if course is not None:
                url = course.get_url(request)
                remaining.append({"what": _("Course"), "name": course.label, "url": url})
            continue
        exam = row.track.knowledge_exam if key == "knowledge" else row.track.practical_exam
        if exam is not None:
            what = _("Knowledge exam") if key == "knowledge" else _("Practical exam")
            remaining.append(
                {"what": what, "name": exam.display_title, "url": exam.get_absolute_url()}
            )
    # A revoked certificate's dates mean nothing any more: no countdown for it.
    counting = row.valid_until is not None and row.status != CertificationStatus.Status.REVOKED
    days = (row.valid_until - today).days if counting else None
    return {
        "row": row,
        "remaining": remaining,
        "days": days,
        "days_ago": -days if days is not None and days < 0 else None,
        "urgent": days is not None and days <= URGENT_DAYS,
        "recertify_open": bool(counting and row.recertify_from and row.recertify_from <= today),
    }


# --- The PDF -----------------------------------------------------------------------------------


def _may_read(user, certificate: Certificate) -> bool:
    return (
        certificate.staff.user_id == user.pk
        or user.is_superuser
        or user.has_perm("assessments.view_certificate")
    )


@login_required
@require_GET
def certificate_pdf(request, pk: int):
    certificate = Certificate.objects.select_related("staff").filter(pk=pk).first()
    if certificate is None or not _may_read(request.user, certificate):
        raise Http404
    return pdf_response(render_pdf(certificate), f"certificate-{certificate.code}.pdf")


# --- HR: list, detail, revoke, reissue ---------------------------------------------------------


@login_required
@permission_required("assessments.view_certificate", raise_exception=True)
def certificate_manage(request):
    q = request.GET.get("q", "").strip()
    state = request.GET.get("state", "")
    tracks = list(CertificationTrack.objects.order_by("code").only("pk", "name", "name_zh"))
    track = next((t for t in tracks if str(t.pk) == request.GET.get("track")), None)
    today = timezone.localdate()
    certificates = certificates_filtered(q=q, state=state, track=track, today=today)
    context = paginate(request, certificates)
    for cert in context["page"]:
        cert.state = cert.state_on(today)
    return render(
        request,
        "assessments/certificates/manage.html",
        {"q": q, "state": state, "tracks": tracks, "track": track, **context},
    )


@login_required
@permission_required("assessments.view_certificate", raise_exception=True)
def certificate_detail(request, pk: int):
    certificate = (
        Certificate.objects.select_related("track", "replaces", "revoked_by", "staff")
        .filter(pk=pk)
        .first()
    )
    if certificate is None:
        raise Http404
    certificate.state = certificate.state_on(timezone.localdate())
    return render(
        request,
        "assessments/certificates/detail.html",
        {
            "certificate": certificate,
            "replaced_by": certificate.replaced_by.first(),
            "may_change": request.user.has_perm("assessments.change_certificate"),
        },
    )


def _decide(request, pk: int, service, done_message: str):
    if not request.user.has_perm("assessments.change_certificate"):
        raise PermissionDenied
    certificate = Certificate.objects.filter(pk=pk).first()
    if certificate is None:
        raise Http404
    try:
        result = service(
            certificate=certificate,
            actor=request.user,
            reason=request.POST.get("reason", ""),
            ip=client_ip(request),
        )
    except CertificateRefused as exc:
        messages.error(request, exc.message)
        return redirect("assessments:certificate_detail", pk=pk)
    messages.success(request, done_message)
    return redirect("assessments:certificate_detail", pk=result.pk)


@login_required
@require_POST
def certificate_revoke_view(request, pk: int):
    return _decide(
        request,
        pk,
        certificate_revoke,
        _("The certificate is revoked. Its verification page now says so."),
    )


@login_required
@require_POST
def certificate_reissue_view(request, pk: int):
    return _decide(
        request,
        pk,
        certificate_reissue,
        _("A new certificate was issued with a new verification code."),
    )


# --- Public verification -----------------------------------------------------------------------


@require_GET
def certificate_verify_form(request):
    code = certificate_code_normalised(request.GET.get("code", ""))
    if code:
        return redirect("certificate_verify", code=code)
    return _no_store(render(request, "assessments/certificates/verify_form.html"))


@require_GET
def certificate_verify(request, code: str):
    code = certificate_code_normalised(code)
    certificate = None
    if CODE_RE.match(code):
        certificate = (
            Certificate.objects.only(
                "code",
                "holder_name",
                "track_name",
                "track_name_zh",
                "valid_from",
                "valid_until",
                "revoked_at",
            )
            .filter(code=code)
            .first()
        )
    if certificate is None:
        response = render(
            request, "assessments/certificates/verify_unknown.html", {"code": code}, status=404
        )
        return _no_store(response)
    state = certificate.state_on(timezone.localdate())
    response = render(
        request,
        "assessments/certificates/verify.html",
        {
            "certificate": certificate,
            "state": state,
            "form_url": reverse("certificate_verify_form"),
        },
    )
    return _no_store(response)


def _no_store(response):
    # A revocation must show at once, never from a cache.
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
