"""Every action type: its effect, and each refusal with its message (a refusal changes no
entity)."""

import pytest

from assessments.simulation import (
    ACTION_PARAMS,
    ACTIONS,
    ALL_PARAMS,
    action_apply,
    state_fold,
    state_initial,
)

from .builders import scenario

SCENARIO = scenario()

AMOX = {
    "type": "order_create",
    "encounter": "E500",
    "kind": "medication",
    "drug": "AMOX500",
    "dose": 500,
    "unit": "mg",
    "route": "PO",
    "frequency": "TID",
    "duration_days": 5,
}
CEPH1 = {**AMOX, "drug": "CEPH1", "dose": 250, "frequency": "QID"}
CEPH2_FOR_MRN2 = {**AMOX, "encounter": "E501", "drug": "CEPH1", "dose": 250}
VITALS = {
    "type": "vitals_record",
    "patient": "MRN1",
    "temperature": 37.2,
    "pulse": 80,
    "resp_rate": 16,
    "bp_systolic": 120,
    "bp_diastolic": 80,
    "spo2": 98,
}
REGISTER = {"type": "patient_register", "name": "Zhou Jie", "dob": "1990-05-06", "sex": "M"}
SCAN_MRN1 = {"type": "scan_wristband", "barcode": "WBMRN1"}
SCAN_METO = {"type": "scan_drug", "barcode": "690004"}
GIVE = {"type": "administer", "order": "O900", "outcome": "given"}
PAY_CARD = {"type": "payment_take", "encounter": "E500", "method": "card", "amount": 46.8}
REFUND = {
    "type": "refund",
    "payment": "R1",
    "amount": 10,
    "reason": "Duplicate charge",
    "supervisor": "zhao.min",
    "pin": "4821",
}


def entities(state) -> dict:
    data = state.as_dict()
    del data["log"], data["errors"]
    return data


def fold(*actions):
    state = state_fold(SCENARIO, list(actions))
    assert state.errors == [], state.errors
    return state


def applied(*actions):
    """The state after the actions, the last of which must apply."""
    state = fold(*actions[:-1])
    error = action_apply(state, SCENARIO, actions[-1])
    assert error is None, error
    return state


def refused(setup, action, message):
    state = fold(*setup)
    before = entities(state)
    error = action_apply(state, SCENARIO, action)
    assert error == message or (message.endswith("…") and error.startswith(message[:-1])), error
    assert entities(state) == before
    assert state.log[-1]["error"] == error
    assert state.errors[-1] == {"seq": len(setup) + 1, "type": action.get("type"), "message": error}


REFUSALS = [
    ([], {"type": "teleport"}, 'Unknown action type "teleport".'),
    ([], {"type": "patient_open", "patient": "MRN9"}, 'There is no patient "MRN9".'),
    ([], {"type": "patient_open"}, "Choose a patient."),
    ([], {**REGISTER, "name": "  "}, "Enter the patient's name."),
    ([], {**REGISTER, "dob": "06/05/1990"}, "Enter the date of birth as YYYY-MM-DD."),
    ([], {**REGISTER, "dob": "1990-02-30"}, '"1990-02-30" is not a real date.'),
    ([], {**REGISTER, "dob": "2999-01-01"}, "The date of birth 2999-01-01 is in the future."),
    ([], {**REGISTER, "sex": "W"}, "Sex must be F, M or X."),
    (
        [],
        {**REGISTER, "insurance": {"scheme": "UEBMI", "coverage_percent": 120}},
        "Insurance coverage must be a percentage from 0 to 100.",
    ),
    (
        [],
        {**REGISTER, "insurance": "UEBMI"},
        "Insurance must give a scheme, a number and a coverage percent.",
    ),
    (
        [],
        {**REGISTER, "allergies": [{"reaction": "rash"}]},
        "Allergies must be a list, each naming a substance.",
    ),
    (
        [],
        {**REGISTER, "name": "wang fang", "dob": "1958-03-14"},
        "Wang Fang, born 1958-03-14, is already registered as MRN1.",
    ),
    (
        [],
        {"type": "patient_update", "patient": "MRN1"},
        "Nothing to update: give name, dob, sex, insurance or allergies.",
    ),
    (
        [],
        {"type": "patient_update", "patient": "MRN2", "name": "Wang Fang", "dob": "1958-03-14"},
        "Wang Fang, born 1958-03-14, is already registered as MRN1.",
    ),
    ([], {"type": "patient_update", "patient": "MRN2", "sex": "Q"}, "Sex must be F, M or X."),
    (
        [],
        {"type": "encounter_open", "patient": "MRN2", "kind": "daycase", "department": "ER"},
        "The encounter kind must be outpatient or inpatient.",
    ),
    (
        [],
        {"type": "encounter_open", "patient": "MRN2", "kind": "outpatient", "department": "NEURO"},
        'There is no department "NEURO".',
    ),
    (
        [],
        {"type": "encounter_open", "patient": "MRN2", "kind": "outpatient", "department": "ER"},
        "MRN2 already has an open outpatient encounter (E501).",
    ),
    (
        [],
        {
            "type": "encounter_open",
            "patient": "MRN2",
            "kind": "outpatient",
            "department": "ER",
            "bed": "CARD-14",
        },
        "An outpatient encounter takes no bed.",
    ),
    (
        [],
        {"type": "encounter_open", "patient": "MRN2", "kind": "inpatient", "department": "CARD"},
        "Choose a bed.",
    ),
    (
        [],
        {
            "type": "encounter_open",
            "patient": "MRN2",
            "kind": "inpatient",
            "department": "CARD",
            "bed": "CARD-12",
        },
        "Bed CARD-12 is taken by MRN1.",
    ),
    (
        [],
        {
            "type": "encounter_open",
            "patient": "MRN2",
            "kind": "inpatient",
            "department": "ER",
            "bed": "CARD-14",
        },
        "Bed CARD-14 belongs to CARD, not ER.",
    ),
    (
        [],
        {
            "type": "encounter_open",
            "patient": "MRN1",
            "kind": "inpatient",
            "department": "CARD",
            "bed": "CARD-14",
        },
        "MRN1 already has an open inpatient encounter (E500).",
    ),
    (
        [{"type": "encounter_close", "encounter": "E501"}],
        {"type": "encounter_close", "encounter": "E501"},
        "Encounter E501 is already closed.",
    ),
    (
        [{"type": "encounter_close", "encounter": "E501"}],
        CEPH2_FOR_MRN2,
        "Encounter E501 is closed.",
    ),
    ([], {**AMOX, "drug": "ASPIRIN"}, '"ASPIRIN" is not in the formulary.'),
    ([], {**AMOX, "dose": 0}, "The dose must be a number greater than 0."),
    ([], {**AMOX, "dose": "lots"}, "The dose must be a number greater than 0."),
    ([], {**AMOX, "unit": "g"}, "The unit must be one of: mg."),
    ([], {**AMOX, "route": "IV"}, "The route must be one of: PO."),
    (
        [],
        {**AMOX, "frequency": "hourly"},
        "The frequency must be one of: QD, BID, TID, QID, Q6H, Q8H, Q12H, PRN, STAT, ONCE.",
    ),
    ([], {**AMOX, "duration_days": 0}, "The duration must be a whole number of days, 1 or more."),
    (
        [],
        {**AMOX, "duration_days": None},
        "The duration must be a whole number of days, 1 or more.",
    ),
    ([], {**AMOX, "kind": "surgery"}, "The order kind must be medication, lab or imaging."),
    (
        [],
        {"type": "order_create", "encounter": "E500", "kind": "lab", "test": "CXR"},
        'There is no lab test "CXR".',
    ),
    (
        [],
        {"type": "order_set_apply", "encounter": "E500", "order_set": "NOPE"},
        'There is no order set "NOPE".',
    ),
    (
        [],
        {"type": "order_set_apply", "encounter": "E500", "order_set": "BROKEN"},
        "Order set BROKEN, item 2: The unit must be one of: mg.",
    ),
    (
        [AMOX],
        {"type": "order_sign", "order": "O1"},
        "Order O1 has a pending alert (A1): override it with a reason or accept it.",
    ),
    (
        [AMOX],
        {"type": "alert_override", "alert": "A1", "reason": " ok  "},
        "An override needs a reason (at least 5 characters).",
    ),
    (
        [AMOX],
        {"type": "alert_override", "alert": "A1"},
        "An override needs a reason (at least 5 characters).",
    ),
    (
        [AMOX, {"type": "alert_accept", "alert": "A1"}],
        {"type": "alert_accept", "alert": "A1"},
        "Alert A1 is already accepted.",
    ),
    ([AMOX], {"type": "alert_accept", "alert": "A9"}, 'There is no alert "A9".'),
    ([], {"type": "order_cancel", "order": "O900"}, "Order O900 is signed, not draft."),
    ([], {"type": "order_sign", "order": "O900"}, "Order O900 is signed, not draft."),
    (
        [],
        {"type": "order_discontinue", "order": "O900", "reason": " "},
        "Give the reason for stopping the order.",
    ),
    (
        [AMOX],
        {"type": "order_discontinue", "order": "O1", "reason": "Stop"},
        "Order O1 is draft, not signed.",
    ),
    ([], {"type": "scan_wristband", "barcode": "WB999"}, 'No patient wears wristband "WB999".'),
    ([], {"type": "scan_drug", "barcode": "000"}, 'No drug in the formulary has bar code "000".'),
    ([], {**VITALS, "temperature": 50}, "Temperature must be a number from 30 to 45."),
    ([], {**VITALS, "pulse": "fast"}, "Pulse must be a number from 20 to 250."),
    ([], {**VITALS, "resp_rate": 2}, "Respiratory rate must be a number from 4 to 60."),
    (
        [],
        {**VITALS, "bp_systolic": 300},
        "Systolic blood pressure must be a number from 50 to 260.",
    ),
    (
        [],
        {**VITALS, "bp_diastolic": 10},
        "Diastolic blood pressure must be a number from 20 to 160.",
    ),
    (
        [],
        {**VITALS, "bp_diastolic": 120},
        "The diastolic pressure must be lower than the systolic.",
    ),
    ([], {**VITALS, "spo2": 101}, "SpO2 must be a number from 50 to 100."),
    ([], {**VITALS, "pain": 11}, "Pain score must be a number from 0 to 10."),
    ([], {**VITALS, "temperature": True}, "Temperature must be a number from 30 to 45."),
    ([], {**VITALS, "patient": "MRN9"}, 'There is no patient "MRN9".'),
    (
        [],
        {"type": "charge_add", "encounter": "E500", "code": "MRI"},
        '"MRI" is not in the price list.',
    ),
    (
        [],
        {"type": "charge_add", "encounter": "E500", "code": "REG", "quantity": 0},
        "The quantity must be a whole number, 1 or more.",
    ),
    (
        [],
        {"type": "charge_add", "encounter": "E500", "code": "REG", "quantity": 1.5},
        "The quantity must be a whole number, 1 or more.",
    ),
    (
        [{"type": "charge_remove", "charge": "C900"}],
        {"type": "charge_remove", "charge": "C900"},
        "Charge C900 is removed, not open.",
    ),
    (
        [],
        {**PAY_CARD, "method": "cheque"},
        "The payment method must be one of: cash, card, wechat, alipay.",
    ),
    ([], {**PAY_CARD, "amount": None}, "Enter the amount received."),
    (
        [],
        {**PAY_CARD, "amount": 46.79},
        "A card payment must be exactly the patient's share, 46.80.",
    ),
    (
        [],
        {**PAY_CARD, "method": "cash", "amount": 40},
        "Not enough cash: the patient's share is 46.80.",
    ),
    ([PAY_CARD], PAY_CARD, "Encounter E500 has no open charges."),
    (
        [],
        {"type": "user_create", "username": "X", "name": "New", "department": "CARD"},
        "The username must be 3 to 32 characters: a lowercase letter, then letters, digits, "
        "'.', '_' or '-'.",
    ),
    (
        [],
        {"type": "user_create", "username": "zhao.min", "name": "New", "department": "CARD"},
        "The username zhao.min is taken.",
    ),
    (
        [],
        {"type": "user_create", "username": "new.one", "name": "", "department": "CARD"},
        "Enter the person's name.",
    ),
    (
        [],
        {"type": "user_create", "username": "new.one", "name": "New", "department": "HR"},
        'There is no department "HR".',
    ),
    ([], {"type": "role_assign", "username": "zhao.min", "role": "god"}, 'There is no role "god".'),
    (
        [],
        {"type": "role_assign", "username": "nobody", "role": "cashier"},
        'There is no user "nobody".',
    ),
    (
        [],
        {"type": "role_assign", "username": "zhao.min", "role": "billing_supervisor"},
        "zhao.min already has the role billing_supervisor.",
    ),
    (
        [],
        {"type": "role_assign", "username": "old.boss", "role": "cashier"},
        "old.boss is disabled; enable the account first.",
    ),
    (
        [],
        {"type": "role_remove", "username": "zhao.min", "role": "cashier"},
        "zhao.min does not have the role cashier.",
    ),
    ([], {"type": "password_reset", "username": "nobody"}, 'There is no user "nobody".'),
    (
        [],
        {"type": "user_disable", "username": "old.boss", "reason": "Left"},
        "old.boss is already disabled.",
    ),
    (
        [],
        {"type": "user_disable", "username": "zhao.min"},
        "Give the reason for disabling the account.",
    ),
    (
        [],
        {"type": "user_disable", "username": "li.na", "reason": "Bored"},
        "You cannot disable your own account.",
    ),
    ([], {"type": "user_enable", "username": "zhao.min"}, "zhao.min is already active."),
]


@pytest.mark.parametrize(
    ("setup", "action", "message"), REFUSALS, ids=[c[2][:50] for c in REFUSALS]
)
def test_refusals_give_the_message_and_change_nothing(setup, action, message):
    refused(setup, action, message)


def test_every_action_type_is_exercised():
    refused_types = {action["type"] for _setup, action, _message in REFUSALS + FIVE_RIGHTS}
    refused_types |= {action["type"] for action, _message in REFUNDS}
    assert set(ACTIONS) - refused_types == {"patient_search"}  # which refuses nothing


def test_log_records_seq_t_and_error():
    state = state_initial(SCENARIO)
    action_apply(state, SCENARIO, {"type": "patient_open", "patient": "MRN1", "t": 5})
    action_apply(state, SCENARIO, {"type": "patient_open", "patient": "NOPE"})
    action_apply(state, SCENARIO, {"type": "patient_search", "query": "Wang", "seq": 7, "t": "9.5"})
    assert [(e["seq"], e["t"], e["error"] is None) for e in state.log] == [
        (1, 5, True),
        (2, 5, False),
        (7, 9.5, True),
    ]
    assert state.log[0] == {
        "type": "patient_open",
        "patient": "MRN1",
        "t": 5,
        "seq": 1,
        "error": None,
    }


def test_the_log_is_a_copy_of_the_action():
    action = {**REGISTER, "allergies": [{"substance": "latex"}]}
    state = applied(action)
    action["allergies"][0]["substance"] = "changed"
    assert state.log[0]["allergies"][0]["substance"] == "latex"
    assert state.patients["P1"]["allergies"][0]["substance"] == "latex"


# ---------------------------------------------------------------------------------------------
# Registration


def test_patient_open_and_search():
    state = applied({"type": "patient_open", "patient": "MRN2"})
    assert state.current_patient == "MRN2"
    state = applied({"type": "patient_search", "query": "Wang"})
    assert entities(state) == entities(state_initial(SCENARIO))


def test_patient_register_makes_p1_with_a_wristband_and_opens_the_chart():
    insurance = {"scheme": "URRBMI", "number": 55, "coverage_percent": "60"}
    state = applied({**REGISTER, "sex": "m", "insurance": insurance, "allergies": ["latex"]})
    assert state.patients["P1"] == {
        "id": "P1",
        "name": "Zhou Jie",
        "dob": "1990-05-06",
        "sex": "M",
        "insurance": {"scheme": "URRBMI", "number": "55", "coverage_percent": 60},
        "allergies": [{"substance": "latex", "reaction": None, "severity": None}],
        "wristband": "WBP1",
    }
    assert state.current_patient == "P1"
    state = applied(REGISTER, {**REGISTER, "name": "Other"})
    assert list(state.patients)[-1] == "P2"


def test_patient_update_changes_only_the_given_fields():
    state = applied(
        {"type": "patient_update", "patient": "MRN1", "insurance": None, "allergies": []}
    )
    patient = state.patients["MRN1"]
    assert (
        patient["insurance"] is None
        and patient["allergies"] == []
        and patient["name"] == "Wang Fang"
    )


# ---------------------------------------------------------------------------------------------
# Encounters


def test_encounter_open_inpatient_takes_the_bed_and_close_frees_it():
    state = applied(
        {
            "type": "encounter_open",
            "patient": "MRN2",
            "kind": "inpatient",
            "department": "CARD",
            "bed": "CARD-14",
        }
    )
    assert state.encounters["E1"] == {
        "id": "E1",
        "patient": "MRN2",
        "kind": "inpatient",
        "department": "CARD",
        "bed": "CARD-14",
        "status": "open",
    }
    assert state.beds["CARD-14"]["patient"] == "MRN2"
    action_apply(state, SCENARIO, {"type": "encounter_close", "encounter": "E1"})
    assert state.encounters["E1"]["status"] == "closed"
    assert state.beds["CARD-14"]["patient"] is None


def test_encounter_open_outpatient_has_no_bed():
    state = applied(
        {
            "type": "encounter_open",
            "patient": "MRN1",
            "kind": "outpatient",
            "department": "ER",
            "bed": "",
        }
    )
    assert state.encounters["E1"]["bed"] is None


# ---------------------------------------------------------------------------------------------
# Orders and alerts


def test_order_create_makes_a_draft():
    state = applied({**CEPH1, "dose": "250"})
    order = state.orders["O1"]
    assert order["status"] == "draft" and order["patient"] == "MRN1" and order["dose"] == 250
    assert order["created_seq"] == 1 and order["signed_seq"] is None and order["order_set"] is None
    assert state.alerts == {}


def test_lab_order_and_one_off_medication_without_duration():
    state = applied({"type": "order_create", "encounter": "E500", "test": "CBC"})
    assert state.orders["O1"]["kind"] == "lab" and state.orders["O1"]["dose"] is None
    state = applied({**CEPH1, "frequency": "STAT", "duration_days": None})
    assert state.orders["O1"]["duration_days"] is None


def test_allergy_alert_by_allergen_is_case_insensitive():
    state = applied(AMOX)  # the allergy is written "Penicillin", the allergen "penicillin"
    alert = state.alerts["A1"]
    assert alert["kind"] == "allergy" and alert["order"] == "O1" and alert["status"] == "pending"
    assert alert["patient"] == "MRN1" and alert["drug"] == "AMOX500" and alert["with_order"] is None
    assert "Penicillin" in alert["message"]


def test_allergy_alert_by_class():
    state = applied(
        {"type": "patient_update", "patient": "MRN2", "allergies": ["CEPHALOSPORIN"]},
        {**CEPH2_FOR_MRN2, "drug": "CEPH2"},
    )
    assert [a["kind"] for a in state.alerts.values()][0] == "allergy"


def test_duplicate_therapy_alert_names_the_other_order():
    state = applied(CEPH2_FOR_MRN2)  # MRN2 already has O901, CEPH2: the same class (another case)
    assert list(state.alerts.values()) == [
        {
            "id": "A1",
            "order": "O1",
            "patient": "MRN2",
            "kind": "duplicate",
            "drug": "CEPH1",
            "message": state.alerts["A1"]["message"],
            "status": "pending",
            "reason": None,
            "with_order": "O901",
        },
    ]
    assert "Duplicate therapy" in state.alerts["A1"]["message"]


def test_no_duplicate_with_a_cancelled_order():
    state = applied(
        {"type": "order_discontinue", "order": "O901", "reason": "stop"}, CEPH2_FOR_MRN2
    )
    assert state.alerts == {}


def test_override_then_sign():
    state = applied(
        AMOX, {"type": "alert_override", "alert": "A1", "reason": "  tolerated before  "}
    )
    assert (
        state.alerts["A1"]["status"] == "overridden"
        and state.alerts["A1"]["reason"] == "tolerated before"
    )
    action_apply(state, SCENARIO, {"type": "order_sign", "order": "O1"})
    assert state.orders["O1"]["status"] == "signed" and state.orders["O1"]["signed_seq"] == 3


def test_accept_cancels_the_order():
    state = applied(AMOX, {"type": "alert_accept", "alert": "A1"})
    assert state.alerts["A1"]["status"] == "accepted"
    assert state.orders["O1"]["status"] == "cancelled"


def test_order_set_creates_every_item_in_order():
    state = applied({"type": "order_set_apply", "encounter": "E500", "order_set": "ADMIT"})
    assert [(o["id"], o["kind"], o["order_set"]) for o in state.orders.values()][2:] == [
        ("O1", "lab", "ADMIT"),
        ("O2", "medication", "ADMIT"),
    ]


def test_cancel_and_discontinue():
    state = applied(CEPH1, {"type": "order_cancel", "order": "O1"})
    assert state.orders["O1"]["status"] == "cancelled"
    state = applied({"type": "order_discontinue", "order": "O900", "reason": "Bradycardia"})
    assert (
        state.orders["O900"]["status"] == "discontinued"
        and state.orders["O900"]["reason"] == "Bradycardia"
    )


def test_new_ids_skip_numbers_already_used():
    data = SCENARIO.definition
    from assessments.simulation import scenario_load

    orders = data["initial"]["orders"]
    taken = scenario_load(
        {**data, "initial": {**data["initial"], "orders": [*orders, {**orders[0], "id": "O2"}]}}
    )
    state = state_fold(taken, [CEPH1, CEPH1, CEPH1])
    assert [key for key in state.orders if key.startswith("O") and len(key) == 2] == [
        "O2",
        "O1",
        "O3",
        "O4",
    ]


# ---------------------------------------------------------------------------------------------
# Bar-code medication administration: the five rights


def test_given_after_scanning_records_and_clears_the_scans():
    state = applied(SCAN_MRN1, SCAN_METO, {**GIVE, "dose": 25, "route": "PO", "t": 30})
    record = state.administrations["MA1"]
    assert record == {
        "id": "MA1",
        "order": "O900",
        "patient": "MRN1",
        "scanned_patient": "MRN1",
        "drug": "METO25",
        "dose": 25,
        "route": "PO",
        "outcome": "given",
        "reason": None,
        "patient_verified": True,
        "drug_verified": True,
        "seq": 3,
        "t": 30,
    }
    assert state.scanned_patient is None and state.scanned_drug is None


FIVE_RIGHTS = [
    ([], GIVE, "Scan the patient's wristband first."),
    ([SCAN_MRN1], GIVE, "Scan the drug first."),
    (
        [SCAN_MRN1, {"type": "scan_drug", "barcode": "690001"}],
        GIVE,
        "Wrong drug: the scanned drug is AMOX500, this order is for METO25.",
    ),
    (
        [SCAN_MRN1, {"type": "scan_drug", "barcode": "690001"}],
        {**GIVE, "override_warning": True},
        "Wrong drug: the scanned drug is AMOX500, this order is for METO25.",
    ),
    ([SCAN_MRN1, SCAN_METO], {**GIVE, "dose": 50}, "Wrong dose: this order is for 25 mg."),
    ([SCAN_MRN1, SCAN_METO], {**GIVE, "route": "IV"}, "Wrong route: this order is for PO."),
    (
        [{"type": "scan_wristband", "barcode": "BAND2"}, SCAN_METO],
        GIVE,
        "Wrong patient: the wristband is MRN2 (Chen Wei), this order is for MRN1 (Wang Fang).",
    ),
    ([SCAN_MRN1, SCAN_METO], {**GIVE, "outcome": "skipped"}, "The outcome must be given or held."),
    (
        [],
        {**GIVE, "outcome": "held", "reason": "no"},
        "A held dose needs a reason (at least 5 characters).",
    ),
    ([CEPH1], {**GIVE, "order": "O1"}, "Order O1 is draft, not signed."),
    ([], {**GIVE, "order": "O77"}, 'There is no order "O77".'),
]


@pytest.mark.parametrize(
    ("setup", "action", "message"), FIVE_RIGHTS, ids=[c[2][:40] for c in FIVE_RIGHTS]
)
def test_administer_refusals(setup, action, message):
    refused(setup, action, message)


def test_wrong_patient_with_override_is_recorded_unverified():
    state = applied(
        {"type": "scan_wristband", "barcode": "BAND2"},
        SCAN_METO,
        {**GIVE, "override_warning": True},
    )
    record = state.administrations["MA1"]
    assert record["patient"] == "MRN1" and record["scanned_patient"] == "MRN2"
    assert record["patient_verified"] is False and record["drug_verified"] is True


def test_held_needs_a_reason_and_records_verification():
    state = applied(SCAN_MRN1, {**GIVE, "outcome": "held", "reason": "Pulse 48, held per protocol"})
    record = state.administrations["MA1"]
    assert record["outcome"] == "held" and record["reason"] == "Pulse 48, held per protocol"
    assert (
        record["patient_verified"] is True
        and record["drug_verified"] is False
        and record["dose"] is None
    )
    state = applied({**GIVE, "outcome": "held", "reason": "Patient asleep"})
    assert state.administrations["MA1"]["patient_verified"] is False


def test_lab_order_cannot_be_administered():
    state = fold({"type": "order_create", "encounter": "E500", "test": "CBC"})
    state.orders["O1"]["status"] = "signed"
    assert (
        action_apply(state, SCENARIO, {**GIVE, "order": "O1"})
        == "Order O1 is not a medication order."
    )


def test_vitals_record():
    state = applied({**VITALS, "pain": "3", "t": 12})
    assert state.vitals["V1"] == {
        "id": "V1",
        "patient": "MRN1",
        "temperature": 37.2,
        "pulse": 80,
        "resp_rate": 16,
        "bp_systolic": 120,
        "bp_diastolic": 80,
        "spo2": 98,
        "pain": 3,
        "seq": 1,
        "t": 12,
    }


# ---------------------------------------------------------------------------------------------
# Billing


def test_charge_add_and_remove():
    state = applied({"type": "charge_add", "encounter": "E500", "code": "XRAY", "quantity": 2})
    assert state.charges["C1"] == {
        "id": "C1",
        "encounter": "E500",
        "patient": "MRN1",
        "code": "XRAY",
        "name": "X-ray",
        "quantity": 2,
        "unit_price": 136.0,
        "amount": 272.0,
        "status": "open",
    }
    assert (
        applied({"type": "charge_add", "encounter": "E500", "code": "REG"}).charges["C1"][
            "quantity"
        ]
        == 1
    )
    state = applied({"type": "charge_remove", "charge": "C900"})
    assert state.charges["C900"]["status"] == "removed"


def test_insurance_share_with_70_percent_coverage_by_card():
    state = applied(PAY_CARD)  # 20 + 136 = 156; insurance 109.20; the patient pays 46.80
    payment = state.payments["R1"]
    assert payment == {
        "id": "R1",
        "encounter": "E500",
        "patient": "MRN1",
        "total": 156.0,
        "insurance_share": 109.2,
        "patient_share": 46.8,
        "method": "card",
        "amount": 46.8,
        "change": 0.0,
        "charges": ["C900", "C901"],
        "refunded": 0.0,
    }
    assert state.charges["C900"]["status"] == state.charges["C901"]["status"] == "paid"


def test_cash_gives_change_without_insurance():
    state = applied({"type": "payment_take", "encounter": "E501", "method": "cash", "amount": 50})
    payment = state.payments["R1"]
    assert (payment["total"], payment["insurance_share"], payment["patient_share"]) == (
        40.0,
        0.0,
        40.0,
    )
    assert payment["change"] == 10.0 and payment["charges"] == ["C902"]


def test_removed_charges_are_not_taken():
    state = applied(
        {"type": "charge_remove", "charge": "C901"},
        {"type": "payment_take", "encounter": "E500", "method": "wechat", "amount": 6},
    )
    assert state.payments["R1"]["total"] == 20.0 and state.payments["R1"]["charges"] == ["C900"]


def test_refund_with_authorisation():
    state = applied(PAY_CARD, REFUND)
    assert state.refunds["RF1"] == {
        "id": "RF1",
        "payment": "R1",
        "amount": 10.0,
        "reason": "Duplicate charge",
        "authorised_by": "zhao.min",
        "seq": 2,
    }
    assert state.payments["R1"]["refunded"] == 10.0


def test_partial_refunds_up_to_the_patient_share():
    state = applied(PAY_CARD, REFUND, {**REFUND, "amount": 36.8})
    assert state.payments["R1"]["refunded"] == 46.8
    refused(
        [PAY_CARD, REFUND, {**REFUND, "amount": 36.8}],
        {**REFUND, "amount": 0.01},
        "The refund must be more than 0 and at most 0.00.",
    )


AUTH = "A refund needs a supervisor's authorisation: "
REFUNDS = [
    ({**REFUND, "amount": 46.81}, "The refund must be more than 0 and at most 46.80."),
    ({**REFUND, "amount": 0}, "The refund must be more than 0 and at most 46.80."),
    ({**REFUND, "amount": -5}, "The refund must be more than 0 and at most 46.80."),
    ({**REFUND, "reason": "oops"}, "A refund needs a reason (at least 5 characters)."),
    (
        {**REFUND, "supervisor": None, "pin": None},
        AUTH + "choose the supervisor and enter their PIN.",
    ),
    ({**REFUND, "pin": ""}, AUTH + "choose the supervisor and enter their PIN."),
    ({**REFUND, "pin": "0000"}, AUTH + "the PIN is wrong."),
    ({**REFUND, "supervisor": "sun.li", "pin": "1111"}, AUTH + "sun.li may not authorise refunds."),
    (
        {**REFUND, "supervisor": "li.na", "pin": "9999"},
        AUTH + "you cannot authorise your own refund.",
    ),
    ({**REFUND, "supervisor": "old.boss", "pin": "2222"}, AUTH + "old.boss is not an active user."),
    ({**REFUND, "supervisor": "ghost", "pin": "2222"}, AUTH + "ghost is not an active user."),
    ({**REFUND, "payment": "R77"}, 'There is no payment "R77".'),
]


@pytest.mark.parametrize(("action", "message"), REFUNDS, ids=[c[1][-40:] for c in REFUNDS])
def test_refund_refusals(action, message):
    refused([PAY_CARD], action, message)


def test_a_pin_written_as_a_number_matches():
    state = applied(
        PAY_CARD,
        {"type": "role_assign", "username": "sun.li", "role": "billing_supervisor"},
        {**REFUND, "supervisor": "sun.li", "pin": 1111},
    )
    assert state.refunds["RF1"]["authorised_by"] == "sun.li"


# ---------------------------------------------------------------------------------------------
# User administration


def test_user_create():
    state = applied(
        {"type": "user_create", "username": "wu.lan", "name": "Wu Lan", "department": "CARD"}
    )
    assert state.users["wu.lan"] == {
        "id": "wu.lan",
        "username": "wu.lan",
        "name": "Wu Lan",
        "department": "CARD",
        "roles": [],
        "active": True,
        "must_change_password": True,
        "password_resets": 0,
        "disabled_reason": None,
    }


def test_roles_assign_and_remove():
    state = applied({"type": "role_assign", "username": "zhao.min", "role": "cashier"})
    assert state.users["zhao.min"]["roles"] == ["billing_supervisor", "cashier"]
    action_apply(
        state,
        SCENARIO,
        {"type": "role_remove", "username": "zhao.min", "role": "billing_supervisor"},
    )
    assert state.users["zhao.min"]["roles"] == ["cashier"]


def test_password_reset_disable_enable():
    state = applied({"type": "password_reset", "username": "zhao.min"})
    assert state.users["zhao.min"]["must_change_password"] is True
    assert state.users["zhao.min"]["password_resets"] == 1
    state = applied({"type": "user_disable", "username": "zhao.min", "reason": "Left the hospital"})
    assert state.users["zhao.min"]["active"] is False
    assert state.users["zhao.min"]["disabled_reason"] == "Left the hospital"
    assert state.users["zhao.min"]["roles"] == [
        "billing_supervisor"
    ]  # disabling removes nothing else
    action_apply(state, SCENARIO, {"type": "user_enable", "username": "zhao.min"})
    assert (
        state.users["zhao.min"]["active"] is True
        and state.users["zhao.min"]["disabled_reason"] is None
    )


# ---------------------------------------------------------------------------------------------
# Never raise


GARBAGE = [
    None,
    1,
    "x",
    [],
    ["MRN1"],
    {"a": 1},
    True,
    1.5,
    float("nan"),
    float("inf"),
    10**400,
    "",
    " ",
]


def test_every_action_has_its_parameters_in_the_vocabulary():
    assert set(ACTION_PARAMS) == set(ACTIONS)


@pytest.mark.parametrize("kind", sorted(ACTIONS))
def test_garbage_params_are_refused_not_raised(kind):
    params = ALL_PARAMS  # every parameter of the vocabulary, garbage in each
    for value in GARBAGE:
        state = fold(SCAN_MRN1, SCAN_METO)
        before = entities(state)
        error = action_apply(state, SCENARIO, {"type": kind, **dict.fromkeys(params, value)})
        assert error is None or "could not process" not in error
        if error is not None:
            assert entities(state) == before
        before = entities(state)
        if action_apply(state, SCENARIO, {"type": kind}) is not None:
            assert entities(state) == before


@pytest.mark.parametrize(
    "action", [None, 3, "x", [], {"type": None}, {"type": ["a"]}, {"type": {}}, {}]
)
def test_odd_actions_are_refused(action):
    state = state_initial(SCENARIO)
    error = action_apply(state, SCENARIO, action)
    assert error is not None and error.startswith("Unknown action type")
    assert len(state.log) == 1 and len(state.errors) == 1


def test_the_his_date_decides_what_is_in_the_future_not_the_clock():
    """A log folds the same whenever it is regraded: the HIS date is the state's, not today's."""
    from datetime import date

    from freezegun import freeze_time

    action = {**REGISTER, "dob": "2030-06-01"}
    with freeze_time("2030-05-31"):
        on_the_day = state_fold(SCENARIO, [action])
    assert on_the_day.errors[-1]["message"] == "The date of birth 2030-06-01 is in the future."
    assert len(on_the_day.patients) == len(state_initial(SCENARIO).patients)
    with freeze_time("2031-01-01"):
        years_later = state_fold(SCENARIO, [action], today=date(2030, 5, 31))
        assert years_later.as_dict() == on_the_day.as_dict()
        assert not state_fold(SCENARIO, [action], today=date(2030, 6, 1)).errors


def test_the_till_and_the_payment_share_the_same_rounding():
    from assessments.simulation import payment_shares

    # Half up on cents, through Decimal: float round() would say 3.08 and 6.83.
    assert payment_shares([12.30], 75) == (12.3, 9.23, 3.07)
    assert payment_shares([45.50], 85) == (45.5, 38.68, 6.82)
    assert payment_shares([20, 15.5], 0) == (35.5, 0.0, 35.5)
