from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from .blocks import CalloutBlock, ImageWithCaptionBlock, ProcedureBlock

# Manuals use the same procedure block as lessons: numbered steps with screenshots.
MANUAL_BLOCKS = [
    (
        "heading",
        blocks.CharBlock(
            label=_("heading"),
            form_classname="title",
            icon="title",
            template="content/blocks/heading.html",
        ),
    ),
    ("text", blocks.RichTextBlock(label=_("text"))),
    ("image", ImageWithCaptionBlock(label=_("image"))),
    ("callout", CalloutBlock(label=_("callout"))),
    ("procedure", ProcedureBlock(label=_("procedure"))),
]


class ChineseTitleLabel:
    """`label`: the Chinese title when the reader's language is Chinese and one is set."""

    @property
    def label(self):
        title_zh = getattr(self, "title_zh", "")
        if title_zh and (get_language() or "").startswith("zh"):
            return title_zh
        return self.title


class HomePage(Page):
    """The portal's front page: a welcome and the way in."""

    intro = RichTextField(_("introduction"), blank=True)
    intro_zh = RichTextField(_("introduction (Chinese)"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("intro_zh")]
    max_count = 1
    subpage_types = ["courses.CourseIndexPage", "content.HelpIndexPage"]

    class Meta:
        verbose_name = _("home page")


class HelpIndexPage(Page):
    """Manuals and video tutorials live under here."""

    intro = RichTextField(_("introduction"), blank=True)
    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["content.HomePage"]
    subpage_types = ["content.ManualPage", "content.VideoTutorialPage"]
    max_count = 1

    class Meta:
        verbose_name = _("help centre")

    def manuals(self):
        return ManualPage.objects.child_of(self).live().order_by("title")

    def tutorials(self):
        return VideoTutorialPage.objects.child_of(self).live().select_related("video")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["manuals"] = self.manuals()
        context["tutorials"] = self.tutorials().order_by("title")
        return context


class ManualPage(ChineseTitleLabel, Page):
    """A quick-reference manual: the steps for one task in the new HIS."""

    title_zh = models.CharField(_("title (Chinese)"), max_length=255, blank=True)
    body = StreamField(MANUAL_BLOCKS, verbose_name=_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("title_zh"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("title_zh"), index.SearchField("body")]
    parent_page_types = ["content.HelpIndexPage"]
    subpage_types: list[str] = []

    help_kind = "manual"

    class Meta:
        verbose_name = _("manual")


class VideoTutorialPage(ChineseTitleLabel, Page):
    """A short video tutorial, played locally."""

    title_zh = models.CharField(_("title (Chinese)"), max_length=255, blank=True)
    video = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("video file (MP4 or WebM)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    summary = RichTextField(_("summary / transcript"), blank=True)
    duration_seconds = models.PositiveIntegerField(_("length (seconds)"), default=0)

    content_panels = [
        *Page.content_panels,
        FieldPanel("title_zh"),
        FieldPanel("video"),
        FieldPanel("summary"),
        FieldPanel("duration_seconds"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("title_zh"),
        index.SearchField("summary"),
    ]
    parent_page_types = ["content.HelpIndexPage"]
    subpage_types: list[str] = []

    help_kind = "video"

    class Meta:
        verbose_name = _("video tutorial")
