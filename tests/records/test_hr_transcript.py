import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from assessments.models import Attempt, Certificate, ProficiencyRecord
from assessments.models.practical import RubricScore
from assessments.services.certification import status_refresh
from portal.accounts import roles
from portal.records.hr import transcript_build
from portal.records.models import AuditEvent
from tests.assessments.certification_factories import attempt, certify, track
from tests.factories import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr_client(client, role_groups):
    client.force_login(person(role_names=[roles.HR]).user)
    return client


def _history(name="王秀英"):
    staff = person(role_names=[roles.LEARNER], full_name=name)
    t = track(role="nurse", courses=1)
    certify(staff, t, when="2026-01-10")
    excluded = attempt(
        t.practical_exam,
        staff,
        when="2026-02-01",
        percent=10,
        excluded=True,
        excluded_reason="Power cut during the exam",
        excluded_by="Trainer Zhang",
    )
    status_refresh(staff_ids=[staff.pk])
    return staff, t, excluded


def test_transcript_shows_excluded_attempts_revoked_certificates_and_history(hr_client):
    staff, t, _excluded = _history()
    Certificate.objects.filter(staff=staff).update(
        revoked_at=timezone.now(), revoked_reason="Issued in error"
    )
    response = hr_client.get(reverse("records:transcript", args=[staff.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "王秀英" in html and staff.employee_no in html
    assert "excluded by Trainer Zhang: Power cut during the exam" in html
    assert "Issued in error" in html and "revoked" in html
    assert ProficiencyRecord.objects.filter(staff=staff).exists()
    assert "2026-01-10" in html and t.name in html


def test_rubric_score_and_explanation_in_the_viewers_language(role_groups, settings):
    staff, t, excluded = _history()
    RubricScore.objects.create(
        attempt=excluded,
        examiner=person().user,
        global_rating=4,
        points=8,
        max_points=10,
        percent=Decimal("80"),
        scored_at=timezone.now(),
    )
    transcript = transcript_build(staff=staff)
    practical = [a for a in transcript.practical if a.pk == excluded.pk][0]
    assert practical.rubric_score.percent == Decimal("80")
    record = ProficiencyRecord.objects.filter(staff=staff, track=t).order_by("at", "pk").last()
    (tp,) = [tp for tp in transcript.tracks if tp.track == t]
    assert tp.explanation == record.explanation["en"]
    from django.utils import translation

    with translation.override("zh-hans"):
        (tp,) = [tp for tp in transcript_build(staff=staff).tracks if tp.track == t]
        assert tp.explanation == record.explanation["zh"]


def test_hr_views_are_audited_own_views_are_not(hr_client, client):
    staff, _t, _e = _history()
    hr_client.get(reverse("records:transcript", args=[staff.pk]))
    event = AuditEvent.objects.get(action="transcript.view")
    assert (event.object_type, event.object_id) == ("org.staffmember", str(staff.pk))
    hr_client.get(reverse("records:transcript_pdf", args=[staff.pk]))
    assert AuditEvent.objects.filter(action="transcript.pdf", object_id=str(staff.pk)).exists()


def test_pdf_has_the_chinese_name(hr_client):
    staff, _t, _e = _history("王秀英")
    response = hr_client.get(reverse("records:transcript_pdf", args=[staff.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "王秀英" in text


def _with_attempts(n):
    staff = person(role_names=[roles.LEARNER])
    t = track(role="nurse", courses=1)
    first = attempt(t.knowledge_exam, staff, when="2026-01-05", percent=50)
    copies = []
    for i in range(2, n + 1):
        first.pk, first.number = None, i
        copies.append(
            Attempt(**{f.attname: getattr(first, f.attname) for f in Attempt._meta.concrete_fields})
        )
    Attempt.objects.bulk_create(copies)
    certify(staff, t, when="2026-02-10")
    status_refresh(staff_ids=[staff.pk])
    # As many certificates (each replacing the one before) and history points as attempts.
    cert = Certificate.objects.get(staff=staff)
    for i in range(2, n + 1):
        cert.pk, cert.code, cert.replaces_id = None, f"Q{i:06d}", cert.pk
        cert.save()
    record = ProficiencyRecord.objects.filter(staff=staff).first()
    ProficiencyRecord.objects.bulk_create(
        ProficiencyRecord(
            staff=staff, track=t, at=record.at, score=record.score, level=record.level,
            explanation=record.explanation,
        )
        for _ in range(n)
    )  # fmt: skip
    return staff


@pytest.mark.parametrize("n", [10, 1000])
def test_transcript_query_count_is_constant(hr_client, django_assert_max_num_queries, n):
    staff = _with_attempts(n)
    with django_assert_max_num_queries(25):
        assert hr_client.get(reverse("records:transcript", args=[staff.pk])).status_code == 200


def test_transcript_lists_assignments_practical_details_and_replacements(hr_client):
    from django.contrib.contenttypes.models import ContentType

    from courses.models import Assignment

    staff, t, excluded = _history()
    course = t.required_courses.get()
    Assignment.objects.create(
        staff=staff,
        content_type=ContentType.objects.get_for_model(course),
        object_id=course.pk,
        due_date="2026-03-01",
    )
    old = Certificate.objects.get(staff=staff)
    new = Certificate.objects.create(
        code="NEW-CODE-1",
        staff=staff,
        track=t,
        holder_name=staff.full_name,
        employee_no=staff.employee_no,
        track_name=t.name,
        valid_from=old.valid_from,
        valid_until=old.valid_until,
        issued_at=timezone.now(),
        replaces=old,
    )
    Certificate.objects.filter(pk=old.pk).update(
        revoked_at=timezone.now(), revoked_reason="Reissued: name corrected"
    )
    html = hr_client.get(reverse("records:transcript", args=[staff.pk])).content.decode()
    assert course.title in html and "2026-03-01" in html
    assert "Reissued: name corrected" in html and f"replaced by {new.code}" in html
    assert "Practical exams" in html and "Knowledge exams" in html
    assert "excluded by Trainer Zhang: Power cut during the exam" in html
    assert "10.0" in html  # the excluded practical attempt's simulation score


def test_own_pdf_is_audited_own_page_is_not(client):
    staff, _t, _e = _history("李娜")
    client.force_login(staff.user)
    assert client.get(reverse("records:my_transcript")).status_code == 200
    assert not AuditEvent.objects.filter(action="transcript.view").exists()
    response = client.get(reverse("records:my_transcript_pdf"))
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="transcript.pdf")
    assert event.object_id == str(staff.pk) and event.after == {"employee_no": staff.employee_no}


def test_a_learner_cannot_open_someone_elses_transcript(client):
    staff, _t, _e = _history()
    other = person(role_names=[roles.LEARNER])
    client.force_login(other.user)
    for name in ("records:transcript", "records:transcript_pdf"):
        assert client.get(reverse(name, args=[staff.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action__startswith="transcript.").exists()


def test_a_provider_adds_a_section_only_when_it_has_rows(hr_client):
    from unittest import mock

    from portal.records import hr

    staff, _t, _e = _history()
    url = reverse("records:transcript", args=[staff.pk])

    def seed_service(member):
        rows = [["2026-03-02", "Helped ward 3 go live", "6 h"]] if member == staff else []
        return hr.TranscriptSection("Seed-user service", ["Date", "Activity", "Hours"], rows)

    with mock.patch.object(hr, "TRANSCRIPT_SECTIONS", [seed_service]):
        assert "Helped ward 3 go live" in hr_client.get(url).content.decode()
        other, _t2, _e2 = _history("张伟")
        html = hr_client.get(reverse("records:transcript", args=[other.pk])).content.decode()
        assert "Seed-user service" not in html
