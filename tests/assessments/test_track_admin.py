"""Certification tracks in the Wagtail admin: a trainer defines a track; bad formulas and a
track without requirements are refused with a specific message; saves are audited and queue a
status refresh for the role's staff."""

import pytest

from assessments.models import CertificationStatus, CertificationTrack, Exam
from portal.accounts import roles
from portal.records.models import AuditEvent
from tests.assessments.factories import exam
from tests.courses.factories import course
from tests.factories import StaffFactory, job_role, person

pytestmark = pytest.mark.django_db
TRACKS = "/cms/assessments/certification-tracks/"


@pytest.fixture
def trainer_client(client, role_groups):
    client.force_login(person([roles.TRAINER]).user)
    return client


def _form(**changes) -> dict:
    data = {
        "code": "cashier-billing",
        "active": "on",
        "name": "Cashier: billing in the new HIS",
        "name_zh": "收费员：新HIS收费",
        "job_role": job_role("cashier").pk,
        "his_module": "billing",
        "validity_months": 12,
        "recertify_days_before": 60,
        "grace_days": 30,
        "knowledge_weight": 40,
        "practical_weight": 60,
        "half_life_days": 180,
        "efficiency_floor": "0.80",
        "competent_from": 60,
        "proficient_from": 75,
        "expert_from": 90,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _errors(response) -> str:
    form = response.context["form"]
    return " ".join(str(e) for errs in form.errors.values() for e in errs)


def test_a_trainer_creates_a_track_and_the_role_is_recomputed(
    trainer_client, django_capture_on_commit_callbacks
):
    knowledge = exam(title="Billing knowledge")
    practical = exam(title="Billing practical", kind=Exam.Kind.PRACTICAL)
    billing = course(title="Billing basics", roles=("cashier",), lessons=1)
    cashier = StaffFactory(job_role=job_role("cashier"))
    with django_capture_on_commit_callbacks(execute=True):
        response = trainer_client.post(
            TRACKS + "new/",
            _form(
                knowledge_exam=knowledge.pk,
                practical_exam=practical.pk,
                required_courses=[billing.pk],
            ),
        )
    assert response.status_code == 302, _errors(response)
    track = CertificationTrack.objects.get(code="cashier-billing")
    assert list(track.required_courses.all()) == [billing.specific]
    assert AuditEvent.objects.filter(action="track.create", object_id=str(track.pk)).exists()
    row = CertificationStatus.objects.get(staff=cashier, track=track)
    assert (row.status, row.requirements_total) == ("not_started", 3)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"practical_weight": 70}, "must add up to 100 (now 110)"),
        ({"proficient_from": 95}, "Level thresholds must rise"),
        ({"efficiency_floor": "1.50"}, ""),
    ],
)
def test_a_bad_formula_is_refused_and_nothing_is_saved(trainer_client, changes, message):
    knowledge = exam(title="Billing knowledge")
    response = trainer_client.post(TRACKS + "new/", _form(knowledge_exam=knowledge.pk, **changes))
    assert response.status_code == 200
    assert message in _errors(response)
    assert not CertificationTrack.objects.exists()


def test_a_track_without_requirements_is_refused(trainer_client):
    response = trainer_client.post(TRACKS + "new/", _form())
    assert response.status_code == 200
    assert "at least one requirement" in response.content.decode()
    assert not CertificationTrack.objects.exists()


def test_a_practical_exam_cannot_be_the_knowledge_exam(trainer_client):
    practical = exam(title="Billing practical", kind=Exam.Kind.PRACTICAL)
    response = trainer_client.post(TRACKS + "new/", _form(knowledge_exam=practical.pk))
    assert response.status_code == 200 and "knowledge_exam" in response.context["form"].errors


def test_an_edit_audits_only_what_changed(trainer_client):
    knowledge = exam(title="Billing knowledge")
    trainer_client.post(TRACKS + "new/", _form(knowledge_exam=knowledge.pk))
    track = CertificationTrack.objects.get()
    response = trainer_client.post(
        TRACKS + f"edit/{track.pk}/", _form(knowledge_exam=knowledge.pk, validity_months=24)
    )
    assert response.status_code == 302, _errors(response)
    event = AuditEvent.objects.get(action="track.update")
    assert event.before == {"validity_months": 12} and event.after == {"validity_months": 24}


def test_learners_cannot_reach_the_track_admin(client, role_groups):
    client.force_login(person([roles.LEARNER]).user)
    assert client.get(TRACKS).status_code in (302, 403)
