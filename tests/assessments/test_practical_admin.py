"""Practical exams and scenarios in the Wagtail admin: a trainer edits a scenario file with the
engine's validation (where and what), imports a pack through a preview (all or nothing) and
exports it; defines a practical exam with a rubric and examiners; reaches only the exams they
train."""

import io
import json
import zipfile

import pytest
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from assessments.models import Exam, Scenario
from assessments.services.scenarios import scenario_save, scenario_yaml
from portal.accounts import roles
from portal.org.models import StaffMember
from portal.records.models import AuditEvent
from tests.factories import StaffFactory, person

from .practical_factories import practical_exam, starter_definition

pytestmark = pytest.mark.django_db

SLUG = "nurse-bcma-wrong-patient"
SCENARIOS = "/cms/assessments/scenarios/"
PACKS = "/cms/assessments/scenario-packs/"
PRACTICAL = "/cms/assessments/practical-exams/"


@pytest.fixture
def trainer(role_groups):
    return person([roles.TRAINER]).user


@pytest.fixture
def trainer_client(client, trainer):
    client.force_login(trainer)
    return client


def _errors(response) -> str:
    form = response.context["form"]
    return " ".join(str(e) for errs in form.errors.values() for e in errs)


def test_a_trainer_creates_and_edits_a_scenario_with_validation(trainer_client):
    definition = starter_definition(SLUG)
    page = trainer_client.get(SCENARIOS + "new/")
    assert page.status_code == 200 and "format: readyline-scenario" in page.content.decode()

    broken = json.loads(json.dumps(definition))
    broken["initial"]["patients"][0]["dob"] = "14/03/1958"
    response = trainer_client.post(SCENARIOS + "new/", {"definition_text": scenario_yaml(broken)})
    assert response.status_code == 200
    assert "initial.patients[0].dob" in _errors(response)
    assert not Scenario.objects.exists()

    response = trainer_client.post(
        SCENARIOS + "new/", {"definition_text": scenario_yaml(definition)}
    )
    assert response.status_code == 302
    scenario = Scenario.objects.get(slug=SLUG)
    assert scenario.versions.count() == 1

    edited = {**definition, "pass_mark": 90}
    url = f"{SCENARIOS}edit/{scenario.pk}/"
    assert trainer_client.post(url, {"definition_text": scenario_yaml(edited)}).status_code == 302
    assert scenario.versions.count() == 2
    other_slug = {**definition, "slug": "something-else"}
    response = trainer_client.post(url, {"definition_text": scenario_yaml(other_slug)})
    assert "a different slug would be another scenario" in _errors(response)
    assert AuditEvent.objects.filter(action="scenario.save").count() == 2


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def _upload(client, data: bytes, name="pack.zip"):
    upload = io.BytesIO(data)
    upload.name = name
    return client.post(PACKS + "import/", {"file": upload})


def test_a_pack_is_previewed_then_imported_and_a_bad_one_imports_nothing(trainer_client):
    good = scenario_yaml(starter_definition(SLUG))
    response = _upload(trainer_client, _zip({"nurse.yaml": good}))
    assert response.status_code == 302
    preview = trainer_client.get(response.url)
    assert SLUG in preview.content.decode() and not Scenario.objects.exists()
    assert trainer_client.post(response.url).status_code == 302
    assert Scenario.objects.filter(slug=SLUG).exists()

    bad = json.loads(json.dumps(starter_definition("cashier-refund-authorisation")))
    bad["tasks"][0]["checks"][0]["type"] = "telepathy"
    response = _upload(trainer_client, _zip({"cashier.yaml": scenario_yaml(bad)}))
    preview = trainer_client.get(response.url)
    text = preview.content.decode()
    assert "data-scenario-errors" in text and "tasks[0].checks[0]" in text
    assert "data-import-confirm" not in text
    trainer_client.post(response.url)
    assert not Scenario.objects.filter(slug=bad["slug"]).exists()


def test_export_downloads_a_zip_of_scenario_files(trainer_client):
    scenario_save(definition=starter_definition(SLUG))
    response = trainer_client.get(PACKS + "export/")
    assert response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert names == [f"{SLUG}.yaml"]


def _exam_data(scenario, *, rubric=(), examiners=(), **fields) -> dict:
    data = {
        "title": "Practical: BCMA",
        "title_zh": "实操：扫码给药",
        "intro": "",
        "intro_zh": "",
        "assessed_by": "both",
        "scenario": scenario.pk if scenario else "",
        "time_limit_minutes": "30",
        "opens_at": "",
        "closes_at": "",
        "max_attempts": "3",
        "cooldown_minutes": "0",
        "pass_mark_percent": "80",
        "grading_method": "highest",
        "review_policy": "immediately",
        "published": "on",
        "rubric_items": inline_formset(list(rubric)),
        "examiner_assignments": inline_formset(list(examiners)),
    }
    data.update(fields)
    return nested_form_data(data)


def test_a_trainer_defines_a_practical_exam_with_rubric_and_examiners(trainer_client, trainer):
    scenario, _ = scenario_save(definition=starter_definition(SLUG))
    candidate = StaffFactory()
    response = trainer_client.post(PRACTICAL + "new/", _exam_data(scenario, rubric=[]))
    assert response.status_code == 200
    assert "Add the rubric's checklist items" in _errors(response)
    response = trainer_client.post(
        PRACTICAL + "new/", _exam_data(None, assessed_by="simulation", rubric=[])
    )
    assert "Choose the scenario" in _errors(response)
    assert not Exam.objects.exists()

    data = _exam_data(
        scenario,
        rubric=[{"text": "Hand hygiene", "text_zh": "手卫生", "points": "2"}],
        examiners=[{"examiner": trainer.pk, "staff": candidate.pk}],
    )
    response = trainer_client.post(PRACTICAL + "new/", data)
    assert response.status_code == 302, _errors(response)
    exam = Exam.objects.get()
    assert exam.kind == Exam.Kind.PRACTICAL and exam.uses_rubric and exam.uses_simulation
    assert list(exam.rubric_items.values_list("text", flat=True)) == ["Hand hygiene"]
    assert exam.examiner_assignments.get().staff == candidate
    assert trainer in exam.trainers.all()
    audit = AuditEvent.objects.get(action="exam.create")
    assert audit.after["rubric"][0]["text"] == "Hand hygiene"
    # Practical exams are listed with the practical ones, not with the knowledge exams.
    assert "Practical: BCMA" in trainer_client.get(PRACTICAL).content.decode()
    assert "Practical: BCMA" not in trainer_client.get("/cms/assessments/exams/").content.decode()


def test_trainers_reach_only_the_practical_exams_they_train(trainer_client):
    other = practical_exam(title="Cardiology ward BCMA")
    assert trainer_client.get(f"{PRACTICAL}edit/{other.pk}/").status_code == 404
    assert other.title not in trainer_client.get(PRACTICAL).content.decode()


def test_learners_cannot_reach_the_scenario_admin(client, role_groups):
    client.force_login(person([roles.LEARNER]).user)
    for url in (SCENARIOS, PACKS + "import/", PACKS + "export/", PRACTICAL):
        assert client.get(url).status_code in (302, 403)


def test_an_examiner_cannot_be_assigned_to_themselves(trainer_client, trainer):
    scenario, _ = scenario_save(definition=starter_definition(SLUG))
    own = StaffMember.objects.get(user=trainer)
    data = _exam_data(
        scenario,
        rubric=[{"text": "Hand hygiene", "text_zh": "手卫生", "points": "2"}],
        examiners=[{"examiner": trainer.pk, "staff": own.pk}],
    )
    response = trainer_client.post(PRACTICAL + "new/", data)
    assert response.status_code == 200
    forms = response.context["form"].formsets["examiner_assignments"].forms
    assert "An examiner cannot examine themselves." in str(forms[0].errors)
    assert not Exam.objects.exists()
