"""IDOR: every URL that names an object (a pk, a code, a token in its path) has a case in which
someone who may use the view asks for another person's or another department's object, and is
refused (403) or told it does not exist (404), with nothing of it in the answer and nothing
changed. GET cases are the matrix rows marked Idor (tests/test_permission_matrix.py); POST-only
views have theirs here; public-by-design object URLs are listed with the reason."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from wagtail.documents import get_document_model

from portal.accounts import roles
from portal.readiness.tokens import token_create
from portal.records.models import AuditEvent
from tests import test_permission_matrix as matrix
from tests.test_permission_matrix import (
    ADMIN,
    ANON,
    HR,
    LEAD,
    LEARNER,
    MANAGER,
    MATRIX,
    TRAINER,
    Idor,
)

# The matrix's world (built once per module), for the cases here.
world_built = matrix.world_built
world = matrix.world

# Admin trees and allauth: the object URLs inside are their owners' (see IDOR_EXEMPT).
TREES = ("cms/", "django-admin/", "accounts/")


def _row(obj) -> dict:
    """An object's stored state, to compare before and after a refused request."""
    return type(obj).objects.filter(pk=obj.pk).values().first()


# (pattern name, url, who, form data, state that must not change). Each `who` may use the view
# for what is theirs (or their departments'); the object is someone else's.
IDOR_POSTS = [
    (
        "org:roster_import_confirm",
        lambda w: f"/org/roster/{w.roster_import.pk}/confirm/",
        MANAGER,
        {"deactivate_missing": "on"},
        lambda w: _row(w.roster_import),
    ),
    (
        "courses:feedback_resolve",
        lambda w: f"/learning/feedback/{w.report.pk}/resolve/",
        MANAGER,
        {},
        lambda w: _row(w.report),
    ),
    (
        "courses:feedback_reopen",
        lambda w: f"/learning/feedback/{w.report.pk}/reopen/",
        MANAGER,
        {},
        lambda w: _row(w.report),
    ),
    (
        "courses:session_attendance",
        lambda w: f"/learning/sessions/{w.session.pk}/attendance/",
        LEARNER,
        {},
        lambda w: list(w.session.bookings.values()),
    ),
    (
        "assessments:attempt_save",
        lambda w: f"/exams/attempt/{w.open_attempt.pk}/save/",
        TRAINER,
        {},
        lambda w: (_row(w.open_attempt), list(w.open_attempt.questions.values())),
    ),
    (
        "assessments:attempt_submit",
        lambda w: f"/exams/attempt/{w.open_attempt.pk}/submit/",
        TRAINER,
        {},
        lambda w: _row(w.open_attempt),
    ),
    (
        "assessments:his_act",
        lambda w: f"/exams/attempt/{w.practical_open.pk}/his/act/",
        TRAINER,
        {"action": "patient.search", "query": "x"},
        lambda w: _row(w.practical_open),
    ),
    (
        "assessments:his_finish",
        lambda w: f"/exams/attempt/{w.practical_open.pk}/his/finish/",
        TRAINER,
        {},
        lambda w: _row(w.practical_open),
    ),
    (
        "assessments:essay_grade",
        lambda w: f"/exams/manage/grading/{w.other_attempt.questions.first().pk}/",
        TRAINER,
        {"score": "1"},
        lambda w: list(w.other_attempt.questions.values()),
    ),
    (
        "assessments:rubric_score",
        lambda w: f"/exams/manage/examine/attempt/{w.practical_other_attempt.pk}/",
        TRAINER,
        {},
        lambda w: _row(w.practical_other_attempt),
    ),
    # TRAINER examines LEARNER on this exam, not card_staff.
    (
        "assessments:station_start",
        lambda w: (
            f"/exams/manage/examine/{w.practical_other_attempt.exam_id}/station/"
            f"{w.card_staff.pk}/start/"
        ),
        TRAINER,
        {},
        lambda w: list(type(w.other_attempt).objects.filter(staff=w.card_staff).values("pk")),
    ),
    (
        "assessments:certificate_revoke",
        lambda w: f"/exams/certificates/manage/{w.other_certificate.pk}/revoke/",
        MANAGER,
        {"reason": "x"},
        lambda w: _row(w.other_certificate),
    ),
    (
        "assessments:certificate_reissue",
        lambda w: f"/exams/certificates/manage/{w.other_certificate.pk}/reissue/",
        MANAGER,
        {"reason": "x"},
        lambda w: _row(w.other_certificate),
    ),
    (
        "seedusers:nomination_decide",
        lambda w: f"/seed-users/nominations/{w.other_nomination.pk}/decide/",
        MANAGER,
        {"decision": "approve"},
        lambda w: _row(w.other_nomination),
    ),
    (
        "seedusers:nomination_activate",
        lambda w: f"/seed-users/nominations/{w.other_nomination.pk}/activate/",
        MANAGER,
        {},
        lambda w: _row(w.other_nomination),
    ),
    (
        "seedusers:nomination_step_down",
        lambda w: f"/seed-users/nominations/{w.other_nomination.pk}/step-down/",
        MANAGER,
        {"reason": "x"},
        lambda w: _row(w.other_nomination),
    ),
    (
        "seedusers:activity_decide",
        lambda w: f"/seed-users/activities/{w.other_activity.pk}/decide/",
        MANAGER,
        {"decision": "confirm"},
        lambda w: _row(w.other_activity),
    ),
    (
        "readiness:decision_new",
        lambda w: f"/readiness/waves/{w.card_wave.pk}/decisions/new/",
        MANAGER,
        {"outcome": "go", "rationale": "x"},
        lambda w: list(w.card_wave.decisions.values_list("pk", flat=True)),
    ),
    (
        "readiness:decision_signoff",
        lambda w: f"/readiness/decisions/{w.card_decision.pk}/sign/",
        MANAGER,
        {"role": "manager"},
        lambda w: (_row(w.card_decision), list(w.card_decision.signoffs.values())),
    ),
    (
        "readiness:condition_done",
        lambda w: f"/readiness/conditions/{w.card_decision.conditions.first().pk}/done/",
        MANAGER,
        {},
        lambda w: list(w.card_decision.conditions.values()),
    ),
    (
        "readiness:exception_request",
        lambda w: (
            f"/readiness/waves/{w.card_wave.pk}/access/exceptions/new/?staff={w.card_staff.pk}"
        ),
        MANAGER,
        {"reason": "x", "expires_on": "2030-01-01"},
        lambda w: list(type(w.card_exception).objects.filter(wave=w.card_wave).values("pk")),
    ),
    (
        "readiness:exception_decide",
        lambda w: f"/readiness/exceptions/{w.card_exception.pk}/decide/",
        MANAGER,
        {"decision": "approve"},
        lambda w: _row(w.card_exception),
    ),
    (
        "readiness:token_revoke",
        lambda w: f"/readiness/tokens/{w.api_token.pk}/revoke/",
        HR,
        {},
        lambda w: _row(w.api_token),
    ),
]

# Object URLs without an IDOR case, with the reason.
CONTENT = (
    "the object is course content that every signed-in person may open (Wagtail page privacy "
    "aside); what the view writes or shows is the requester's own (progress, time, rating, "
    "report, booking, attempt), never anybody else's"
)
IDOR_EXEMPT = {
    "certificate_verify": "public by design: the QR code on a certificate opens it; the code is "
    "unguessable and the page shows only name, track, dates and state",
    "courses:lesson_complete": CONTENT,
    "courses:lesson_visit": CONTENT,
    "courses:lesson_time": CONTENT,
    "courses:lesson_report": CONTENT,
    "courses:course_resume": CONTENT,
    "courses:course_rate": CONTENT,
    "courses:course_sessions": CONTENT,
    "courses:session_book": CONTENT,
    "courses:session_cancel": CONTENT,
    "courses:scorm_player": CONTENT,
    "courses:scorm_commit": CONTENT,
    "courses:scorm_content": "a package's files are course content, served only under a lesson "
    "the requester may open (404 otherwise: matrix row)",
    "assessments:exam_detail": CONTENT,
    "assessments:attempt_start": CONTENT,
    "api:wave_readiness": "API tokens are organisation-wide (the rollout lead's); scopes are "
    "checked in test_api_object_urls_with_tokens",
    "api:wave_access_list": "see api:wave_readiness",
    "wagtaildocs_serve": "Wagtail checks collection privacy: test_private_document_is_refused",
    "wagtaildocs_authenticate_with_password": "Wagtail's password form for a restriction; it "
    "shows nothing of the document",
    "wagtailcore_authenticate_with_password": "Wagtail's password form for a private page",
    "wagtail_serve": "CMS pages: Wagtail's page privacy",
    # Trees: their own object URLs are checked by their owners' permission code.
    "cms/": "the Wagtail admin checks model and collection permissions (no per-person scope); "
    "representative rows: /cms/org/staff/edit/<other department>/, /cms/users/edit/<id>/",
    "django-admin/": "superusers only (every other role is refused the whole tree)",
    "accounts/": "allauth: keys that prove themselves (password reset, e-mail confirmation) and "
    "sign-in flows of SSO providers, which show nobody's data",
}
_OBJECT = re.compile(r"<[^>]+>|\(")


def _object_urls(resolvers, prefix="", namespace=""):
    """(route, name) of every URL pattern with a path parameter (a converter or a regex group)."""
    for entry in resolvers:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            top = next((t for t in TREES if route.startswith(t)), None)
            if top:
                yield top, top
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _object_urls(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern) and _OBJECT.search(route):
            yield route, namespace + (entry.name or route)


def _cases() -> set:
    return {row[0] for row in MATRIX if isinstance(row, Idor)} | {c[0] for c in IDOR_POSTS}


def test_every_object_url_has_an_idor_case():
    cases = _cases()
    missing = sorted(
        {
            f"{route} ({name})"
            for route, name in _object_urls(get_resolver().url_patterns)
            if name not in cases and name not in IDOR_EXEMPT
        }
    )
    assert not missing, "object URLs without an IDOR case: " + ", ".join(missing)


def test_idor_rows_refuse_someone():
    for row in MATRIX:
        if isinstance(row, Idor):
            # The admins answer a refusal with a redirect to their sign-in page.
            refusals = (302, 403, 404) if row[0] in ("cms", "django-admin") else (403, 404)
            refused = [r for r, outcome in row[2].items() if r != ANON and outcome in refusals]
            assert refused, f"{row[0]}: an IDOR row must refuse a signed-in role"


def test_exemptions_are_still_needed():
    present = {name for _route, name in _object_urls(get_resolver().url_patterns)}
    assert not set(IDOR_EXEMPT) - present - {"wagtail_serve"}, "exempt names that no longer exist"


@pytest.mark.parametrize(
    ("index",), [pytest.param(i, id=f"{c[0]}-{c[2]}") for i, c in enumerate(IDOR_POSTS)]
)
def test_idor_post_is_refused_and_changes_nothing(client, world, index):
    _name, build, role, data, state = IDOR_POSTS[index]
    client.force_login(world.people[role])
    before = state(world)
    changes = AuditEvent.objects.exclude(action="access.denied")
    audit_before = changes.count()

    response = client.post(build(world), data)

    assert response.status_code in (403, 404), (response.status_code, response.content[:300])
    assert state(world) == before
    assert changes.count() == audit_before
    assert world.card_staff.full_name not in response.content.decode()


# ---------------------------------------------------------------------------------------------
# The API: a bearer token per scope; a session is no substitute (matrix rows: 401).

API_URLS = {
    "waves": lambda w: "/api/waves",
    "readiness": lambda w: f"/api/waves/{w.card_wave.pk}/readiness",
    "access_list": lambda w: f"/api/waves/{w.card_wave.pk}/access-list",
}


def _bearer(world, scopes) -> dict:
    _token, secret = token_create(actor=world.people[LEAD], name="idor", scopes=scopes)
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.mark.parametrize("scope", list(API_URLS))
def test_api_object_urls_with_tokens(client, world, scope):
    url = API_URLS[scope](world)
    assert client.get(url, **_bearer(world, [scope])).status_code == 200
    others = [s for s in API_URLS if s != scope]
    assert client.get(url, **_bearer(world, others)).status_code == 403
    assert client.get(url, HTTP_AUTHORIZATION="Bearer rl_not-a-token").status_code == 401
    if scope != "waves":
        missing = url.replace(f"/{world.card_wave.pk}/", "/999999/")
        assert client.get(missing, **_bearer(world, [scope])).status_code == 404


# ---------------------------------------------------------------------------------------------
# Wagtail documents: a document in a collection restricted to HR.


@pytest.fixture
def hr_document(world, settings, tmp_path):
    from django.contrib.auth.models import Group
    from django.core.files.base import ContentFile
    from wagtail.models import Collection, CollectionViewRestriction

    # Wagtail serves a document from its file on disk (the test settings keep files in memory).
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    collection = Collection.get_first_root_node().add_child(name="HR only")
    restriction = CollectionViewRestriction.objects.create(
        collection=collection, restriction_type=CollectionViewRestriction.GROUPS
    )
    # The HR role's group alone (the matrix's HR person is a learner too).
    restriction.groups.set(Group.objects.filter(name=roles.HR))
    document = get_document_model()(title="Salary bands", collection=collection)
    document.file.save("salary-bands.pdf", ContentFile(b"%PDF-1.7 salary bands"), save=True)
    return document


@pytest.mark.parametrize("role", [ANON, LEARNER, MANAGER, TRAINER])
def test_private_document_is_refused(client, world, hr_document, role):
    if world.people[role] is not None:
        client.force_login(world.people[role])

    response = client.get(hr_document.url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", [HR, ADMIN])
def test_private_document_is_served_to_its_group(client, world, hr_document, role):
    client.force_login(world.people[role])

    response = client.get(hr_document.url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7 salary bands"
