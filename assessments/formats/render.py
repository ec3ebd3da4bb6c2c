"""Question texts (stems, answers, feedback) as HTML that is safe to put in a page.

Pure Python (no Django). Every format ends in the same sanitiser (nh3), so what reaches the page
is only ordinary formatting: text styles, paragraphs, lists, tables, headings, code, links
(http, https, mailto, or relative) and images (http, https, relative, or a data: URL of a PNG,
JPEG, GIF or WebP picture). Scripts, styles sheets, frames, forms, event handlers
(`onerror=`...), `javascript:` and other URLs, classes and ids are removed; inline styles keep
only harmless properties (colours, font weight and style, alignment, borders...), never
position or size, so a text cannot cover the page.

- "html": sanitised.
- "moodle" (Moodle's auto-format): HTML allowed and sanitised; when the text has no block-level
  HTML of its own (no paragraph, list, table, <br>...), its line breaks become <br>.
- "markdown": Python-Markdown (with tables and fenced code), then sanitised.
- "plain": escaped, line breaks become <br>.
"""

from __future__ import annotations

import html
import re

import markdown
import nh3

TAGS = {
    "a", "abbr", "b", "bdi", "bdo", "blockquote", "br", "caption", "cite", "code", "col",
    "colgroup", "dd", "del", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q",
    "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "tt", "u", "ul", "var",
}  # fmt: skip
ATTRIBUTES = {
    "*": {"title", "lang", "dir", "style"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align", "valign"},
    "th": {"colspan", "rowspan", "align", "valign", "scope"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start", "type", "reversed"},
    "li": {"value"},
    "q": {"cite"},
    "blockquote": {"cite"},
}
STYLE_PROPERTIES = {
    "color", "background-color", "font-weight", "font-style", "font-family", "font-size",
    "text-decoration", "text-align", "text-indent", "vertical-align", "line-height",
    "white-space", "border", "border-collapse", "border-color", "border-style", "border-width",
    "padding", "padding-left", "padding-right", "padding-top", "padding-bottom", "margin-left",
    "margin-right", "list-style-type",
}  # fmt: skip
# Only pictures may be inline data (no SVG: it can carry script).
_DATA_IMAGE = re.compile(r"\s*data:image/(png|jpeg|gif|webp)[;,]", re.IGNORECASE)
_BLOCK = re.compile(
    r"<(p|div|br|ul|ol|li|dl|table|tr|td|th|h[1-6]|pre|blockquote|hr|figure)\b", re.IGNORECASE
)
_TAG_OR_NEWLINE = re.compile(r"(<[^>]*>)|\r?\n")


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute in ("href", "src", "cite") and value.strip().lower().startswith("data:"):
        return value if tag == "img" and attribute == "src" and _DATA_IMAGE.match(value) else None
    return value


_CLEANER = nh3.Cleaner(
    tags=TAGS,
    clean_content_tags={"script", "style"},
    attributes=ATTRIBUTES,
    attribute_filter=_keep_attribute,
    url_schemes={"http", "https", "mailto", "data"},
    filter_style_properties=STYLE_PROPERTIES,
)


def sanitise(text: str) -> str:
    return _CLEANER.clean(text)


def text_html(text: str, text_format: str) -> str:
    """`text`, written in `text_format` (one of ir.TEXT_FORMATS), as safe HTML."""
    if text_format == "plain":
        return html.escape(text).replace("\r\n", "\n").replace("\n", "<br>")
    if text_format == "markdown":
        return sanitise(markdown.markdown(text, extensions=["tables", "fenced_code", "sane_lists"]))
    if text_format == "html":
        return sanitise(text)
    if text_format == "moodle":
        if not _BLOCK.search(text):
            # Line breaks outside tags only; the sanitiser runs on the result anyway.
            text = _TAG_OR_NEWLINE.sub(lambda match: match.group(1) or "<br>", text)
        return sanitise(text)
    raise ValueError(f"unknown text format {text_format!r}")
