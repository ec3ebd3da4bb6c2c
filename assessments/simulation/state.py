"""The sandbox state: collections of entities (dicts keyed by id) plus the chart/scan cursor,
the action log and the refused actions.

The state is mutated in place by `actions.action_apply`; `State.as_dict()` is the only way out
(a deep copy), so grading can fold a log without copying and replay can take snapshots.
"""

from dataclasses import dataclass, field
from datetime import date

from .util import clone, money

COLLECTIONS = (
    "patients",
    "encounters",
    "orders",
    "alerts",
    "administrations",
    "vitals",
    "charges",
    "payments",
    "refunds",
    "users",
    "beds",
)

# Prefixes of generated ids (users are named by their username instead).
ID_PREFIX = {
    "patients": "P",
    "encounters": "E",
    "orders": "O",
    "alerts": "A",
    "administrations": "MA",
    "vitals": "V",
    "charges": "C",
    "payments": "R",
    "refunds": "RF",
}


@dataclass(eq=False)
class State:
    patients: dict = field(default_factory=dict)
    encounters: dict = field(default_factory=dict)
    orders: dict = field(default_factory=dict)
    alerts: dict = field(default_factory=dict)
    administrations: dict = field(default_factory=dict)
    vitals: dict = field(default_factory=dict)
    charges: dict = field(default_factory=dict)
    payments: dict = field(default_factory=dict)
    refunds: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    beds: dict = field(default_factory=dict)
    current_patient: str | None = None
    scanned_patient: str | None = None
    scanned_drug: str | None = None
    log: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    # Next number to try per collection: ids skip numbers already used, and nothing is ever
    # deleted, so a counter gives the same ids as a scan from 1 without the scan.
    counters: dict = field(default_factory=dict, repr=False)
    # The HIS's date (a date of birth after it is refused): the attempt's start date, so that
    # regrading a log later gives the same result; None means the real date.
    today: date | None = field(default=None, repr=False)

    def as_dict(self) -> dict:
        data = {name: clone(getattr(self, name)) for name in COLLECTIONS}
        data["current_patient"] = self.current_patient
        data["scanned_patient"] = self.scanned_patient
        data["scanned_drug"] = self.scanned_drug
        data["log"] = clone(self.log)
        data["errors"] = clone(self.errors)
        return data

    def collection(self, name: str) -> dict:
        return getattr(self, name)

    def new_id(self, name: str) -> str:
        entities = getattr(self, name)
        prefix = ID_PREFIX[name]
        number = self.counters.get(name, 1)
        while f"{prefix}{number}" in entities:
            number += 1
        self.counters[name] = number + 1
        return f"{prefix}{number}"

    def last_t(self) -> float:
        return self.log[-1]["t"] if self.log else 0.0


def state_initial(scenario, today: date | None = None) -> State:
    """A fresh state for the scenario: a copy of its (cached) initial collections, on the HIS
    date `today` (None: the real date)."""
    template = scenario.cache.get("initial_state")
    if template is None:
        template = scenario.cache["initial_state"] = initial_collections(scenario.definition)
    return State(**{name: clone(template[name]) for name in COLLECTIONS}, today=today)


def initial_collections(definition: dict) -> dict:
    """The state's collections from a validated definition's `initial`, defaults filled in."""
    initial = definition.get("initial") or {}
    take = lambda key: initial.get(key) or []  # noqa: E731
    collections = {name: {} for name in COLLECTIONS}
    for item in take("patients"):
        collections["patients"][item["id"]] = _patient(item)
    for item in take("encounters"):
        collections["encounters"][item["id"]] = _encounter(item)
    for item in take("beds"):
        collections["beds"][item["id"]] = _bed(item, collections["encounters"])
    formulary = {item["code"]: item for item in take("formulary")}
    for item in take("orders"):
        collections["orders"][item["id"]] = _order(item, collections["encounters"])
    prices = {item["code"]: item for item in take("price_list")}
    for item in take("charges"):
        collections["charges"][item["id"]] = _charge(item, collections["encounters"], prices)
    for item in take("payments"):
        collections["payments"][item["id"]] = _payment(item, collections["encounters"])
    for item in take("users"):
        collections["users"][item["username"]] = _user(item)
    del formulary  # the formulary stays on the scenario; orders only name the code
    return collections


def allergy_entry(item) -> dict:
    if isinstance(item, str):
        return {"substance": item, "reaction": None, "severity": None}
    return {
        "substance": item["substance"],
        "reaction": item.get("reaction"),
        "severity": item.get("severity"),
    }


def _patient(item: dict) -> dict:
    return {
        "id": item["id"],
        "name": item["name"],
        "dob": item["dob"],
        "sex": item["sex"],
        "allergies": [allergy_entry(a) for a in item.get("allergies") or []],
        "insurance": clone(item.get("insurance")),
        "wristband": item.get("wristband") or "WB" + item["id"],
    }


def _encounter(item: dict) -> dict:
    return {
        "id": item["id"],
        "patient": item["patient"],
        "kind": item["kind"],
        "department": item["department"],
        "bed": item.get("bed"),
        "status": item.get("status") or "open",
    }


def _bed(item: dict, encounters: dict) -> dict:
    occupant = next(
        (
            e["patient"]
            for e in encounters.values()
            if e["bed"] == item["id"] and e["status"] == "open"
        ),
        None,
    )
    return {
        "id": item["id"],
        "department": item["department"],
        "label": item.get("label") or item["id"],
        "patient": occupant,
    }


def _order(item: dict, encounters: dict) -> dict:
    status = item.get("status") or "signed"
    return {
        "id": item["id"],
        "encounter": item["encounter"],
        "patient": encounters[item["encounter"]]["patient"],
        "kind": item["kind"],
        "drug": item.get("drug"),
        "test": item.get("test"),
        "dose": item.get("dose"),
        "unit": item.get("unit"),
        "route": item.get("route"),
        "frequency": item.get("frequency"),
        "duration_days": item.get("duration_days"),
        "status": status,
        "order_set": item.get("order_set"),
        "reason": item.get("reason"),
        "created_seq": 0,
        "signed_seq": 0 if status in ("signed", "discontinued") else None,
    }


def _charge(item: dict, encounters: dict, prices: dict) -> dict:
    price = prices[item["code"]]
    quantity = item.get("quantity") or 1
    return {
        "id": item["id"],
        "encounter": item["encounter"],
        "patient": encounters[item["encounter"]]["patient"],
        "code": item["code"],
        "name": clone(price["name"]),
        "quantity": quantity,
        "unit_price": money(price["price"]),
        "amount": money(price["price"] * quantity),
        "status": item.get("status") or "open",
    }


def _payment(item: dict, encounters: dict) -> dict:
    total = money(item["total"])
    insurance = money(item.get("insurance_share") or 0)
    share = money(item["patient_share"]) if "patient_share" in item else money(total - insurance)
    return {
        "id": item["id"],
        "encounter": item["encounter"],
        "patient": encounters[item["encounter"]]["patient"],
        "total": total,
        "insurance_share": insurance,
        "patient_share": share,
        "method": item["method"],
        "amount": money(item["amount"]) if "amount" in item else share,
        "change": money(item.get("change") or 0),
        "charges": list(item.get("charges") or []),
        "refunded": money(item.get("refunded") or 0),
    }


def _user(item: dict) -> dict:
    return {
        "id": item["username"],
        "username": item["username"],
        "name": item["name"],
        "department": item.get("department"),
        "roles": list(item.get("roles") or []),
        "active": item.get("active", True),
        "must_change_password": item.get("must_change_password", False),
        "password_resets": 0,
        "disabled_reason": None,
    }
