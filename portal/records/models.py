import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """An append-only audit record. `hash` covers this event's fields and the previous hash, so a
    row changed or removed behind the portal's back breaks the chain (manage.py audit_verify)."""

    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        # Never cascade or null: the actor id is part of the hashed record.
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    # The actor as they were named at the time: survives renames and hashes stably.
    actor_label = models.CharField(_("actor"), max_length=255, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True, db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only.")

    @property
    def before_text(self) -> str:
        return _as_text(self.before)

    @property
    def after_text(self) -> str:
        return _as_text(self.after)


def _as_text(value) -> str:
    if value in (None, "", {}, []):
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


class AuditChainHead(models.Model):
    """A single row locked while appending, so concurrent writers extend the chain in turn."""

    last_hash = models.CharField(max_length=64)
    count = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"audit chain head ({self.count} events)"


class HrExport(models.Model):
    """A bulk export of proficiency records for a promotion round, written by a background job
    to a private folder (settings.MEDIA_ROOT / "private" / "exports", never served as a
    static or media URL: downloads go through the audited view). The filters are kept as
    requested, so the file can be explained later."""

    class Format(models.TextChoices):
        XLSX = "xlsx", _("Excel (XLSX)")
        CSV = "csv", _("CSV")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    filters = models.JSONField(_("filters"), default=dict)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    # The requester's language: headers, track names and levels are written in it.
    language = models.CharField(_("language"), max_length=10, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    # Relative to the private exports folder; empty until the file is written.
    file = models.CharField(_("file"), max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("HR export")
        verbose_name_plural = _("HR exports")
        permissions = [
            (
                "view_hr_records",
                _("Can see HR proficiency records and transcripts, and export them"),
            )
        ]

    def __str__(self):
        return f"HR export {self.pk} ({self.format}, {self.status})"

    @property
    def progress_key(self) -> str:
        return f"hr-export-{self.pk}"
