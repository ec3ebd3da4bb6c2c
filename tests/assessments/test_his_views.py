"""The examinee's simulated HIS through the test client: every role's screens for the starter
scenarios, the reference solutions posted through the HIS forms (they pass), exactly-once
actions (a double POST records once, a stale page is told to reload), own attempts only, the
deadline, the BCMA wrong-patient warning and its "give anyway", what the page never shows, the
result page, and the page's query count (the same for a 10- and a 200-action log)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from freezegun import freeze_time

from assessments.models import Attempt, Exam, SimulationAction
from assessments.services.attempts import GRACE
from assessments.services.practical import practical_act
from assessments.views.his_forms import PARAMS, Lookups, action_from_post, post_fields
from tests.assessments.practical_factories import (
    STARTER,
    practical_exam,
    scenario,
    solution_actions,
    starter_definition,
)
from tests.factories import person

pytestmark = pytest.mark.django_db

SLUGS = sorted(p.stem for p in STARTER.glob("*.yaml"))
NURSE = "nurse-bcma-wrong-patient"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def page_url(attempt, screen=""):
    return f"/exams/attempt/{attempt.pk}/his/" + (f"?screen={screen}" if screen else "")


def act_url(attempt):
    return f"/exams/attempt/{attempt.pk}/his/act/"


def finish_url(attempt):
    return f"/exams/attempt/{attempt.pk}/his/finish/"


def result_url(attempt):
    return f"/exams/attempt/{attempt.pk}/his/result/"


@pytest.fixture
def learner(client):
    member = person()
    client.force_login(member.user)
    return member


def start(client, exam) -> Attempt:
    response = client.post(f"/exams/{exam.pk}/start/")
    assert response.status_code == 302
    match = re.match(r"^/exams/attempt/(\d+)/his/$", response["Location"])
    assert match, response["Location"]
    return Attempt.objects.get(pk=match.group(1))


def form_fields(action: dict) -> dict:
    """What the HIS form for `action` posts: the scan field names only the barcode, the
    registration form has insurance and allergy fields; the rest are the action's params."""
    kind = action["type"]
    if kind == "scan":
        return dict(action)
    if kind in ("scan_wristband", "scan_drug"):
        return {"type": "scan", "barcode": action["barcode"]}
    fields = dict(post_fields(action))
    if kind in ("patient_register", "patient_update"):
        insurance = action.get("insurance") or {}
        fields.update(
            insurance_scheme=insurance.get("scheme", ""),
            insurance_number=insurance.get("number", ""),
            insurance_coverage_percent=str(insurance.get("coverage_percent", "")),
        )
        for allergy in action.get("allergies") or ():
            fields.setdefault("allergy_substance", []).append(allergy.get("substance", ""))
            fields.setdefault("allergy_reaction", []).append(allergy.get("reaction", ""))
            fields.setdefault("allergy_severity", []).append(allergy.get("severity", ""))
    return fields


def seq_of(attempt) -> int:
    return SimulationAction.objects.filter(attempt=attempt).count() + 1


def act(client, attempt, action: dict, seq=None, screen=""):
    data = {**form_fields(action), "seq": str(seq or seq_of(attempt)), "screen": screen}
    return client.post(act_url(attempt), data)


def recorded(attempt) -> list[dict]:
    return list(
        SimulationAction.objects.filter(attempt=attempt)
        .order_by("seq")
        .values_list("action", flat=True)
    )


def same_action(a: dict, b: dict) -> bool:
    strip = {"t", "seq"}
    return {k: v for k, v in a.items() if k not in strip} == {
        k: v for k, v in b.items() if k not in strip
    }


# ---------------------------------------------------------------------------------------------
# The screens


@pytest.mark.parametrize("slug", SLUGS)
def test_each_role_screen_renders(client, learner, slug):
    definition = starter_definition(slug)
    attempt = start(client, practical_exam(scenario(slug=slug)))
    response = client.get(page_url(attempt))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Readyline HIS" in html and "training environment" in html
    assert definition["user"]["name"] in html
    assert "data-task-panel" in html and "data-refused" in html and "data-timer" in html
    # The administrator's console has users, not patients: no worklist, no patient banner.
    assert ("data-worklist" in html) == (definition["role"] != "admin")
    first_screen = {"doctor": "doctor", "nurse": "nurse", "cashier": "registration"}
    assert f'data-role-screen="{first_screen.get(definition["role"], "admin")}"' in html
    # The brief and the instructions, never the checks.
    for task in definition["tasks"]:
        for check in task["checks"]:
            assert check["description"]["en"] not in html
    # A chart opened: the banner; every screen of the role draws with it.
    first = definition["initial"].get("patients", [{}])[0].get("id")
    if first:
        assert act(client, attempt, {"type": "patient_open", "patient": first}).status_code == 302
    screens = {"doctor": [""], "nurse": ["mar", "vitals"], "cashier": ["registration", "billing"]}
    for screen in screens.get(definition["role"], [""]):
        response = client.get(page_url(attempt, screen))
        assert response.status_code == 200
        if first:
            assert f'data-banner="{first}"' in response.content.decode()


def test_the_banner_shows_allergies_in_red_and_the_chinese_page_speaks_chinese(client, learner):
    attempt = start(client, practical_exam(scenario(slug="doctor-outpatient-penicillin-allergy")))
    act(client, attempt, {"type": "patient_open", "patient": "MRN100234"})
    html = client.get(page_url(attempt)).content.decode()
    assert 'class="his-allergies has-allergies"' in html
    assert "PENICILLIN" in html and "UEBMI" in html and "E7301" in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = client.get(page_url(attempt)).content.decode()
    assert "呼吸内科门诊" in html  # the department, and the brief below, in Chinese
    assert "您是呼吸内科门诊医生" in html
    assert "You are the doctor" not in html


def test_a_pending_alert_opens_the_alert_dialog(client, learner):
    attempt = start(client, practical_exam(scenario(slug="doctor-outpatient-penicillin-allergy")))
    for action in solution_actions("doctor-outpatient-penicillin-allergy")[:3]:
        act(client, attempt, action)
    html = client.get(page_url(attempt)).content.decode()
    assert "<dialog" in html and "data-his-alert open" in html and 'data-alert="A1"' in html
    act(client, attempt, {"type": "alert_override", "alert": "A1", "reason": "no"})
    html = client.get(page_url(attempt)).content.decode()
    assert 'data-alert="A1"' in html  # a too-short reason is refused: still pending
    assert 'data-refused-seq="4"' in html  # and listed among the HIS messages
    act(client, attempt, {"type": "alert_accept", "alert": "A1"})
    html = client.get(page_url(attempt)).content.decode()
    assert "data-his-alert" not in html
    assert 'data-order="O1" data-status="cancelled"' in html


# ---------------------------------------------------------------------------------------------
# The reference solutions, through the forms


@pytest.mark.parametrize("slug", SLUGS)
def test_the_reference_solution_posted_through_the_forms_passes(client, learner, slug):
    attempt = start(client, practical_exam(scenario(slug=slug)))
    actions = solution_actions(slug)
    for action in actions:
        response = act(client, attempt, action)
        assert response.status_code == 302
        assert response["Location"].startswith(page_url(attempt))
    logged = recorded(attempt)
    assert len(logged) == len(actions)
    for given, stored in zip(actions, logged, strict=True):
        assert same_action(given, stored), (given, stored)
    assert not SimulationAction.objects.filter(attempt=attempt).exclude(error="").exists()
    response = client.post(finish_url(attempt))
    assert response["Location"] == result_url(attempt)
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED
    assert attempt.passed is True, attempt.simulation
    html = client.get(result_url(attempt)).content.decode()
    assert "data-passed" in html and "Passed" in html
    assert "data-task-results" in html  # review allowed immediately (the default)


def test_the_form_fields_become_the_action(client):
    lookups = Lookups(wristbands={"WB1"}, drug_barcodes={"690"}, test_kinds={"CXR": "imaging"})
    assert action_from_post({"type": "scan", "barcode": " WB1 "}, lookups) == {
        "type": "scan_wristband",
        "barcode": "WB1",
    }
    assert action_from_post({"type": "scan", "barcode": "690"}, lookups)["type"] == "scan_drug"
    # An unknown code goes to the step due, so the HIS refuses (and records) it.
    assert action_from_post({"type": "scan", "barcode": "x"}, lookups)["type"] == "scan_wristband"
    assert action_from_post({"type": "order_create", "encounter": "E1", "test": "CXR"}, lookups)[
        "kind"
    ] == ("imaging")
    order = action_from_post(
        {
            "type": "order_create",
            "kind": "medication",
            "encounter": "E1",
            "drug": "D",
            "dose": "2.5",
            "unit": "mg",
            "route": "PO",
            "frequency": "STAT",
            "duration_days": "",
            "csrfmiddlewaretoken": "x",
        }
    )
    assert order == {
        "type": "order_create",
        "kind": "medication",
        "encounter": "E1",
        "drug": "D",
        "dose": 2.5,
        "unit": "mg",
        "route": "PO",
        "frequency": "STAT",
    }
    with pytest.raises(ValueError, match="must be a number"):
        action_from_post({"type": "vitals_record", "patient": "P", "pulse": "sixty"})
    with pytest.raises(ValueError):
        action_from_post({"type": "drop_tables"})
    # Every action of the vocabulary has a form.
    from assessments import simulation

    assert set(simulation.ACTIONS) <= set(PARAMS)


def test_a_form_that_is_not_an_action_records_nothing(client, learner):
    attempt = start(client, practical_exam())
    response = client.post(
        act_url(attempt),
        {"type": "vitals_record", "patient": "MRN300112", "pulse": "x", "seq": "1"},
    )
    assert response.status_code == 302
    assert not recorded(attempt)
    assert "must be a number" in client.get(page_url(attempt)).content.decode()


# ---------------------------------------------------------------------------------------------
# Exactly once, own attempts only, the deadline


def test_a_double_post_of_the_same_form_records_once(client, learner):
    attempt = start(client, practical_exam())
    action = {"type": "patient_open", "patient": "MRN300112"}
    first = act(client, attempt, action, seq=1)
    again = act(client, attempt, action, seq=1)
    assert first.status_code == again.status_code == 302
    assert recorded(attempt) == [action]
    html = client.get(page_url(attempt)).content.decode()
    assert 'name="seq" value="2"' in html


def test_a_stale_page_is_told_to_reload_and_changes_nothing(client, learner):
    attempt = start(client, practical_exam())
    act(client, attempt, {"type": "patient_open", "patient": "MRN300112"}, seq=1)
    act(client, attempt, {"type": "scan", "barcode": "WB300112"}, seq=2)
    # A page drawn before the scan posts something else with seq 2, and one skips ahead.
    act(client, attempt, {"type": "patient_open", "patient": "MRN300118"}, seq=2)
    act(client, attempt, {"type": "patient_open", "patient": "MRN300118"}, seq=9)
    assert len(recorded(attempt)) == 2
    response = client.get(page_url(attempt))
    html = response.content.decode()
    assert "Reload the page" in html
    assert 'data-banner="MRN300112"' in html


def test_another_persons_attempt_is_not_found(client, learner):
    attempt = start(client, practical_exam())
    client.force_login(person().user)
    assert client.get(page_url(attempt)).status_code == 404
    assert client.post(act_url(attempt), {"type": "patient_open", "seq": "1"}).status_code == 404
    assert client.post(finish_url(attempt)).status_code == 404
    assert client.get(result_url(attempt)).status_code == 404
    assert not recorded(attempt)


def test_after_the_deadline_and_grace_actions_are_refused(client, learner):
    with freeze_time(T0):
        attempt = start(client, practical_exam(time_limit_minutes=15))
        act(client, attempt, {"type": "patient_open", "patient": "MRN300112"})
    with freeze_time(T0 + timedelta(minutes=15) + GRACE / 2):
        response = act(client, attempt, {"type": "scan", "barcode": "WB300112"})
        assert response["Location"].startswith(page_url(attempt))  # within the grace: taken
    with freeze_time(T0 + timedelta(minutes=15) + GRACE + timedelta(seconds=1)):
        response = act(client, attempt, {"type": "scan", "barcode": "WB300118"})
        assert response["Location"] == result_url(attempt)
        assert client.get(page_url(attempt))["Location"] == result_url(attempt)
        html = client.get(result_url(attempt)).content.decode()
    assert len(recorded(attempt)) == 2
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED
    assert attempt.finished_by == Attempt.FinishedBy.DEADLINE
    assert "Time ran out" in html


def test_finish_is_exactly_once(client, learner):
    attempt = start(client, practical_exam())
    assert client.post(finish_url(attempt))["Location"] == result_url(attempt)
    assert client.post(finish_url(attempt))["Location"] == result_url(attempt)
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED and attempt.passed is False
    response = act(client, attempt, {"type": "patient_open", "patient": "MRN300112"}, seq=1)
    assert response["Location"] == result_url(attempt)
    assert not recorded(attempt)


def test_the_knowledge_pages_send_a_practical_attempt_to_the_his(client, learner):
    attempt = start(client, practical_exam())
    assert client.get(f"/exams/attempt/{attempt.pk}/")["Location"] == page_url(attempt)
    assert client.post(f"/exams/{attempt.exam_id}/start/")["Location"] == page_url(attempt)
    client.post(finish_url(attempt))
    assert client.get(f"/exams/attempt/{attempt.pk}/review/")["Location"] == result_url(attempt)
    assert client.get(page_url(attempt))["Location"] == result_url(attempt)
    # And the HIS pages send a knowledge attempt back to its own pages.
    Exam.objects.filter(pk=attempt.exam_id).update(kind=Exam.Kind.KNOWLEDGE)
    Attempt.objects.filter(pk=attempt.pk).update(scenario_version=None)
    assert client.get(result_url(attempt))["Location"] == f"/exams/attempt/{attempt.pk}/review/"


# ---------------------------------------------------------------------------------------------
# The BCMA wrong-patient warning


def test_the_wrong_patient_warning_and_give_anyway(client, learner):
    attempt = start(client, practical_exam())
    act(client, attempt, {"type": "patient_open", "patient": "MRN300112"})
    act(client, attempt, {"type": "scan", "barcode": "WB300118"})  # the spare label: Wang Fen
    act(client, attempt, {"type": "scan", "barcode": "6903456700017"})
    act(client, attempt, {"type": "administer", "order": "O900", "outcome": "given"})
    html = client.get(page_url(attempt)).content.decode()
    assert re.search(r"<input[^>]*autofocus data-barcode", html)  # the scanner types here
    assert "data-wrong-patient" in html and "HIS WARNING" in html
    assert "Wrong patient" in html
    assert "data-give-anyway" in html and 'name="override_warning" value="1"' in html
    # "Do not give" hides the warning, also after switching screens and back.
    assert "data-wrong-patient" not in client.get(page_url(attempt) + "?dismiss=4").content.decode()
    client.get(page_url(attempt, "vitals"))
    assert "data-wrong-patient" not in client.get(page_url(attempt, "mar")).content.decode()
    # Give anyway: the same action again, with override_warning, at the next number.
    fields = re.search(r"<form[^>]*data-give-anyway-form>(.*?)</form>", html, re.S).group(1)
    data = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', fields))
    assert data["seq"] == "5"
    assert client.post(act_url(attempt), data).status_code == 302
    last = recorded(attempt)[-1]
    assert last["override_warning"] is True and last["order"] == "O900"
    html = client.get(page_url(attempt)).content.decode()
    assert "data-wrong-patient" not in html
    assert "unverified patient" in html
    client.post(finish_url(attempt))
    attempt.refresh_from_db()
    assert attempt.passed is False
    assert "identify.right-patient" in attempt.simulation["critical_failures"]
    html = client.get(result_url(attempt)).content.decode()
    assert "data-critical-failure" in html
    assert "No dose was given without the wristband matching" in html


def test_a_wrong_drug_is_a_hard_stop_without_give_anyway(client, learner):
    attempt = start(client, practical_exam())
    act(client, attempt, {"type": "patient_open", "patient": "MRN300112"})
    act(client, attempt, {"type": "scan", "barcode": "WB300112"})
    act(client, attempt, {"type": "scan", "barcode": "6903456700031"})  # furosemide
    act(client, attempt, {"type": "administer", "order": "O900", "outcome": "given"})
    html = client.get(page_url(attempt)).content.decode()
    assert "data-give-anyway" not in html
    assert 'data-refused-seq="4"' in html


# ---------------------------------------------------------------------------------------------
# The result page and what it shows


def test_the_result_follows_the_review_policy(client, learner):
    e = practical_exam(review_policy=Exam.ReviewPolicy.AFTER_CLOSE)
    attempt = start(client, e)
    client.post(finish_url(attempt))
    html = client.get(result_url(attempt)).content.decode()
    assert "data-grade" in html and "data-task-results" not in html
    Exam.objects.filter(pk=e.pk).update(review_policy=Exam.ReviewPolicy.NEVER)
    html = client.get(result_url(attempt)).content.decode()
    assert "data-grade" not in html and "data-no-results" in html
    assert "data-critical" not in html


# ---------------------------------------------------------------------------------------------
# Queries: the fold is in Python, so the page costs the same for any log length


def _log_of(attempt, n: int, slug: str):
    patients = starter_definition(slug)["initial"]["patients"]
    for i in range(n):
        patient = patients[i % len(patients)]
        action = {"type": "scan_wristband", "barcode": patient["wristband"]}
        if i % 3 == 0:
            action = {"type": "patient_open", "patient": patient["id"]}
        practical_act(attempt=attempt, staff=attempt.staff, action=action, seq=i + 1)


def test_the_page_query_count_does_not_grow_with_the_log(
    client, learner, django_assert_max_num_queries
):
    counts = {}
    for n, slug in ((10, NURSE), (200, "nurse-vitals-held-dose")):
        attempt = start(client, practical_exam(scenario(slug=slug)))
        _log_of(attempt, n, slug)
        client.get(page_url(attempt))  # warm the scenario cache, as any second page view
        # The session, the user, the attempt, the scenario version, the log; the rest is the
        # portal's navigation (permissions, groups).
        with django_assert_max_num_queries(10) as captured:
            response = client.get(page_url(attempt, "mar"))
        assert response.status_code == 200
        assert f'name="seq" value="{n + 1}"' in response.content.decode()
        counts[n] = len(captured)
    assert counts[10] == counts[200], counts


def test_the_exam_page_explains_a_practical_exam(client, learner):
    exam = practical_exam(scenario(slug=NURSE), assessed_by="both", rubric=[("Hand hygiene", 2)])
    text = client.get(f"/exams/{exam.pk}/").content.decode()
    assert 'data-rule="practical"' in text and "critical error" in text
    assert "An examiner also scores you" in text
    assert "Your answers are saved as you go" not in text
