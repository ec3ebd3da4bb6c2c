"""The read-only API: each endpoint's content, the refusals (no token, a browser session, an
unknown or revoked token, a missing scope, an unknown wave), the rate limit, the audit of every
call, the token's last use, and query counts that do not grow with the data."""

from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone
from freezegun import freeze_time

from assessments.models import CertificationStatus
from portal.readiness import api, evaluation, tokens
from portal.readiness.models import AccessException, ApiToken, Wave
from portal.records.models import AuditEvent
from tests.factories import DepartmentFactory, UserFactory
from tests.readiness.access_factories import (
    access_wave,
    exception,
    nurse_track,
    staff_bulk,
    status_rows,
)
from tests.readiness.api_factories import api_token, bearer, superuser

pytestmark = pytest.mark.django_db
S = CertificationStatus.Status


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate counters live in the cache, which outlives each test's database."""
    cache.clear()


@pytest.fixture
def ed():
    return DepartmentFactory(code="ED", name="Emergency", name_zh="急诊科")


@pytest.fixture
def world(ed):
    """ED (with its sub-department OBS) in a pilot wave: 4 nurses in ED, 3 of them certified,
    1 in OBS with an approved exception; CARD in a later wave."""
    obs = DepartmentFactory(code="ED-OBS", name="Observation", parent=ed)
    card = DepartmentFactory(code="CARD", name="Cardiology")
    pilot = access_wave([ed], name="Pilot", name_zh="试点")
    later = access_wave(
        [card], name="Hospital-wide", go_live=pilot.go_live_date + timedelta(days=60)
    )
    track_ = nurse_track()
    nurses = staff_bulk(ed, 4, prefix="ED")
    status_rows(nurses[:3], track_, status=S.CERTIFIED, valid_until=date(2028, 1, 1))
    status_rows(nurses[3:], track_, status=S.NOT_STARTED)
    obs_nurse = staff_bulk(obs, 1, prefix="OBS")
    status_rows(obs_nurse, track_, status=S.NOT_STARTED)
    exception(pilot, obs_nurse[0], by=superuser(), status=AccessException.Status.APPROVED)
    return {"pilot": pilot, "later": later, "ed": ed, "obs": obs, "card": card}


@pytest.fixture
def secret():
    return api_token()[1]


def _get(client, url, secret=None, **extra):
    headers = bearer(secret) if secret else {}
    return client.get(url, **headers, **extra)


# ---------------------------------------------------------------------------------------------
# Content


def test_waves_lists_every_wave_with_its_departments(client, world, secret):
    response = _get(client, "/api/waves", secret)
    assert response.status_code == 200
    pilot, later = world["pilot"], world["later"]
    assert response.json() == [
        {
            "id": pilot.pk,
            "name": "Pilot",
            "name_zh": "试点",
            "status": "planning",
            "go_live_date": pilot.go_live_date.isoformat(),
            "dual_track_until": pilot.dual_track_until.isoformat(),
            "department_codes": ["ED"],
        },
        {
            "id": later.pk,
            "name": "Hospital-wide",
            "name_zh": later.name_zh,
            "status": "planning",
            "go_live_date": later.go_live_date.isoformat(),
            "dual_track_until": later.dual_track_until.isoformat(),
            "department_codes": ["CARD"],
        },
    ]


def test_readiness_gives_the_wave_departments_and_cells(client, world, secret):
    pilot = world["pilot"]
    response = _get(client, f"/api/waves/{pilot.pk}/readiness", secret)
    assert response.status_code == 200
    body = response.json()
    expected = evaluation.wave_readiness(wave=pilot, today=timezone.localdate())
    assert body["wave"]["id"] == pilot.pk and body["wave"]["department_codes"] == ["ED"]
    assert body["today"] == timezone.localdate().isoformat()
    assert body["days_to_go_live"] == 14
    assert body["rag"] == expected.rag
    coverage = {v["kind"]: v for v in body["values"]}["coverage"]
    # 3 of the 5 nurses (ED and its sub-department) certified: 60 %, red against 90 / 80.
    assert coverage == {
        "kind": "coverage",
        "value": 60.0,
        "rag": "red",
        "green": 90.0,
        "amber": 80.0,
    }
    assert body["counts"]["rows"] == 5 and body["counts"]["covered"] == 3
    departments = {d["code"]: d for d in body["departments"]}
    assert set(departments) == {"ED", "ED-OBS"}  # CARD is the other wave's
    ed = departments["ED"]
    assert (ed["name"], ed["name_zh"], ed["id"]) == ("Emergency", "急诊科", world["ed"].pk)
    assert {v["kind"]: v["value"] for v in ed["values"]}["coverage"] == 75.0
    [cell] = ed["cells"]
    assert (cell["job_role"], cell["shift"], cell["counts"]["rows"]) == ("nurse", "day", 4)
    assert cell["job_role_name"] == "Nurse" and cell["shift_name"] == "Day"
    assert {v["kind"]: v["rag"] for v in cell["values"]}["coverage"] == "red"
    assert departments["ED-OBS"]["cells"][0]["values"][0]["value"] == 0.0


def test_access_list_gives_everyone_with_their_access(client, world, secret):
    pilot = world["pilot"]
    response = _get(client, f"/api/waves/{pilot.pk}/access-list", secret)
    assert response.status_code == 200
    body = response.json()
    assert (body["wave"], body["department"]) == (pilot.pk, None)
    rows = {r["employee_number"]: r for r in body["rows"]}
    assert set(rows) == {"ED00000", "ED00001", "ED00002", "ED00003", "OBS00000"}
    assert rows["ED00000"]["certified"] and rows["ED00000"]["access"]
    assert rows["ED00000"]["valid_until"] == "2028-01-01"
    assert rows["ED00000"]["department_code"] == "ED" and rows["ED00000"]["job_role"] == "nurse"
    assert not rows["ED00003"]["certified"] and not rows["ED00003"]["access"]
    obs = rows["OBS00000"]
    assert not obs["certified"] and obs["access"] and obs["exception_status"] == "approved"
    assert obs["exception_until"] is not None


def test_access_list_filters_by_department_with_its_sub_departments(client, world, secret):
    url = f"/api/waves/{world['pilot'].pk}/access-list"
    only_obs = _get(client, url + "?department=ED-OBS", secret).json()
    assert [r["employee_number"] for r in only_obs["rows"]] == ["OBS00000"]
    assert only_obs["department"] == "ED-OBS"
    with_sub = _get(client, url + "?department=ED", secret).json()
    assert len(with_sub["rows"]) == 5
    # A department of another wave: nobody of this wave.
    assert _get(client, url + "?department=CARD", secret).json()["rows"] == []
    assert _get(client, url + "?department=NOPE", secret).status_code == 404


@pytest.mark.parametrize("path", ["readiness", "access-list"])
def test_unknown_wave_is_404(client, world, secret, path):
    missing = Wave.objects.order_by("-pk").first().pk + 1
    response = _get(client, f"/api/waves/{missing}/{path}", secret)
    assert response.status_code == 404 and response.json() == {"detail": "Not Found"}
    assert _get(client, f"/api/waves/{2**31 - 1}/{path}", secret).status_code == 404
    assert _get(client, f"/api/waves/0/{path}", secret).status_code == 422


# ---------------------------------------------------------------------------------------------
# Refusals


def _urls(world):
    pk = world["pilot"].pk
    return ["/api/waves", f"/api/waves/{pk}/readiness", f"/api/waves/{pk}/access-list"]


def test_no_token_unknown_token_or_other_scheme_is_401(client, world, secret):
    for url in _urls(world):
        assert _get(client, url).status_code == 401
        assert _get(client, url, secret[:-2] + "xx").status_code == 401
        assert _get(client, url, "rl_00000000_" + "a" * 43).status_code == 401
        response = client.get(url, HTTP_AUTHORIZATION=f"Token {secret}")
        assert response.status_code == 401 and response.json() == {"detail": "Unauthorized"}


def test_a_browser_session_is_not_enough(client, world):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    for url in _urls(world):
        assert client.get(url).status_code == 401


def test_a_revoked_token_is_refused(client, world):
    token, secret = api_token()
    assert _get(client, "/api/waves", secret).status_code == 200
    tokens.token_revoke(actor=token.created_by, token=token)
    for url in _urls(world):
        assert _get(client, url, secret).status_code == 401


@pytest.mark.parametrize(
    ("scopes", "path", "missing"),
    [
        (["readiness", "access_list"], "/api/waves", "waves"),
        (["waves", "access_list"], "/api/waves/{pk}/readiness", "readiness"),
        (["waves", "readiness"], "/api/waves/{pk}/access-list", "access_list"),
    ],
)
def test_a_token_without_the_scope_is_403_naming_it(client, world, scopes, path, missing):
    _token, secret = api_token(scopes)
    response = _get(client, path.format(pk=world["pilot"].pk), secret)
    assert response.status_code == 403
    assert response.json() == {"detail": f'This token lacks the scope "{missing}".'}


def test_scope_is_checked_before_the_wave(client, world):
    _token, secret = api_token(["waves"])
    assert _get(client, "/api/waves/999999/readiness", secret).status_code == 403


# ---------------------------------------------------------------------------------------------
# Rate limit


def test_rate_limit_trips_at_per_minute_plus_one(client, world):
    _token, secret = api_token(per_minute=3)
    _other, other_secret = api_token(per_minute=3)
    with freeze_time("2026-12-07 10:00:15"):
        statuses = [_get(client, "/api/waves", secret).status_code for _ in range(3)]
        refused = _get(client, "/api/waves", secret)
        # Counted per token: another token is not held back.
        assert _get(client, "/api/waves", other_secret).status_code == 200
    assert statuses == [200, 200, 200]
    assert refused.status_code == 429 and refused["Retry-After"] == "45"
    assert "limit per minute" in refused.json()["detail"]
    with freeze_time("2026-12-07 10:00:59"):
        assert _get(client, "/api/waves", secret).status_code == 429
    with freeze_time("2026-12-07 10:01:00"):
        assert _get(client, "/api/waves", secret).status_code == 200


def test_refused_scope_calls_count_against_the_limit(client, world):
    _token, secret = api_token(["waves"], per_minute=2)
    with freeze_time("2026-12-07 10:00:00"):
        readiness = f"/api/waves/{world['pilot'].pk}/readiness"
        assert [_get(client, readiness, secret).status_code for _ in range(2)] == [403, 403]
        assert _get(client, "/api/waves", secret).status_code == 429


def test_calls_without_a_valid_token_are_limited_per_address_and_audited_once(client, world):
    token, secret = api_token()
    revoked, revoked_secret = api_token()
    tokens.token_revoke(actor=revoked.created_by, token=revoked)
    ward = {"REMOTE_ADDR": "10.9.0.1"}
    # Missing, unknown, revoked and other-scheme calls all count against the address.
    callers = [
        lambda: _get(client, "/api/waves", **ward),
        lambda: _get(client, "/api/waves", "rl_00000000_" + "a" * 43, **ward),
        lambda: _get(client, "/api/waves", revoked_secret, **ward),
        lambda: client.get("/api/waves", HTTP_AUTHORIZATION="Token x", **ward),
    ]
    with freeze_time("2026-12-07 10:00:20"):
        statuses = [callers[n % 4]().status_code for n in range(api.UNKNOWN_PER_MINUTE)]
        first_refusal = _get(client, "/api/waves", **ward)
        more = [callers[n % 4]().status_code for n in range(5)]
        # Another address, and a valid token from the same one, are not held back.
        assert _get(client, "/api/waves", REMOTE_ADDR="10.9.0.2").status_code == 401
        assert _get(client, "/api/waves", secret, **ward).status_code == 200
    assert api.UNKNOWN_PER_MINUTE == 120
    assert statuses == [401] * 120
    assert first_refusal.status_code == 429 and first_refusal["Retry-After"] == "40"
    assert "without a valid token" in first_refusal.json()["detail"]
    assert more == [429] * 5
    calls = [e for e in _calls() if e.ip == "10.9.0.1"]
    # Every call below the limit, the first refusal, and not the flood after it.
    assert [e.after["status"] for e in calls] == [401] * 120 + [429, 200]
    assert calls[-2].actor_label == "API (no valid token)"
    with freeze_time("2026-12-07 10:01:00"):
        assert _get(client, "/api/waves", **ward).status_code == 401


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_the_address_limit_reads_the_trusted_proxy_header(client, world, monkeypatch):
    monkeypatch.setattr(api, "UNKNOWN_PER_MINUTE", 2)
    proxy = {"REMOTE_ADDR": "10.0.0.9"}
    with freeze_time("2026-12-07 10:00:00"):
        a = [
            _get(client, "/api/waves", HTTP_X_FORWARDED_FOR="10.9.0.1", **proxy).status_code
            for _ in range(3)
        ]
        # Behind the same proxy, another person's address has its own count.
        b = _get(client, "/api/waves", HTTP_X_FORWARDED_FOR="10.9.0.2", **proxy).status_code
    assert a == [401, 401, 429] and b == 401


# ---------------------------------------------------------------------------------------------
# Audit and last use


def _calls():
    return list(AuditEvent.objects.filter(action="api.call").order_by("pk"))


def test_every_call_is_audited_with_prefix_path_and_status(client, world):
    token, secret = api_token(["waves"], per_minute=2)
    pk = world["pilot"].pk
    with freeze_time("2026-12-07 10:00:00"):
        _get(client, "/api/waves", secret)
        _get(client, f"/api/waves/{pk}/readiness", secret, REMOTE_ADDR="10.1.2.3")
        _get(client, "/api/waves", secret)
    _get(client, "/api/waves", "rl_deadbeef_" + "x" * 43)
    _get(client, "/api/waves")
    _get(client, f"/api/waves/{pk}/access-list?department=ED", secret)  # another minute
    calls = _calls()
    assert [(e.after["token"], e.after["path"], e.after["status"]) for e in calls] == [
        (token.prefix, "/api/waves", 200),
        (token.prefix, f"/api/waves/{pk}/readiness", 403),
        (token.prefix, "/api/waves", 429),
        ("rl_deadbeef", "/api/waves", 401),
        ("", "/api/waves", 401),
        (token.prefix, f"/api/waves/{pk}/access-list?department=ED", 403),
    ]
    assert calls[0].object_id == str(token.pk) and calls[0].object_type == "readiness.apitoken"
    assert calls[0].actor_label == f"API token {token.prefix}" and calls[0].actor_id is None
    assert calls[1].ip == "10.1.2.3"
    assert calls[3].object_id == "" and calls[4].actor_label == "API (no valid token)"


def test_a_call_notes_the_tokens_last_use(client, world):
    token, secret = api_token()
    assert token.last_used_at is None
    with freeze_time("2026-12-07 10:00:00"):
        _get(client, "/api/waves", secret)
    token.refresh_from_db()
    assert token.last_used_at.isoformat().startswith("2026-12-07T10:00:00")
    with freeze_time("2026-12-07 10:00:30"):
        _get(client, "/api/waves", secret)
    token.refresh_from_db()
    assert token.last_used_at.isoformat().startswith("2026-12-07T10:00:00")
    with freeze_time("2026-12-07 10:05:00"):
        _get(client, "/api/waves", secret)
    assert (
        ApiToken.objects.get(pk=token.pk).last_used_at.isoformat().startswith("2026-12-07T10:05:00")
    )


def test_docs_and_schema_are_served(client):
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 200
    body = schema.json()
    assert body["info"]["title"] == "Readyline API"
    assert set(body["paths"]) == {
        "/api/waves",
        "/api/waves/{id}/readiness",
        "/api/waves/{id}/access-list",
    }
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    # Swagger UI from the portal's own static files (hospital networks are often offline, and
    # the Content Security Policy allows no other origin and no inline script).
    assert "/static/ninja/swagger-ui-bundle.js" in docs.content.decode()
    assert "cdn." not in docs.content.decode()


# ---------------------------------------------------------------------------------------------
# Query counts: the same for 10 and for 1,000 rows


@pytest.mark.parametrize("n", [10, 1000])
def test_waves_query_count_does_not_grow(client, django_assert_max_num_queries, n):
    departments = [DepartmentFactory(code=f"W{i}") for i in range(3)]
    Wave.objects.bulk_create(
        Wave(name=f"W{i}", go_live_date=date(2027, 1, 1) + timedelta(days=i)) for i in range(n)
    )
    for wave in Wave.objects.all()[:5]:
        wave.departments.set(departments)
    secret = api_token()[1]
    with django_assert_max_num_queries(9):
        response = _get(client, "/api/waves", secret)
    assert response.status_code == 200 and len(response.json()) == n


def _big_department(n):
    ed = DepartmentFactory(code="BIG")
    wave = access_wave([ed])
    staff = staff_bulk(ed, n, prefix="B")
    half = n // 2
    track_ = nurse_track()
    status_rows(staff[:half], track_, status=S.CERTIFIED, valid_until=date(2028, 1, 1))
    status_rows(staff[half:], track_)
    return wave


@pytest.mark.parametrize("n", [10, 1000])
def test_readiness_query_count_does_not_grow(client, django_assert_max_num_queries, n):
    wave = _big_department(n)
    secret = api_token()[1]
    # The evaluation with cells: 15 of them (one for the few assignment counts not current).
    with django_assert_max_num_queries(19):
        response = _get(client, f"/api/waves/{wave.pk}/readiness", secret)
    assert response.status_code == 200
    assert response.json()["counts"] == {
        "rows": n,
        "covered": n // 2,
        "assignments": 0,
        "overdue": 0,
    }


@pytest.mark.parametrize("n", [10, 1000])
def test_access_list_query_count_does_not_grow(client, django_assert_max_num_queries, n):
    wave = _big_department(n)
    secret = api_token()[1]
    with django_assert_max_num_queries(15):
        response = _get(client, f"/api/waves/{wave.pk}/access-list?department=BIG", secret)
    assert response.status_code == 200 and len(response.json()["rows"]) == n
