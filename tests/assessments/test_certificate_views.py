"""The certificate pages: the public verification page (and what it must not show), My
certificates, the PDF download, and HR's list and detail with revoke and reissue."""

import pytest
from django.urls import reverse
from freezegun import freeze_time

from assessments.models import Certificate, CertificationStatus, CertificationTrack
from assessments.services.certificates import certificate_revoke
from assessments.services.certification import status_refresh
from portal.accounts import roles
from tests.assessments.certification_factories import attempt, track
from tests.assessments.test_certificates import issued_certificate
from tests.courses.factories import course as course_factory
from tests.factories import UserFactory, job_role, person

pytestmark = pytest.mark.django_db

OTHERS = [roles.LEARNER, roles.TRAINER, roles.MANAGER, roles.ROLLOUT_LEAD, roles.AUDITOR]


@pytest.fixture
def certified(role_groups):
    return issued_certificate()


@pytest.fixture
def hr(role_groups):
    return UserFactory(roles=[roles.HR])


# --- Public verification -----------------------------------------------------------------------


def test_verification_page_says_valid_with_name_track_and_dates_only(client, certified):
    url = reverse("certificate_verify", args=[certified.code])
    with freeze_time("2026-06-01"):
        page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200 and 'data-state="valid"' in body
    assert page["Cache-Control"] == "no-store"
    assert '<meta name="robots" content="noindex">' in body
    assert "王秀英" in body and "Cashier: billing" in body
    assert "2026-01-10" in body and "2027-01-09" in body
    assert certified.employee_no not in body and str(certified.score) not in body
    assert certified.staff.department.name not in body


def test_verification_page_says_expired(client, certified):
    with freeze_time("2027-03-01"):
        body = client.get(reverse("certificate_verify", args=[certified.code])).content.decode()
    assert 'data-state="expired"' in body and "Expired" in body


def test_verification_page_says_revoked_with_the_date_but_not_the_reason(client, certified, hr):
    with freeze_time("2026-04-02 10:00"):
        certificate_revoke(certificate=certified, actor=hr, reason="Secret reason")
    body = client.get(reverse("certificate_verify", args=[certified.code])).content.decode()
    assert 'data-state="revoked"' in body and "Revoked" in body and "2026-04-02" in body
    assert "Secret reason" not in body and hr.email not in body


def test_the_code_is_found_whatever_its_case_spaces_and_hyphens(client, certified):
    typed = f"{certified.code[:5].lower()}-{certified.code[5:].lower()}"
    page = client.get(reverse("certificate_verify", args=[typed]))
    assert page.status_code == 200 and "王秀英" in page.content.decode()


def test_unknown_or_malformed_code_is_404_with_a_page_saying_so(client, db):
    page = client.get(reverse("certificate_verify", args=["NOSUCHCODE"]))
    assert page.status_code == 404 and "No certificate has this code" in page.content.decode()
    assert page["Cache-Control"] == "no-store"
    assert client.get("/verify/%3Cscript%3E/").status_code == 404


def test_the_verify_form_redirects_to_the_page(client, db):
    form = client.get(reverse("certificate_verify_form"))
    assert form.status_code == 200 and 'name="code"' in form.content.decode()
    response = client.get(reverse("certificate_verify_form"), {"code": " ab-cd 2345 "})
    assert response.status_code == 302
    assert response["Location"] == reverse("certificate_verify", args=["ABCD2345"])


# --- My certificates ---------------------------------------------------------------------------


def test_my_certificates_lists_what_remains_with_links(client, role_groups):
    t = track(courses=1)
    me = person([roles.LEARNER], job_role=job_role("cashier"))
    attempt(t.knowledge_exam, me, when="2026-01-09", percent=90)
    status_refresh(staff_ids=[me.pk])
    client.force_login(me.user)
    body = client.get(reverse("assessments:my_certificates")).content.decode()
    course = t.required_courses.get()
    assert course.title in body and course.url in body
    assert t.practical_exam.title in body and t.practical_exam.get_absolute_url() in body
    assert t.knowledge_exam.title not in body  # passed: not listed as remaining
    assert "In progress" in body and "Download certificate (PDF)" not in body


def test_my_certificates_counts_down_urgently_near_expiry(client, certified):
    with freeze_time("2026-12-20"):  # signed in that day: a session lasts a shift at most
        client.force_login(certified.staff.user)
        body = client.get(reverse("assessments:my_certificates")).content.decode()
    assert "expires in 20 days" in body and "cert-card urgent" in body
    assert "Download certificate (PDF)" in body and certified.code in body
    assert "Recertification is open" in body


def test_my_certificates_far_from_expiry_is_calm(client, certified):
    client.force_login(certified.staff.user)
    with freeze_time("2026-03-01"):
        body = client.get(reverse("assessments:my_certificates")).content.decode()
    assert "expires in 314 days" in body and "cert-card urgent" not in body
    assert "Recertification opens on 2026-11-10" in body


def test_my_certificates_after_expiry_counts_days_ago(client, certified):
    with freeze_time("2027-01-14"):
        status_refresh(staff_ids=[certified.staff_id])
        client.force_login(certified.staff.user)
        body = client.get(reverse("assessments:my_certificates")).content.decode()
    assert "expired 5 days ago" in body


def test_my_certificates_lists_revoked_and_superseded_ones(client, certified, hr):
    from assessments.services.certificates import certificate_reissue

    new = certificate_reissue(certificate=certified, actor=hr, reason="Name corrected")
    client.force_login(certified.staff.user)
    body = client.get(reverse("assessments:my_certificates")).content.decode()
    assert certified.code in body and new.code in body
    assert f"replaced by {new.code}" in body
    assert "Name corrected" not in body


def test_my_certificates_without_a_staff_record(client, role_groups):
    client.force_login(UserFactory(roles=[roles.LEARNER]))
    page = client.get(reverse("assessments:my_certificates"))
    assert page.status_code == 200 and "not linked to a staff record" in page.content.decode()


def test_my_certificates_needs_a_login(client, db):
    response = client.get(reverse("assessments:my_certificates"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- The PDF download --------------------------------------------------------------------------


def test_pdf_download_for_the_holder_hr_and_superusers_only(client, certified, hr):
    url = reverse("assessments:certificate_pdf", args=[certified.pk])
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(certified.staff.user)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f'filename="certificate-{certified.code}.pdf"' in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    # A superuser has set up two-factor authentication, as the portal requires of one.
    for user in (hr, UserFactory(is_superuser=True, is_staff=True)):
        client.force_login(user)
        assert client.get(url).status_code == 200
    for role in OTHERS:
        client.force_login(UserFactory(roles=[role]))
        assert client.get(url).status_code == 404
    assert client.get(reverse("assessments:certificate_pdf", args=[99999])).status_code == 404


# --- HR: list, detail, revoke, reissue ---------------------------------------------------------


def test_manage_pages_are_for_hr_only(client, certified):
    manage = reverse("assessments:certificate_manage")
    detail = reverse("assessments:certificate_detail", args=[certified.pk])
    response = client.get(manage)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for role in OTHERS:
        client.force_login(UserFactory(roles=[role]))
        assert client.get(manage).status_code == 403
        assert client.get(detail).status_code == 403
        for action in ("certificate_revoke", "certificate_reissue"):
            url = reverse(f"assessments:{action}", args=[certified.pk])
            assert client.post(url, {"reason": "x"}).status_code == 403
    certified.refresh_from_db()
    assert certified.revoked_at is None and Certificate.objects.count() == 1


def test_manage_list_searches_and_filters(client, certified, hr):
    other = issued_certificate(name="Li Na")
    manage = reverse("assessments:certificate_manage")
    client.force_login(hr)

    def listed(**params):
        body = client.get(manage, params).content.decode()
        return {c.code for c in (certified, other) if c.code in body}

    assert listed() == {certified.code, other.code}
    assert listed(q="王") == {certified.code}
    assert listed(q=certified.employee_no) == {certified.code}
    assert listed(q=f"{other.code[:4].lower()} {other.code[4:]}") == {other.code}
    assert listed(track=other.track_id) == {other.code}
    certificate_revoke(certificate=other, actor=hr, reason="Exam sat by a colleague")
    with freeze_time("2026-06-01"):
        assert listed(state="revoked") == {other.code}
        assert listed(state="valid") == {certified.code}
        assert listed(state="expired") == set()
    with freeze_time("2027-06-01"):
        client.force_login(hr)  # the session of today would have expired by then
        assert listed(state="expired") == {certified.code}


def test_detail_shows_the_chain_and_the_forms_to_hr(client, certified, hr):
    from assessments.services.certificates import certificate_reissue

    new = certificate_reissue(certificate=certified, actor=hr, reason="Name corrected")
    client.force_login(hr)
    old_page = client.get(reverse("assessments:certificate_detail", args=[certified.pk]))
    body = old_page.content.decode()
    assert new.code in body and "Reissued: Name corrected" in body
    assert reverse("assessments:certificate_reissue", args=[certified.pk]) not in body
    body = client.get(reverse("assessments:certificate_detail", args=[new.pk])).content.decode()
    assert certified.code in body
    assert reverse("assessments:certificate_revoke", args=[new.pk]) in body
    assert reverse("assessments:certificate_reissue", args=[new.pk]) in body


def test_revoke_is_post_only_needs_a_reason_and_then_works(client, certified, hr):
    revoke = reverse("assessments:certificate_revoke", args=[certified.pk])
    client.force_login(hr)
    assert client.get(revoke).status_code == 405
    response = client.post(revoke, {"reason": ""}, follow=True)
    assert "Give a reason" in response.content.decode()
    certified.refresh_from_db()
    assert certified.revoked_at is None
    response = client.post(revoke, {"reason": "Exam sat by a colleague"}, follow=True)
    assert "The certificate is revoked" in response.content.decode()
    certified.refresh_from_db()
    assert certified.revoked_at is not None


def test_reissue_view_makes_one_new_certificate_and_redirects_to_it(client, certified, hr):
    reissue = reverse("assessments:certificate_reissue", args=[certified.pk])
    client.force_login(hr)
    assert client.get(reissue).status_code == 405
    response = client.post(reissue, {"reason": "Name corrected"})
    new = Certificate.objects.get(replaces=certified)
    assert response["Location"] == reverse("assessments:certificate_detail", args=[new.pk])
    again = client.post(reissue, {"reason": "Name corrected"}, follow=True)
    assert "already been replaced" in again.content.decode()
    assert Certificate.objects.count() == 2


# --- Query counts: the same bound for 10 rows and for 1,000 ----------------------------------


def _bulk(holder, count: int) -> None:
    """`count` certificates for the holder, and as many status rows (one per bulk-made track),
    each still missing three courses and the knowledge exam."""
    base = track(courses=3, practical=False)
    courses = list(base.required_courses.all()) + [course_factory(roles=("cashier",))]
    missing = [f"course:{c.pk}" for c in courses] + ["knowledge"]
    tracks = CertificationTrack.objects.bulk_create(
        CertificationTrack(
            code=f"bulk-{n}",
            name=f"Bulk {n}",
            job_role=base.job_role,
            knowledge_exam=base.knowledge_exam,
        )
        for n in range(count)
    )
    CertificationStatus.objects.bulk_create(
        CertificationStatus(
            staff=holder,
            track=t,
            department=holder.department,
            job_role=holder.job_role,
            status="in_progress",
            requirements_total=len(missing),
            missing=missing,
            valid_until="2026-12-31" if n % 2 else None,
        )
        for n, t in enumerate(tracks)
    )
    Certificate.objects.bulk_create(
        Certificate(
            code=f"C{n:08d}",
            staff=holder,
            track=tracks[n],
            holder_name=holder.full_name,
            employee_no=holder.employee_no,
            track_name=tracks[n].name,
            valid_from="2026-01-01",
            valid_until="2026-12-31",
            issued_at="2026-01-01T10:00:00Z",
            revoked_at="2026-02-01T10:00:00Z" if n % 3 == 0 else None,
        )
        for n in range(count)
    )


@pytest.mark.parametrize("count", [10, 1000])
def test_manage_list_query_count(client, role_groups, hr, count, django_assert_max_num_queries):
    holder = person([roles.LEARNER], job_role=job_role("cashier"))
    _bulk(holder, count)
    client.force_login(hr)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("assessments:certificate_manage"), {"state": "valid"})
    assert page.status_code == 200


@pytest.mark.parametrize("count", [10, 1000])
def test_my_certificates_query_count(client, role_groups, count, django_assert_max_num_queries):
    holder = person([roles.LEARNER], job_role=job_role("cashier"))
    _bulk(holder, count)
    client.force_login(holder.user)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("assessments:my_certificates"))
    body = page.content.decode()
    assert page.status_code == 200 and body.count('class="card cert-card') == count
    assert "C00000000" in body
