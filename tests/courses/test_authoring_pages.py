"""The catalogue, course and lesson pages as a signed-in nurse sees them, every lesson block
rendered, and anonymous visitors sent to sign-in."""

import re
from io import BytesIO
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

import courses.admin.authoring  # noqa: F401  (registers the sign-in hook, as wagtail_hooks will)
from content.models import HelpIndexPage, ManualPage
from courses.setup import catalogue_ensure
from portal.accounts.roles import LEARNER
from tests.courses.factories import catalogue, course, lesson
from tests.factories import job_role, person

pytestmark = pytest.mark.django_db


def png(colour="#1f4e79", size=(320, 200)) -> bytes:
    out = BytesIO()
    PILImage.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def image(title="HIS screen: order entry"):
    picture = get_image_model()(title=title, file=ImageFile(BytesIO(png()), name="screen.png"))
    picture.save()
    return picture


def document(title, filename, data=b"\x1aE\xdf\xa3 not really a video"):
    doc = get_document_model()(title=title)
    doc.file.save(filename, ContentFile(data), save=False)
    doc.save()
    return doc


@pytest.fixture
def nurse(client, role_groups):
    member = person([LEARNER], job_role=job_role("nurse"))
    client.force_login(member.user)
    return member


@pytest.fixture
def manual():
    catalogue_ensure()
    page = ManualPage(
        title="Quick reference: barcode medication administration",
        title_zh="快速参考：扫码给药与腕带核对",
        slug="bcma-quick-reference",
        body=[("text", "<p>Scan the wristband first.</p>")],
    )
    HelpIndexPage.objects.get().add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.fixture
def rich_lesson(manual):
    """A lesson using every block type."""
    screen = image()
    video = document("Tutorial video", "tutorial.webm")
    card = document("Quick reference card", "card.pdf", b"%PDF-1.4 card")
    body = [
        ("heading", "Scan before you give"),
        ("text", "<p>The PDA checks the <b>five rights</b>.</p>"),
        ("image", {"image": screen, "caption": "The MAR on the PDA"}),
        ("video", {"video": video, "poster": screen, "caption": "Ten-second tutorial"}),
        ("document", {"document": card, "label": "Print the quick reference card"}),
        ("callout", {"kind": "tip", "text": "<p>Take the PDA to the bedside.</p>"}),
        ("callout", {"kind": "warning", "text": "<p>Never scan a loose wristband.</p>"}),
        (
            "procedure",
            {
                "title": "Give a dose",
                "steps": [
                    {
                        "instruction": "<p>Scan the patient's wristband.</p>",
                        "screenshot": screen,
                        "expected": "Green bar: right patient.",
                    },
                    {
                        "instruction": "<p>Scan the medication barcode.</p>",
                        "screenshot": screen,
                        "expected": "Green bar: right drug, dose, route and time.",
                    },
                ],
            },
        ),
        (
            "knowledge_check",
            {
                "question": "What do you scan first?",
                "options": [
                    {"text": "The medication", "correct": False},
                    {"text": "The wristband", "correct": True},
                ],
                "explanation": "<p>The wristband selects the patient.</p>",
            },
        ),
        ("related_help", {"page": manual}),
    ]
    owner = person([LEARNER]).user
    owner.first_name = "Zhou Wenbo"
    owner.save()
    parent = course(
        title="Barcode medication administration",
        title_zh="扫码给药",
        roles=("nurse",),
        lessons=0,
        his_modules="medication administration, PDA",
        estimated_minutes=40,
        owner_trainer=owner,
    )
    return lesson(parent, title="Scan, verify, give", body=body)


def test_lesson_renders_every_block(client, nurse, rich_lesson):
    response = client.get(rich_lesson.url)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<h2 class="block-heading">Scan before you give</h2>' in html
    assert "<b>five rights</b>" in html
    assert "The MAR on the PDA</figcaption>" in html
    # Captioned image, screenshots and poster are Wagtail renditions, not the original file.
    assert re.search(r'<img[^>]+src="[^"]*/images/[^"]+\.max-1000x1000\.png"', html)
    # Local HTML5 video from the document URL, with the poster.
    video = get_document_model().objects.get(title="Tutorial video")
    assert "<video controls" in html
    assert f'<source src="{video.url}" type="video/webm">' in html
    assert re.search(r'<video[^>]+poster="[^"]+\.png"', html)
    card = get_document_model().objects.get(title="Quick reference card")
    assert f'href="{card.url}" download' in html
    assert "Print the quick reference card" in html
    # Callouts carry their kind as a class.
    assert 'class="callout callout-tip"' in html
    assert 'class="callout callout-warning"' in html
    assert "Never scan a loose wristband." in html


def test_procedure_steps_are_numbered_with_expected_results(client, nurse, rich_lesson):
    html = client.get(rich_lesson.url).content.decode()

    procedure = html[html.index('<section class="procedure"') :]
    procedure = procedure[: procedure.index("</section>")]
    assert '<ol class="procedure-steps">' in procedure
    steps = re.findall(r'<li class="procedure-step" data-step="(\d)">', procedure)
    assert steps == ["1", "2"]
    assert procedure.index("Step 1") < procedure.index("wristband") < procedure.index("Step 2")
    assert "<strong>Expected result:</strong> Green bar: right patient." in procedure
    assert "Green bar: right drug, dose, route and time." in procedure
    assert procedure.count('class="screenshot"') == 2


def test_knowledge_check_is_interactive_and_ungraded(client, nurse, rich_lesson):
    html = client.get(rich_lesson.url).content.decode()

    assert "data-knowledge-check" in html
    assert '<button type="button" class="kc-option" data-correct="false">The medication' in html
    assert '<button type="button" class="kc-option" data-correct="true">The wristband' in html
    assert '<div class="kc-explanation" hidden><p>The wristband selects the patient.</p>' in html
    assert "courses/knowledge_check.js" in html
    # Nothing posts anywhere: the check has no form.
    check = html[html.index("data-knowledge-check") :]
    check = check[: check.index("</section>")]
    assert "<form" not in check


def test_lesson_links_related_manual_and_course(client, nurse, rich_lesson, manual):
    html = client.get(rich_lesson.url).content.decode()

    assert f'href="{manual.url}" data-related="{manual.pk}"' in html
    assert "Quick reference: barcode medication administration" in html
    assert "data-course-crumb>Barcode medication administration</a>" in html
    assert "Lesson 1 of 1" in html


def test_lesson_includes_progress_and_feedback_templates(client, nurse, rich_lesson):
    response = client.get(rich_lesson.url)

    names = [t.name for t in response.templates]
    assert "courses/learning/lesson_controls.html" in names
    assert "courses/feedback/lesson_report.html" in names


def test_course_page_shows_summary_facts_and_lessons(client, nurse):
    page = course(
        title="Nursing documentation",
        title_zh="护理文书",
        summary="<p>Record vital signs.</p>",
        summary_zh="<p>录入生命体征。</p>",
        his_modules="vital signs, handover",
        estimated_minutes=35,
        level="advanced",
        version="2.1",
        lessons=2,
        required=[0],
    )
    first, second = page.get_children().specific()

    response = client.get(page.url)

    html = response.content.decode()
    assert "<h1>Nursing documentation</h1>" in html
    assert "<p>Record vital signs.</p>" in html
    assert "Advanced" in html and "2.1" in html and "vital signs, handover" in html
    assert "35 minutes" in html
    assert "Nurse" in html
    outline = html[html.index('<ol class="outline">') :]
    assert outline.index(first.title) < outline.index("data-required") < outline.index(second.title)
    assert outline.index(second.title) < outline.index("data-optional")
    names = [t.name for t in response.templates]
    assert "courses/learning/course_progress.html" in names
    assert "courses/feedback/course_rating.html" in names


def test_course_page_in_chinese_uses_chinese_title_and_summary(client, nurse):
    page = course(
        title="Nursing documentation",
        title_zh="护理文书",
        summary="<p>Record vital signs.</p>",
        summary_zh="<p>录入生命体征。</p>",
        lessons=1,
    )

    with translation.override("zh-hans"):
        response = client.get(page.url, HTTP_ACCEPT_LANGUAGE="zh-hans")

    html = response.content.decode()
    assert "<h1>护理文书</h1>" in html
    assert "<p>录入生命体征。</p>" in html
    assert "<p>Record vital signs.</p>" not in html


def test_catalogue_groups_courses_by_role_and_starts_with_the_viewers_role(client, nurse):
    course(title="Barcode medication administration", roles=("nurse",), lessons=0)
    course(title="Outpatient e-prescribing", roles=("doctor",), lessons=0)
    course(title="HIS basics", roles=("nurse", "doctor"), lessons=0, estimated_minutes=25)
    index = catalogue()

    own = client.get(index.url).content.decode()
    everything = client.get(index.url, {"role": "all"}).content.decode()
    doctors = client.get(index.url, {"role": "doctor"}).content.decode()

    assert 'data-role="nurse"' in own and 'data-role="doctor"' not in own
    assert "Barcode medication administration" in own and "HIS basics" in own
    assert "Outpatient e-prescribing" not in own
    assert "25 min" in own and "Basic" in own
    assert 'data-role="nurse"' in everything and 'data-role="doctor"' in everything
    assert everything.count("HIS basics") == 2  # listed under each of its roles
    assert "Outpatient e-prescribing" in doctors and "Barcode medication" not in doctors


def test_catalogue_with_an_unknown_role_says_so_and_shows_everything(client, nurse):
    course(title="Barcode medication administration", roles=("nurse",), lessons=0)
    course(title="Outpatient e-prescribing", roles=("doctor",), lessons=0)
    index = catalogue()

    html = client.get(index.url, {"role": "astronaut"}).content.decode()

    assert "There are no courses for that job role; showing all courses." in html
    assert "Barcode medication administration" in html and "Outpatient e-prescribing" in html


def test_catalogue_hides_unpublished_courses(client, nurse):
    draft = course(title="Draft course", roles=("nurse",), lessons=0)
    draft.unpublish()
    index = catalogue()

    assert "Draft course" not in client.get(index.url, {"role": "all"}).content.decode()


@pytest.mark.parametrize(
    "make",
    [
        catalogue,
        lambda: course(lessons=1),
        lambda: lesson(course(lessons=0)),
    ],
    ids=["catalogue", "course", "lesson"],
)
def test_anonymous_visitors_are_sent_to_sign_in(client, make):
    page = make()

    response = client.get(page.url)

    assert response.status_code == 302
    location = urlparse(response["Location"])
    assert location.path == "/accounts/login/"
    assert parse_qs(location.query)["next"] == [page.url]


def test_anonymous_visitors_of_help_pages_are_sent_to_sign_in(client, manual):
    for page in [manual, HelpIndexPage.objects.get()]:
        response = client.get(page.url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_home_page_stays_public(client):
    catalogue_ensure()

    assert client.get("/").status_code == 200


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_course_page_query_count_does_not_grow_with_lessons(client, nurse):
    few = course(lessons=3)
    many = course(lessons=30)
    client.get(few.url)  # warm caches (content types, site root)

    assert _queries(client, many.url) == _queries(client, few.url)


def test_catalogue_query_count_does_not_grow_with_courses(client, nurse):
    for _ in range(3):
        course(roles=("nurse", "doctor"), lessons=0)
    index = catalogue()
    client.get(index.url)
    few = _queries(client, index.url + "?role=all")
    for _ in range(20):
        course(roles=("nurse", "cashier"), lessons=0)

    assert _queries(client, index.url + "?role=all") == few
