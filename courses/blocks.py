"""The building blocks of a lesson page (StreamField)."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

from content.blocks import CalloutBlock, ImageWithCaptionBlock, ProcedureBlock


class VideoBlock(blocks.StructBlock):
    """An uploaded video file (a Wagtail document), played locally with HTML5 <video>: hospital
    networks often cannot reach video sites."""

    video = DocumentChooserBlock(label=_("video file (MP4 or WebM)"))
    poster = ImageChooserBlock(label=_("poster image"), required=False)
    caption = blocks.CharBlock(label=_("caption"), required=False)

    class Meta:
        icon = "media"
        template = "courses/blocks/video.html"


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("document"))
    label = blocks.CharBlock(label=_("link text"), required=False)

    class Meta:
        icon = "doc-full"
        template = "courses/blocks/document.html"


class KnowledgeCheckOptionBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("answer"))
    correct = blocks.BooleanBlock(label=_("correct"), required=False)


class KnowledgeCheckBlock(blocks.StructBlock):
    """An ungraded question the learner answers to check understanding; nothing is recorded."""

    question = blocks.CharBlock(label=_("question"))
    options = blocks.ListBlock(KnowledgeCheckOptionBlock(), label=_("answers"), min_num=2)
    explanation = blocks.RichTextBlock(label=_("explanation"), required=False)

    class Meta:
        icon = "help"
        template = "courses/blocks/knowledge_check.html"


class RelatedHelpBlock(blocks.StructBlock):
    """A link to a manual page or video tutorial."""

    page = blocks.PageChooserBlock(
        label=_("manual or tutorial"), page_type=["content.ManualPage", "content.VideoTutorialPage"]
    )

    class Meta:
        icon = "link"
        template = "courses/blocks/related_help.html"


LESSON_BLOCKS = [
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
    ("video", VideoBlock(label=_("video"))),
    ("document", DocumentBlock(label=_("document download"))),
    ("callout", CalloutBlock(label=_("callout"))),
    ("procedure", ProcedureBlock(label=_("procedure"))),
    ("knowledge_check", KnowledgeCheckBlock(label=_("knowledge check"))),
    ("related_help", RelatedHelpBlock(label=_("manual or tutorial link"))),
]
