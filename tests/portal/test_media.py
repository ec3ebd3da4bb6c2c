"""Nothing private is reachable at /media/...: with DEBUG on, the development server serves
Wagtail's images only; HR exports, SCORM zips and content, and documents are 404 there for
everyone (they have their own permission-checked views)."""

import sys

import pytest
from django.urls import clear_url_caches

from portal.accounts import roles
from tests.factories import UserFactory

PRIVATE = [
    "private/exports/hr-export-1.csv",
    "scorm/zips/course.zip",
    "scorm/1/index.html",
    "documents/staff-list.pdf",
]
PUBLIC = ["original_images/logo.png", "images/logo.width-100.png"]


@pytest.fixture
def debug_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    for name in PRIVATE + PUBLIC:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"private: " + name.encode())
    settings.DEBUG = True
    sys.modules.pop("tests.portal.media_urls", None)
    settings.ROOT_URLCONF = "tests.portal.media_urls"
    clear_url_caches()
    yield tmp_path
    clear_url_caches()


@pytest.fixture(params=["anonymous", "learner", "hr", "superuser"])
def visitor(request, client, role_groups):
    user = {
        "anonymous": lambda: None,
        "learner": lambda: UserFactory(roles=[roles.LEARNER]),
        "hr": lambda: UserFactory(roles=[roles.HR]),
        "superuser": lambda: UserFactory(is_superuser=True, is_staff=True),
    }[request.param]()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("name", PRIVATE)
def test_private_files_are_not_served_by_path(debug_media, visitor, name):
    response = visitor.get(f"/media/{name}")

    assert response.status_code == 404
    assert b"private: " not in b"".join(getattr(response, "streaming_content", [response.content]))


@pytest.mark.parametrize("name", PUBLIC)
def test_wagtail_images_are_served(debug_media, client, name):
    response = client.get(f"/media/{name}")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"private: " + name.encode()


def test_a_public_folder_does_not_lead_out_of_itself(debug_media, client):
    for path in ("../private/exports/hr-export-1.csv", "%2e%2e/private/exports/hr-export-1.csv"):
        response = client.get(f"/media/original_images/{path}")
        assert response.status_code in (400, 404)  # Django's serve refuses the path


def test_without_debug_nothing_is_served_at_media(client, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "original_images").mkdir()
    (tmp_path / "original_images" / "logo.png").write_bytes(b"x")
    assert client.get("/media/original_images/logo.png").status_code == 404
