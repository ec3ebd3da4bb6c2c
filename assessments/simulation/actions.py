"""The action vocabulary: one handler per action type, and the fold.

Each handler takes (state, scenario, action) and returns None when it applied or an error message
(translated, formatted at the time of use). Handlers VALIDATE FIRST, THEN MUTATE: nothing in the
state changes before the last refusal is ruled out, so a refused action leaves the entities as
they were. `action_apply` logs every action (with seq, t and its error) and never raises.
"""

import re
from datetime import date

from .checks import NOUNS
from .messages import gettext_noop, say
from .state import State, allergy_entry, state_initial
from .util import clone, fmt, integer, jsonable, money, number, payment_shares, text

FREQUENCIES = ("QD", "BID", "TID", "QID", "Q6H", "Q8H", "Q12H", "PRN", "STAT", "ONCE")
ONE_OFF = ("STAT", "ONCE")
ORDER_KINDS = ("medication", "lab", "imaging")
PAYMENT_METHODS = ("cash", "card", "wechat", "alipay")
REFUND_PERMISSION = "billing.refund.authorise"
REASON_MIN = 5
USERNAME = re.compile(r"[a-z][a-z0-9._-]{2,31}")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

INTERNAL = gettext_noop("The HIS could not process this action.")
NEEDS_REASON = gettext_noop("An override needs a reason (at least 5 characters).")


# ---------------------------------------------------------------------------------------------
# Lookups and field parsers: each returns (value, error)


def _find(collection: dict, value, noun_key: str):
    noun = say(NOUNS[noun_key])
    if value is None or value == "":
        return None, say(gettext_noop("Choose a %(noun)s."), noun=noun)
    entity = collection.get(value) if isinstance(value, str) else None
    if entity is None:
        return None, say(gettext_noop('There is no %(noun)s "%(id)s".'), noun=noun, id=fmt(value))
    return entity, None


def _reason(value, template=None, minimum=REASON_MIN):
    reason = text(value)
    if not reason or len(reason) < minimum:
        template = template or gettext_noop("Give a reason (at least %(min)s characters).")
        return None, say(template, min=minimum)
    return reason, None


def _name(value):
    name = text(value)
    if not name:
        return None, say(gettext_noop("Enter the patient's name."))
    return name, None


def _dob(value, today=None):
    written = text(value)
    if not written or not DATE.fullmatch(written):
        return None, say(gettext_noop("Enter the date of birth as YYYY-MM-DD."))
    try:
        born = date.fromisoformat(written)
    except ValueError:
        return None, say(gettext_noop('"%(dob)s" is not a real date.'), dob=written)
    if born > (today or date.today()):
        return None, say(gettext_noop("The date of birth %(dob)s is in the future."), dob=written)
    return written, None


def _sex(value):
    sex = text(value)
    sex = sex.upper() if sex else sex
    if sex not in ("F", "M", "X"):
        return None, say(gettext_noop("Sex must be F, M or X."))
    return sex, None


def _insurance(value):
    if value is None:
        return None, None
    if not isinstance(value, dict):
        return None, say(
            gettext_noop("Insurance must give a scheme, a number and a coverage percent.")
        )
    scheme, coverage = text(value.get("scheme")), number(value.get("coverage_percent"))
    if not scheme:
        return None, say(gettext_noop("Enter the insurance scheme."))
    if coverage is None or not 0 <= coverage <= 100:
        return None, say(gettext_noop("Insurance coverage must be a percentage from 0 to 100."))
    member = value.get("number")
    member = (
        fmt(member).strip()
        if isinstance(member, str | int) and not isinstance(member, bool)
        else ""
    )
    return {"scheme": scheme, "number": member, "coverage_percent": coverage}, None


def _allergies(value):
    if value is None:
        return [], None
    problem = say(gettext_noop("Allergies must be a list, each naming a substance."))
    if not isinstance(value, list):
        return None, problem
    entries = []
    for item in value:
        substance = text(item.get("substance") if isinstance(item, dict) else item)
        if not substance:
            return None, problem
        entry = allergy_entry(item if isinstance(item, dict) else substance)
        entry["substance"] = substance
        entry["reaction"] = entry["reaction"] if isinstance(entry["reaction"], str) else None
        entry["severity"] = entry["severity"] if isinstance(entry["severity"], str) else None
        entries.append(entry)
    return entries, None


PATIENT_FIELDS = {
    "name": _name,
    "dob": _dob,
    "sex": _sex,
    "insurance": _insurance,
    "allergies": _allergies,
}


def _patient_fields(action: dict, fields, today=None):
    values = {}
    for key in fields:
        if key == "dob":
            values[key], error = _dob(action.get(key), today)
        else:
            values[key], error = PATIENT_FIELDS[key](action.get(key))
        if error:
            return None, error
    return values, None


def _already_registered(state: State, name: str, dob: str, other_than=None) -> str | None:
    folded = name.casefold()
    for patient in state.patients.values():
        if (
            patient["id"] != other_than
            and patient["dob"] == dob
            and patient["name"].casefold() == folded
        ):
            return say(
                gettext_noop("%(name)s, born %(dob)s, is already registered as %(patient)s."),
                name=patient["name"],
                dob=dob,
                patient=patient["id"],
            )
    return None


# ---------------------------------------------------------------------------------------------
# Registration and the chart


def patient_open(state, scenario, action):
    """Open a patient's chart: current_patient = patient."""
    patient, error = _find(state.patients, action.get("patient"), "patients")
    if error:
        return error
    state.current_patient = patient["id"]
    return None


def patient_search(state, scenario, action):
    """Search by name or id: no change (the log shows that a search happened)."""
    return None


def patient_register(state, scenario, action):
    """Register a new patient P<n> (wristband "WB" + id) and open the chart."""
    values, error = _patient_fields(action, PATIENT_FIELDS, state.today)
    if error:
        return error
    error = _already_registered(state, values["name"], values["dob"])
    if error:
        return error
    patient_id = state.new_id("patients")
    state.patients[patient_id] = {"id": patient_id, **values, "wristband": "WB" + patient_id}
    state.current_patient = patient_id
    return None


def patient_update(state, scenario, action):
    """Change a patient's name, dob, sex, insurance or allergies (the fields given)."""
    patient, error = _find(state.patients, action.get("patient"), "patients")
    if error:
        return error
    fields = [key for key in PATIENT_FIELDS if key in action]
    if not fields:
        return say(gettext_noop("Nothing to update: give name, dob, sex, insurance or allergies."))
    values, error = _patient_fields(action, fields, state.today)
    if error:
        return error
    merged = {**patient, **values}
    error = _already_registered(state, merged["name"], merged["dob"], other_than=patient["id"])
    if error:
        return error
    patient.update(values)
    return None


# ---------------------------------------------------------------------------------------------
# Encounters


def _open_encounter(state, patient_id, kind):
    for encounter in state.encounters.values():
        if (
            encounter["patient"] == patient_id
            and encounter["kind"] == kind
            and encounter["status"] == "open"
        ):
            return encounter
    return None


def _bed_for(state, kind, department, value):
    """The bed an encounter takes (None for outpatients), or the error."""
    if kind == "outpatient":
        if value not in (None, ""):
            return None, say(gettext_noop("An outpatient encounter takes no bed."))
        return None, None
    bed, error = _find(state.beds, value, "beds")
    if error:
        return None, error
    if bed["department"] != department:
        return None, say(
            gettext_noop("Bed %(bed)s belongs to %(department)s, not %(expected)s."),
            bed=bed["id"],
            department=bed["department"],
            expected=department,
        )
    if bed["patient"] is not None:
        return None, say(
            gettext_noop("Bed %(bed)s is taken by %(patient)s."),
            bed=bed["id"],
            patient=bed["patient"],
        )
    return bed, None


def encounter_open(state, scenario, action):
    """Open an outpatient or inpatient (with a free bed) encounter E<n>."""
    patient, error = _find(state.patients, action.get("patient"), "patients")
    if error:
        return error
    kind = action.get("kind")
    if kind not in ("outpatient", "inpatient"):
        return say(gettext_noop("The encounter kind must be outpatient or inpatient."))
    department = action.get("department")
    if not isinstance(department, str) or department not in scenario.departments:
        return say(
            gettext_noop('There is no department "%(department)s".'), department=fmt(department)
        )
    bed, error = _bed_for(state, kind, department, action.get("bed"))
    if error:
        return error
    existing = _open_encounter(state, patient["id"], kind)
    if existing:
        return say(
            gettext_noop("%(patient)s already has an open %(kind)s encounter (%(encounter)s)."),
            patient=patient["id"],
            kind=kind,
            encounter=existing["id"],
        )
    encounter_id = state.new_id("encounters")
    state.encounters[encounter_id] = {
        "id": encounter_id,
        "patient": patient["id"],
        "kind": kind,
        "department": department,
        "bed": bed["id"] if bed else None,
        "status": "open",
    }
    if bed:
        bed["patient"] = patient["id"]
    return None


def encounter_close(state, scenario, action):
    """Close an open encounter and free its bed."""
    encounter, error = _find(state.encounters, action.get("encounter"), "encounters")
    if error:
        return error
    if encounter["status"] != "open":
        return say(
            gettext_noop("Encounter %(encounter)s is already closed."), encounter=encounter["id"]
        )
    encounter["status"] = "closed"
    bed = state.beds.get(encounter["bed"]) if encounter["bed"] else None
    if bed and bed["patient"] == encounter["patient"]:
        bed["patient"] = None
    return None


# ---------------------------------------------------------------------------------------------
# Orders and alerts


def _open_encounter_of(state, value):
    encounter, error = _find(state.encounters, value, "encounters")
    if error:
        return None, error
    if encounter["status"] != "open":
        return None, say(
            gettext_noop("Encounter %(encounter)s is closed."), encounter=encounter["id"]
        )
    return encounter, None


def _order_kind(scenario, spec):
    kind = spec.get("kind")
    if kind is None:  # infer it from what is ordered
        if spec.get("drug") is not None:
            return "medication"
        test = spec.get("test")
        return (
            scenario.tests[test]["kind"]
            if isinstance(test, str) and test in scenario.tests
            else None
        )
    return kind if kind in ORDER_KINDS else None


def order_fields(scenario, spec: dict):
    """The order's fields from an order spec (order_create params or an order set item)."""
    kind = _order_kind(scenario, spec)
    if kind is None:
        return None, say(gettext_noop("The order kind must be medication, lab or imaging."))
    if kind == "medication":
        return _medication_fields(scenario, spec)
    test = spec.get("test")
    if not isinstance(test, str) or scenario.tests.get(test, {}).get("kind") != kind:
        return None, say(
            gettext_noop('There is no %(kind)s test "%(test)s".'), kind=kind, test=fmt(test)
        )
    blank = dict.fromkeys(("drug", "dose", "unit", "route", "frequency", "duration_days"))
    return {"kind": kind, "test": test, **blank}, None


def _medication_fields(scenario, spec):
    code = spec.get("drug")
    drug = scenario.formulary.get(code) if isinstance(code, str) else None
    if drug is None:
        return None, say(gettext_noop('"%(drug)s" is not in the formulary.'), drug=fmt(code))
    dose, unit, route, frequency = (
        number(spec.get("dose")),
        spec.get("unit"),
        spec.get("route"),
        spec.get("frequency"),
    )
    if dose is None or dose <= 0:
        return None, say(gettext_noop("The dose must be a number greater than 0."))
    if unit not in drug["units"]:
        return None, say(
            gettext_noop("The unit must be one of: %(units)s."), units=", ".join(drug["units"])
        )
    if route not in drug["routes"]:
        return None, say(
            gettext_noop("The route must be one of: %(routes)s."), routes=", ".join(drug["routes"])
        )
    if frequency not in FREQUENCIES:
        return None, say(
            gettext_noop("The frequency must be one of: %(choices)s."),
            choices=", ".join(FREQUENCIES),
        )
    days = spec.get("duration_days")
    if not (days is None and frequency in ONE_OFF):
        days = integer(days)
        if days is None or days < 1:
            return None, say(
                gettext_noop("The duration must be a whole number of days, 1 or more.")
            )
    fields = {
        "kind": "medication",
        "drug": code,
        "test": None,
        "dose": dose,
        "unit": unit,
        "route": route,
    }
    return {**fields, "frequency": frequency, "duration_days": days}, None


def _order_add(state, scenario, encounter, fields, seq, order_set=None):
    order_id = state.new_id("orders")
    order = {
        "id": order_id,
        "encounter": encounter["id"],
        "patient": encounter["patient"],
        **fields,
    }
    order.update(status="draft", order_set=order_set, reason=None, created_seq=seq, signed_seq=None)
    state.orders[order_id] = order
    if fields["kind"] == "medication":
        _alerts_raise(state, scenario, order)


def _alerts_raise(state, scenario, order):
    drug = scenario.formulary[order["drug"]]
    drug_class = (drug.get("class") or "").casefold()
    allergens = {a.casefold() for a in drug.get("allergens") or []} | (
        {drug_class} if drug_class else set()
    )
    patient = state.patients.get(order["patient"]) or {"name": order["patient"], "allergies": []}
    matched = [
        a["substance"]
        for a in patient["allergies"]
        if a["substance"].strip().casefold() in allergens
    ]
    if matched:
        message = say(
            gettext_noop(
                "Allergy: %(patient)s is allergic to %(substance)s; %(drug)s contains it or is "
                "of its class."
            ),
            patient=patient["name"],
            substance=", ".join(matched),
            drug=drug["name"],
        )
        _alert_add(state, order, "allergy", message, None)
    if drug_class:
        for other in list(state.orders.values()):
            if _same_class(scenario, order, other, drug_class):
                message = say(
                    gettext_noop(
                        "Duplicate therapy: %(drug)s and %(other)s (order %(order)s) are both "
                        "%(class)s."
                    ),
                    drug=drug["name"],
                    other=scenario.formulary[other["drug"]]["name"],
                    order=other["id"],
                    **{"class": drug["class"]},
                )
                _alert_add(state, order, "duplicate", message, other["id"])


def _same_class(scenario, order, other, drug_class) -> bool:
    if other["id"] == order["id"] or other["patient"] != order["patient"]:
        return False
    if other["kind"] != "medication" or other["status"] not in ("draft", "signed"):
        return False
    other_drug = scenario.formulary.get(other["drug"]) or {}
    return (other_drug.get("class") or "").casefold() == drug_class


def _alert_add(state, order, kind, message, with_order):
    alert_id = state.new_id("alerts")
    state.alerts[alert_id] = {
        "id": alert_id,
        "order": order["id"],
        "patient": order["patient"],
        "kind": kind,
        "drug": order["drug"],
        "message": message,
        "status": "pending",
        "reason": None,
        "with_order": with_order,
    }


def order_create(state, scenario, action):
    """Create a draft order O<n>; raises allergy and duplicate-therapy alerts (pending)."""
    encounter, error = _open_encounter_of(state, action.get("encounter"))
    if error:
        return error
    fields, error = order_fields(scenario, action)
    if error:
        return error
    _order_add(state, scenario, encounter, fields, action["seq"])
    return None


def order_set_apply(state, scenario, action):
    """Create every order of an order set, or none when any item is refused."""
    encounter, error = _open_encounter_of(state, action.get("encounter"))
    if error:
        return error
    code = action.get("order_set")
    order_set = scenario.order_sets.get(code) if isinstance(code, str) else None
    if order_set is None:
        return say(gettext_noop('There is no order set "%(code)s".'), code=fmt(code))
    specs = []
    for number_, item in enumerate(order_set["items"], start=1):
        fields, error = order_fields(scenario, item)
        if error:
            return say(
                gettext_noop("Order set %(code)s, item %(n)s: %(error)s"),
                code=code,
                n=number_,
                error=error,
            )
        specs.append(fields)
    for fields in specs:
        _order_add(state, scenario, encounter, fields, action["seq"], order_set=code)
    return None


def _pending_alert(state, alert_value):
    alert, error = _find(state.alerts, alert_value, "alerts")
    if error:
        return None, error
    if alert["status"] != "pending":
        return None, say(
            gettext_noop("Alert %(alert)s is already %(status)s."),
            alert=alert["id"],
            status=alert["status"],
        )
    return alert, None


def alert_override(state, scenario, action):
    """Override a pending alert, giving the reason (at least 5 characters)."""
    alert, error = _pending_alert(state, action.get("alert"))
    if error:
        return error
    reason, error = _reason(action.get("reason"), NEEDS_REASON)
    if error:
        return error
    alert.update(status="overridden", reason=reason)
    return None


def alert_accept(state, scenario, action):
    """Heed a pending alert: the alert is accepted and its (draft) order cancelled."""
    alert, error = _pending_alert(state, action.get("alert"))
    if error:
        return error
    alert["status"] = "accepted"
    order = state.orders.get(alert["order"])
    if order and order["status"] == "draft":
        order["status"] = "cancelled"
    return None


def _order_in(state, value, status):
    order, error = _find(state.orders, value, "orders")
    if error:
        return None, error
    if order["status"] != status:
        return None, say(
            gettext_noop("Order %(order)s is %(status)s, not %(expected)s."),
            order=order["id"],
            status=order["status"],
            expected=status,
        )
    return order, None


def order_cancel(state, scenario, action):
    """Cancel a draft order."""
    order, error = _order_in(state, action.get("order"), "draft")
    if error:
        return error
    order["status"] = "cancelled"
    return None


def order_sign(state, scenario, action):
    """Sign a draft order; refused while one of its alerts is pending."""
    order, error = _order_in(state, action.get("order"), "draft")
    if error:
        return error
    for alert in state.alerts.values():
        if alert["order"] == order["id"] and alert["status"] == "pending":
            return say(
                gettext_noop(
                    "Order %(order)s has a pending alert (%(alert)s): override it with a "
                    "reason or accept it."
                ),
                order=order["id"],
                alert=alert["id"],
            )
    order.update(status="signed", signed_seq=action["seq"])
    return None


def order_discontinue(state, scenario, action):
    """Discontinue a signed order, giving the reason."""
    order, error = _order_in(state, action.get("order"), "signed")
    if error:
        return error
    reason, error = _reason(
        action.get("reason"), gettext_noop("Give the reason for stopping the order."), 1
    )
    if error:
        return error
    order.update(status="discontinued", reason=reason)
    return None


# ---------------------------------------------------------------------------------------------
# Medication administration (bar-code scanning)


def scan_wristband(state, scenario, action):
    """Scan a wristband: scanned_patient = its patient."""
    barcode = text(action.get("barcode"))
    for patient in state.patients.values():
        if barcode and patient["wristband"] == barcode:
            state.scanned_patient = patient["id"]
            return None
    return say(
        gettext_noop('No patient wears wristband "%(barcode)s".'),
        barcode=fmt(action.get("barcode")),
    )


def scan_drug(state, scenario, action):
    """Scan a drug package: scanned_drug = its formulary code."""
    barcode = text(action.get("barcode"))
    code = scenario.drug_barcodes.get(barcode) if barcode else None
    if code is None:
        return say(
            gettext_noop('No drug in the formulary has bar code "%(barcode)s".'),
            barcode=fmt(action.get("barcode")),
        )
    state.scanned_drug = code
    return None


def _patient_label(state, patient_id) -> str:
    patient = state.patients.get(patient_id)
    return f"{patient_id} ({patient['name']})" if patient else fmt(patient_id)


def _given_problem(state, order, action) -> str | None:
    """Why a dose cannot be recorded as given (the five rights), or None."""
    if state.scanned_patient is None:
        return say(gettext_noop("Scan the patient's wristband first."))
    if state.scanned_drug is None:
        return say(gettext_noop("Scan the drug first."))
    if state.scanned_drug != order["drug"]:
        return say(
            gettext_noop(
                "Wrong drug: the scanned drug is %(scanned)s, this order is for %(drug)s."
            ),
            scanned=state.scanned_drug,
            drug=order["drug"],
        )
    dose = action.get("dose")
    if dose is not None and number(dose) != order["dose"]:
        return say(
            gettext_noop("Wrong dose: this order is for %(dose)s %(unit)s."),
            dose=fmt(order["dose"]),
            unit=order["unit"],
        )
    route = action.get("route")
    if route is not None and route != order["route"]:
        return say(gettext_noop("Wrong route: this order is for %(route)s."), route=order["route"])
    if state.scanned_patient != order["patient"] and action.get("override_warning") is not True:
        return say(
            gettext_noop(
                "Wrong patient: the wristband is %(scanned)s, this order is for %(patient)s."
            ),
            scanned=_patient_label(state, state.scanned_patient),
            patient=_patient_label(state, order["patient"]),
        )
    return None


def administer(state, scenario, action):
    """Record a dose of a signed medication order as given (after scanning the wristband and the
    drug) or held (with a reason)."""
    order, error = _order_in(state, action.get("order"), "signed")
    if error:
        return error
    if order["kind"] != "medication":
        return say(gettext_noop("Order %(order)s is not a medication order."), order=order["id"])
    outcome = action.get("outcome")
    if outcome not in ("given", "held"):
        return say(gettext_noop("The outcome must be given or held."))
    if outcome == "held":
        reason, error = _reason(
            action.get("reason"),
            gettext_noop("A held dose needs a reason (at least 5 characters)."),
        )
    else:
        reason, error = text(action.get("reason")) or None, _given_problem(state, order, action)
    if error:
        return error
    given = outcome == "given"
    administration_id = state.new_id("administrations")
    state.administrations[administration_id] = {
        "id": administration_id,
        "order": order["id"],
        "patient": order["patient"],
        "scanned_patient": state.scanned_patient,
        "drug": order["drug"],
        "dose": order["dose"] if given else None,
        "route": order["route"] if given else None,
        "outcome": outcome,
        "reason": reason,
        "patient_verified": state.scanned_patient == order["patient"],
        "drug_verified": given,
        "seq": action["seq"],
        "t": action["t"],
    }
    state.scanned_patient = state.scanned_drug = None
    return None


# Plausible ranges: (field, label, low, high, required)
VITALS = (
    ("temperature", gettext_noop("Temperature"), 30, 45, True),
    ("pulse", gettext_noop("Pulse"), 20, 250, True),
    ("resp_rate", gettext_noop("Respiratory rate"), 4, 60, True),
    ("bp_systolic", gettext_noop("Systolic blood pressure"), 50, 260, True),
    ("bp_diastolic", gettext_noop("Diastolic blood pressure"), 20, 160, True),
    ("spo2", gettext_noop("SpO2"), 50, 100, True),
    ("pain", gettext_noop("Pain score"), 0, 10, False),
)


def _vitals_values(action):
    values = {}
    for key, label, low, high, required in VITALS:
        raw = action.get(key)
        if raw is None and not required:
            values[key] = None
            continue
        value = number(raw)
        if value is None or not low <= value <= high:
            return None, say(
                gettext_noop("%(field)s must be a number from %(low)s to %(high)s."),
                field=say(label),
                low=low,
                high=high,
            )
        values[key] = value
    if values["bp_diastolic"] >= values["bp_systolic"]:
        return None, say(gettext_noop("The diastolic pressure must be lower than the systolic."))
    return values, None


def vitals_record(state, scenario, action):
    """Record a set of vital signs V<n> (values must be plausible)."""
    patient, error = _find(state.patients, action.get("patient"), "patients")
    if error:
        return error
    values, error = _vitals_values(action)
    if error:
        return error
    vitals_id = state.new_id("vitals")
    state.vitals[vitals_id] = {
        "id": vitals_id,
        "patient": patient["id"],
        **values,
        "seq": action["seq"],
        "t": action["t"],
    }
    return None


# ---------------------------------------------------------------------------------------------
# Billing


def charge_add(state, scenario, action):
    """Add a charge C<n> from the price list to an encounter."""
    encounter, error = _find(state.encounters, action.get("encounter"), "encounters")
    if error:
        return error
    code = action.get("code")
    item = scenario.price_list.get(code) if isinstance(code, str) else None
    if item is None:
        return say(gettext_noop('"%(code)s" is not in the price list.'), code=fmt(code))
    quantity = 1 if action.get("quantity") is None else integer(action.get("quantity"))
    if quantity is None or quantity < 1:
        return say(gettext_noop("The quantity must be a whole number, 1 or more."))
    charge_id = state.new_id("charges")
    state.charges[charge_id] = {
        "id": charge_id,
        "encounter": encounter["id"],
        "patient": encounter["patient"],
        "code": code,
        "name": clone(item["name"]),
        "quantity": quantity,
        "unit_price": money(item["price"]),
        "amount": money(item["price"] * quantity),
        "status": "open",
    }
    return None


def charge_remove(state, scenario, action):
    """Remove an open charge."""
    charge, error = _find(state.charges, action.get("charge"), "charges")
    if error:
        return error
    if charge["status"] != "open":
        return say(
            gettext_noop("Charge %(charge)s is %(status)s, not open."),
            charge=charge["id"],
            status=charge["status"],
        )
    charge["status"] = "removed"
    return None


def _shares(state, encounter, charges):
    insurance = (state.patients.get(encounter["patient"]) or {}).get("insurance")
    coverage = insurance["coverage_percent"] if insurance else 0
    return payment_shares([charge["amount"] for charge in charges], coverage)


def payment_take(state, scenario, action):
    """Take payment R<n> for every open charge of an encounter (the patient's share)."""
    encounter, error = _find(state.encounters, action.get("encounter"), "encounters")
    if error:
        return error
    method = action.get("method")
    if method not in PAYMENT_METHODS:
        return say(
            gettext_noop("The payment method must be one of: %(choices)s."),
            choices=", ".join(PAYMENT_METHODS),
        )
    amount = number(action.get("amount"))
    if amount is None or amount < 0:
        return say(gettext_noop("Enter the amount received."))
    amount = money(amount)
    charges = [
        c
        for c in state.charges.values()
        if c["encounter"] == encounter["id"] and c["status"] == "open"
    ]
    if not charges:
        return say(
            gettext_noop("Encounter %(encounter)s has no open charges."), encounter=encounter["id"]
        )
    total, insurance_share, share = _shares(state, encounter, charges)
    if method == "cash" and amount < share:
        return say(
            gettext_noop("Not enough cash: the patient's share is %(share).2f."), share=share
        )
    if method != "cash" and amount != share:
        return say(
            gettext_noop("A %(method)s payment must be exactly the patient's share, %(share).2f."),
            method=method,
            share=share,
        )
    payment_id = state.new_id("payments")
    state.payments[payment_id] = {
        "id": payment_id,
        "encounter": encounter["id"],
        "patient": encounter["patient"],
        "total": total,
        "insurance_share": insurance_share,
        "patient_share": share,
        "method": method,
        "amount": amount,
        "change": money(amount - share) if method == "cash" else 0.0,
        "charges": [charge["id"] for charge in charges],
        "refunded": 0.0,
    }
    for charge in charges:
        charge["status"] = "paid"
    return None


def _authorisation_problem(state, scenario, supervisor, pin) -> str | None:
    if not isinstance(supervisor, str) or not supervisor or pin in (None, ""):
        return say(
            gettext_noop(
                "A refund needs a supervisor's authorisation: choose the supervisor and enter "
                "their PIN."
            )
        )
    if supervisor == scenario.user.get("username"):
        return say(
            gettext_noop(
                "A refund needs a supervisor's authorisation: you cannot authorise your own refund."
            )
        )
    user = state.users.get(supervisor)
    if user is None or not user["active"]:
        return say(
            gettext_noop(
                "A refund needs a supervisor's authorisation: %(user)s is not an active user."
            ),
            user=supervisor,
        )
    permitted = any(
        REFUND_PERMISSION in scenario.roles.get(role, {}).get("permissions", ())
        for role in user["roles"]
    )
    if not permitted:
        return say(
            gettext_noop(
                "A refund needs a supervisor's authorisation: %(user)s may not authorise refunds."
            ),
            user=supervisor,
        )
    expected = scenario.pins.get(supervisor)
    given = fmt(pin) if isinstance(pin, str | int) and not isinstance(pin, bool) else None
    if expected is None or given is None or given.strip() != expected:
        return say(gettext_noop("A refund needs a supervisor's authorisation: the PIN is wrong."))
    return None


def refund(state, scenario, action):
    """Refund part or all of a payment's patient share, authorised by a supervisor's PIN."""
    payment, error = _find(state.payments, action.get("payment"), "payments")
    if error:
        return error
    amount = number(action.get("amount"))
    left = money(payment["patient_share"] - payment["refunded"])
    if amount is None or money(amount) <= 0 or money(amount) > left:
        return say(
            gettext_noop("The refund must be more than 0 and at most %(left).2f."), left=left
        )
    reason, error = _reason(
        action.get("reason"), gettext_noop("A refund needs a reason (at least %(min)s characters).")
    )
    if error:
        return error
    supervisor = action.get("supervisor")
    error = _authorisation_problem(state, scenario, supervisor, action.get("pin"))
    if error:
        return error
    refund_id = state.new_id("refunds")
    state.refunds[refund_id] = {
        "id": refund_id,
        "payment": payment["id"],
        "amount": money(amount),
        "reason": reason,
        "authorised_by": supervisor,
        "seq": action["seq"],
    }
    payment["refunded"] = money(payment["refunded"] + money(amount))
    return None


# ---------------------------------------------------------------------------------------------
# User administration


def user_create(state, scenario, action):
    """Create a user account (no roles, must change the password)."""
    username = action.get("username")
    if not isinstance(username, str) or not USERNAME.fullmatch(username):
        return say(
            gettext_noop(
                "The username must be 3 to 32 characters: a lowercase letter, then letters, "
                "digits, '.', '_' or '-'."
            )
        )
    if username in state.users:
        return say(gettext_noop("The username %(username)s is taken."), username=username)
    name = text(action.get("name"))
    if not name:
        return say(gettext_noop("Enter the person's name."))
    department = action.get("department")
    if not isinstance(department, str) or department not in scenario.departments:
        return say(
            gettext_noop('There is no department "%(department)s".'), department=fmt(department)
        )
    state.users[username] = {
        "id": username,
        "username": username,
        "name": name,
        "department": department,
        "roles": [],
        "active": True,
        "must_change_password": True,
        "password_resets": 0,
        "disabled_reason": None,
    }
    return None


def _user(state, action):
    return _find(state.users, action.get("username"), "users")


def _role(scenario, value):
    if not isinstance(value, str) or value not in scenario.roles:
        return None, say(gettext_noop('There is no role "%(role)s".'), role=fmt(value))
    return value, None


def role_assign(state, scenario, action):
    """Give an active user a role."""
    user, error = _user(state, action)
    role, error = (None, error) if error else _role(scenario, action.get("role"))
    if error:
        return error
    if not user["active"]:
        return say(
            gettext_noop("%(username)s is disabled; enable the account first."), username=user["id"]
        )
    if role in user["roles"]:
        return say(
            gettext_noop("%(username)s already has the role %(role)s."),
            username=user["id"],
            role=role,
        )
    user["roles"] = [*user["roles"], role]
    return None


def role_remove(state, scenario, action):
    """Take a role away from a user."""
    user, error = _user(state, action)
    if error:
        return error
    role = action.get("role")
    if not isinstance(role, str) or role not in user["roles"]:
        return say(
            gettext_noop("%(username)s does not have the role %(role)s."),
            username=user["id"],
            role=fmt(role),
        )
    user["roles"] = [held for held in user["roles"] if held != role]
    return None


def password_reset(state, scenario, action):
    """Reset a user's password: they must change it at the next login."""
    user, error = _user(state, action)
    if error:
        return error
    user["must_change_password"] = True
    user["password_resets"] += 1
    return None


def user_disable(state, scenario, action):
    """Disable an active account, giving the reason."""
    user, error = _user(state, action)
    if error:
        return error
    if not user["active"]:
        return say(gettext_noop("%(username)s is already disabled."), username=user["id"])
    if user["id"] == scenario.user.get("username"):
        return say(gettext_noop("You cannot disable your own account."))
    reason, error = _reason(
        action.get("reason"), gettext_noop("Give the reason for disabling the account."), 1
    )
    if error:
        return error
    user.update(active=False, disabled_reason=reason)
    return None


def user_enable(state, scenario, action):
    """Enable a disabled account."""
    user, error = _user(state, action)
    if error:
        return error
    if user["active"]:
        return say(gettext_noop("%(username)s is already active."), username=user["id"])
    user.update(active=True, disabled_reason=None)
    return None


ACTIONS = {
    handler.__name__: handler
    for handler in (
        patient_open,
        patient_search,
        patient_register,
        patient_update,
        encounter_open,
        encounter_close,
        order_create,
        order_set_apply,
        alert_override,
        alert_accept,
        order_cancel,
        order_sign,
        order_discontinue,
        scan_wristband,
        scan_drug,
        administer,
        vitals_record,
        charge_add,
        charge_remove,
        payment_take,
        refund,
        user_create,
        role_assign,
        role_remove,
        password_reset,
        user_disable,
        user_enable,
    )
}


# ---------------------------------------------------------------------------------------------
# Applying and folding


def _entry(state: State, action) -> dict:
    """The log entry: a JSON-safe copy of the action with its seq and t."""
    entry = (
        jsonable(action) if isinstance(action, dict) else {"type": None, "value": jsonable(action)}
    )
    seq = entry.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool):
        entry["seq"] = len(state.log) + 1
    t = number(entry.get("t"))
    entry["t"] = t if t is not None and t >= 0 else state.last_t()
    return entry


def action_apply(state: State, scenario, action) -> str | None:
    """Apply one action: None when it applied, else the error (the entities are unchanged).
    Either way the action goes to state.log, and a refusal to state.errors. Never raises."""
    entry = _entry(state, action)
    kind = entry.get("type")
    handler = ACTIONS.get(kind) if isinstance(kind, str) else None
    if handler is None:
        error = say(gettext_noop('Unknown action type "%(type)s".'), type=fmt(kind))
    else:
        try:
            error = handler(state, scenario, entry)
        except Exception:  # a bug must not lose the log; the tests assert this never happens
            error = say(INTERNAL)
    entry["error"] = error
    state.log.append(entry)
    if error is not None:
        state.errors.append(
            {"seq": entry["seq"], "type": kind if isinstance(kind, str) else None, "message": error}
        )
    return error


def state_fold(scenario, actions, today=None) -> State:
    """The state after applying the actions in order to the scenario's initial state (on the
    HIS date `today`, see State.today)."""
    state = state_initial(scenario, today)
    for action in actions or ():
        action_apply(state, scenario, action)
    return state
