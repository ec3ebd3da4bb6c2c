"""Go / no-go decisions: the frozen evidence pack, validation, double submit, who decides,
sign-offs, audit, scoping, evaluations and query counts."""

import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from assessments.models import CertificationStatus
from assessments.services.certification import status_refresh
from portal.accounts import roles
from portal.org.models import StaffMember
from portal.readiness import decisions
from portal.readiness.models import Criterion, Decision, Evaluation, SignOff, Wave
from portal.records.models import AuditEvent
from tests.assessments.certification_factories import track
from tests.factories import DepartmentFactory, job_role, person, shift

pytestmark = pytest.mark.django_db


def _wave(departments, go_live=None, name="Pilot"):
    wave = Wave.objects.create(
        name=name, go_live_date=go_live or timezone.localdate() + timedelta(days=30)
    )
    wave.departments.set(departments)
    for kind, (green, amber) in Criterion.DEFAULTS.items():
        Criterion.objects.create(wave=wave, kind=kind, green=green, amber=amber)
    return wave


def _staff(dept, n, prefix="Q"):
    track(role="nurse", courses=0)
    staff = StaffMember.objects.bulk_create(
        StaffMember(
            employee_no=f"{prefix}{i:05d}",
            full_name=f"N {i}",
            department=dept,
            job_role=job_role("nurse"),
            shift=shift("day"),
        )
        for i in range(n)
    )
    status_refresh(staff_ids=[s.pk for s in staff])
    return staff


def _post(client, wave, **data):
    data.setdefault("token", "tok-1")
    data.setdefault("outcome", "go")
    data.setdefault("rationale", "Ready enough.")
    return client.post(reverse("readiness:decision_new", args=[wave.pk]), data)


@pytest.fixture
def lead(role_groups):
    return person([roles.ROLLOUT_LEAD]).user


def test_pack_freezes_and_downloads_show_old_figures(client, lead):
    ed = DepartmentFactory(code="ED", name="Emergency")
    _staff(ed, 3)
    wave = _wave([ed])
    client.force_login(lead)
    response = _post(client, wave)
    decision = Decision.objects.get()
    assert response.status_code == 302
    assert decision.evidence_sha256 == decisions.evidence_sha256(decision.evidence)
    cells = decision.evidence["cells"]
    assert sum(len(c["people"]) for c in cells) == 3
    # The live evidence changes afterwards: everyone certified.
    CertificationStatus.objects.update(status=CertificationStatus.Status.CERTIFIED)
    old = decision.evidence["departments"][0]["values"][0]["value"]
    detail = client.get(reverse("readiness:decision_detail", args=[decision.pk]))
    assert detail.status_code == 200 and "Emergency" in detail.content.decode()
    assert detail.context["evidence"]["departments"][0]["values"][0]["value"] == old
    pdf = client.get(reverse("readiness:decision_pdf", args=[decision.pk]))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Pilot" in text and "Emergency" in text
    xlsx = client.get(reverse("readiness:decision_xlsx", args=[decision.pk]))
    book = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)), read_only=True)
    assert book.sheetnames == ["Summary", "Departments", "Cells", "People"]
    people = list(book["People"].iter_rows(values_only=True))
    assert len(people) == 4 and people[1][6] != "certified"
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert "readiness.decision" in actions and actions.count("readiness.evidence_download") == 2


@pytest.mark.parametrize(
    "data, message",
    [
        ({"rationale": ""}, "Give the rationale"),
        ({"outcome": "conditions"}, "at least one condition"),
        (
            {"outcome": "conditions", "condition_text_0": "More training"},
            "needs an owner",
        ),
        (
            {
                "outcome": "no_go",
                "condition_text_0": "x",
                "condition_owner_0": "IT",
                "condition_due_0": "2000-01-01",
            },
            "in the past",
        ),
    ],
)
def test_refusals_record_nothing(client, lead, data, message):
    wave = _wave([DepartmentFactory()])
    client.force_login(lead)
    response = _post(client, wave, **data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not Decision.objects.exists()


def test_double_submit_records_one_and_conditions(client, lead):
    wave = _wave([DepartmentFactory()])
    client.force_login(lead)
    due = (timezone.localdate() + timedelta(days=5)).isoformat()
    data = {
        "outcome": "conditions",
        "condition_text_0": "Train nights",
        "condition_owner_0": "Nursing",
        "condition_due_0": due,
    }
    _post(client, wave, **data)
    _post(client, wave, **data)
    decision = Decision.objects.get()
    assert decision.conditions.count() == 1
    condition = decision.conditions.get()
    client.post(reverse("readiness:condition_done", args=[condition.pk]))
    condition.refresh_from_db()
    assert condition.done_at is not None


def test_only_the_lead_decides_and_managers_scoped(client, lead):
    ed, ph = DepartmentFactory(code="ED"), DepartmentFactory(code="PH")
    mine, other = _wave([ed], name="A"), _wave([ph], name="B")
    d_other = decisions.decision_record(
        actor=lead, wave=other, outcome="go", rationale="ok", conditions=[], token="t2"
    )
    d_mine = decisions.decision_record(
        actor=lead, wave=mine, outcome="go", rationale="ok", conditions=[], token="t1"
    )
    manager = person([roles.MANAGER])
    manager.managed_departments.add(ed)
    client.force_login(manager.user)
    assert _post(client, mine).status_code == 403
    assert client.get(reverse("readiness:decision_detail", args=[d_mine.pk])).status_code == 200
    assert client.get(reverse("readiness:decision_detail", args=[d_other.pk])).status_code == 404
    client.post(reverse("readiness:decision_signoff", args=[d_mine.pk]), {"capacity": "Head"})
    client.post(reverse("readiness:decision_signoff", args=[d_mine.pk]), {"capacity": "Again"})
    assert SignOff.objects.filter(decision=d_mine).count() == 1
    assert AuditEvent.objects.filter(action="readiness.signoff").count() == 1
    learner = person([roles.LEARNER])
    client.force_login(learner.user)
    assert client.get(reverse("readiness:decision_detail", args=[d_mine.pk])).status_code == 403


def test_evaluations_upsert_and_show_on_next_decision_form(client, lead):
    first = _wave([DepartmentFactory()], go_live=date(2026, 1, 1), name="First")
    later = _wave([DepartmentFactory()], name="Later")
    client.force_login(lead)
    url = reverse("readiness:evaluations", args=[first.pk])
    client.post(url, {"tickets_before": "10", "tickets_after": "4"})
    client.post(url, {"tickets_before": "10", "tickets_after": "3", "tickets_note": "fixed"})
    row = Evaluation.objects.get()
    assert str(row.after) == "3.00" and row.note == "fixed"
    assert AuditEvent.objects.filter(action="readiness.evaluation").count() == 2
    page = client.get(reverse("readiness:decision_new", args=[later.pk])).content.decode()
    assert "First" in page and "Support tickets per 100 users" in page


@pytest.mark.parametrize("n", [10, 1000])
def test_decision_pages_keep_their_query_count(client, lead, django_assert_max_num_queries, n):
    ed = DepartmentFactory(code="ED")
    _staff(ed, n)
    wave = _wave([ed])
    decision = decisions.decision_record(
        actor=lead, wave=wave, outcome="go", rationale="ok", conditions=[], token="q"
    )
    client.force_login(lead)
    for url in (
        reverse("readiness:decision_detail", args=[decision.pk]),
        reverse("readiness:decisions", args=[wave.pk]),
    ):
        with django_assert_max_num_queries(15):
            assert client.get(url).status_code == 200
