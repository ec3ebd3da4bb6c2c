"""API tokens: creation (the secret once, only its hash kept, specific validation), who may,
revoking, authenticating, audit, and the token pages (list, create with a double submit,
secret shown once, revoke POST only, query counts)."""

import hashlib
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from portal.accounts import roles
from portal.readiness import tokens
from portal.readiness.models import ApiToken
from portal.records.models import AuditEvent
from tests.factories import person
from tests.readiness.api_factories import api_token, superuser

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    """Form tokens live in the cache, which outlives each test's database."""
    cache.clear()


@pytest.fixture
def lead(role_groups):
    return person([roles.ROLLOUT_LEAD]).user


def test_create_returns_the_secret_once_and_stores_only_its_hash(lead):
    token, secret = tokens.token_create(
        actor=lead, name="  HIS provisioning ", scopes=["access_list", "waves"], per_minute=30
    )
    token.refresh_from_db()
    assert secret.startswith(token.prefix + "_") and token.prefix.startswith("rl_")
    assert len(token.prefix) == 11 and len(secret) > 40
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    assert token.name == "HIS provisioning"
    assert token.scopes == ["waves", "access_list"]  # the model's order, whatever was given
    assert (token.per_minute, token.created_by) == (30, lead)
    event = AuditEvent.objects.get(action="readiness.api_token_create")
    assert event.actor_id == lead.pk and event.object_id == str(token.pk)
    assert event.after["prefix"] == token.prefix and secret not in str(event.after)


def test_two_tokens_have_different_secrets_and_prefixes(lead):
    (a, secret_a), (b, secret_b) = (api_token(actor=lead), api_token(actor=lead))
    assert a.prefix != b.prefix and secret_a != secret_b


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "  "}, "Name the integration the token is for."),
        ({"scopes": []}, "Choose at least one scope."),
        ({"scopes": ["waves", "staff", "admin"]}, "Unknown scope: staff, admin."),
        ({"per_minute": 0}, "Requests per minute must be between 1 and 6000."),
        ({"per_minute": "many"}, "Give the requests per minute as a whole number."),
    ],
)
def test_invalid_tokens_are_refused_with_the_reason(lead, fields, message):
    data = {"name": "BI", "scopes": ["waves"], "per_minute": 60, **fields}
    with pytest.raises(ValidationError) as exc:
        tokens.token_create(actor=lead, **data)
    assert exc.value.messages == [message]
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.filter(action="readiness.api_token_create").exists()


def test_every_reason_is_given_at_once(lead):
    with pytest.raises(ValidationError) as exc:
        tokens.token_create(actor=lead, name="", scopes=[], per_minute=99999)
    assert len(exc.value.messages) == 3


@pytest.mark.parametrize("role", [roles.LEARNER, roles.MANAGER, roles.HR, roles.AUDITOR])
def test_only_the_rollout_lead_or_a_superuser_manages_tokens(role_groups, role):
    other = person([role]).user
    with pytest.raises(PermissionDenied):
        tokens.token_create(actor=other, name="BI", scopes=["waves"])
    token, _secret = api_token(actor=superuser())
    with pytest.raises(PermissionDenied):
        tokens.token_revoke(actor=other, token=token)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_authenticate_accepts_the_live_secret_only(lead):
    token, secret = api_token(actor=lead)
    assert tokens.token_authenticate(secret) == token
    assert tokens.token_authenticate(f"  {secret} ") == token
    assert tokens.token_authenticate(secret + "x") is None
    assert tokens.token_authenticate(secret[:-1]) is None
    assert tokens.token_authenticate("") is None
    assert tokens.token_authenticate("not-a-token") is None


def test_revoke_refuses_the_token_from_then_on_and_is_audited_once(lead):
    token, secret = api_token(actor=lead)
    with freeze_time("2026-12-07 10:00:00"):
        tokens.token_revoke(actor=lead, token=token, ip="10.0.0.5")
    with freeze_time("2026-12-07 11:00:00"):
        tokens.token_revoke(actor=lead, token=token)
    token.refresh_from_db()
    assert token.revoked_at.isoformat().startswith("2026-12-07T10:00:00")
    assert tokens.token_authenticate(secret) is None
    events = AuditEvent.objects.filter(action="readiness.api_token_revoke")
    assert events.count() == 1 and events.get().ip == "10.0.0.5"


def test_touch_writes_last_used_at_most_once_a_minute(lead, django_assert_num_queries):
    token, _secret = api_token(actor=lead)
    start = timezone.now()
    with django_assert_num_queries(1):
        tokens.token_touch(token, now=start)
    with django_assert_num_queries(0):
        tokens.token_touch(token, now=start + timedelta(seconds=30))
    token.refresh_from_db()
    assert token.last_used_at == start
    # Another process holding an old copy of the row still writes at most once a minute.
    stale = ApiToken.objects.get(pk=token.pk)
    stale.last_used_at = None
    tokens.token_touch(stale, now=start + timedelta(seconds=40))
    token.refresh_from_db()
    assert token.last_used_at == start
    tokens.token_touch(token, now=start + timedelta(seconds=61))
    token.refresh_from_db()
    assert token.last_used_at == start + timedelta(seconds=61)


# ---------------------------------------------------------------------------------------------
# The pages


def _create(client, **data):
    data.setdefault("form_token", "form-1")
    data.setdefault("name", "HIS provisioning")
    data.setdefault("scopes", ["access_list"])
    data.setdefault("per_minute", "60")
    return client.post(reverse("readiness:tokens"), data)


def test_page_creates_a_token_and_shows_its_secret_once(client, lead):
    client.force_login(lead)
    response = _create(client, scopes=["waves", "readiness"])
    token = ApiToken.objects.get()
    assert response.status_code == 302
    page = client.get(response["Location"])
    body = page.content.decode()
    assert page.status_code == 200
    secret = page.context["secret"]
    assert tokens.token_authenticate(secret) == token
    assert secret in body and "it is shown this once" in body
    assert token.name in body and token.prefix in body
    assert "Readiness per department, role and shift" in body
    again = client.get(response["Location"])
    assert again.context["secret"] is None and secret not in again.content.decode()


def test_double_submit_creates_one_token_and_still_shows_the_secret(client, lead):
    client.force_login(lead)
    first = _create(client)
    second = _create(client)
    assert ApiToken.objects.count() == 1
    assert AuditEvent.objects.filter(action="readiness.api_token_create").count() == 1
    assert first["Location"] == second["Location"]
    # The browser follows the last redirect only: it shows the secret.
    page = client.get(second["Location"])
    assert tokens.token_authenticate(page.context["secret"]) == ApiToken.objects.get()


def test_the_secret_is_shown_only_to_who_created_it(client, lead, role_groups):
    client.force_login(lead)
    location = _create(client)["Location"]
    other = superuser()
    client.force_login(other)
    page = client.get(location)
    assert page.status_code == 200 and page.context["secret"] is None


def test_invalid_form_says_why_and_keeps_the_input(client, lead):
    client.force_login(lead)
    response = _create(client, name="BI tool", scopes=[])
    body = response.content.decode()
    assert response.status_code == 400 and "Choose at least one scope." in body
    assert 'value="BI tool"' in body and 'value="form-1"' in body
    assert not ApiToken.objects.exists()
    # Corrected and sent again with the same form token: created.
    assert _create(client, name="BI tool").status_code == 302
    assert ApiToken.objects.get().name == "BI tool"


def test_a_form_without_its_token_is_refused(client, lead):
    client.force_login(lead)
    response = _create(client, form_token="")
    assert response.status_code == 400
    assert "The form has expired" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoke_page_revokes_by_post_only(client, lead):
    token, _secret = api_token(actor=lead)
    client.force_login(lead)
    url = reverse("readiness:token_revoke", args=[token.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("readiness:tokens")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.post(reverse("readiness:token_revoke", args=[token.pk + 99])).status_code == 404


@pytest.mark.parametrize("role", [roles.LEARNER, roles.MANAGER, roles.HR, roles.AUDITOR])
def test_pages_refuse_everyone_but_the_lead(client, role_groups, role):
    token, _secret = api_token()
    client.force_login(person([role]).user)
    assert client.get(reverse("readiness:tokens")).status_code == 403
    assert _create(client).status_code == 403
    assert client.post(reverse("readiness:token_revoke", args=[token.pk])).status_code == 403
    assert ApiToken.objects.count() == 1
    token.refresh_from_db()
    assert token.revoked_at is None


def test_pages_send_the_anonymous_to_sign_in(client):
    response = client.get(reverse("readiness:tokens"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_page_shows_the_chinese_labels(client, lead):
    api_token(actor=lead)
    client.force_login(lead)
    client.post("/i18n/setlang/", {"language": "zh-hans"})
    response = client.get(reverse("readiness:tokens"))
    assert response.status_code == 200 and response.context["tokens"]


@pytest.mark.parametrize("n", [10, 1000])
def test_list_query_count_does_not_grow(client, lead, django_assert_max_num_queries, n):
    ApiToken.objects.bulk_create(
        ApiToken(
            name=f"T{i}",
            prefix=f"rl_{i:08x}",
            key_hash=f"{i:064x}",
            scopes=["waves"],
            created_by=lead,
        )
        for i in range(n)
    )
    client.force_login(lead)
    # The same bound for 10 and 1,000 tokens (most of it is the session and sign-in).
    with django_assert_max_num_queries(15):
        response = client.get(reverse("readiness:tokens"))
    assert response.status_code == 200 and len(response.context["tokens"]) == n


def test_page_says_to_reload_while_the_first_submit_is_still_creating(client, lead):
    client.force_login(lead)
    # The first submit holds the form token and has not stored the new secret yet.
    cache.add(tokens._form_key("form-1"), {"pending": True}, 60)
    response = _create(client)
    assert response.status_code == 302 and not ApiToken.objects.exists()
    page = client.get(response["Location"])
    assert page.context["pending"] and "reload this page" in page.content.decode()


def test_the_readiness_page_links_the_tokens_for_the_lead_only(client, lead, role_groups):
    client.force_login(lead)
    assert 'href="/readiness/tokens/"' in client.get("/readiness/").content.decode()
    client.force_login(person([roles.HR]).user)
    page = client.get("/readiness/")
    assert page.status_code == 200 and "/readiness/tokens/" not in page.content.decode()
