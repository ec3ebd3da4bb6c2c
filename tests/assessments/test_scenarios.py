"""Practical scenarios as trainers manage them: saving adds a version only when the file
changed (audited); packs are validated as a whole and imported all or nothing; export round
trips; the starter pack loads idempotently; `manage.py simulation` validates and grades files
kept outside the repository."""

import io
import json
import zipfile

import pytest
import yaml
from django.core.management import call_command

from assessments import simulation
from assessments.models import Scenario, ScenarioVersion
from assessments.services.scenarios import (
    PackRefused,
    pack_export,
    pack_import,
    pack_parse,
    scenario_save,
    scenario_yaml,
    starter_files,
    starter_pack_load,
)
from portal.records.models import AuditEvent

from .practical_factories import STARTER, solution_actions, starter_definition

SLUG = "nurse-bcma-wrong-patient"


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def _broken(definition: dict) -> dict:
    broken = json.loads(json.dumps(definition))
    broken["initial"]["encounters"][0]["patient"] = "NOBODY"
    return broken


@pytest.mark.django_db
def test_saving_a_scenario_adds_a_version_only_when_it_changed():
    definition = starter_definition(SLUG)
    scenario, written = scenario_save(definition=definition)
    assert written and scenario.slug == SLUG and scenario.role == "nurse"
    assert scenario.title_zh == definition["title"]["zh"]

    again, written = scenario_save(definition=scenario_yaml(definition))
    assert again.pk == scenario.pk and not written
    assert ScenarioVersion.objects.filter(scenario=scenario).count() == 1

    changed = {**definition, "pass_mark": 90}
    _scenario, written = scenario_save(definition=changed)
    assert written
    numbers = list(scenario.versions.order_by("number").values_list("number", flat=True))
    assert numbers == [1, 2]
    audits = AuditEvent.objects.filter(action="scenario.save").order_by("pk")
    assert [a.after["version"] for a in audits] == [1, 2]
    assert audits[1].before == {"version": 1}


@pytest.mark.django_db
def test_an_invalid_scenario_is_refused_with_where_and_what_and_saves_nothing():
    with pytest.raises(simulation.ScenarioInvalid) as refused:
        scenario_save(definition=_broken(starter_definition(SLUG)))
    paths = [path for path, _message in refused.value.errors]
    assert any(path.startswith("initial.encounters[0].patient") for path in paths)
    assert not Scenario.objects.exists()


@pytest.mark.django_db
def test_a_pack_with_one_bad_scenario_imports_none_and_names_file_and_place():
    good = scenario_yaml(starter_definition(SLUG))
    bad = scenario_yaml(_broken(starter_definition("doctor-outpatient-penicillin-allergy")))
    data = _zip({"nurse.yaml": good, "doctor.yaml": bad, "notes.txt": "ignored"})
    with pytest.raises(PackRefused) as refused:
        pack_import(filename="pack.zip", data=data)
    wheres = [where for where, _message in refused.value.errors]
    assert any(w.startswith("doctor.yaml: initial.encounters[0].patient") for w in wheres)
    assert not Scenario.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("s.yaml", b"\xff\xfe\x00bad", "not UTF-8"),
        ("s.yaml", b"format: [unclosed", "not valid YAML"),
        ("s.yaml", b"", "holds no scenario"),
        ("p.zip", None, "holds no .yaml or .json"),
    ],
)
def test_unreadable_packs_say_why(name, data, expected):
    data = _zip({"readme.txt": "hello"}) if data is None else data
    with pytest.raises(PackRefused) as refused:
        pack_parse(filename=name, data=data)
    assert expected in str(refused.value)


@pytest.mark.django_db
def test_two_scenarios_with_one_slug_in_a_pack_are_refused():
    text = scenario_yaml(starter_definition(SLUG))
    with pytest.raises(PackRefused) as refused:
        pack_parse(filename="p.zip", data=_zip({"a.yaml": text, "b.yaml": text}))
    assert "also used by a.yaml" in str(refused.value)


@pytest.mark.django_db
def test_pack_preview_says_new_changed_unchanged_and_export_round_trips():
    starter_pack_load()
    stored = Scenario.objects.order_by("slug")
    data = pack_export(stored)
    preview = pack_parse(filename="export.zip", data=data)
    assert {e.definition["slug"] for e in preview.entries} == set(
        stored.values_list("slug", flat=True)
    )
    assert preview.count("unchanged") == len(preview.entries)

    changed = {**starter_definition(SLUG), "benchmark_seconds": 999}
    new = {**starter_definition(SLUG), "slug": "nurse-copy"}
    multi = yaml.safe_dump_all([changed, new], allow_unicode=True)
    preview = pack_import(filename="two.yaml", data=multi.encode())
    assert sorted(e.status for e in preview.entries) == ["changed", "new"]
    assert Scenario.objects.get(slug=SLUG).versions.count() == 2


@pytest.mark.django_db
def test_the_starter_pack_loads_every_scenario_once():
    first = starter_pack_load()
    assert len(first) == len(starter_files()) >= 8
    assert {s.role for s in first} == {"doctor", "nurse", "cashier", "admin"}
    starter_pack_load()
    assert ScenarioVersion.objects.count() == len(first)


# ---------------------------------------------------------------------------------------------
# manage.py simulation


def _command(*args) -> tuple[dict, int]:
    out = io.StringIO()
    try:
        call_command("simulation", *args, stdout=out)
        status = 0
    except SystemExit as exit_:
        status = exit_.code
    return json.loads(out.getvalue()), status


def test_validate_a_scenario_file_kept_anywhere(tmp_path):
    path = tmp_path / "my scenario.json"
    path.write_text(json.dumps(starter_definition(SLUG), ensure_ascii=False), encoding="utf-8")
    report, status = _command("validate", str(path))
    assert status == 0 and report["valid"] and report["slug"] == SLUG
    assert report["tasks"] >= 2 and report["critical_checks"] >= 1

    path.write_text(json.dumps(_broken(starter_definition(SLUG))), encoding="utf-8")
    report, status = _command("validate", str(path))
    assert status == 1 and not report["valid"]
    assert report["errors"][0]["path"].startswith("initial.encounters[0].patient")


def test_grade_an_actions_file_on_a_scenario_outside_the_repository(tmp_path):
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text((STARTER / f"{SLUG}.yaml").read_text("utf-8"), encoding="utf-8")
    actions = tmp_path / "actions.json"
    actions.write_text(json.dumps(solution_actions(SLUG)), encoding="utf-8")
    report, status = _command("grade", str(scenario), str(actions))
    assert status == 0
    assert report["score"] == 100.0 and report["passed"] and report["critical_failures"] == []
    assert all(check["passed"] for task in report["tasks"] for check in task["checks"])

    flawed = tmp_path / "flawed.yaml"
    flawed.write_text(
        (STARTER / "solutions" / SLUG / "flawed-override-wrong-patient.yaml").read_text("utf-8"),
        encoding="utf-8",
    )
    report, status = _command("grade", str(scenario), str(flawed))
    assert status == 0 and not report["passed"] and report["critical_failures"]


def test_grade_refuses_a_bad_actions_file(tmp_path):
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text((STARTER / f"{SLUG}.yaml").read_text("utf-8"), encoding="utf-8")
    actions = tmp_path / "actions.json"
    actions.write_text(json.dumps({"actions": "not a list"}), encoding="utf-8")
    report, status = _command("grade", str(scenario), str(actions))
    assert status == 1 and not report["valid"] and report["errors"]


def test_a_missing_file_is_a_command_error(tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No such file"):
        call_command("simulation", "validate", str(tmp_path / "nope.yaml"))
