"""Course catalogue, course and lesson pages, authored by trainers in Wagtail."""

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from courses.blocks import LESSON_BLOCKS


class BilingualTitle(models.Model):
    """Pages carry a Chinese title beside Wagtail's (English) one."""

    title_zh = models.CharField(_("title (Chinese)"), max_length=255, blank=True)

    class Meta:
        abstract = True

    @property
    def label(self):
        if self.title_zh and (get_language() or "").startswith("zh"):
            return self.title_zh
        return self.title


class CourseIndexPage(BilingualTitle, Page):  # noqa: DJ008 (Page has __str__)
    """The course catalogue."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("title_zh"), FieldPanel("intro")]
    parent_page_types = ["content.HomePage"]
    subpage_types = ["courses.CoursePage"]
    max_count = 1

    class Meta:
        verbose_name = _("course catalogue")


class CoursePage(BilingualTitle, Page):  # noqa: DJ008 (Page has __str__)
    class Level(models.TextChoices):
        BASIC = "basic", _("Basic")
        ADVANCED = "advanced", _("Advanced")
        SEED_USER = "seed_user", _("Seed user")

    summary = RichTextField(_("summary"), blank=True)
    summary_zh = RichTextField(_("summary (Chinese)"), blank=True)
    job_roles = ParentalManyToManyField(
        "org.JobRole", verbose_name=_("target job roles"), blank=True, related_name="courses"
    )
    his_modules = models.CharField(
        _("HIS modules covered"),
        max_length=300,
        blank=True,
        help_text=_("Comma-separated, e.g. outpatient orders, e-prescribing"),
    )
    estimated_minutes = models.PositiveIntegerField(_("estimated minutes"), default=30)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices, default=Level.BASIC)
    version = models.CharField(_("version"), max_length=20, default="1.0")
    owner_trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owning trainer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("title_zh"),
        FieldPanel("summary"),
        FieldPanel("summary_zh"),
        MultiFieldPanel(
            [
                FieldPanel("job_roles"),
                FieldPanel("his_modules"),
                FieldPanel("level"),
                FieldPanel("estimated_minutes"),
                FieldPanel("version"),
                FieldPanel("owner_trainer"),
            ],
            heading=_("Audience and scope"),
        ),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("title_zh"),
        index.SearchField("summary"),
        index.SearchField("his_modules"),
    ]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.LessonPage"]

    class Meta:
        verbose_name = _("course")

    @property
    def summary_label(self):
        if self.summary_zh and (get_language() or "").startswith("zh"):
            return self.summary_zh
        return self.summary


class LessonPage(BilingualTitle, Page):  # noqa: DJ008 (Page has __str__)
    body = StreamField(LESSON_BLOCKS, verbose_name=_("body"), blank=True)
    required = models.BooleanField(
        _("required"),
        default=True,
        help_text=_("The course is complete when every required lesson is done."),
    )
    estimated_minutes = models.PositiveIntegerField(_("estimated minutes"), default=10)
    scorm_package = models.ForeignKey(
        "courses.ScormPackage",
        verbose_name=_("SCORM package"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lessons",
        help_text=_("Play an uploaded SCORM 1.2 or 2004 package as this lesson."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("title_zh"),
        FieldPanel("required"),
        FieldPanel("estimated_minutes"),
        FieldPanel("scorm_package"),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("title_zh"), index.SearchField("body")]
    parent_page_types = ["courses.CoursePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("lesson")
