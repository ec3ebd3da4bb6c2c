"""Certification: tracks (what a role must pass), the status table (one row per person and
track, kept current from the evidence), certificates, and proficiency history.

The status table is derived data: `assessments.services.certification.status_refresh` writes it
from raw evidence (course completions, exam attempts, certificates issued and revoked), and
`manage.py recompute_status --check` proves it still equals a recompute. Readiness reads it, so
it carries the person's department, role and shift (copied, indexed for GROUP BY).

Certificates and proficiency records are never deleted or edited in place: a revoked
certificate keeps its row, a new score is a new record.
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .bank import _zh
from .exams import Exam


class CertificationTrack(models.Model):
    """What a job role (optionally only in some departments) must complete to be certified in
    the new HIS, how long the certificate lasts, and the proficiency formula of the track."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)
    job_role = models.ForeignKey(
        "org.JobRole", verbose_name=_("job role"), on_delete=models.PROTECT, related_name="tracks"
    )
    departments = models.ManyToManyField(
        "org.Department",
        verbose_name=_("only these departments"),
        blank=True,
        related_name="+",
        help_text=_("Leave empty for the whole hospital. Sub-departments are included."),
    )
    his_module = models.CharField(
        _("HIS module"), max_length=60, blank=True, help_text=_("Optional, e.g. billing.")
    )
    required_courses = models.ManyToManyField(
        "courses.CoursePage", verbose_name=_("required courses"), blank=True, related_name="+"
    )
    knowledge_exam = models.ForeignKey(
        Exam,
        verbose_name=_("knowledge exam"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": Exam.Kind.KNOWLEDGE},
    )
    practical_exam = models.ForeignKey(
        Exam,
        verbose_name=_("practical exam"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": Exam.Kind.PRACTICAL},
        help_text=_("Passed means passed on every part it is assessed by (the rubric too)."),
    )
    validity_months = models.PositiveIntegerField(_("valid for (months)"), default=12)
    recertify_days_before = models.PositiveIntegerField(
        _("recertification opens (days before expiry)"), default=60
    )
    grace_days = models.PositiveIntegerField(_("grace period (days after expiry)"), default=30)
    # The proficiency formula (assessments.proficiency): weights in percent, summing to 100.
    knowledge_weight = models.PositiveIntegerField(_("knowledge weight %"), default=40)
    practical_weight = models.PositiveIntegerField(_("practical weight %"), default=60)
    half_life_days = models.PositiveIntegerField(
        _("recency half-life (days)"),
        default=180,
        help_text=_("An attempt this many days older than the newest counts half as much."),
    )
    efficiency_floor = models.DecimalField(
        _("efficiency factor floor"),
        max_digits=3,
        decimal_places=2,
        default=0.8,
        help_text=_("The factor for the slowest practical attempt (1: speed does not count)."),
    )
    competent_from = models.PositiveIntegerField(_("Competent from"), default=60)
    proficient_from = models.PositiveIntegerField(_("Proficient from"), default=75)
    expert_from = models.PositiveIntegerField(_("Expert from"), default=90)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("certification track")
        verbose_name_plural = _("certification tracks")
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def display_name(self) -> str:
        return self.name_zh if self.name_zh and _zh() else self.name


class CertificationStatus(models.Model):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        CERTIFIED = "certified", _("Certified")
        EXPIRING = "expiring", _("Expiring")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    staff = models.ForeignKey(
        "org.StaffMember", on_delete=models.CASCADE, related_name="certification_statuses"
    )
    track = models.ForeignKey(CertificationTrack, on_delete=models.CASCADE, related_name="statuses")
    # Copied from the staff member (kept current on role and department changes): readiness
    # aggregates department x role x shift without joining the roster.
    department = models.ForeignKey("org.Department", on_delete=models.PROTECT, related_name="+")
    job_role = models.ForeignKey("org.JobRole", on_delete=models.PROTECT, related_name="+")
    shift = models.ForeignKey(
        "org.Shift", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NOT_STARTED
    )
    requirements_done = models.PositiveSmallIntegerField(default=0)
    requirements_total = models.PositiveSmallIntegerField(default=0)
    # Keys of what remains, e.g. ["course:12", "knowledge", "practical"].
    missing = models.JSONField(default=list)
    certificate = models.ForeignKey(
        "assessments.Certificate", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    certified_on = models.DateField(_("certified on"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    recertify_from = models.DateField(_("recertification opens"), null=True, blank=True)
    grace_until = models.DateField(_("grace period ends"), null=True, blank=True)
    score = models.DecimalField(
        _("proficiency score"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    level = models.CharField(_("level"), max_length=20, blank=True)
    score_complete = models.BooleanField(default=False)
    # Readiness's practical first-time pass rate reads this (None: no graded practical yet).
    practical_first_passed = models.BooleanField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("certification status")
        verbose_name_plural = _("certification statuses")
        constraints = [
            models.UniqueConstraint(fields=["staff", "track"], name="one_status_per_track")
        ]
        indexes = [
            # Readiness: coverage by department x role x shift, per track.
            models.Index(
                fields=["track", "department", "job_role", "shift", "status"],
                name="status_readiness",
            ),
            models.Index(fields=["department", "status"], name="status_department"),
            # Readiness's GROUP BY department x role x shift, read from the index alone (every
            # column its counts need), in group order.
            models.Index(
                fields=[
                    "department",
                    "job_role",
                    "shift",
                    "status",
                    "practical_first_passed",
                    "score",
                ],
                name="status_cells",
            ),
            models.Index(fields=["status", "valid_until"], name="status_expiry"),
            models.Index(fields=["level"], name="status_level"),
        ]

    def __str__(self):
        return f"{self.staff} · {self.track} · {self.status}"

    @property
    def days_left(self) -> int | None:
        if self.valid_until is None:
            return None
        return (self.valid_until - date.today()).days


class Certificate(models.Model):
    """A certificate as issued: what it says is frozen at issue (name, track, dates), so the
    paper and the verification page never change afterwards. Revocation is recorded on it."""

    code = models.CharField(_("verification code"), max_length=20, unique=True)
    staff = models.ForeignKey(
        "org.StaffMember", on_delete=models.PROTECT, related_name="certificates"
    )
    track = models.ForeignKey(
        CertificationTrack, on_delete=models.PROTECT, related_name="certificates"
    )
    holder_name = models.CharField(_("name"), max_length=200)
    employee_no = models.CharField(_("employee number"), max_length=32)
    track_name = models.CharField(max_length=200)
    track_name_zh = models.CharField(max_length=200, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    issued_at = models.DateTimeField(_("issued"))
    score = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    level = models.CharField(max_length=20, blank=True)
    replaces = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
        verbose_name=_("replaces"),
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_reason = models.TextField(_("reason for revocation"), blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at", "-pk"]
        indexes = [models.Index(fields=["staff", "track", "issued_at"], name="certificate_holder")]

    def __str__(self):
        return f"{self.code} · {self.holder_name} · {self.track_name}"

    @property
    def display_track(self) -> str:
        return self.track_name_zh if self.track_name_zh and _zh() else self.track_name

    def state_on(self, day: date) -> str:
        """valid, expired or revoked, as the verification page says it."""
        if self.revoked_at is not None:
            return "revoked"
        return "valid" if self.valid_from <= day <= self.valid_until else "expired"


class ProficiencyRecord(models.Model):
    """One point of a person's proficiency history on a track: appended whenever the score,
    the level or completeness changes, never updated. `explanation` keeps the breakdown as it
    read then (English and Chinese lines), so an old score stays explainable."""

    staff = models.ForeignKey(
        "org.StaffMember", on_delete=models.PROTECT, related_name="proficiency_records"
    )
    track = models.ForeignKey(
        CertificationTrack, on_delete=models.PROTECT, related_name="proficiency_records"
    )
    at = models.DateTimeField(_("time"))
    score = models.DecimalField(max_digits=4, decimal_places=1)
    level = models.CharField(max_length=20)
    complete = models.BooleanField(default=False)
    cause = models.CharField(max_length=60, blank=True)
    explanation = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("proficiency record")
        verbose_name_plural = _("proficiency records")
        ordering = ["staff", "track", "at", "pk"]
        indexes = [models.Index(fields=["staff", "track", "at"], name="proficiency_history")]

    def __str__(self):
        return f"{self.staff} · {self.track} · {self.score} ({self.at:%Y-%m-%d})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Proficiency records are append-only.")
        super().save(*args, **kwargs)
