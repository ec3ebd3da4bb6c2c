"""The trainer's replay of a practical attempt: the action log step by step, the sandbox state
after the selected step as HIS-like panels, what that step changed, and the checks it
satisfied or broke.

Who gets in: the trainers of the exam and superusers (another trainer 404, others 403, as on
the other trainer pages). The engine replays the log once per request (it is fast and needs no
database), so the page reads the attempt and its log whatever the log's length.
"""

from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from ..models.bank import _zh
from ..selectors import practical as selectors
from .trainer import _exam_context, _missing

# Plain words for the action vocabulary of the simulated HIS (SIMULATION_SPEC.md).
ACTION_LABELS = {
    "patient_open": gettext_lazy("Opened a patient's chart"),
    "patient_search": gettext_lazy("Searched for a patient"),
    "patient_register": gettext_lazy("Registered a patient"),
    "patient_update": gettext_lazy("Updated a patient's details"),
    "encounter_open": gettext_lazy("Opened an encounter"),
    "encounter_close": gettext_lazy("Closed an encounter"),
    "order_create": gettext_lazy("Created an order"),
    "order_set_apply": gettext_lazy("Applied an order set"),
    "alert_override": gettext_lazy("Overrode an alert"),
    "alert_accept": gettext_lazy("Accepted an alert"),
    "order_cancel": gettext_lazy("Cancelled an order"),
    "order_sign": gettext_lazy("Signed an order"),
    "order_discontinue": gettext_lazy("Discontinued an order"),
    "scan_wristband": gettext_lazy("Scanned a wristband"),
    "scan_drug": gettext_lazy("Scanned a drug"),
    "administer": gettext_lazy("Recorded a medication administration"),
    "vitals_record": gettext_lazy("Recorded vital signs"),
    "charge_add": gettext_lazy("Added a charge"),
    "charge_remove": gettext_lazy("Removed a charge"),
    "payment_take": gettext_lazy("Took a payment"),
    "refund": gettext_lazy("Refunded a payment"),
    "user_create": gettext_lazy("Created a user account"),
    "role_assign": gettext_lazy("Assigned a role"),
    "role_remove": gettext_lazy("Removed a role"),
    "password_reset": gettext_lazy("Reset a password"),
    "user_disable": gettext_lazy("Disabled a user account"),
    "user_enable": gettext_lazy("Enabled a user account"),
}

# The parameters worth showing in the step list (the detail shows them all).
KEY_PARAMS = {
    "patient_open": ["patient"],
    "patient_search": ["query"],
    "patient_register": ["name", "dob", "sex"],
    "patient_update": ["patient"],
    "encounter_open": ["patient", "kind", "department", "bed"],
    "encounter_close": ["encounter"],
    "order_create": ["encounter", "drug", "test", "dose", "unit", "route", "frequency"],
    "order_set_apply": ["encounter", "order_set"],
    "alert_override": ["alert", "reason"],
    "alert_accept": ["alert"],
    "order_cancel": ["order"],
    "order_sign": ["order"],
    "order_discontinue": ["order", "reason"],
    "scan_wristband": ["barcode"],
    "scan_drug": ["barcode"],
    "administer": ["order", "outcome", "reason", "override_warning"],
    "vitals_record": ["patient", "temperature", "pulse", "spo2"],
    "charge_add": ["encounter", "code", "quantity"],
    "charge_remove": ["charge"],
    "payment_take": ["encounter", "method", "amount"],
    "refund": ["payment", "amount", "supervisor"],
    "user_create": ["username", "department"],
    "role_assign": ["username", "role"],
    "role_remove": ["username", "role"],
    "password_reset": ["username"],
    "user_disable": ["username", "reason"],
    "user_enable": ["username"],
}

# Never shown: a supervisor's PIN is a secret even in a sandbox.
SECRET_PARAMS = {"pin"}

# A context where the word alone is ambiguous and the catalogue already has another sense of it
# (an "order" as sorting, "change" as modify, "active" as employed, "number" as digit).
FIELD_LABELS = {
    "id": gettext_lazy("ID"),
    "patient": gettext_lazy("Patient"),
    "name": gettext_lazy("Name"),
    "dob": gettext_lazy("Date of birth"),
    "sex": gettext_lazy("Sex"),
    "allergies": gettext_lazy("Allergies"),
    "insurance": gettext_lazy("Insurance"),
    "wristband": gettext_lazy("Wristband"),
    "encounter": gettext_lazy("Encounter"),
    "kind": gettext_lazy("Kind"),
    "department": gettext_lazy("Department"),
    "bed": gettext_lazy("Bed"),
    "status": gettext_lazy("Status"),
    "drug": gettext_lazy("Drug"),
    "test": gettext_lazy("Test"),
    "dose": gettext_lazy("Dose"),
    "unit": gettext_lazy("Unit"),
    "route": gettext_lazy("Route"),
    "frequency": gettext_lazy("Frequency"),
    "duration_days": gettext_lazy("Days"),
    "order_set": gettext_lazy("Order set"),
    "reason": gettext_lazy("Reason"),
    "order": pgettext_lazy("his field", "Order"),
    "message": gettext_lazy("Message"),
    "with_order": gettext_lazy("With order"),
    "scanned_patient": gettext_lazy("Wristband scanned"),
    "outcome": gettext_lazy("Outcome"),
    "patient_verified": gettext_lazy("Patient verified"),
    "drug_verified": gettext_lazy("Drug verified"),
    "temperature": gettext_lazy("Temperature"),
    "pulse": gettext_lazy("Pulse"),
    "resp_rate": gettext_lazy("Respiratory rate"),
    "bp_systolic": gettext_lazy("BP systolic"),
    "bp_diastolic": gettext_lazy("BP diastolic"),
    "spo2": gettext_lazy("SpO₂"),
    "pain": gettext_lazy("Pain"),
    "code": gettext_lazy("Code"),
    "quantity": gettext_lazy("Quantity"),
    "unit_price": gettext_lazy("Unit price"),
    "amount": gettext_lazy("Amount"),
    "total": gettext_lazy("Total"),
    "insurance_share": gettext_lazy("Insurance share"),
    "patient_share": gettext_lazy("Patient share"),
    "method": gettext_lazy("Method"),
    "change": pgettext_lazy("his field", "Change"),
    "charges": gettext_lazy("Charges"),
    "refunded": gettext_lazy("Refunded"),
    "payment": gettext_lazy("Payment"),
    "authorised_by": gettext_lazy("Authorised by"),
    "supervisor": gettext_lazy("Supervisor"),
    "pin": gettext_lazy("PIN"),
    "username": gettext_lazy("Username"),
    "roles": gettext_lazy("Roles"),
    "role": gettext_lazy("Role"),
    "active": pgettext_lazy("his field", "Active"),
    "must_change_password": gettext_lazy("Must change password"),
    "password_resets": gettext_lazy("Password resets"),
    "disabled_reason": gettext_lazy("Why disabled"),
    "permissions": gettext_lazy("Permissions"),
    "label": gettext_lazy("Label"),
    "query": gettext_lazy("Search"),
    "barcode": gettext_lazy("Barcode"),
    "override_warning": gettext_lazy("Override warning"),
    "current_patient": gettext_lazy("Chart open"),
    "scanned_drug": gettext_lazy("Drug scanned"),
    "seq": gettext_lazy("Step"),
    "t": gettext_lazy("Time (s)"),
    "created_seq": gettext_lazy("Created at step"),
    "signed_seq": gettext_lazy("Signed at step"),
    "coverage_percent": gettext_lazy("Coverage %"),
    "scheme": gettext_lazy("Scheme"),
    "number": pgettext_lazy("his field", "Number"),
}

# The HIS panels, in the order a ward reads them: collection, title, columns.
PANELS = [
    ("patients", gettext_lazy("Patients"), "id name dob sex allergies insurance wristband"),
    ("encounters", gettext_lazy("Encounters"), "id patient kind department bed status"),
    ("beds", gettext_lazy("Beds"), "id department label patient"),
    (
        "orders",
        gettext_lazy("Orders"),
        "id patient encounter kind drug test dose unit route frequency duration_days status reason",
    ),
    ("alerts", gettext_lazy("Alerts"), "id order patient kind drug status reason message"),
    (
        "administrations",
        gettext_lazy("Medication administrations"),
        "id order patient scanned_patient drug dose route outcome reason patient_verified "
        "drug_verified",
    ),
    (
        "vitals",
        gettext_lazy("Vital signs"),
        "id patient temperature pulse resp_rate bp_systolic bp_diastolic spo2 pain",
    ),
    (
        "charges",
        gettext_lazy("Charges"),
        "id encounter patient code name quantity unit_price amount status",
    ),
    (
        "payments",
        gettext_lazy("Payments"),
        "id encounter patient total insurance_share patient_share method amount change charges "
        "refunded",
    ),
    ("refunds", gettext_lazy("Refunds"), "id payment amount reason authorised_by"),
    (
        "users",
        gettext_lazy("User accounts"),
        "id name department roles active must_change_password password_resets disabled_reason",
    ),
    ("roles", gettext_lazy("Roles"), "id name permissions"),
]
PANELS = [(key, title, columns.split()) for key, title, columns in PANELS]
PANEL_KEYS = {key for key, _title, _columns in PANELS}
# The scenario's reference data: shown only at a step that changed it.
REFERENCE = {"departments", "formulary", "tests", "order_sets", "price_list"}
SESSION = ["current_patient", "scanned_patient", "scanned_drug"]
# A status worth a colour in the panels.
STATUS_CLASSES = {
    **dict.fromkeys(["signed", "given", "paid", "accepted"], "ok"),
    **dict.fromkeys(["open", "draft"], "info"),
    **dict.fromkeys(["pending", "held", "overridden"], "warn"),
    **dict.fromkeys(["cancelled", "discontinued", "removed", "closed"], "off"),
}


def _label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name.replace("_", " ")))


def action_label(action: dict | None) -> str:
    """The action in plain words; None is step 0, the start."""
    if not action:
        return pgettext("replay step 0", "Start")
    kind = action.get("type")
    return str(ACTION_LABELS.get(kind, kind or "?"))


def clock(t) -> str:
    """Seconds since the start as mm:ss."""
    seconds = int(t or 0)
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def value_text(value, name: str = "") -> str:
    if name in SECRET_PARAMS and value not in (None, ""):
        return "••••"
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    if isinstance(value, list):
        return ", ".join(_list_item(item) for item in value)
    if isinstance(value, dict):
        if name == "insurance" and "scheme" in value:
            # "UEBMI 80 % · 3201...": how a registration desk reads a card.
            covered = value.get("coverage_percent")
            head = (
                f"{value['scheme']} {value_text(covered)} %"
                if covered is not None
                else value["scheme"]
            )
            return f"{head} · {value['number']}" if value.get("number") else head
        return ", ".join(f"{_label(k)}: {value_text(v, k)}" for k, v in value.items())
    return str(value)


def _list_item(item) -> str:
    if isinstance(item, dict):
        # An allergy reads as its substance (and reaction); anything else as its fields.
        if "substance" in item:
            extra = ", ".join(str(item[k]) for k in ("reaction", "severity") if item.get(k))
            return f"{item['substance']} ({extra})" if extra else str(item["substance"])
        return "{" + value_text(item) + "}"
    return value_text(item)


def _params(action: dict) -> dict:
    return {k: v for k, v in (action or {}).items() if k not in ("type", "seq", "t")}


def action_summary(action: dict) -> str:
    """The key parameters of an action in one line: "order O1 · outcome given"."""
    params = _params(action)
    keys = KEY_PARAMS.get(action.get("type"), list(params))
    parts = [
        f"{_label(k)} {value_text(params[k], k)}" for k in keys if params.get(k) not in (None, "")
    ]
    return " · ".join(parts)


# ---------------------------------------------------------------------------------------------
# What the page shows


@dataclass
class StepRow:
    index: int
    seq: int
    clock: str
    label: str
    summary: str
    error: str
    current: bool
    satisfied: int
    broken: int


@dataclass
class Cell:
    text: str
    cls: str = ""  # the cell's classes
    tag: str = ""  # a status: the text is shown as a coloured tag


@dataclass
class PanelRow:
    id: str
    cells: list[Cell]
    cls: str = ""


@dataclass
class Panel:
    key: str
    title: str
    headers: list[str]
    rows: list[PanelRow]
    changed: bool


@dataclass
class Change:
    field: str
    before: str
    after: str


@dataclass
class DiffEntry:
    collection: str
    id: str
    kind: str  # added | removed | changed
    changes: list[Change] = field(default_factory=list)


def _collections(state: dict) -> dict[str, dict]:
    """The id -> entity collections of a state (dicts of dicts)."""
    return {
        key: value
        for key, value in (state or {}).items()
        if isinstance(value, dict) and all(isinstance(v, dict) for v in value.values())
    }


def _panel_title(key: str) -> str:
    for panel_key, title, _columns in PANELS:
        if panel_key == key:
            return str(title)
    return key.replace("_", " ").capitalize()


def diff(before: dict | None, after: dict) -> list[DiffEntry]:
    """Entities added, removed or changed (field by field) from one state to the next."""
    if before is None:
        return []
    entries = []
    old_all, new_all = _collections(before), _collections(after)
    for key in [*(k for k, _t, _c in PANELS), *sorted(set(new_all) - PANEL_KEYS)]:
        old, new = old_all.get(key, {}), new_all.get(key, {})
        title = _panel_title(key)
        for entity_id, entity in new.items():
            if entity_id not in old:
                entries.append(DiffEntry(title, entity_id, "added", _fields(entity)))
            elif entity != old[entity_id]:
                entries.append(
                    DiffEntry(title, entity_id, "changed", _changes(old[entity_id], entity))
                )
        for entity_id in old:
            if entity_id not in new:
                entries.append(DiffEntry(title, entity_id, "removed"))
    session = [
        Change(_label(k), value_text(before.get(k)), value_text(after.get(k)))
        for k in SESSION
        if before.get(k) != after.get(k)
    ]
    if session:
        entries.append(DiffEntry(_("Session"), "", "changed", session))
    return entries


def _fields(entity: dict) -> list[Change]:
    return [
        Change(_label(k), "", value_text(v, k))
        for k, v in entity.items()
        if k != "id" and v not in (None, "", [], {})
    ]


def _changes(old: dict, new: dict) -> list[Change]:
    return [
        Change(_label(k), value_text(old.get(k), k), value_text(new.get(k), k))
        for k in dict.fromkeys([*old, *new])
        if old.get(k) != new.get(k)
    ]


def _given(entity: dict) -> bool:
    return entity.get("outcome", "given") == "given"


def _cell(entity: dict, column: str, changed_fields: set[str]) -> Cell:
    value = entity.get(column)
    classes = []
    tag = ""
    if column in ("status", "outcome") and isinstance(value, str):
        tag = f"st st-{STATUS_CLASSES.get(value, 'info')}"
    # Unverified only matters for a dose given: a held dose needs no drug scan.
    if column in ("patient_verified", "drug_verified") and value is False and _given(entity):
        classes.append("bad")
    if column in changed_fields:
        classes.append("changed")
    return Cell(value_text(value, column), " ".join(classes), tag)


def panels(before: dict | None, after: dict) -> list[Panel]:
    """The state as HIS panels: collections that have entities or changed at this step; cells
    that changed are marked, rows added too, unverified administrations stand out in red."""
    old_all, new_all = _collections(before or {}), _collections(after)
    configs = list(PANELS) + [
        (key, key.replace("_", " ").capitalize(), None) for key in sorted(set(new_all) - PANEL_KEYS)
    ]
    result = []
    for key, title, columns in configs:
        new, old = new_all.get(key, {}), old_all.get(key, {})
        changed = before is not None and new != old
        if not changed and (not new or key in REFERENCE):
            continue
        if columns is None:
            columns = list(dict.fromkeys(c for entity in new.values() for c in entity))[:12]
        rows = []
        for entity_id, entity in new.items():
            previous = old.get(entity_id)
            added = before is not None and previous is None
            fields = (
                set()
                if added or previous is None
                else {k for k in entity if entity.get(k) != previous.get(k)}
            )
            cls = "added" if added else ""
            if (
                key == "administrations"
                and entity.get("patient_verified") is False
                and _given(entity)
            ):
                cls = f"{cls} unverified".strip()
            rows.append(PanelRow(entity_id, [_cell(entity, c, fields) for c in columns], cls))
        result.append(Panel(key, str(title), [_label(c) for c in columns], rows, changed))
    return result


def _session(state: dict) -> list[tuple[str, str]]:
    return [(_label(k), value_text(state.get(k))) for k in SESSION if state.get(k)]


def _check_key(check: dict) -> str:
    return f"{check['task']}.{check['id']}"


def check_row(check: dict, *, satisfied=(), broken=()) -> dict:
    key = _check_key(check)
    description = check.get("description") or {}
    if isinstance(description, dict):
        text = (_zh() and description.get("zh")) or description.get("en") or key
    else:
        text = str(description)
    return {
        "key": key,
        "text": text,
        "passed": check.get("passed"),
        "critical": check.get("critical"),
        "weight": check.get("weight"),
        "why": check.get("why") or "",
        "now": "satisfied" if key in satisfied else "broken" if key in broken else "",
    }


def step_rows(steps: list[dict], index: int) -> list[StepRow]:
    return [
        StepRow(
            index=i,
            seq=step.get("seq") or 0,
            clock=clock(step.get("t")),
            label=action_label(step.get("action")),
            summary=action_summary(step["action"]) if step.get("action") else _("Initial state"),
            error=step.get("error") or "",
            current=i == index,
            satisfied=len(step.get("satisfied") or []) if step.get("action") else 0,
            broken=len(step.get("broken") or []),
        )
        for i, step in enumerate(steps)
    ]


def _step_number(request) -> int:
    try:
        return int(request.GET.get("step", 0))
    except (TypeError, ValueError):
        return 0


@login_required
def practical_replay(request, attempt_id: int):
    replay = selectors.replay_attempt(
        viewer=request.user, attempt_id=attempt_id, step=_step_number(request)
    )
    if replay is None:
        _missing(request)
    attempt, step = replay.attempt, replay.step
    before = replay.previous["state"] if replay.previous else None
    # Step 0 "satisfies" the checks that pass before anything is done: not this step's doing.
    satisfied = set(step.get("satisfied") or []) if step.get("action") else set()
    broken = set(step.get("broken") or [])
    checks = [check_row(c, satisfied=satisfied, broken=broken) for c in replay.checks]
    action = step.get("action") or None
    base = reverse("assessments:practical_replay", args=[attempt.pk])
    return render(
        request,
        "assessments/trainer/replay.html",
        {
            **_exam_context(request, attempt.exam, "attempts"),
            "attempt": attempt,
            "scenario_title": attempt.scenario_version.scenario.display_title,
            "replay": replay,
            "base": base,
            "rows": step_rows(replay.steps, replay.index),
            "index": replay.index,
            "last": replay.last,
            "previous": max(replay.index - 1, 0),
            "next": min(replay.index + 1, replay.last),
            "step": step,
            "clock": clock(step.get("t")),
            "action_label": action_label(action),
            "action_params": [(_label(k), value_text(v, k)) for k, v in _params(action).items()]
            if action
            else [],
            "panels": panels(before, step["state"]),
            "session": _session(step["state"]),
            "diff": diff(before, step["state"]),
            "satisfied": [c for c in checks if c["now"] == "satisfied"],
            "broken": [c for c in checks if c["now"] == "broken"],
            "checks": checks,
            "checks_passed": sum(1 for c in checks if c["passed"]),
            "position_template": _("step %(index)s of %(last)s"),
            "score_at": replay.result_at["score"] if replay.result_at else None,
        },
    )
