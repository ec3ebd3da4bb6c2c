"""The demo courses, manual and tutorial: complete for every role, idempotent, and rendering."""

import pytest
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page

import courses.admin.authoring  # noqa: F401  (registers the sign-in hook)
from content.models import ManualPage, VideoTutorialPage
from courses.demo_content import TRAINER_EMAIL, build_courses
from courses.models import CoursePage, LessonPage
from portal.accounts.roles import LEARNER, TRAINER
from portal.org.reference import reference_data_ensure
from tests.factories import UserFactory, job_role, person

pytestmark = pytest.mark.django_db


def counts() -> dict:
    return {
        "pages": Page.objects.count(),
        "courses": CoursePage.objects.count(),
        "lessons": LessonPage.objects.count(),
        "images": get_image_model().objects.count(),
        "documents": get_document_model().objects.count(),
        "revisions": sum(p.revisions.count() for p in Page.objects.all()),
    }


def block_types(lesson) -> list[str]:
    return [block.block_type for block in lesson.body]


def test_build_courses_is_idempotent(role_groups):
    reference_data_ensure()
    trainer = UserFactory(email=TRAINER_EMAIL, roles=[TRAINER])

    created = build_courses()
    first = counts()
    again = build_courses()

    assert counts() == first
    assert set(again.values()) == {0}
    assert created["courses"] == 9 and created["help_pages"] == 2
    assert CoursePage.objects.filter(owner_trainer=trainer).count() == 9
    assert created["lessons"] == LessonPage.objects.live().count() >= 18


def test_demo_content_is_complete_and_renders(client, role_groups):
    """One build (it takes seconds), checked from several sides."""
    reference_data_ensure()
    build_courses()

    check_courses_for_every_role()
    check_help_pages_and_media()
    check_pages_render_for_a_nurse(client)
    check_documents_need_sign_in(client)


def check_courses_for_every_role():
    for code in ("doctor", "nurse", "cashier", "admin"):
        courses = CoursePage.objects.live().filter(job_roles=job_role(code))
        # Two role courses plus HIS basics for everyone.
        assert courses.count() >= 3, code
        assert courses.filter(slug="his-basics-for-everyone").exists()
    basics = CoursePage.objects.get(slug="his-basics-for-everyone")
    assert basics.job_roles.count() == 4
    assert basics.title_zh and basics.summary_zh

    for course in CoursePage.objects.live():
        lessons = LessonPage.objects.child_of(course).live()
        assert 2 <= lessons.count() <= 4, course.title
        assert course.title_zh and course.his_modules and course.estimated_minutes
        for lesson in lessons:
            types = block_types(lesson)
            assert lesson.title_zh, lesson.title
            assert "knowledge_check" in types, lesson.title
            assert "heading" in types and ("callout" in types or "procedure" in types)
        all_types = {t for lesson in lessons for t in block_types(lesson)}
        assert {"procedure", "callout", "knowledge_check"} <= all_types, course.title

    procedures = [
        block.value
        for lesson in LessonPage.objects.all()
        for block in lesson.body
        if block.block_type == "procedure"
    ]
    assert len(procedures) >= 18
    for procedure in procedures:
        for step in procedure["steps"]:
            assert step["screenshot"] is not None and step["expected"]
            assert step["screenshot"].width == 960


def check_help_pages_and_media():
    manual = ManualPage.objects.live().get()
    tutorial = VideoTutorialPage.objects.live().get()
    assert manual.title_zh and "procedure" in block_types(manual)
    assert tutorial.video.file.name.endswith(".webm")
    assert tutorial.video.file.size < 300_000
    assert tutorial.video.file.read(4) == b"\x1aE\xdf\xa3"  # a real WebM (EBML) file
    card = get_document_model().objects.get(title__startswith="Quick reference card")
    assert card.file.read(5) == b"%PDF-"


def check_documents_need_sign_in(client):
    """Demo documents live in a collection restricted to signed-in staff."""
    video = VideoTutorialPage.objects.get().video
    client.logout()
    response = client.get(video.url)
    # Wagtail's own sign-in page until settings set WAGTAIL_FRONTEND_LOGIN_URL to allauth's.
    assert response.status_code == 302 and "login/?next=/documents/" in response["Location"]


def check_pages_render_for_a_nurse(client):
    client.force_login(person([LEARNER], job_role=job_role("nurse")).user)

    for page in [*CoursePage.objects.live(), *ManualPage.objects.live()]:
        response = client.get(page.url)
        assert response.status_code == 200, page.url
    for lesson in LessonPage.objects.live():
        html = client.get(lesson.url).content.decode()
        assert "data-knowledge-check" in html, lesson.url
        if "procedure" in block_types(lesson):
            assert "Expected result" in html and 'class="screenshot"' in html, lesson.url
    basics = LessonPage.objects.get(slug="sign-in-and-lock")
    html = client.get(basics.url).content.decode()
    assert "<video controls" in html and ".webm" in html
    tutorial = VideoTutorialPage.objects.get()
    assert tutorial.video.url in client.get(tutorial.url).content.decode()
