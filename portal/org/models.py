from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class BilingualName(models.Model):
    """Code plus an English and a Chinese name; `label` picks the one for the active language."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} · {self.label}"

    @property
    def label(self):
        if self.name_zh and (get_language() or "").startswith("zh"):
            return self.name_zh
        return self.name


class Site(BilingualName):
    """A campus of the hospital."""

    address = models.CharField(_("address"), max_length=300, blank=True)

    class Meta(BilingualName.Meta):
        verbose_name = _("site")
        verbose_name_plural = _("sites")


class Department(BilingualName):
    class Kind(models.TextChoices):
        CLINICAL = "clinical", _("Clinical")
        NURSING = "nursing", _("Nursing")
        PHARMACY = "pharmacy", _("Pharmacy")
        MEDICAL_TECH = "medtech", _("Medical technology (lab, imaging)")
        FINANCE = "finance", _("Finance")
        ADMINISTRATION = "administration", _("Administration")
        IT = "it", _("IT")
        OTHER = "other", _("Other")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CLINICAL)
    site = models.ForeignKey(
        Site, verbose_name=_("site"), null=True, blank=True, on_delete=models.PROTECT
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent department"),
        null=True,
        blank=True,
        related_name="children",
        on_delete=models.PROTECT,
    )
    active = models.BooleanField(_("in use"), default=True)
    # The go-live date is the department's rollout wave's (readiness), read through
    # portal.org.golive so that org does not depend on readiness.

    class Meta(BilingualName.Meta):
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def clean(self):
        # A department may not sit under itself or under one of its own sub-departments.
        node, seen = self.parent, set()
        while node is not None and node.pk not in seen:
            if self.pk and node.pk == self.pk:
                raise ValidationError(
                    {"parent": _("A department cannot be placed under itself or its own branch.")}
                )
            seen.add(node.pk)
            node = node.parent


class JobRole(BilingualName):
    """Doctor, nurse, cashier, admin staff, and whatever further roles the hospital adds."""

    class Meta(BilingualName.Meta):
        verbose_name = _("job role")
        verbose_name_plural = _("job roles")


class Shift(BilingualName):
    starts = models.TimeField(_("starts"), null=True, blank=True)
    ends = models.TimeField(_("ends"), null=True, blank=True)

    class Meta(BilingualName.Meta):
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")


class StaffMember(models.Model):
    """A person on the hospital roster. Staff without an email have no login yet."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        related_name="staff",
        on_delete=models.PROTECT,
    )
    employee_no = models.CharField(_("employee number"), max_length=32, unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), related_name="staff", on_delete=models.PROTECT
    )
    job_role = models.ForeignKey(
        JobRole, verbose_name=_("job role"), related_name="staff", on_delete=models.PROTECT
    )
    title = models.CharField(_("title / grade"), max_length=100, blank=True)
    shift = models.ForeignKey(
        Shift,
        verbose_name=_("shift"),
        null=True,
        blank=True,
        related_name="staff",
        on_delete=models.PROTECT,
    )
    hire_date = models.DateField(_("hire date"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    managed_departments = models.ManyToManyField(
        Department,
        verbose_name=_("departments managed"),
        blank=True,
        related_name="managers",
        help_text=_("A department manager sees these departments and their sub-departments."),
    )
    invited_at = models.DateTimeField(_("invited at"), null=True, blank=True)
    # The person's assignments counted (courses.services.assignment_counts keeps them; readiness
    # adds them up rather than joining every assignment): active ones, and of those the ones
    # not completed and due before `assignments_counted_on`; `assignments_next_due` is the
    # earliest due date, on or after that day, of the other open ones (the count holds until
    # then). Written only by that service: a plain save() leaves them alone (see save()).
    assignments_active = models.PositiveIntegerField(default=0, editable=False)
    assignments_overdue = models.PositiveIntegerField(default=0, editable=False)
    assignments_counted_on = models.DateField(null=True, editable=False)
    assignments_next_due = models.DateField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    COUNTED = (
        "assignments_active",
        "assignments_overdue",
        "assignments_counted_on",
        "assignments_next_due",
    )

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["employee_no"]
        indexes = [
            models.Index(fields=["department", "job_role", "active"]),
            # Readiness and seed-user coverage group the active staff by these, from the index.
            models.Index(fields=["department", "job_role", "shift", "active"], name="staff_cell"),
            models.Index(fields=["department", "shift", "active"], name="staff_shift"),
            # Readiness adds up the assignment counts of the active staff from the index alone.
            models.Index(
                fields=[
                    "department",
                    "job_role",
                    "shift",
                    "assignments_active",
                    "assignments_overdue",
                    "assignments_counted_on",
                    "assignments_next_due",
                ],
                condition=models.Q(active=True),
                name="staff_assignment_counts",
            ),
            # The counts that no longer hold (an open assignment fell due since they were made).
            models.Index(fields=["assignments_next_due"], name="staff_counts_next_due"),
            models.Index(fields=["assignments_counted_on"], name="staff_counts_counted_on"),
        ]
        permissions = [
            ("import_roster", _("Can import the staff roster")),
            ("view_all_staff", _("Can see staff of every department")),
        ]

    def __str__(self):
        return f"{self.employee_no} {self.full_name}"

    def save(self, *args, **kwargs):
        # An edit of a person loaded a while ago (a form, the admin) must not write back the
        # assignment counts it read then: the counting service may have changed them since.
        if not (self._state.adding or args or kwargs):
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in self.COUNTED
            ]
        super().save(*args, **kwargs)

    @property
    def email(self):
        return self.user.email if self.user_id else ""


class RosterImport(models.Model):
    """One uploaded roster file: previewed, then confirmed, then applied once by a worker."""

    class Status(models.TextChoices):
        INVALID = "invalid", _("Has errors")
        PREVIEWED = "previewed", _("Ready to confirm")
        CONFIRMED = "confirmed", _("Queued")
        APPLIED = "applied", _("Applied")
        FAILED = "failed", _("Failed")

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=255)
    # Kept in the database (at most 10 MB) so web and worker read the same bytes transactionally.
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PREVIEWED)
    deactivate_missing = models.BooleanField(default=False)
    summary = models.JSONField(default=dict)
    diff = models.JSONField(default=dict)
    errors = models.JSONField(default=list)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")

    def __str__(self):
        return f"{self.filename} ({self.get_status_display()})"
