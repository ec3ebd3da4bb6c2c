"""The "no training, no access" list: who is on it, certified as the dashboard counts it, the
exception rules and their messages, expiry, double submits, the audit trail, who sees and
decides what, query counts, the pages and the CSV."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from assessments.models import CertificationStatus
from assessments.services.certification import status_refresh
from portal.accounts import roles
from portal.readiness import access, evaluation
from portal.readiness.models import AccessException
from portal.records.models import AuditEvent
from tests.assessments.certification_factories import certify, track
from tests.factories import DepartmentFactory, StaffFactory, job_role, person
from tests.readiness.access_factories import (
    access_wave,
    exception,
    nurse_track,
    staff_bulk,
    status_rows,
)

pytestmark = pytest.mark.django_db
S = CertificationStatus.Status
E = AccessException.Status


@pytest.fixture
def lead(role_groups):
    return person([roles.ROLLOUT_LEAD]).user


@pytest.fixture
def ed():
    return DepartmentFactory(code="ED", name="Emergency")


@pytest.fixture
def manager(role_groups, ed):
    member = person([roles.MANAGER], department=ed)
    member.managed_departments.add(ed)
    return member.user


def _today():
    return timezone.localdate()


def _request(actor, wave, staff, **kw):
    kw.setdefault("reason", "Agency nurse for the night shift")
    kw.setdefault("expires_on", _today() + timedelta(days=14))
    kw.setdefault("token", f"tok-{staff.pk}-{kw['expires_on']}")
    return access.exception_request(actor=actor, wave=wave, staff=staff, **kw)


def _by_number(rows):
    return {r.employee_number: r for r in rows}


# ---------------------------------------------------------------------------------------------
# Who is on the list, certified as the dashboard counts it


def test_certified_is_what_the_dashboard_counts_as_covered(ed):
    """Real evidence through the certification service; then the grace-period and expired
    states the service reaches over time. The number certified equals the coverage criterion's
    covered count, the number with a track its row count."""
    obs = DepartmentFactory(code="ED-OBS", parent=ed)
    ph = DepartmentFactory(code="PH")  # another wave's
    nurses = staff_bulk(ed, 6) + staff_bulk(obs, 3)
    cashiers = staff_bulk(ed, 2, role="cashier")
    porter = staff_bulk(ed, 1, role="porter")[0]  # no track for the role
    gone = staff_bulk(ed, 1, active=False)[0]
    elsewhere = staff_bulk(ph, 2)
    n_track, c_track = track(role="nurse", courses=0), track(role="cashier", courses=0)
    when = (_today() - timedelta(days=20)).isoformat()
    for member in nurses[:5] + cashiers[:1] + elsewhere:
        certify(member, c_track if member in cashiers else n_track, when=when)
    status_refresh()
    rows = CertificationStatus.objects.filter(staff__in=nurses)
    rows.filter(staff=nurses[0]).update(status=S.EXPIRING)  # in the grace period: covered
    rows.filter(staff=nurses[1]).update(status=S.EXPIRED)  # not covered
    wave = access_wave([ed])
    access_wave([ph])

    listed = access.access_rows(wave=wave, today=_today())
    readiness = evaluation.wave_readiness(wave=wave, today=_today())

    assert sum(r.certified for r in listed) == readiness.counts.covered == 5
    assert sum(r.job_role != "porter" for r in listed) == readiness.counts.rows == 11
    by_number = _by_number(listed)
    assert set(by_number) == {m.employee_no for m in nurses + cashiers + [porter]}
    assert gone.employee_no not in by_number and elsewhere[0].employee_no not in by_number
    assert by_number[nurses[0].employee_no].certified  # expiring still counts
    assert not by_number[nurses[1].employee_no].certified
    assert not by_number[porter.employee_no].certified and not by_number[porter.employee_no].access
    certified = by_number[nurses[2].employee_no]
    status = CertificationStatus.objects.get(staff=nurses[2])
    assert certified.access and certified.valid_until == status.valid_until is not None
    assert by_number[nurses[5].employee_no].valid_until is None
    row = by_number[cashiers[0].employee_no]
    assert (row.department_code, row.job_role) == ("ED", "cashier")
    assert row.job_role_name == job_role("cashier").name and row.department_name == "Emergency"
    assert by_number[nurses[6].employee_no].department_code == "ED-OBS"


def test_someone_with_two_tracks_is_certified_only_when_both_are_covered(ed):
    member = staff_bulk(ed, 1)[0]
    first, second = nurse_track(), nurse_track()
    status_rows([member], first, status=S.CERTIFIED, valid_until=_today() + timedelta(days=300))
    status_rows([member], second, status=S.IN_PROGRESS)
    wave = access_wave([ed])
    assert not access.access_rows(wave=wave, today=_today())[0].certified
    until = _today() + timedelta(days=100)
    CertificationStatus.objects.filter(track=second).update(status=S.CERTIFIED, valid_until=until)
    row = access.access_rows(wave=wave, today=_today())[0]
    # Certified until the first certificate runs out.
    assert row.certified and row.valid_until == until


def test_manager_sees_only_her_departments(ed, manager, lead):
    obs = DepartmentFactory(code="ED-OBS", parent=ed)
    ph = DepartmentFactory(code="PH")
    mine = [manager.staff, *staff_bulk(ed, 2), *staff_bulk(obs, 1)]
    theirs = staff_bulk(ph, 2)
    wave = access_wave([ed, ph])
    seen = access.access_rows_for(viewer=manager, wave=wave, today=_today())
    assert {r.staff_id for r in seen} == {m.pk for m in mine}
    everything = access.access_rows_for(viewer=lead, wave=wave, today=_today())
    assert {r.staff_id for r in everything} == {m.pk for m in mine + theirs}
    only_obs = access.access_rows_for(viewer=lead, wave=wave, today=_today(), department_id=obs.pk)
    assert [r.staff_id for r in only_obs] == [mine[3].pk]
    # A manager filtering on another department of the wave gets nobody.
    assert (
        access.access_rows_for(viewer=manager, wave=wave, today=_today(), department_id=ph.pk) == []
    )
    exception(wave, mine[1], by=manager)
    exception(wave, theirs[0], by=lead)
    assert [e.staff_id for e in access.exceptions_for_wave(viewer=manager, wave=wave)] == [
        mine[1].pk
    ]
    assert access.exceptions_for_wave(viewer=lead, wave=wave).count() == 2
    learner = person([roles.LEARNER], department=ed).user
    with pytest.raises(PermissionDenied):
        access.exceptions_for_wave(viewer=learner, wave=wave)


# ---------------------------------------------------------------------------------------------
# Exceptions


def test_request_approve_gives_access_until_expiry_with_audit(ed, manager, lead):
    nurse = staff_bulk(ed, 1)[0]
    wave = access_wave([ed])
    until = _today() + timedelta(days=10)
    requested = _request(manager, wave, nurse, expires_on=until, token="t-1", ip="10.0.0.7")
    row = access.access_rows(wave=wave, today=_today())[0]
    assert (row.exception_status, row.exception_until, row.access) == ("requested", until, False)

    approved = access.exception_decide(actor=lead, exception=requested, approve=True, ip="10.0.0.8")
    assert approved.status == E.APPROVED and approved.decided_by == lead
    row = access.access_rows(wave=wave, today=_today())[0]
    assert (row.exception_status, row.exception_until, row.access) == ("approved", until, True)
    assert not row.certified
    # Up to and including the expiry day, not the day after.
    assert access.access_rows(wave=wave, today=until)[0].access
    assert not access.access_rows(wave=wave, today=until + timedelta(days=1))[0].access

    events = {e.action: e for e in AuditEvent.objects.all()}
    asked = events["readiness.access_exception_request"]
    assert asked.actor_id == manager.pk and asked.object_id == str(requested.pk)
    assert asked.after["employee_no"] == nurse.employee_no
    assert asked.after["expires_on"] == until.isoformat() and asked.ip == "10.0.0.7"
    decided = events["readiness.access_exception_approve"]
    assert decided.actor_id == lead.pk and decided.before == {"status": "requested"}
    assert decided.after["status"] == "approved" and decided.ip == "10.0.0.8"


def test_declined_exception_gives_no_access_and_a_new_request_may_follow(ed, manager, lead):
    nurse = staff_bulk(ed, 1)[0]
    wave = access_wave([ed])
    first = _request(manager, wave, nurse, token="a")
    access.exception_decide(actor=lead, exception=first, approve=False)
    row = access.access_rows(wave=wave, today=_today())[0]
    assert row.exception_status == "declined" and not row.access
    assert AuditEvent.objects.filter(action="readiness.access_exception_decline").count() == 1
    again = _request(manager, wave, nurse, token="b", reason="Now with a training date")
    assert again.pk != first.pk
    assert access.access_rows(wave=wave, today=_today())[0].exception_status == "requested"


@freeze_time("2026-05-20 09:00")
def test_expired_exception_no_longer_gives_access(ed, manager, lead):
    nurse = staff_bulk(ed, 1)[0]
    wave = access_wave([ed])
    granted = _request(manager, wave, nurse, expires_on=_today() + timedelta(days=3))
    access.exception_decide(actor=lead, exception=granted, approve=True)
    assert access.access_rows(wave=wave, today=_today())[0].access
    with freeze_time("2026-05-24 09:00"):
        row = access.access_rows(wave=wave, today=timezone.localdate())[0]
        assert row.exception_status == "approved" and not row.access
        # Expired: a new request is allowed again.
        renewed = _request(manager, wave, nurse, token="renew")
        assert renewed.status == E.REQUESTED


def _refusal_cases():
    return [
        ("certified", "is already certified (until"),
        ("outside", "is not on the staff of this wave's departments"),
        ("inactive", "is not on the staff of this wave's departments"),
        ("past", "is in the past"),
        ("after_dual_track", "beyond the end of the wave's dual-track period"),
        ("cap", f"at most {access.EXCEPTION_MAX_DAYS} days"),
        ("no_reason", "Give the reason for the exception."),
        ("no_date", "Give the date until which the exception holds."),
        ("open", "There is already an open request for"),
        ("approved", "already has an approved exception until"),
        ("no_token", "The form has expired"),
    ]


@pytest.mark.parametrize(("case", "message"), _refusal_cases())
def test_refused_requests_say_why_and_change_nothing(ed, manager, lead, case, message):
    ph = DepartmentFactory(code="PH")
    nurse, certified, gone = staff_bulk(ed, 3)
    gone.active = False
    gone.save()
    outsider = staff_bulk(ph, 1)[0]
    manager.staff.managed_departments.add(ph)  # may ask for PH, which is not in the wave
    status_rows([certified], nurse_track(), status=S.CERTIFIED, valid_until=_today())
    wave = access_wave([ed], go_live=_today() + timedelta(days=7), dual_track_days=20)
    long_wave = access_wave([DepartmentFactory(code="ICU")], dual_track_days=200)
    icu_nurse = staff_bulk(long_wave.departments.get(), 1)[0]
    manager.staff.managed_departments.add(long_wave.departments.get())
    if case == "open":
        exception(wave, nurse, by=manager)
    if case == "approved":
        exception(wave, nurse, by=manager, status=E.APPROVED, decided_by=lead)
    before_rows = AccessException.objects.count()
    before_audit = AuditEvent.objects.count()
    kwargs = {
        "certified": {"staff": certified},
        "outside": {"staff": outsider},
        "inactive": {"staff": gone},
        "past": {"expires_on": _today() - timedelta(days=1)},
        "after_dual_track": {"expires_on": wave.dual_track_until + timedelta(days=1)},
        "cap": {
            "wave": long_wave,
            "staff": icu_nurse,
            "expires_on": _today() + timedelta(days=access.EXCEPTION_MAX_DAYS + 1),
        },
        "no_reason": {"reason": "  "},
        "no_date": {"expires_on": None},
        "open": {},
        "approved": {},
        "no_token": {"token": ""},
    }[case]
    args = {"wave": wave, "staff": nurse, **kwargs}
    with pytest.raises(ValidationError) as refused:
        _request(manager, args.pop("wave"), args.pop("staff"), **args)
    assert any(message in m for m in refused.value.messages), refused.value.messages
    assert AccessException.objects.count() == before_rows
    assert AuditEvent.objects.count() == before_audit


def test_the_limits_themselves_are_allowed(ed, manager):
    a, b = staff_bulk(ed, 2)
    wave = access_wave([ed], go_live=_today() + timedelta(days=7), dual_track_days=20)
    assert _request(manager, wave, a, expires_on=wave.dual_track_until).pk
    assert _request(manager, wave, b, expires_on=_today()).pk
    no_dual = access_wave([DepartmentFactory(code="ICU")], dual_track_days=None)
    c = staff_bulk(no_dual.departments.get(), 1)[0]
    manager.staff.managed_departments.add(no_dual.departments.get())
    last = _today() + timedelta(days=access.EXCEPTION_MAX_DAYS)
    assert _request(manager, no_dual, c, expires_on=last).expires_on == last


def test_every_reason_is_given_at_once(ed, manager):
    nurse = staff_bulk(ed, 1)[0]
    status_rows([nurse], nurse_track(), status=S.CERTIFIED)
    wave = access_wave([ed])
    with pytest.raises(ValidationError) as refused:
        _request(manager, wave, nurse, reason="", expires_on=None)
    assert len(refused.value.messages) == 3


def test_double_submit_requests_and_decides_once(ed, manager, lead):
    nurse = staff_bulk(ed, 1)[0]
    wave = access_wave([ed])
    first = _request(manager, wave, nurse, token="same")
    second = _request(manager, wave, nurse, token="same")
    assert first.pk == second.pk and AccessException.objects.count() == 1
    assert AuditEvent.objects.filter(action="readiness.access_exception_request").count() == 1
    access.exception_decide(actor=lead, exception=first, approve=True)
    again = access.exception_decide(actor=lead, exception=first, approve=True)
    assert again.status == E.APPROVED
    assert AuditEvent.objects.filter(action="readiness.access_exception_approve").count() == 1
    with pytest.raises(ValidationError, match="already approved"):
        access.exception_decide(actor=lead, exception=first, approve=False)
    first.refresh_from_db()
    assert first.status == E.APPROVED


def test_the_token_column_is_what_keeps_a_concurrent_double_submit_to_one(ed, manager, monkeypatch):
    nurse = staff_bulk(ed, 1)[0]
    wave = access_wave([ed])
    first = _request(manager, wave, nurse, token="race")
    assert first.token == "race"
    assert "token" not in AuditEvent.objects.get(action=access.REQUEST_ACTION).after
    # The second submit as if it ran its checks before the first committed: no row with its
    # token, no open request. Only the unique column stands between it and a duplicate.
    monkeypatch.setattr(access, "_requested_with", lambda token: None)
    monkeypatch.setattr(access, "_request_errors", lambda **kw: [])
    second = _request(manager, wave, nurse, token="race")
    assert second.pk == first.pk and AccessException.objects.count() == 1
    assert AuditEvent.objects.filter(action=access.REQUEST_ACTION).count() == 1
    # Another token is another request (the lookup is all that was faked).
    assert _request(manager, wave, nurse, token="other").pk != first.pk


def test_the_database_refuses_a_second_exception_with_one_token(ed, manager):
    nurse, other = staff_bulk(ed, 2)
    wave = access_wave([ed])
    # Exceptions without a token (made before the column, or directly) do not collide.
    exception(wave, nurse, by=manager)
    exception(wave, other, by=manager)
    exception(wave, nurse, by=manager, token="t")
    with pytest.raises(IntegrityError), transaction.atomic():
        exception(wave, other, by=manager, token="t")


def test_an_expired_request_cannot_be_approved(ed, manager, lead):
    nurse = staff_bulk(ed, 1)[0]
    wave = access_wave([ed])
    stale = exception(wave, nurse, by=manager, expires_on=_today() - timedelta(days=1))
    with pytest.raises(ValidationError, match="has passed"):
        access.exception_decide(actor=lead, exception=stale, approve=True)
    assert access.exception_decide(actor=lead, exception=stale, approve=False).status == E.DECLINED


def test_who_requests_and_who_decides(ed, manager, lead, role_groups):
    ph = DepartmentFactory(code="PH")
    nurse = staff_bulk(ed, 1)[0]
    theirs = staff_bulk(ph, 1)[0]
    wave = access_wave([ed, ph])
    hr = person([roles.HR]).user
    superuser = StaffFactory(user__is_superuser=True).user
    with pytest.raises(PermissionDenied):
        _request(manager, wave, theirs)  # not her department
    with pytest.raises(PermissionDenied):
        _request(hr, wave, nurse)  # HR reads the list, it does not ask
    assert _request(lead, wave, theirs).requested_by == lead
    asked = _request(manager, wave, nurse)
    for refused in (manager, hr):
        with pytest.raises(PermissionDenied):
            access.exception_decide(actor=refused, exception=asked, approve=True)
    assert (
        access.exception_decide(actor=superuser, exception=asked, approve=True).status == "approved"
    )
    assert not access.may_request(hr) and access.may_request(manager) and access.may_request(lead)


def test_exception_and_staff_lookups_are_scoped(ed, manager, lead):
    ph = DepartmentFactory(code="PH")
    nurse, theirs = staff_bulk(ed, 1)[0], staff_bulk(ph, 1)[0]
    wave, other = access_wave([ed, ph]), access_wave([DepartmentFactory(code="X")])
    mine = exception(wave, nurse, by=manager)
    not_mine = exception(wave, theirs, by=lead)
    assert access.exception_get(viewer=manager, pk=mine.pk) == mine
    with pytest.raises(Http404):
        access.exception_get(viewer=manager, pk=not_mine.pk)
    assert access.exception_get(viewer=lead, pk=not_mine.pk) == not_mine
    assert access.wave_staff_get(viewer=manager, wave=wave, pk=nurse.pk) == nurse
    for viewer, w, pk in ((manager, wave, theirs.pk), (lead, other, nurse.pk), (lead, wave, "x")):
        with pytest.raises(Http404):
            access.wave_staff_get(viewer=viewer, wave=w, pk=pk)


# ---------------------------------------------------------------------------------------------
# Query counts


def _list_of(ed, n, lead):
    staff = staff_bulk(ed, n)
    a_track = nurse_track()
    status_rows(
        staff[: n // 2], a_track, status=S.CERTIFIED, valid_until=_today() + timedelta(days=99)
    )
    status_rows(staff[n // 2 :], a_track, status=S.IN_PROGRESS)
    wave = access_wave([ed])
    for member in staff[-3:]:
        exception(wave, member, by=lead)
    exception(wave, staff[-1], by=lead, status=E.APPROVED, decided_by=lead)
    return wave, staff


@pytest.mark.parametrize("n", [10, 1000])
def test_access_rows_query_count_does_not_grow(ed, lead, django_assert_max_num_queries, n):
    wave, _staff = _list_of(ed, n, lead)
    with django_assert_max_num_queries(5):
        rows = access.access_rows(wave=wave, today=_today())
    assert len(rows) == n and sum(r.certified for r in rows) == n // 2
    assert sum(r.access for r in rows) == n // 2 + 1


@pytest.mark.parametrize("n", [10, 1000])
def test_pages_query_count_does_not_grow(client, ed, lead, django_assert_max_num_queries, n):
    wave, _staff = _list_of(ed, n, lead)
    client.force_login(lead)
    for url in (
        reverse("readiness:access_list", args=[wave.pk]),
        reverse("readiness:access_list", args=[wave.pk]) + "?show=no_access&page=2",
        reverse("readiness:access_csv", args=[wave.pk]),
    ):
        # About 17 of the page's own (the list's 5 among them) and the session middleware's.
        with django_assert_max_num_queries(22):
            response = client.get(url)
            assert response.status_code == 200
            if response.streaming:
                b"".join(response.streaming_content)


# ---------------------------------------------------------------------------------------------
# Pages and the CSV


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_lists_the_people_safely_and_is_audited(client, ed, lead):
    nurse, sly = staff_bulk(ed, 2)
    sly.full_name = '=HYPERLINK("http://evil.example","click")'
    sly.save()
    until = _today() + timedelta(days=200)
    status_rows([nurse], nurse_track(), status=S.CERTIFIED, valid_until=until)
    wave = access_wave([ed])
    granted = exception(wave, sly, by=lead, status=E.APPROVED, decided_by=lead, days=5)
    client.force_login(lead)
    response = client.get(reverse("readiness:access_csv", args=[wave.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert f"access-list-wave-{wave.pk}-" in response["Content-Disposition"]
    header, *rows = _csv(response)
    assert header[:2] == ["Employee no.", "Name"] and header[-1] == "Access"
    by_number = {r[0]: r for r in rows}
    assert set(by_number) == {nurse.employee_no, sly.employee_no}
    assert by_number[nurse.employee_no][6:] == ["yes", until.isoformat(), "", "", "yes"]
    row = by_number[sly.employee_no]
    # A spreadsheet does not run it: the formula is text.
    assert row[1] == "'" + sly.full_name
    assert row[2:4] == ["ED", "Emergency"]
    assert row[6:] == ["no", "", "Approved", granted.expires_on.isoformat(), "yes"]
    only = client.get(reverse("readiness:access_csv", args=[wave.pk]) + "?show=no_access")
    assert [r[0] for r in _csv(only)[1:]] == []
    events = AuditEvent.objects.filter(action="readiness.access_list_download").order_by("id")
    assert [(e.actor_id, e.after["rows"], e.after["no_access_only"]) for e in events] == [
        (lead.pk, 2, False),
        (lead.pk, 0, True),
    ]


def test_manager_requests_and_the_lead_decides_through_the_pages(client, ed, manager, lead):
    ph = DepartmentFactory(code="PH")
    nurse = staff_bulk(ed, 1, full_name="Wang Fang")[0]
    theirs = staff_bulk(ph, 1)[0]
    wave = access_wave([ed, ph])
    other = access_wave([DepartmentFactory(code="X")])
    client.force_login(manager)
    listing = client.get(reverse("readiness:access_list", args=[wave.pk]))
    page = listing.content.decode()
    assert listing.status_code == 200 and "Wang Fang" in page and theirs.employee_no not in page
    new = reverse("readiness:exception_request", args=[wave.pk])
    assert client.get(new, {"staff": nurse.pk}).status_code == 200
    # Someone of another department, of no wave's, or through another wave: not there.
    assert client.get(new, {"staff": theirs.pk}).status_code == 404
    assert client.get(new, {"staff": "x"}).status_code == 404
    other_new = reverse("readiness:exception_request", args=[other.pk])
    assert client.get(other_new, {"staff": nurse.pk}).status_code == 404
    until = (_today() + timedelta(days=7)).isoformat()
    data = {"staff": nurse.pk, "reason": "Starts Monday", "expires_on": until, "token": "p1"}
    refused = client.post(new, {**data, "expires_on": "2000-01-01"})
    assert refused.status_code == 400 and "is in the past" in refused.content.decode()
    assert client.post(new, data).status_code == 302
    assert client.post(new, data).status_code == 302  # the double submit
    requested = AccessException.objects.get()
    decide = reverse("readiness:exception_decide", args=[requested.pk])
    assert client.post(decide, {"decision": "approve"}).status_code == 403
    assert client.get(decide).status_code == 405

    client.force_login(lead)
    page = client.get(reverse("readiness:access_list", args=[wave.pk])).content.decode()
    assert f'data-exception="{requested.pk}"' in page and "Starts Monday" in page
    assert client.post(decide, {"decision": "approve"}).status_code == 302
    requested.refresh_from_db()
    assert requested.status == E.APPROVED
    listing = client.get(reverse("readiness:access_list", args=[wave.pk]), {"department": ed.pk})
    rows = {r.employee_number: r for r in listing.context["page"]}
    assert rows[nurse.employee_no].access and theirs.employee_no not in rows
    assert f"approved until {until}" in listing.content.decode()
    assert listing.context["summary"].by_exception == 1 and not listing.context["open_requests"]
    no_access = client.get(reverse("readiness:access_list", args=[wave.pk]), {"show": "no_access"})
    assert {r.employee_number for r in no_access.context["page"]} >= {theirs.employee_no}
    assert nurse.employee_no not in {r.employee_number for r in no_access.context["page"]}


def test_the_wave_page_links_to_the_list(client, ed, lead):
    wave = access_wave([ed])
    client.force_login(lead)
    page = client.get(reverse("readiness:wave", args=[wave.pk])).content.decode()
    assert reverse("readiness:access_list", args=[wave.pk]) in page


def test_hr_reads_the_list_but_does_not_request(client, ed, role_groups):
    nurse = staff_bulk(ed, 1)[0]
    wave = access_wave([ed])
    hr = person([roles.HR]).user
    client.force_login(hr)
    page = client.get(reverse("readiness:access_list", args=[wave.pk]))
    assert page.status_code == 200 and nurse.employee_no in page.content.decode()
    assert "Request an exception" not in page.content.decode()
    new = reverse("readiness:exception_request", args=[wave.pk])
    assert client.get(new, {"staff": nurse.pk}).status_code == 403


def test_the_pages_speak_chinese_with_chinese_names(client, ed, manager):
    ed.name_zh = "急诊科"
    ed.save()
    nurse = staff_bulk(ed, 1)[0]
    wave = access_wave([ed])
    client.force_login(manager)
    client.post("/i18n/setlang/", {"language": "zh-hans"})
    listing = client.get(reverse("readiness:access_list", args=[wave.pk]))
    assert listing.status_code == 200
    assert {r.department_name for r in listing.context["page"]} == {"急诊科"}
    form = client.get(reverse("readiness:exception_request", args=[wave.pk]), {"staff": nurse.pk})
    assert form.status_code == 200 and "急诊科" in form.content.decode()
