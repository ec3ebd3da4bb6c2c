"""Revoking and reissuing certificates: HR's explicit, audited decisions. Certificates are never
edited or deleted otherwise; the status table follows (status_refresh)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.records.services import audit_record

from ..models import Certificate
from .certification import certificate_code_new, certificate_snapshot, status_refresh

REASON_MAX = 500


class CertificateRefused(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _checked(actor, reason: str) -> str:
    if actor is None or not actor.has_perm("assessments.change_certificate"):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise CertificateRefused(_("Give a reason: it is kept in the audit trail."))
    if len(reason) > REASON_MAX:
        raise CertificateRefused(_("Keep the reason under %(n)s characters.") % {"n": REASON_MAX})
    return reason


def certificate_revoke(*, certificate: Certificate, actor, reason: str, ip=None) -> Certificate:
    """Revoke a certificate. A second revoke (double submit, another officer first) changes
    nothing and is not audited again."""
    reason = _checked(actor, reason)
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.revoked_at is not None:
            return locked
        before = certificate_snapshot(locked)
        locked.revoked_at = timezone.now()
        locked.revoked_by = actor
        locked.revoked_reason = reason
        locked.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])
        audit_record(
            action="certificate.revoke",
            actor=actor,
            obj=locked,
            before=before,
            after=certificate_snapshot(locked),
            ip=ip,
        )
        status_refresh(staff_ids=[locked.staff_id], cause="certificate revoked", actor=actor)
    return locked


def certificate_reissue(*, certificate: Certificate, actor, reason: str, ip=None) -> Certificate:
    """A new certificate (new code) with the same track and dates, naming the holder and the
    track as they are named now (a corrected name, say, or a certificate revoked by mistake).
    The old one is revoked if it was not. A certificate already replaced cannot be reissued again,
    so a double submit makes one new certificate."""
    reason = _checked(actor, reason)
    with transaction.atomic():
        old = (
            Certificate.objects.select_for_update(of=("self",))
            .select_related("staff", "track")
            .get(pk=certificate.pk)
        )
        if old.replaced_by.exists():
            raise CertificateRefused(
                _("This certificate has already been replaced; reissue the newest one instead.")
            )
        before = certificate_snapshot(old)
        now = timezone.now()
        if old.revoked_at is None:
            old.revoked_at, old.revoked_by = now, actor
            # Stored, not shown from a catalogue: the record reads the same in every language.
            old.revoked_reason = f"Reissued: {reason}"
            old.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])
        new = Certificate.objects.create(
            code=certificate_code_new(),
            staff=old.staff,
            track_id=old.track_id,
            holder_name=old.staff.full_name,
            employee_no=old.staff.employee_no,
            track_name=old.track.name,
            track_name_zh=old.track.name_zh,
            valid_from=old.valid_from,
            valid_until=old.valid_until,
            issued_at=now,
            score=old.score,
            level=old.level,
            replaces=old,
        )
        audit_record(
            action="certificate.reissue",
            actor=actor,
            obj=new,
            before=before,
            after=certificate_snapshot(new) | {"reason": reason},
            ip=ip,
        )
        status_refresh(staff_ids=[old.staff_id], cause="certificate reissued", actor=actor)
    return new
