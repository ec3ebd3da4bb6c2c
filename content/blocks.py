"""Blocks shared by lessons and manuals: captioned images, callouts, step-by-step procedures."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock


class ImageWithCaptionBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("image"))
    caption = blocks.CharBlock(label=_("caption"), required=False)

    class Meta:
        icon = "image"
        template = "content/blocks/image.html"


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        label=_("kind"), choices=[("tip", _("Tip")), ("warning", _("Warning"))], default="tip"
    )
    text = blocks.RichTextBlock(label=_("text"), features=["bold", "italic", "link", "ul", "ol"])

    class Meta:
        icon = "warning"
        template = "content/blocks/callout.html"


class ProcedureStepBlock(blocks.StructBlock):
    instruction = blocks.RichTextBlock(label=_("what to do"), features=["bold", "italic", "link"])
    screenshot = ImageChooserBlock(label=_("screenshot"), required=False)
    expected = blocks.CharBlock(label=_("expected result"), required=False)


class ProcedureBlock(blocks.StructBlock):
    """Numbered steps in the HIS, each with a screenshot and the result to expect."""

    title = blocks.CharBlock(label=_("title"))
    steps = blocks.ListBlock(ProcedureStepBlock(), label=_("steps"), min_num=1)

    class Meta:
        icon = "list-ol"
        template = "content/blocks/procedure.html"
