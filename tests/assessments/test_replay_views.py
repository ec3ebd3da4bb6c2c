"""The trainer's replay of a practical attempt (/exams/manage/attempt/<id>/replay/): who may
open it, the step list, the selected step (action, state panels, diff, checks satisfied and
broken, the full check list at that step), and a query count that does not grow with the log;
and the trainer's attempt page of a practical attempt (the simulation result, the Replay
button, the rubric score)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assessments.models import Attempt, RubricItem, SimulationAction
from assessments.services.practical import rubric_score_save
from assessments.views.replay import action_summary, clock, value_text
from portal.accounts import roles
from tests.factories import StaffFactory, UserFactory, person

from .factories import trains
from .practical_factories import practical_exam, solution_actions
from .test_practical_services import _fresh_scenarios, sit_practical  # noqa: F401

pytestmark = pytest.mark.django_db

SLUG = "nurse-bcma-wrong-patient"


def replay_url(attempt, step=None) -> str:
    url = f"/exams/manage/attempt/{attempt.pk}/replay/"
    return url if step is None else f"{url}?step={step}"


@pytest.fixture
def world(role_groups):
    exam = practical_exam(title="Medication round")
    trainer = person([roles.TRAINER]).user
    trains(exam, trainer)
    candidate = person([roles.LEARNER], full_name="Wang Xiaoming")
    return {
        "exam": exam,
        "trainer": trainer,
        "candidate": candidate,
        "reference": sit_practical(exam, candidate, solution_actions(SLUG)),
    }


def body(response) -> str:
    return response.content.decode()


# ---------------------------------------------------------------------------------------------
# Access


def test_the_trainer_and_a_superuser_open_the_replay(client, world):
    for user in (world["trainer"], UserFactory(is_superuser=True)):
        client.force_login(user)
        assert client.get(replay_url(world["reference"])).status_code == 200


def test_another_trainer_gets_404_and_others_403(client, world):
    attempt = world["reference"]
    other = person([roles.TRAINER]).user
    trains(practical_exam(world["exam"].scenario, title="Theirs"), other)
    client.force_login(other)
    assert client.get(replay_url(attempt)).status_code == 404
    for user in (world["candidate"].user, person([roles.LEARNER, roles.MANAGER]).user):
        client.force_login(user)
        assert client.get(replay_url(attempt)).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = client.get(replay_url(world["reference"]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_missing_attempt_or_a_knowledge_attempt_is_404(client, world):
    from . import factories as f

    client.force_login(world["trainer"])
    assert client.get("/exams/manage/attempt/999999/replay/").status_code == 404
    knowledge = f.exam(questions=[f.question("single")])
    trains(knowledge, world["trainer"])
    attempt = f.sit(knowledge, world["candidate"], [])
    assert client.get(replay_url(attempt)).status_code == 404


# ---------------------------------------------------------------------------------------------
# What it shows


def test_the_step_list_shows_every_action_in_plain_words(client, world):
    client.force_login(world["trainer"])
    response = client.get(replay_url(world["reference"]))
    html = body(response)
    rows = response.context["rows"]
    assert [r.seq for r in rows] == list(range(0, 9))
    assert rows[1].clock == "00:10" and rows[1].label == "Opened a patient's chart"
    assert "MRN300112" in rows[1].summary
    assert rows[5].label == "Recorded a medication administration"
    assert "Wang Xiaoming" in html and "Barcode medication administration" in html
    assert 'id="replay-slider"' in html and 'max="8"' in html
    assert response.context["index"] == 0  # the initial state first


def test_a_refused_action_is_marked_with_its_error(client, world):
    attempt = sit_practical(
        world["exam"], person([roles.LEARNER]), solution_actions(SLUG, "flawed-no-drug-scan")
    )
    client.force_login(world["trainer"])
    response = client.get(replay_url(attempt, 4))
    refused = response.context["rows"][4]
    error = SimulationAction.objects.get(attempt=attempt, seq=4).error
    assert error and refused.error == error
    html = body(response)
    assert 'class="refused"' in html and "The HIS refused this action:" in html
    assert response.context["step"]["error"] == error
    assert response.context["diff"] == []  # a refused action changes nothing


def test_the_step_that_gives_the_dose_satisfies_its_check(client, world):
    client.force_login(world["trainer"])
    before = client.get(replay_url(world["reference"], 4)).context
    assert {c["key"]: c["passed"] for c in before["checks"]}["give.metoprolol-given"] is False
    response = client.get(replay_url(world["reference"], 5))
    context = response.context
    assert [c["key"] for c in context["satisfied"]] == ["give.metoprolol-given"]
    assert context["broken"] == []
    assert {c["key"]: c["passed"] for c in context["checks"]}["give.metoprolol-given"] is True
    html = body(response)
    assert 'data-check="give.metoprolol-given" data-passed="true" class="now-satisfied"' in html
    # The diff: a new administration, and the scans cleared.
    added = [(e.collection, e.id, e.kind) for e in context["diff"] if e.kind == "added"]
    assert added == [("Medication administrations", "MA1", "added")]
    panel = next(p for p in context["panels"] if p.key == "administrations")
    assert panel.changed and panel.rows[0].cls == "added"
    assert context["action_label"] == "Recorded a medication administration"


def test_a_dose_through_the_wrong_patient_warning_is_shown_in_red(client, world):
    attempt = sit_practical(
        world["exam"],
        person([roles.LEARNER]),
        solution_actions(SLUG, "flawed-override-wrong-patient"),
    )
    client.force_login(world["trainer"])
    response = client.get(replay_url(attempt, 6))
    context = response.context
    panel = next(p for p in context["panels"] if p.key == "administrations")
    assert "unverified" in panel.rows[0].cls
    assert any("bad" in cell.cls for cell in panel.rows[0].cells)
    broken = {c["key"] for c in context["broken"]}
    assert {"identify.right-patient", "identify.no-override"} <= broken
    assert '<tr class="added unverified"' in body(response)


def test_only_collections_with_entities_or_changes_are_shown(client, world):
    client.force_login(world["trainer"])
    context = client.get(replay_url(world["reference"], 0)).context
    keys = [p.key for p in context["panels"]]
    assert {"patients", "orders", "encounters"} <= set(keys)
    assert "administrations" not in keys and "vitals" not in keys and "refunds" not in keys
    assert "formulary" not in keys


def test_the_step_is_clamped_to_the_log(client, world):
    client.force_login(world["trainer"])
    assert client.get(replay_url(world["reference"], 999)).context["index"] == 8
    assert client.get(replay_url(world["reference"], -3)).context["index"] == 0
    assert client.get(replay_url(world["reference"]) + "?step=x").context["index"] == 0


def test_the_replay_is_in_chinese_when_the_trainer_reads_chinese(client, world):
    client.force_login(world["trainer"])
    client.post("/i18n/setlang/", {"language": "zh-hans"})
    response = client.get(replay_url(world["reference"], 5))
    assert response.status_code == 200
    checks = {c["key"]: c["text"] for c in response.context["checks"]}
    assert checks["give.metoprolol-given"].startswith("美托洛尔")


def test_an_empty_log_replays_its_initial_state(client, world):
    attempt = sit_practical(world["exam"], person([roles.LEARNER]), [], finish=False)
    client.force_login(world["trainer"])
    response = client.get(replay_url(attempt, 3))
    assert response.status_code == 200
    assert response.context["index"] == 0 and response.context["last"] == 0


def test_helpers_format_time_values_and_hide_pins():
    assert clock(0) == "00:00" and clock(75.9) == "01:15" and clock(3725) == "62:05"
    assert value_text(True) == "yes" and value_text(None) == "—" and value_text(12.50) == "12.5"
    assert value_text([{"substance": "penicillin", "reaction": "rash"}]) == "penicillin (rash)"
    summary = action_summary(
        {"type": "refund", "payment": "R1", "amount": 10, "supervisor": "zhao.min", "pin": "4821"}
    )
    assert "R1" in summary and "zhao.min" in summary and "4821" not in summary
    assert "4821" not in value_text("4821", "pin")


# ---------------------------------------------------------------------------------------------
# Query counts


def _long_attempt(exam, count: int) -> Attempt:
    """An attempt with `count` actions in its log (written in bulk: a scan, then searches)."""
    staff = person([roles.LEARNER])
    start = timezone.now() - timedelta(minutes=20)
    attempt = sit_practical(exam, staff, [], finish=False, start=start)
    rows = [
        SimulationAction(
            attempt=attempt,
            seq=n,
            t=float(n),
            at=start + timedelta(seconds=n),
            action={"type": "scan_wristband", "barcode": "WB300112"}
            if n % 2
            else {"type": "patient_search", "query": "Wang"},
        )
        for n in range(1, count + 1)
    ]
    SimulationAction.objects.bulk_create(rows)
    return attempt


REPLAY_MAX_QUERIES = 8  # session, user, groups; attempt, log; page frame (nav, badge)


@pytest.mark.parametrize("count", [10, 200])
def test_the_replay_query_count_does_not_grow_with_the_log(
    client, world, django_assert_max_num_queries, count
):
    attempt = _long_attempt(world["exam"], count)
    client.force_login(world["trainer"])
    for step in (count // 2, count):
        with django_assert_max_num_queries(REPLAY_MAX_QUERIES):
            response = client.get(replay_url(attempt, step))
        assert response.status_code == 200 and response.context["last"] == count


# ---------------------------------------------------------------------------------------------
# The trainer's attempt page of a practical attempt


def test_the_attempt_page_shows_the_simulation_result_and_the_replay_button(client, world):
    flawed = sit_practical(
        world["exam"], person([roles.LEARNER]), solution_actions(SLUG, "flawed-no-drug-scan")
    )
    client.force_login(world["trainer"])
    response = client.get(f"/exams/manage/attempt/{flawed.pk}/")
    html = body(response)
    assert response.status_code == 200
    assert 'id="attempt-simulation"' in html and 'id="attempt-questions"' not in html
    assert f'href="/exams/manage/attempt/{flawed.pk}/replay/"' in html
    assert 'data-check="give.metoprolol-given" data-passed="false"' in html
    assert 'data-check="identify.wristband-scanned" data-passed="true"' in html
    why = next(
        c["why"]
        for t in flawed.simulation["tasks"]
        for c in t["checks"]
        if c["id"] == "metoprolol-given"
    )
    assert why and why in html
    assert 'id="rubric-link"' not in html  # no rubric on this exam


def test_the_attempt_page_shows_critical_failures(client, world):
    attempt = sit_practical(
        world["exam"],
        person([roles.LEARNER]),
        solution_actions(SLUG, "flawed-override-wrong-patient"),
    )
    client.force_login(world["trainer"])
    html = body(client.get(f"/exams/manage/attempt/{attempt.pk}/"))
    assert 'id="critical-failures"' in html and "identify.right-patient" in html


def test_the_attempt_page_shows_the_rubric_score(client, role_groups):
    exam = practical_exam(assessed_by="both", rubric=[("Explains the medicine", 4)])
    trainer = person([roles.TRAINER]).user
    trains(exam, trainer)
    attempt = sit_practical(exam, person([roles.LEARNER]), solution_actions(SLUG))
    client.force_login(trainer)
    html = body(client.get(f"/exams/manage/attempt/{attempt.pk}/"))
    assert "waiting for the examiner" in html and "Not scored yet." in html
    item = RubricItem.objects.get(exam=exam)
    rubric_score_save(
        attempt=attempt, examiner=trainer, items={str(item.pk): "partly"}, global_rating=3
    )
    html = body(client.get(f"/exams/manage/attempt/{attempt.pk}/"))
    assert 'id="rubric-result"' in html and "2 of 4 points (50.00 %), Borderline pass" in html
    assert f'href="/exams/manage/examine/attempt/{attempt.pk}/"' in html


# ---------------------------------------------------------------------------------------------
# Check statistics of a practical exam


def test_check_statistics_show_what_people_get_wrong(client, role_groups):
    trainer = person([roles.TRAINER]).user
    exam = practical_exam(title="BCMA stats")
    trains(exam, trainer)
    sit_practical(exam, person(), solution_actions(SLUG))
    sit_practical(exam, person(), solution_actions(SLUG, "flawed-override-wrong-patient"))
    client.force_login(trainer)
    response = client.get(f"/exams/manage/{exam.pk}/statistics/")
    stats = response.context["stats"]
    assert stats.attempts == 2 and stats.passed == 1 and stats.critical_failed == 1
    rates = {f"{c.task}.{c.id}": c.rate for c in stats.checks}
    assert rates["identify.right-patient"] == 50.0 and rates["pre-check.vitals-recorded"] == 100.0
    chart = response.context["chart"]
    assert len(chart["values"]) == len(stats.checks)
    text = response.content.decode()
    assert "Check statistics" in text and "percent_chart.js" in text


@pytest.mark.parametrize("count", [10, 1000])
def test_check_statistics_query_count_does_not_grow(
    client, role_groups, django_assert_max_num_queries, count
):
    trainer = person([roles.TRAINER]).user
    exam = practical_exam(title="BCMA stats")
    trains(exam, trainer)
    first = sit_practical(exam, person(), solution_actions(SLUG))
    staff = StaffFactory.create_batch(count)
    Attempt.objects.bulk_create(
        Attempt(
            exam=exam,
            staff=member,
            number=1,
            state=first.state,
            started_at=first.started_at,
            finished_at=first.finished_at,
            simulation=first.simulation,
            scenario_version=first.scenario_version,
            percent=first.percent,
            passed=first.passed,
        )
        for member in staff
    )
    client.force_login(trainer)
    with django_assert_max_num_queries(12):
        response = client.get(f"/exams/manage/{exam.pk}/statistics/")
    assert response.context["stats"].attempts == count + 1


def test_check_statistics_count_the_attempt_outcome_and_the_newest_version(client, role_groups):
    from assessments.models import ScenarioVersion

    trainer = person([roles.TRAINER]).user
    exam = practical_exam(title="BCMA stats")
    trains(exam, trainer)
    sit_practical(exam, person(), solution_actions(SLUG))
    sit_practical(exam, person(), solution_actions(SLUG, "flawed-no-drug-scan"))
    old = sit_practical(exam, person(), solution_actions(SLUG))
    version = old.scenario_version
    newer = ScenarioVersion.objects.create(
        scenario=version.scenario, number=2, definition=version.definition
    )
    sit_practical(exam, person(), solution_actions(SLUG))  # on version 2
    Attempt.objects.filter(pk=old.pk).update(scenario_version=version)
    client.force_login(trainer)
    response = client.get(f"/exams/manage/{exam.pk}/statistics/")
    stats = response.context["stats"]
    assert (stats.version, stats.attempts, stats.other_versions) == (2, 1, 3)
    assert newer.pk == Attempt.objects.filter(exam=exam).order_by("-pk")[0].scenario_version_id
    assert "attempts on older versions are not in them" in response.content.decode()


def test_a_held_dose_is_not_painted_as_an_unverified_one():
    from assessments.views.replay import panels

    held = {
        "id": "MA1",
        "order": "O900",
        "patient": "MRN300112",
        "outcome": "held",
        "patient_verified": False,
        "drug_verified": False,
        "reason": "BP 88/52",
    }
    given = {**held, "id": "MA2", "outcome": "given", "reason": None}
    state = {"administrations": {"MA1": held, "MA2": given}}
    (panel,) = [p for p in panels(None, state) if p.key == "administrations"]
    rows = {row.id: row for row in panel.rows}
    assert "unverified" not in rows["MA1"].cls and "unverified" in rows["MA2"].cls
    assert not any("bad" in cell.cls for cell in rows["MA1"].cells)
    assert any("bad" in cell.cls for cell in rows["MA2"].cells)
