"""Who may open each HR page: HR and superusers; others signed in get 403 (transcripts of
other people: 404); anonymous visitors are sent to sign in."""

import pytest
from django.urls import reverse

from portal.accounts import roles
from portal.records.models import HrExport
from tests.factories import UserFactory, person

pytestmark = pytest.mark.django_db

ROLES = [roles.LEARNER, roles.TRAINER, roles.MANAGER, roles.ROLLOUT_LEAD, roles.AUDITOR]


@pytest.fixture
def subject(role_groups):
    return person(role_names=[roles.LEARNER], full_name="王秀英")


@pytest.fixture
def export(subject):
    hr_user = person(role_names=[roles.HR]).user
    return HrExport.objects.create(requested_by=hr_user, format="csv")


def _urls(subject, export):
    return {
        "hr_search": (reverse("records:hr_search"), 403),
        "transcript": (reverse("records:transcript", args=[subject.pk]), 404),
        "transcript_pdf": (reverse("records:transcript_pdf", args=[subject.pk]), 404),
        "hr_export_detail": (reverse("records:hr_export_detail", args=[export.pk]), 403),
        "hr_export_progress": (reverse("records:hr_export_progress", args=[export.pk]), 403),
        "hr_export_download": (reverse("records:hr_export_download", args=[export.pk]), 403),
    }


def test_permission_is_given_to_hr_only(role_groups):
    hr_user = person(role_names=[roles.HR]).user
    assert hr_user.has_perm("records.view_hr_records")
    for role in ROLES:
        assert not person(role_names=[role]).user.has_perm("records.view_hr_records")


@pytest.mark.parametrize("role", ROLES)
def test_other_roles_are_refused(client, subject, export, role):
    client.force_login(person(role_names=[role]).user)
    for name, (url, refused) in _urls(subject, export).items():
        assert client.get(url).status_code == refused, name
    assert client.post(reverse("records:hr_export_create"), {"format": "csv"}).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, subject, export):
    urls = [url for url, _code in _urls(subject, export).values()]
    urls += [reverse("records:my_transcript"), reverse("records:my_transcript_pdf")]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"], url


@pytest.mark.parametrize("who", ["hr", "superuser"])
def test_hr_and_superusers_see_the_pages(client, subject, export, who):
    user = person(role_names=[roles.HR]).user if who == "hr" else UserFactory(is_superuser=True)
    client.force_login(user)
    for name, (url, _code) in _urls(subject, export).items():
        expected = 404 if name == "hr_export_download" else 200  # not written yet
        assert client.get(url).status_code == expected, name


@pytest.mark.parametrize("role", [*ROLES, roles.HR])
def test_everyone_reads_their_own_transcript(client, role_groups, role):
    me = person(role_names=[role], full_name="李娜")
    client.force_login(me.user)
    response = client.get(reverse("records:my_transcript"))
    assert response.status_code == 200 and "李娜" in response.content.decode()
    assert client.get(reverse("records:my_transcript_pdf")).status_code == 200


def test_a_login_without_staff_record_sees_an_explanation(client):
    client.force_login(UserFactory())
    response = client.get(reverse("records:my_transcript"))
    assert response.status_code == 200
    assert "not linked to a staff record" in response.content.decode()
    assert client.get(reverse("records:my_transcript_pdf")).status_code == 404
