import json
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.users.models import UserProfile

from assessments.models import Certificate
from assessments.models.practical import ExaminerAssignment, RubricScore, SimulationAction
from assessments.services.certification import status_refresh
from courses.models import (
    Assignment,
    Booking,
    ClassroomSession,
    CoursePage,
    CourseRating,
    LessonProgress,
    Notification,
    ProblemReport,
    ReminderSent,
    ScormRecord,
)
from portal.accounts import roles
from portal.org.models import StaffMember
from portal.records import personal_data as pd
from portal.records.models import AuditEvent
from portal.records.selectors import audit_chain_verify
from portal.records.services import audit_record
from tests.assessments import factories as exam_factories
from tests.assessments.certification_factories import certify, track
from tests.factories import UserFactory, give_authenticator, person
from tests.readiness.access_factories import access_wave, exception
from tests.seedusers.factories import activity, nomination, programme

pytestmark = pytest.mark.django_db


def _rich(name: str, marker: str) -> StaffMember:
    """A person with at least one row in every section, each free text tagged with `marker`."""
    staff = person([roles.LEARNER], full_name=name)
    user = staff.user
    t = track(role="nurse", courses=1)
    certify(staff, t, when="2026-01-10")
    status_refresh(staff_ids=[staff.pk])
    course = t.required_courses.first()
    lesson = course.get_children().specific().first()
    Assignment.objects.create(
        staff=staff, content_type=ContentType.objects.get_for_model(CoursePage), object_id=course.pk
    )
    LessonProgress.objects.create(staff=staff, lesson=lesson, seconds_spent=60)
    ScormRecord.objects.create(staff=staff, lesson=lesson, cmi={"suspend": f"{marker}-scorm"})
    starts = timezone.now() + timedelta(days=3)
    session = ClassroomSession.objects.create(
        course=course, room="Room 1", starts_at=starts, ends_at=starts, capacity=5
    )
    Booking.objects.create(session=session, staff=staff)
    question = exam_factories.question("essay")
    exam_factories.sit(exam_factories.exam([question]), staff, [(question, {"text": marker})])
    practical = staff.exam_attempts.filter(exam=t.practical_exam).get()
    SimulationAction.objects.create(
        attempt=practical, seq=1, t=1.0, at=timezone.now(), action={"type": f"{marker}-scan"}
    )
    examiner = UserFactory()
    RubricScore.objects.create(
        attempt=practical,
        examiner=examiner,
        global_rating=4,
        comments=f"{marker}-rubric",
        points=8,
        max_points=10,
        percent=80,
        scored_at=timezone.now(),
    )
    ExaminerAssignment.objects.create(exam=t.practical_exam, examiner=examiner, staff=staff)
    exception(access_wave([staff.department]), staff, by=examiner, reason=f"{marker}-access")
    nom = nomination(programme(), staff, reason=f"{marker}-nominated")
    activity(nom, description=f"{marker}-floor")
    CourseRating.objects.create(staff=staff, course=course, stars=4, comment=f"{marker}-很好")
    ProblemReport.objects.create(staff=staff, lesson=lesson, text=f"{marker}-typo")
    Notification.objects.create(user=user, title=f"{marker}-通知")
    ReminderSent.objects.create(key=f"due:{marker}", recipient=user, kind="due", period="p")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    UserSession.objects.create(
        user=user, ip="10.0.0.1", session_key=f"{marker}-secret-key", user_agent=f"{marker}-UA"
    )
    UserProfile.get_for_user(user)
    give_authenticator(user)
    SocialAccount.objects.create(user=user, provider="hospital", uid=f"{marker}-uid")
    audit_record(action="test.about", obj=staff, after={"note": f"{marker}-audited"})
    audit_record(action="test.by", actor=user, object_type="x", object_id="1")
    return staff


@pytest.fixture
def two(role_groups):
    return _rich("王秀英", "AAA"), _rich("李娜", "BBB")


def _sources(data):
    for section in pd.SECTIONS:
        yield from ((section, key, rows) for key, rows in data[section].items())


def test_export_has_every_section_with_the_persons_data_and_nothing_of_another(two):
    staff, other = two
    data = pd.personal_data_collect(staff=staff)
    for section, key, rows in _sources(data):
        assert rows, f"{section}.{key} is empty"
    assert data["identity"]["full_name"] == "王秀英"
    assert data["identity"]["employee_no"] == staff.employee_no
    assert data["identity"]["department"] == str(staff.department)
    assert data["training"]["assignments"][0]["item"] == staff.course_progress.get().course.title
    assert data["account"]["email"] == staff.user.email
    assert data["account"]["roles"] == [roles.LEARNER]
    assert "password" not in data["account"]
    assert "session_key" not in data["account_related"]["sessions"][0]
    factors = data["account_related"]["two_factor"]
    assert sorted(f["type"] for f in factors) == ["recovery_codes", "totp"]
    assert all("data" not in f for f in factors)
    assert {"note": "AAA-audited"} in [e["after"] for e in data["audit"]["about_them"]]
    assert {"added": [roles.LEARNER]} in [e["after"] for e in data["audit"]["about_them"]]
    by_them = data["audit"]["by_them"]
    assert "test.by" in [e["action"] for e in by_them]
    assert all("before" not in e and "after" not in e for e in by_them)
    text = json.dumps(data, ensure_ascii=False, default=str)
    for tagged in (
        "uid",
        "scorm",
        "rubric",
        "access",
        "nominated",
        "floor",
        "很好",
        "typo",
        "通知",
    ):
        assert f"AAA-{tagged}" in text
    assert '"AAA"' in text  # the essay answer
    assert "AAA-scan" in text and "AAA-UA" in text
    assert staff.certificates.get().code in text
    assert "AAA-secret-key" not in text
    for theirs in (
        "李娜",
        other.employee_no,
        other.user.email,
        "BBB",
        other.certificates.get().code,
    ):
        assert theirs not in text


def test_every_relation_to_a_person_is_exported_or_excluded_with_a_reason():
    """Fails when a model pointing at StaffMember or User is added and not declared: add it to
    a section of portal/records/personal_data.py, or to EXCLUDED_RELATIONS with the reason."""
    relations = pd.personal_data_relations()
    covered, excluded = pd.personal_data_covered(), pd.EXCLUDED_RELATIONS
    assert relations - covered - excluded == set()
    # Nothing declared that no longer exists, nothing both exported and excluded.
    assert (covered | excluded) - relations == set()
    assert covered & excluded == set()
    # The introspection sees hidden relations (related_name="+") too.
    assert ("courses.CourseRating", "staff") in relations
    assert ("records.AuditEvent", "actor") in relations


def test_person_downloads_their_own_data_as_utf8_json_and_it_is_audited(client, two):
    staff, _other = two
    client.force_login(staff.user)
    response = client.get(reverse("records:my_data"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert "王秀英".encode() in response.content  # not \u escapes
    data = json.loads(response.content.decode("utf-8"))
    assert data["identity"]["employee_no"] == staff.employee_no
    event = AuditEvent.objects.filter(action=pd.EXPORT_ACTION).get()
    assert event.actor_id == staff.user_id
    assert (event.object_type, event.object_id) == ("org.staffmember", str(staff.pk))
    assert event.after == {"staff": staff.pk, "own": True}


def test_hr_downloads_anyones_data_and_it_is_audited(client, two):
    staff, _other = two
    hr_user = person([roles.HR]).user
    client.force_login(hr_user)
    response = client.get(reverse("records:staff_personal_data", args=[staff.pk]))
    assert response.status_code == 200
    assert json.loads(response.content)["identity"]["full_name"] == "王秀英"
    event = AuditEvent.objects.filter(action=pd.EXPORT_ACTION).get()
    assert (event.actor_id, event.object_id) == (hr_user.pk, str(staff.pk))
    assert event.after["own"] is False
    missing = StaffMember.objects.order_by("-pk").first().pk + 100
    assert client.get(reverse("records:staff_personal_data", args=[missing])).status_code == 404


@pytest.mark.parametrize("role", [roles.MANAGER, roles.LEARNER, roles.TRAINER, roles.AUDITOR])
def test_others_may_not_download_someone_elses_data(client, two, role):
    staff, other = two
    viewer = person([role], department=staff.department)
    viewer.managed_departments.add(staff.department)
    client.force_login(viewer.user)
    for pk in (staff.pk, other.pk, 999999):
        url = reverse("records:staff_personal_data", args=[pk])
        assert client.get(url).status_code == 403
    assert not AuditEvent.objects.filter(action=pd.EXPORT_ACTION).exists()


def test_own_download_is_the_viewers_own_data_only(client, two):
    staff, other = two
    client.force_login(other.user)
    text = client.get(reverse("records:my_data")).content.decode()
    assert "李娜" in text and "王秀英" not in text and staff.employee_no not in text


def test_anonymous_is_sent_to_sign_in_and_a_login_without_staff_gets_404(client, two):
    staff, _other = two
    for url in (reverse("records:my_data"), reverse("records:staff_personal_data", args=[1])):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(UserFactory())
    assert client.get(reverse("records:my_data")).status_code == 404


@pytest.mark.parametrize("rows", [10, 1000])
def test_export_costs_the_same_number_of_queries_for_10_and_1000_rows(
    rows, two, django_assert_max_num_queries
):
    staff, _other = two
    Notification.objects.bulk_create(
        Notification(user=staff.user, title=f"n{i}") for i in range(rows)
    )
    with CaptureQueriesContext(connection) as small:
        pd.personal_data_export(staff=staff)
    assert len(small.captured_queries) <= 40
    Notification.objects.bulk_create(
        Notification(user=staff.user, title=f"m{i}") for i in range(rows)
    )
    with django_assert_max_num_queries(len(small.captured_queries)):
        data = pd.personal_data_export(staff=staff)
    assert len(data["notifications"]["notifications"]) == 2 * rows + 1


# ---------------------------------------------------------------------------------------------
# Leavers' retention


def _left(staff: StaffMember, *, years_ago: float) -> StaffMember:
    # QuerySet.update leaves auto_now alone: the record last changed `years_ago`.
    when = timezone.now() - timedelta(days=round(365.25 * years_ago))
    StaffMember.objects.filter(pk=staff.pk).update(active=False, updated_at=when)
    staff.refresh_from_db()
    return staff


@pytest.fixture
def leavers(role_groups):
    due = _left(_rich("王秀英", "AAA"), years_ago=7)
    recent = _left(person([roles.LEARNER], full_name="Recent Leaver"), years_ago=0.5)
    active = person([roles.LEARNER], full_name="Still Here")
    StaffMember.objects.filter(pk=active.pk).update(
        updated_at=timezone.now() - timedelta(days=3000)
    )
    return due, recent, active


def _snapshot():
    staff = list(
        StaffMember.objects.order_by("pk").values_list("pk", "full_name", "employee_no", "user")
    )
    certs = list(Certificate.objects.order_by("pk").values_list("pk", "holder_name"))
    return staff, certs, AuditEvent.objects.count()


def test_dry_run_lists_the_due_leavers_and_changes_nothing(leavers, capsys):
    due, recent, active = leavers
    before = _snapshot()
    call_command("anonymise_leavers")
    out = capsys.readouterr().out
    assert due.employee_no in out and "Would anonymise 1 staff" in out
    assert recent.employee_no not in out and active.employee_no not in out
    assert _snapshot() == before


def test_apply_anonymises_exactly_the_due_leavers_and_keeps_certificate_verification(
    leavers, client, capsys
):
    due, recent, active = leavers
    cert = due.certificates.get()
    state = cert.state_on(timezone.localdate())
    old_user, old_email = due.user, due.user.email
    untouched = list(
        StaffMember.objects.filter(pk__in=[recent.pk, active.pk]).order_by("pk").values()
    )
    call_command("anonymise_leavers", "--apply")

    due.refresh_from_db()
    assert due.full_name == f"Anonymised {due.pk}" and due.employee_no == f"anon-{due.pk}"
    assert due.user is None and due.title == "" and due.hire_date is None
    old_user.refresh_from_db()
    assert not old_user.is_active and not old_user.has_usable_password()
    assert old_user.email != old_email and not old_user.groups.exists()
    assert not EmailAddress.objects.filter(user=old_user).exists()
    assert not UserSession.objects.filter(user=old_user).exists()
    assert not Authenticator.objects.filter(user=old_user).exists()
    assert not SocialAccount.objects.filter(user=old_user).exists()
    assert not Notification.objects.filter(user=old_user).exists()
    assert CourseRating.objects.get(staff=due).comment == ""
    assert due.seed_nominations.get().reason == ""
    # The evidence stays: attempts, proficiency history, certificates with their state.
    assert due.exam_attempts.exists() and due.proficiency_records.exists()
    cert.refresh_from_db()
    assert cert.holder_name == f"Anonymised {due.pk}"
    assert cert.state_on(timezone.localdate()) == state
    html = client.get(f"/verify/{cert.code}/").content.decode()
    assert f'data-state="{state}"' in html
    assert "王秀英" not in html and f"Anonymised {due.pk}" in html

    after = list(StaffMember.objects.filter(pk__in=[recent.pk, active.pk]).order_by("pk").values())
    assert after == untouched
    event = AuditEvent.objects.filter(action=pd.ANONYMISE_ACTION).get()
    assert event.object_id == str(due.pk) and event.after == {"staff": due.pk, "user": old_user.pk}
    assert "王秀英" not in json.dumps(event.after, ensure_ascii=False)
    assert audit_chain_verify().ok

    # The export of an anonymised person no longer holds who they were.
    identity = pd.personal_data_collect(staff=due)["identity"]
    assert identity["full_name"] == f"Anonymised {due.pk}" and identity["user_id"] is None


def test_running_twice_changes_nothing_the_second_time(leavers, capsys):
    due, _recent, _active = leavers
    call_command("anonymise_leavers", "--apply")
    before = _snapshot()
    capsys.readouterr()
    call_command("anonymise_leavers", "--apply")
    assert "Anonymising 0 staff" in capsys.readouterr().out
    assert _snapshot() == before
    assert pd.personal_data_anonymise(staff=due) is False
    assert _snapshot() == before
    assert AuditEvent.objects.filter(action=pd.ANONYMISE_ACTION).count() == 1


def test_years_come_from_the_option_or_the_setting(leavers, settings, capsys):
    due, recent, _active = leavers
    call_command("anonymise_leavers", "--years", "8")
    assert "Would anonymise 0 staff" in capsys.readouterr().out
    settings.LEAVER_RETENTION_YEARS = 1
    assert {s.pk for s in pd.leavers_due()} == {due.pk}  # the recent one left half a year ago
    call_command("anonymise_leavers")
    out = capsys.readouterr().out
    assert "more than 1 years" in out and due.employee_no in out
    assert recent.employee_no not in out


def test_the_transcript_pages_link_to_the_exports(client, role_groups):
    staff = person([roles.LEARNER])
    client.force_login(staff.user)
    own = client.get(reverse("records:my_transcript")).content.decode()
    assert reverse("records:my_data") in own
    client.force_login(person([roles.HR]).user)
    page = client.get(reverse("records:transcript", args=[staff.pk])).content.decode()
    assert reverse("records:staff_personal_data", args=[staff.pk]) in page
