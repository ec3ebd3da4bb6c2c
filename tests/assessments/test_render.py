"""Question texts as safe HTML (assessments.formats.render): what each format gives, and that
nothing able to run script survives whatever the format."""

import pytest

from assessments.formats.render import text_html

ATTACKS = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    '<a href="javascript:alert(1)">link</a>',
    '<a href="JaVaScRiPt:alert(1)">link</a>',
    '<a href="jav&#x61;script:alert(1)">link</a>',
    '<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">link</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<svg onload="alert(1)"><script>alert(1)</script></svg>',
    '<iframe src="https://evil.example"></iframe>',
    '<body onload="alert(1)">',
    "<style>body { display: none }</style>",
    '<form action="https://evil.example"><input name="password"></form>',
    '<p style="position: fixed; top: 0; background: url(javascript:alert(1))">cover</p>',
]
DANGEROUS = ["<script", "onerror", "onload", "javascript:", "alert(1)", "<iframe", "<svg",
             "<style", "<form", "<input", "data:text", "svg+xml", "position", "url("]  # fmt: skip


@pytest.mark.parametrize("text_format", ["html", "moodle", "markdown", "plain"])
@pytest.mark.parametrize("attack", ATTACKS)
def test_nothing_that_runs_survives(attack, text_format):
    rendered = text_html(f"Before {attack} after", text_format).lower()
    if text_format == "plain":
        assert "<" not in rendered.replace("<br>", "")
        return
    for bad in DANGEROUS:
        assert bad not in rendered, bad
    assert "before" in rendered and "after" in rendered


def test_html_keeps_formatting_links_tables_and_pictures():
    text = (
        '<p>A <strong>bold</strong> <em>word</em>, <a href="https://example.org/guide">a guide</a>'
        ' and <a href="/help/">help</a>.</p>'
        '<table><tr><th>Drug</th><td colspan="2">Dose</td></tr></table>'
        '<img src="https://example.org/a.png" alt="ECG" width="100">'
        '<img src="data:image/png;base64,iVBORw0KGgo=" alt="inline">'
        '<span style="color: #ff6600; position: absolute">orange</span>'
    )
    assert text_html(text, "html") == (
        '<p>A <strong>bold</strong> <em>word</em>, <a href="https://example.org/guide" '
        'rel="noopener noreferrer">a guide</a> and <a href="/help/" rel="noopener noreferrer">'
        "help</a>.</p>"
        '<table><tbody><tr><th>Drug</th><td colspan="2">Dose</td></tr></tbody></table>'
        '<img src="https://example.org/a.png" alt="ECG" width="100">'
        '<img src="data:image/png;base64,iVBORw0KGgo=" alt="inline">'
        '<span style="color:#ff6600">orange</span>'
    )


def test_html_drops_comments_classes_and_ids():
    assert text_html('<p class="x" id="y">Hi<!-- note --></p>', "html") == "<p>Hi</p>"


def test_markdown_is_rendered_then_sanitised():
    text = (
        "# Sepsis\n\nGive **antibiotics** within *one hour*.\n\n"
        "- cultures\n    - two sets\n- lactate"
    )
    assert text_html(text, "markdown") == (
        "<h1>Sepsis</h1>\n<p>Give <strong>antibiotics</strong> within <em>one hour</em>.</p>\n"
        "<ul>\n<li>cultures<ul>\n<li>two sets</li>\n</ul>\n</li>\n<li>lactate</li>\n</ul>"
    )
    assert text_html("[guide](javascript:alert(1)) <b onclick=x>b</b>", "markdown") == (
        '<p><a rel="noopener noreferrer">guide</a> <b>b</b></p>'
    )


def test_markdown_hard_line_break_and_table():
    assert text_html("one  \ntwo", "markdown") == "<p>one<br>\ntwo</p>"
    assert "<td>1</td>" in text_html("| a | b |\n|---|---|\n| 1 | 2 |", "markdown")


def test_plain_is_escaped_with_line_breaks():
    assert text_html('a < b & "c"\r\n<b>not bold</b>', "plain") == (
        "a &lt; b &amp; &quot;c&quot;<br>&lt;b&gt;not bold&lt;/b&gt;"
    )


def test_moodle_format_turns_line_breaks_into_br_without_block_html():
    assert text_html("Line one\nLine <b>two</b>", "moodle") == "Line one<br>Line <b>two</b>"


def test_moodle_format_leaves_line_breaks_alone_with_block_html():
    assert text_html("<p>One\ntwo</p>\n<p>Three</p>", "moodle") == "<p>One\ntwo</p>\n<p>Three</p>"


def test_moodle_format_does_not_break_inside_a_tag():
    rendered = text_html('Go <a\nhref="https://example.org">there</a>\nnow', "moodle")
    assert rendered == 'Go <a href="https://example.org" rel="noopener noreferrer">there</a><br>now'


def test_unknown_format_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown text format 'wiki'"):
        text_html("x", "wiki")
