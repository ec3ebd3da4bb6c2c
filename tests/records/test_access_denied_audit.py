"""Failed access-control decisions are in the audit trail (AccessDeniedAuditMiddleware): who
asked for which page, from where; a page shown or not found leaves no such event. The
permission matrix checks the same for every refusal it expects."""

import pytest
from django.test import Client

from portal.records.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DENIED = "access.denied"


def test_a_refused_page_is_audited_with_who_and_what(client):
    learner = UserFactory()
    client.force_login(learner)
    response = client.get("/org/staff/?q=x")
    assert response.status_code == 403
    event = AuditEvent.objects.get(action=DENIED)
    assert event.actor_id == learner.pk
    assert event.object_type == "url" and event.object_id == "org:staff_list"
    assert event.after == {"method": "GET", "path": "/org/staff/"}
    assert event.ip == "127.0.0.1"


def test_a_refused_post_without_its_csrf_token_is_audited():
    user = UserFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/accounts/logout/")
    assert response.status_code == 403
    event = AuditEvent.objects.get(action=DENIED)
    assert event.actor_id == user.pk and event.after["method"] == "POST"


def test_pages_shown_or_not_found_are_not_audited_as_refusals(client):
    client.force_login(UserFactory())
    assert client.get("/training/").status_code == 200
    assert client.get("/no-such-page/").status_code == 404
    assert not AuditEvent.objects.filter(action=DENIED).exists()


def test_the_refusals_keep_the_chain_intact(client):
    from portal.records.selectors import audit_chain_verify

    client.force_login(UserFactory())
    for _ in range(3):
        client.get("/org/staff/")
    assert AuditEvent.objects.filter(action=DENIED).count() == 3
    assert audit_chain_verify().ok
