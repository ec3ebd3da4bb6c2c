"""Help centre search over manuals, video tutorials, courses and lessons, in English and
Chinese; and the help centre pages themselves."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.urls import include, path
from wagtail.documents import get_document_model

import courses.admin.authoring  # noqa: F401  (registers the sign-in hook)
import portal.urls
from content.models import HelpIndexPage, ManualPage, VideoTutorialPage
from content.selectors import help_search
from courses.setup import catalogue_ensure
from portal.accounts.roles import LEARNER
from tests.courses.factories import course, lesson
from tests.factories import job_role, person

# The include the integrator adds to portal/urls.py (before Wagtail's catch-all).
urlpatterns = [path("help/search/", include("content.urls")), *portal.urls.urlpatterns]
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]
SEARCH = "/help/search/"


@pytest.fixture
def nurse(client, role_groups):
    member = person([LEARNER], job_role=job_role("nurse"))
    client.force_login(member.user)
    return member


def help_index() -> HelpIndexPage:
    catalogue_ensure()
    return HelpIndexPage.objects.get()


def publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.fixture
def manual():
    return publish(
        help_index(),
        ManualPage(
            title="Quick reference: barcode medication administration",
            title_zh="快速参考：扫码给药与腕带核对",
            slug="bcma",
            body=[
                (
                    "text",
                    "<p>Scan the patient's wristband first. 先扫描患者腕带，再扫描药品条码。</p>",
                )
            ],
        ),
    )


@pytest.fixture
def tutorial():
    video = get_document_model()(title="Sign-in video")
    video.file.save("sign-in.webm", ContentFile(b"\x1aE\xdf\xa3webm"), save=False)
    video.save()
    return publish(
        help_index(),
        VideoTutorialPage(
            title="Sign in and lock your screen",
            title_zh="登录与锁屏",
            slug="sign-in",
            video=video,
            duration_seconds=10,
            summary="<p>Press Win + L to lock the workstation. 离开时请锁屏。</p>",
        ),
    )


def titles(response) -> list[str]:
    return [hit.page.title for hit in response.context["results"]]


def test_search_finds_a_manual_by_an_english_word(client, nurse, manual, tutorial):
    response = client.get(SEARCH, {"q": "wristband"})

    assert response.status_code == 200
    assert titles(response) == ["Quick reference: barcode medication administration"]
    assert f'href="{manual.url}"' in response.content.decode()


def test_search_finds_a_manual_by_a_chinese_word(client, nurse, manual, tutorial):
    # 腕带 (wristband) sits inside longer runs of Chinese in the title and the body: a
    # full-text index alone would not find it.
    response = client.get(SEARCH, {"q": "腕带"})

    assert titles(response) == ["Quick reference: barcode medication administration"]
    html = response.content.decode()
    assert "1 result for “腕带”" in html
    assert 'data-kind="manual"' in html


def test_search_finds_a_tutorial_by_a_chinese_word_in_its_summary(client, nurse, manual, tutorial):
    assert titles(client.get(SEARCH, {"q": "锁屏"})) == ["Sign in and lock your screen"]


def test_search_finds_courses_and_lessons_and_names_the_lessons_course(client, nurse):
    parent = course(title="Barcode medication administration", title_zh="扫码给药", lessons=0)
    lesson(
        parent,
        title="When the scan fails",
        body=[("text", "<p>Reprint a damaged wristband at the nurse station.</p>")],
    )

    response = client.get(SEARCH, {"q": "wristband"})

    hits = {hit.page.title: hit for hit in response.context["results"]}
    assert hits["When the scan fails"].kind == "lesson"
    assert hits["When the scan fails"].course.title == "Barcode medication administration"
    assert "in the course “Barcode medication administration”" in response.content.decode()
    hits = help_search(viewer=nurse.user, query="扫码给药")
    assert [(h.page.title, h.kind) for h in hits] == [
        ("Barcode medication administration", "course")
    ]


def test_search_gives_anonymous_visitors_nothing(manual):
    assert help_search(viewer=AnonymousUser(), query="wristband") == []


def test_search_skips_unpublished_pages(client, nurse, manual):
    manual.unpublish()

    assert titles(client.get(SEARCH, {"q": "wristband"})) == []
    assert titles(client.get(SEARCH, {"q": "腕带"})) == []


def test_search_with_nothing_found_says_so(client, nurse, manual):
    html = client.get(SEARCH, {"q": "defibrillator"}).content.decode()

    assert "0 results for “defibrillator”" in html
    assert "Nothing found." in html


def test_search_refuses_an_overlong_query(client, nurse, manual):
    response = client.get(SEARCH, {"q": "wristband " * 40})

    assert response.status_code == 200
    assert "The search is too long" in response.content.decode()
    assert response.context["results"] == []


def test_search_without_a_query_shows_the_form(client, nurse):
    response = client.get(SEARCH)

    assert response.status_code == 200
    assert 'name="q"' in response.content.decode()
    assert response.context["results"] == []


def test_search_needs_sign_in(client, manual):
    response = client.get(SEARCH, {"q": "wristband"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_help_index_lists_manuals_and_tutorials_with_a_search_box(client, nurse, manual, tutorial):
    html = client.get(help_index().url).content.decode()

    assert f'action="{SEARCH}"' in html
    manuals = html[html.index('data-help-list="manuals"') :]
    assert manuals.index(manual.title) < manuals.index('data-help-list="tutorials"')
    assert manuals.index('data-help-list="tutorials"') < manuals.index(tutorial.title)
    assert "快速参考：扫码给药与腕带核对" in html


def test_manual_page_renders_its_body(client, nurse, manual):
    html = client.get(manual.url).content.decode()

    assert "<h1>Quick reference: barcode medication administration</h1>" in html
    assert "先扫描患者腕带" in html


def test_tutorial_page_plays_the_video_locally(client, nurse, tutorial):
    html = client.get(tutorial.url).content.decode()

    assert "<video" in html and "controls" in html
    assert f'<source src="{tutorial.video.url}" type="video/webm">' in html
    assert "10 seconds" in html
