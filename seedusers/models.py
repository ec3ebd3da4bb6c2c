"""Seed-user programmes: who leads their colleagues through go-live, on which shift, and what
they did. See seedusers/services.py for the life of a nomination."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from portal.org.models import Department

PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class Programme(ClusterableModel):
    """A seed-user programme for some departments (a rollout wave's) or the whole hospital."""

    name = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)
    departments = models.ManyToManyField(
        "org.Department",
        verbose_name=_("only these departments"),
        blank=True,
        related_name="+",
        help_text=_("Leave empty for the whole hospital. Sub-departments are included."),
    )
    staff_per_seed_user = models.PositiveSmallIntegerField(
        _("staff per seed user"),
        default=10,
        validators=[MinValueValidator(1)],
        help_text=_(
            "One seed user for every this many staff of a department and shift (practice: 8 "
            "to 15), and at least one on every shift that has staff. Department kinds may "
            "differ (below)."
        ),
    )
    advanced_courses = models.ManyToManyField(
        "courses.CoursePage",
        verbose_name=_("seed-user courses"),
        blank=True,
        related_name="+",
        help_text=_("The advanced curriculum a seed user completes on top of their role's."),
    )
    proficiency_threshold = models.DecimalField(
        _("seed-user proficiency threshold"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("85"),
        validators=PERCENT,
        help_text=_("The proficiency score a seed user reaches on their role's track."),
    )
    min_months_service = models.PositiveSmallIntegerField(
        _("prerequisite: months of service"), default=12
    )
    min_proficiency = models.DecimalField(
        _("prerequisite: proficiency score"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("75"),
        validators=PERCENT,
        help_text=_("0 for none. A nominee below it is approved only with an override."),
    )
    training_starts = models.DateField(_("seed-user training starts"), null=True, blank=True)
    training_ends = models.DateField(_("seed-user training ends"), null=True, blank=True)
    support_until = models.DateField(
        _("floor support until"),
        null=True,
        blank=True,
        help_text=_("At least 60 days after go-live, nights and weekends included."),
    )
    duties = models.TextField(_("duties (English)"), blank=True)
    duties_zh = models.TextField(_("duties (Chinese)"), blank=True)
    points_coaching = models.PositiveSmallIntegerField(_("points per coaching session"), default=3)
    points_floor_shift = models.PositiveSmallIntegerField(
        _("points per floor-support shift"), default=5
    )
    points_issue = models.PositiveSmallIntegerField(_("points per floor issue reported"), default=1)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("seed-user programme")
        verbose_name_plural = _("seed-user programmes")
        ordering = ["-active", "name"]

    def __str__(self):
        return self.label

    @property
    def label(self):
        if self.name_zh and (get_language() or "").startswith("zh"):
            return self.name_zh
        return self.name

    @property
    def duties_label(self):
        if self.duties_zh and (get_language() or "").startswith("zh"):
            return self.duties_zh
        return self.duties

    def clean(self):
        if (
            self.training_starts
            and self.training_ends
            and self.training_ends < self.training_starts
        ):
            raise ValidationError(
                {"training_ends": _("The training window ends before it starts.")}
            )


class KindRatio(models.Model):
    """A department kind's own ratio (pharmacy with 1 per 8, say)."""

    programme = ParentalKey(Programme, related_name="ratios", on_delete=models.CASCADE)
    kind = models.CharField(_("department kind"), max_length=20, choices=Department.Kind.choices)
    staff_per_seed_user = models.PositiveSmallIntegerField(
        _("staff per seed user"), validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("ratio for a department kind")
        constraints = [
            models.UniqueConstraint(fields=["programme", "kind"], name="one_ratio_per_kind")
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: 1 / {self.staff_per_seed_user}"


class Nomination(models.Model):
    """One person in one programme, from nomination (or volunteering) to stepping down."""

    class Status(models.TextChoices):
        NOMINATED = "nominated", _("Nominated")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        IN_TRAINING = "in_training", _("In training")
        CERTIFIED = "certified", _("Certified seed user")
        ACTIVE = "active", pgettext_lazy("seed user on duty", "Active")
        STEPPED_DOWN = "stepped_down", _("Stepped down")

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="nominations")
    staff = models.ForeignKey(
        "org.StaffMember", on_delete=models.PROTECT, related_name="seed_nominations"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOMINATED)
    volunteered = models.BooleanField(_("volunteered"), default=False)
    reason = models.TextField(_("reason"))
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    # Set when the rollout lead approved someone who did not meet the prerequisites.
    override_reason = models.TextField(blank=True)
    certified_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    stepped_down_at = models.DateTimeField(null=True, blank=True)
    step_down_reason = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    OPEN = [
        Status.NOMINATED,
        Status.APPROVED,
        Status.IN_TRAINING,
        Status.CERTIFIED,
        Status.ACTIVE,
    ]
    # Seed users whose confirmed activities count (and who carry the mark).
    SERVING = [Status.ACTIVE, Status.STEPPED_DOWN]

    class Meta:
        verbose_name = _("seed-user nomination")
        verbose_name_plural = _("seed-user nominations")
        ordering = ["-created_at"]
        constraints = [
            # Declined or stepped-down people may be nominated again; nobody twice at once.
            models.UniqueConstraint(
                fields=["programme", "staff"],
                condition=~Q(status__in=["declined", "stepped_down"]),
                name="one_open_nomination_per_programme",
            )
        ]
        indexes = [models.Index(fields=["programme", "status"])]
        permissions = [
            ("decide_nomination", _("Can approve or decline seed-user nominations")),
        ]

    def __str__(self):
        return f"{self.staff} · {self.programme} · {self.get_status_display()}"


class Activity(models.Model):
    """What a seed user did: a coaching session, a floor-support shift, an issue seen on the
    floor. Counts (points) once the manager of the department confirms it."""

    class Kind(models.TextChoices):
        COACHING = "coaching", _("Coaching session")
        FLOOR = "floor", _("Floor-support shift")
        ISSUE = "issue", _("Issue seen on the floor")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Not confirmed")

    class Category(models.TextChoices):
        LOGIN = "login", _("Sign-in and accounts")
        REGISTRATION = "registration", _("Registration")
        ORDERS = "orders", _("Orders and prescribing")
        MEDICATION = "medication", _("Medication administration")
        BILLING = "billing", _("Billing and payment")
        RECORDS = "records", _("Records and documents")
        PRINTING = "printing", _("Printing and devices")
        PERFORMANCE = "performance", _("Speed and availability")
        OTHER = "other", _("Other")

    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")
        CRITICAL = "critical", _("Critical (patient safety)")

    nomination = models.ForeignKey(Nomination, on_delete=models.PROTECT, related_name="activities")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    day = models.DateField(_("day"))
    shift = models.ForeignKey(
        "org.Shift", verbose_name=_("shift"), null=True, blank=True, on_delete=models.PROTECT
    )
    minutes = models.PositiveSmallIntegerField(_("minutes"), null=True, blank=True)
    colleagues = models.PositiveSmallIntegerField(_("colleagues helped"), null=True, blank=True)
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, blank=True)
    severity = models.CharField(_("severity"), max_length=20, choices=Severity.choices, blank=True)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    # Frozen when confirmed: changing the programme's points later does not rewrite history.
    points = models.PositiveSmallIntegerField(default=0)
    logged_at = models.DateTimeField(auto_now_add=True)
    # The form's one-time token: a double submit or a retried request logs one activity.
    token = models.CharField(max_length=64, unique=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("seed-user activity")
        verbose_name_plural = _("seed-user activities")
        ordering = ["-day", "-logged_at"]
        indexes = [
            models.Index(fields=["nomination", "status"]),
            models.Index(fields=["kind", "status"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.day}"
