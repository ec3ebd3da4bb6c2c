from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


class HomePage(Page):
    """The portal's front page: a welcome and the way in."""

    intro = RichTextField(_("introduction"), blank=True)
    intro_zh = RichTextField(_("introduction (Chinese)"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("intro_zh")]
    max_count = 1
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("home page")
