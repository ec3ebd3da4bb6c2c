"""Go-live readiness: rollout waves, their criteria, daily snapshots.

A wave is a set of departments that go live together on one date (the pilot first, then the
rest of the hospital). A department belongs to one wave at most; its go-live date is the
wave's (courses read it for due dates "N days before go-live"). Criteria say what "ready"
means for a wave (certification coverage per role, practical first-time pass rate, seed-user
coverage, overdue assignments, average proficiency) with green and amber thresholds; they are
evaluated per department × job role × shift from the certification status table (see
portal/readiness/evaluation.py) and rolled up by a documented rule.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Wave(models.Model):
    class Status(models.TextChoices):
        PLANNING = "planning", _("Planning")
        TRAINING = "training", _("Training")
        READY = "ready", _("Ready")
        LIVE = "live", _("Live")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)
    departments = models.ManyToManyField(
        "org.Department",
        verbose_name=_("departments"),
        blank=True,
        related_name="waves",
        help_text=_("Sub-departments go live with their department unless another wave has them."),
    )
    go_live_date = models.DateField(_("go-live date"))
    dual_track_until = models.DateField(
        _("dual-track period ends"),
        null=True,
        blank=True,
        help_text=_("Old and new systems run side by side until this day."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("rollout wave")
        verbose_name_plural = _("rollout waves")
        ordering = ["go_live_date", "name"]

    def __str__(self):
        return self.label

    @property
    def label(self):
        if self.name_zh and (get_language() or "").startswith("zh"):
            return self.name_zh
        return self.name

    def clean(self):
        if (
            self.dual_track_until
            and self.go_live_date
            and self.dual_track_until < self.go_live_date
        ):
            raise ValidationError(
                {"dual_track_until": _("The dual-track period ends before the go-live date.")}
            )


class Criterion(models.Model):
    """One readiness criterion of a wave. For "higher is better" kinds a value is green from
    `green`, amber from `amber`, else red; for overdue assignments (lower is better) green up
    to `green`, amber up to `amber`, else red."""

    class Kind(models.TextChoices):
        COVERAGE = "coverage", _("Certification coverage")
        FIRST_PASS = "first_pass", _("Practical exam first-time pass rate")
        SEED_USERS = "seed_users", _("Seed-user coverage")
        OVERDUE = "overdue", _("Overdue assignments")
        PROFICIENCY = "proficiency", _("Average proficiency")

    # Defaults from practice (the issue's): coverage green ≥ 90 % amber ≥ 80 %, overdue ≤ 5 %.
    DEFAULTS = {
        Kind.COVERAGE: (Decimal("90"), Decimal("80")),
        Kind.FIRST_PASS: (Decimal("80"), Decimal("70")),
        Kind.SEED_USERS: (Decimal("100"), Decimal("75")),
        Kind.OVERDUE: (Decimal("5"), Decimal("10")),
        Kind.PROFICIENCY: (Decimal("75"), Decimal("65")),
    }
    LOWER_IS_BETTER = {Kind.OVERDUE}

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="criteria")
    kind = models.CharField(_("criterion"), max_length=20, choices=Kind.choices)
    job_role = models.ForeignKey(
        "org.JobRole",
        verbose_name=_("only this job role"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("Empty: every role. A role's own row overrides the general one."),
    )
    green = models.DecimalField(_("green from"), max_digits=6, decimal_places=1)
    amber = models.DecimalField(_("amber from"), max_digits=6, decimal_places=1)
    active = models.BooleanField(_("counts"), default=True)

    class Meta:
        verbose_name = _("readiness criterion")
        verbose_name_plural = _("readiness criteria")
        ordering = ["wave", "kind", "job_role"]
        constraints = [
            models.UniqueConstraint(
                fields=["wave", "kind", "job_role"],
                name="one_criterion_per_kind_and_role",
                nulls_distinct=False,
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.green} / {self.amber})"

    def clean(self):
        if self.green is None or self.amber is None:
            return
        if self.kind in self.LOWER_IS_BETTER and self.green > self.amber:
            raise ValidationError(
                {
                    "amber": _(
                        "For overdue assignments amber must be at least green (lower is better)."
                    )
                }
            )
        if self.kind not in self.LOWER_IS_BETTER and self.amber > self.green:
            raise ValidationError({"amber": _("Amber must not be above green.")})


class Snapshot(models.Model):
    """The readiness of one department of a wave on one day (the daily beat job writes them;
    trends are drawn from them, never recomputed)."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="snapshots")
    department = models.ForeignKey("org.Department", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    rag = models.CharField(max_length=10)
    staff = models.PositiveIntegerField(default=0)
    covered = models.PositiveIntegerField(default=0)
    values = models.JSONField(default=dict)  # {criterion kind: {"value": .., "rag": ..}}
    taken_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["wave", "department", "day"]
        constraints = [
            models.UniqueConstraint(
                fields=["wave", "department", "day"], name="one_snapshot_per_day"
            )
        ]

    def __str__(self):
        return f"{self.wave} · {self.department_id} · {self.day}"


class Decision(models.Model):
    """A go / no-go decision of the rollout lead, with the evidence frozen at that moment."""

    class Outcome(models.TextChoices):
        GO = "go", _("Go")
        NO_GO = "no_go", _("No-go")
        CONDITIONS = "conditions", _("Go with conditions")

    wave = models.ForeignKey(Wave, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(_("decision"), max_length=20, choices=Outcome.choices)
    rationale = models.TextField(_("rationale"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)
    # The evidence pack: every criterion value and the people counted, as they were.
    evidence = models.JSONField(default=dict)
    evidence_sha256 = models.CharField(max_length=64)
    token = models.CharField(max_length=64, unique=True)  # the form's: a double submit decides once

    class Meta:
        verbose_name = _("go / no-go decision")
        ordering = ["-decided_at"]
        permissions = [("decide_wave", _("Can record go / no-go decisions"))]

    def __str__(self):
        return f"{self.wave} · {self.get_outcome_display()} · {self.decided_at:%Y-%m-%d}"


class Condition(models.Model):
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="conditions")
    text = models.CharField(_("condition"), max_length=500)
    owner = models.CharField(_("owner"), max_length=200)
    due_date = models.DateField(_("due"))
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "pk"]

    def __str__(self):
        return self.text


class SignOff(models.Model):
    """A named sign-off of a decision (nursing director, medical director, IT lead, ...)."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="signoffs")
    capacity = models.CharField(_("signing as"), max_length=200)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["signed_at"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "user"], name="one_signoff_per_person")
        ]

    def __str__(self):
        return f"{self.capacity}: {self.user}"


class AccessException(models.Model):
    """Access to the new HIS for someone not (yet) certified: requested by a manager, approved
    by the rollout lead, until an expiry date."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    wave = models.ForeignKey(Wave, on_delete=models.PROTECT, related_name="exceptions")
    staff = models.ForeignKey("org.StaffMember", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    expires_on = models.DateField(_("until"))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # The request form's: a double submit requests once (as Decision.token). Null for
    # exceptions made before the column, or written outside the form.
    token = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["wave", "status", "expires_on"])]

    def __str__(self):
        return f"{self.staff} · {self.get_status_display()} · {self.expires_on}"


class Evaluation(models.Model):
    """A post-go-live outcome measure of a wave, before and after go-live."""

    class Measure(models.TextChoices):
        TICKETS = "tickets", _("Support tickets per 100 users")
        TASK_TIME = "task_time", _("Average task time (minutes)")
        SATISFACTION = "satisfaction", _("Satisfaction survey score")
        ERRORS = "errors", _("Error rate (%)")

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="evaluations")
    measure = models.CharField(_("measure"), max_length=20, choices=Measure.choices)
    before = models.DecimalField(_("before go-live"), max_digits=8, decimal_places=2)
    after = models.DecimalField(_("after go-live"), max_digits=8, decimal_places=2)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["wave", "measure"]
        constraints = [
            models.UniqueConstraint(fields=["wave", "measure"], name="one_value_per_measure")
        ]

    def __str__(self):
        return f"{self.get_measure_display()}: {self.before} → {self.after}"


class ApiToken(models.Model):
    """A read-only token for one integration (HIS account provisioning, a BI tool): scoped,
    revocable, rate-limited, audited. Only a hash of the secret is stored."""

    class Scope(models.TextChoices):
        WAVES = "waves", _("Waves")
        READINESS = "readiness", _("Readiness per department, role and shift")
        ACCESS_LIST = "access_list", _("The access list")

    name = models.CharField(_("integration"), max_length=200)
    prefix = models.CharField(max_length=12, unique=True)  # shown, to tell tokens apart
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    per_minute = models.PositiveSmallIntegerField(_("requests per minute"), default=60)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"
