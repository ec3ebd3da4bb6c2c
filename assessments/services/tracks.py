"""Saving a certification track from the admin: audited, and the status of everyone in the
track's job role recomputed after commit (requirements, validity or the formula changed)."""

from django.db import transaction
from django.forms.models import model_to_dict

from portal.org.models import StaffMember
from portal.records.services import audit_changes, audit_record

from ..models import CertificationTrack
from .certification import status_refresh_later


def track_snapshot(track: CertificationTrack) -> dict:
    data = model_to_dict(track, exclude=["departments", "required_courses"])
    data["departments"] = sorted(d.pk for d in track.departments.all())
    data["required_courses"] = sorted(c.pk for c in track.required_courses.all())
    return data


def track_save(*, actor, form, ip: str | None = None) -> CertificationTrack:
    creating = form.instance.pk is None
    with transaction.atomic():
        before = None
        old_role = None
        if not creating:
            old = CertificationTrack.objects.get(pk=form.instance.pk)
            before, old_role = track_snapshot(old), old.job_role_id
        track = form.save()
        after = track_snapshot(track)
        before, after = audit_changes(before, after)
        audit_record(
            action="track.create" if creating else "track.update",
            actor=actor,
            obj=track,
            before=before,
            after=after,
            ip=ip,
        )
        roles = {track.job_role_id, old_role} - {None}
        staff = StaffMember.objects.filter(job_role_id__in=roles).values_list("pk", flat=True)
        status_refresh_later(staff_ids=list(staff), cause="track changed")
    return track
