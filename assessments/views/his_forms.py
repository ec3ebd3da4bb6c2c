"""The simulated HIS's forms as actions: every form of the HIS screens posts its action's type
and its parameters under their own names (`type=order_sign&order=O1`), and `action_from_post`
turns those fields back into the action dict the engine reads.

Validation here is plain form validation (a number field must hold a number); everything the
HIS itself decides (is the dose allowed, is the reason long enough, is this the right patient)
is the engine's, so a refusal is recorded in the attempt's log and counts in the result.
`post_fields` is the inverse, for a button that resubmits an action ("give anyway").
"""

from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..simulation import ACTION_LABELS as ENGINE_LABELS
from ..simulation import ACTION_PARAMS, payment_shares

# The form fields each action's form posts: the engine's parameters, but for the structured
# ones (insurance, allergies: fields of their own, see _insurance and _allergies) and the flags.
STRUCTURED = {"insurance", "allergies"}
FLAGS = {"override_warning"}
PARAMS: dict[str, tuple[str, ...]] = {
    kind: tuple(name for name in names if name not in STRUCTURED | FLAGS)
    for kind, names in ACTION_PARAMS.items()
}

NUMBERS = {
    "dose",
    "duration_days",
    "quantity",
    "amount",
    "temperature",
    "pulse",
    "resp_rate",
    "bp_systolic",
    "bp_diastolic",
    "spo2",
    "pain",
    "coverage_percent",
}
# Optional parameters: an empty field leaves them out (the HIS then applies its default).
OPTIONAL = {"bed", "drug", "test", "reason", "dose", "route", "duration_days", "pain", "quantity"}
# patient_update changes only the fields given.
UPDATE_OPTIONAL = {"name", "dob", "sex"}
# Texts a real HIS would keep exactly as typed (a reason, a name); others are codes and ids.
FREE_TEXT = {"reason", "name", "query"}


class FormInvalid(ValueError):
    """The form cannot become an action (nothing is recorded); the message is for the user."""


@dataclass
class Lookups:
    """What a form needs from the scenario to name its action: the kind of each test (a test
    order names only the test) and the barcodes on wristbands and drugs (a scan names only the
    barcode; the scanner does not know what it reads)."""

    test_kinds: dict[str, str] = field(default_factory=dict)
    wristbands: set[str] = field(default_factory=set)
    drug_barcodes: set[str] = field(default_factory=set)
    patient_scanned: bool = False


def _number(raw: str, name: str):
    text = raw.strip().replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        raise FormInvalid(
            _("“%(field)s” must be a number (you typed “%(value)s”).")
            % {"field": name, "value": raw}
        ) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise FormInvalid(_("“%(field)s” must be a number.") % {"field": name})
    return int(value) if value.is_integer() and "." not in text and "e" not in text else value


def _value(name: str, raw: str):
    if name in NUMBERS:
        return _number(raw, name)
    return raw if name in FREE_TEXT else raw.strip()


def _scan_type(barcode: str, lookups: Lookups) -> str:
    """One barcode field, as on a BCMA screen: what the code is decides the scan. An unknown
    code is read as the step due (wristband first, then the drug) so the HIS refuses it."""
    if barcode in lookups.wristbands:
        return "scan_wristband"
    if barcode in lookups.drug_barcodes:
        return "scan_drug"
    return "scan_drug" if lookups.patient_scanned else "scan_wristband"


def _insurance(post) -> dict | None:
    scheme = post.get("insurance_scheme", "").strip()
    if not scheme:
        return None
    coverage = post.get("insurance_coverage_percent", "")
    return {
        "scheme": scheme,
        "number": post.get("insurance_number", "").strip(),
        "coverage_percent": _number(coverage, "coverage_percent") if coverage.strip() else 0,
    }


def _allergies(post) -> list[dict]:
    substances = post.getlist("allergy_substance")
    reactions = post.getlist("allergy_reaction")
    severities = post.getlist("allergy_severity")
    allergies = []
    for i, substance in enumerate(substances):
        if not substance.strip():
            continue
        allergy = {"substance": substance.strip()}
        if i < len(reactions) and reactions[i].strip():
            allergy["reaction"] = reactions[i].strip()
        if i < len(severities) and severities[i].strip():
            allergy["severity"] = severities[i].strip()
        allergies.append(allergy)
    return allergies


def action_from_post(post, lookups: Lookups | None = None) -> dict:
    """The action a HIS form posted (`post`: a QueryDict or a dict of strings)."""
    lookups = lookups or Lookups()
    kind = (post.get("type") or "").strip()
    if kind == "scan":
        barcode = (post.get("barcode") or "").strip()
        if not barcode:
            raise FormInvalid(_("Scan or type a barcode first."))
        return {"type": _scan_type(barcode, lookups), "barcode": barcode}
    if kind not in PARAMS:
        raise FormInvalid(_("This form is not part of the HIS. Reload the page."))
    action: dict = {"type": kind}
    for name in PARAMS[kind]:
        raw = post.get(name)
        optional = name in OPTIONAL or (kind == "patient_update" and name in UPDATE_OPTIONAL)
        if raw is None or (raw.strip() == "" and optional):
            continue
        action[name] = _value(name, raw)
    for name in FLAGS:
        if post.get(name) in ("1", "true", "on"):
            action[name] = True
    if kind == "order_create" and action.get("test") and "kind" not in action:
        action["kind"] = lookups.test_kinds.get(action["test"], "lab")
    if kind == "patient_register" or (kind == "patient_update" and "insurance_scheme" in post):
        action["insurance"] = _insurance(post)
    if kind in ("patient_register", "patient_update"):
        allergies = _allergies(post)
        if allergies:
            action["allergies"] = allergies
    return action


def post_fields(action: dict) -> list[tuple[str, str]]:
    """The form fields that post `action` again (hidden inputs of a resubmit button)."""
    fields = [("type", str(action.get("type", "")))]
    for name in PARAMS.get(action.get("type"), ()):
        if action.get(name) is not None:
            fields.append((name, str(action[name])))
    for name in FLAGS:
        if action.get(name):
            fields.append((name, "1"))
    return fields


# ---------------------------------------------------------------------------------------------
# What the screens show: the folded state and the scenario's reference data, as the templates
# read them (names instead of codes, the page's language, a patient's age, the MAR's rights).

# As the engine names them (translated when shown).
ACTION_LABELS = {kind: gettext_lazy(label) for kind, label in ENGINE_LABELS.items()}
FREQUENCIES = ("QD", "BID", "TID", "QID", "Q6H", "Q8H", "Q12H", "PRN", "STAT", "ONCE")
PAYMENT_METHODS = {
    "cash": gettext_lazy("Cash"),
    "card": gettext_lazy("Bank card"),
    "wechat": gettext_lazy("WeChat Pay"),
    "alipay": gettext_lazy("Alipay"),
}
ROLE_SCREENS = {
    "doctor": ("orders",),
    "nurse": ("mar", "vitals"),
    "cashier": ("registration", "billing"),
    "admin": ("users",),
}
SCREEN_LABELS = {
    "orders": gettext_lazy("Orders / e-prescribing"),
    "mar": gettext_lazy("Medication administration (MAR)"),
    "vitals": gettext_lazy("Vital signs"),
    "registration": gettext_lazy("Registration desk"),
    "billing": gettext_lazy("Billing / till"),
    "users": gettext_lazy("User console"),
}


def text(value, zh: bool) -> str:
    """A scenario text: {en, zh} in the page's language (English when there is no Chinese)."""
    if isinstance(value, dict):
        return str((zh and value.get("zh")) or value.get("en") or value.get("zh") or "")
    return "" if value is None else str(value)


def age_of(dob: str, today: date) -> int | None:
    try:
        born = date.fromisoformat(str(dob))
    except ValueError:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _by(rows, key="code") -> dict:
    return {row.get(key): row for row in rows or () if isinstance(row, dict)}


class Screens:
    """The view model of one HIS page: `state` is State.as_dict(), `initial` the scenario
    file's reference data (formulary, tests, price list, roles, departments)."""

    def __init__(self, definition: dict, state: dict, *, zh: bool, today: date):
        self.definition, self.state, self.zh, self.today = definition, state, zh, today
        initial = definition.get("initial") or {}
        self.formulary = _by(initial.get("formulary"))
        self.tests = _by(initial.get("tests"))
        self.order_sets = _by(initial.get("order_sets"))
        self.prices = _by(initial.get("price_list"))
        self.roles = _by(initial.get("roles"))
        self.departments = _by(initial.get("departments"))
        self.patients = state.get("patients") or {}
        self.encounters = state.get("encounters") or {}
        self.beds = state.get("beds") or {}
        self.current = self.patients.get(state.get("current_patient"))

    def lookups(self) -> Lookups:
        return Lookups(
            test_kinds={code: t.get("kind", "lab") for code, t in self.tests.items()},
            wristbands={p.get("wristband") for p in self.patients.values() if p.get("wristband")},
            drug_barcodes={d.get("barcode") for d in self.formulary.values() if d.get("barcode")},
            patient_scanned=bool(self.state.get("scanned_patient")),
        )

    # -- names ---------------------------------------------------------------------------

    def department_name(self, code) -> str:
        row = self.departments.get(code)
        return text(row.get("name"), self.zh) if row else str(code or "")

    def bed_label(self, bed_id) -> str:
        bed = self.beds.get(bed_id) or {}
        return str(bed.get("label") or bed_id or "")

    def drug_name(self, code) -> str:
        return text((self.formulary.get(code) or {}).get("name"), self.zh) or str(code or "")

    def test_name(self, code) -> str:
        return text((self.tests.get(code) or {}).get("name"), self.zh) or str(code or "")

    def his_department(self) -> str:
        """The examinee's department: theirs when the scenario lists their account (the
        administrator's scenarios do), else the scenario's first (the ward they work on)."""
        user = self.definition.get("user") or {}
        account = (self.state.get("users") or {}).get(user.get("username")) or {}
        code = user.get("department") or account.get("department")
        code = code or next(iter(self.departments), None)
        return self.department_name(code) if code else ""

    # -- patients ------------------------------------------------------------------------

    def encounter_view(self, e: dict) -> dict:
        return {
            **e,
            "department_name": self.department_name(e.get("department")),
            "bed_label": self.bed_label(e.get("bed")) if e.get("bed") else "",
        }

    def patient_view(self, p: dict) -> dict:
        encounters = [
            self.encounter_view(e) for e in self.encounters.values() if e.get("patient") == p["id"]
        ]
        open_ = [e for e in encounters if e.get("status") == "open"]
        return {
            **p,
            "age": age_of(p.get("dob"), self.today),
            "encounters": encounters,
            "open_encounters": open_,
            "where": open_[0] if open_ else None,
        }

    def worklist(self) -> list[dict]:
        return [self.patient_view(p) for p in self.patients.values()]

    def banner(self) -> dict | None:
        return self.patient_view(self.current) if self.current else None

    def search_results(self, log: list[dict]) -> tuple[str, list[dict]] | None:
        """The patients the last search found (a search changes no state, so the page reads
        its query from the log)."""
        query = next(
            (a.get("query") for a in reversed(log) if a.get("type") == "patient_search"), None
        )
        if query is None:
            return None
        needle = str(query).strip().lower()
        found = [
            self.patient_view(p)
            for p in self.patients.values()
            if needle
            and any(
                needle in str(v).lower()
                for v in (
                    p.get("name"),
                    p.get("id"),
                    p.get("dob"),
                    (p.get("insurance") or {}).get("number"),
                )
            )
        ]
        return str(query), found

    # -- the doctor's screen -------------------------------------------------------------

    def _mine(self, collection: str) -> list[dict]:
        if not self.current:
            return []
        rows = (self.state.get(collection) or {}).values()
        return [row for row in rows if row.get("patient") == self.current["id"]]

    def orders(self) -> list[dict]:
        alerts = self._mine("alerts")
        rows = []
        for order in self._mine("orders"):
            rows.append(
                {
                    **order,
                    "what": self.drug_name(order.get("drug"))
                    if order.get("kind") == "medication"
                    else self.test_name(order.get("test")),
                    "alerts": [a for a in alerts if a.get("order") == order["id"]],
                }
            )
        return rows

    def pending_alerts(self) -> list[dict]:
        orders = self.state.get("orders") or {}
        return [
            {
                **a,
                "drug_name": self.drug_name(a.get("drug")),
                "order_row": orders.get(a.get("order")) or {},
            }
            for a in self._mine("alerts")
            if a.get("status") == "pending"
        ]

    def formulary_view(self) -> list[dict]:
        return [{**d, "display": text(d.get("name"), self.zh)} for d in self.formulary.values()]

    def choices(self, key: str) -> list[str]:
        """Every unit (or route) of the formulary, once each, in the formulary's order."""
        seen: dict[str, None] = {}
        for d in self.formulary.values():
            seen.update(dict.fromkeys(d.get(key) or ()))
        return list(seen)

    def tests_by_kind(self) -> list[tuple[str, list[dict]]]:
        groups: dict[str, list[dict]] = {}
        for t in self.tests.values():
            groups.setdefault(t.get("kind", "lab"), []).append(
                {**t, "display": text(t.get("name"), self.zh)}
            )
        return sorted(groups.items())

    def order_sets_view(self) -> list[dict]:
        return [
            {
                **s,
                "display": text(s.get("name"), self.zh),
                "lines": [
                    self.drug_name(i.get("drug"))
                    if i.get("drug")
                    else self.test_name(i.get("test"))
                    for i in s.get("items") or ()
                ],
            }
            for s in self.order_sets.values()
        ]

    # -- the nurse's screen --------------------------------------------------------------

    def scanned(self) -> dict:
        patient = self.patients.get(self.state.get("scanned_patient"))
        drug_code = self.state.get("scanned_drug")
        return {
            "patient": patient,
            "drug": drug_code,
            "drug_name": self.drug_name(drug_code) if drug_code else "",
            "matches_chart": bool(patient and self.current and patient["id"] == self.current["id"]),
        }

    def mar(self) -> list[dict]:
        given = self._mine("administrations")
        scanned = self.state.get("scanned_patient")
        drug = self.state.get("scanned_drug")
        rows = []
        for order in self._mine("orders"):
            if order.get("kind") != "medication" or order.get("status") not in (
                "signed",
                "discontinued",
            ):
                continue
            rows.append(
                {
                    **order,
                    "what": self.drug_name(order.get("drug")),
                    "records": [g for g in given if g.get("order") == order["id"]],
                    "right_patient": bool(scanned) and scanned == order.get("patient"),
                    "right_drug": bool(drug) and drug == order.get("drug"),
                }
            )
        return rows

    def bedside(self) -> dict:
        """The simulated bedside: the wristbands on the ward and the packs on the drug trolley,
        with the barcodes a scanner would read."""
        return {
            "wristbands": [
                {**p, "where": self.patient_view(p)["where"]}
                for p in self.patients.values()
                if p.get("wristband")
            ],
            "packs": [
                {
                    "code": d.get("code"),
                    "name": text(d.get("name"), self.zh),
                    "barcode": d["barcode"],
                }
                for d in self.formulary.values()
                if d.get("barcode")
            ],
        }

    def vitals(self) -> list[dict]:
        return sorted(self._mine("vitals"), key=lambda v: v.get("seq") or 0, reverse=True)

    # -- the cashier's screen ------------------------------------------------------------

    def free_beds(self) -> list[dict]:
        return [
            {**b, "department_name": self.department_name(b.get("department"))}
            for b in self.beds.values()
            if not b.get("patient")
        ]

    def till(self) -> dict:
        charges = [
            {
                **c,
                "display": text(
                    c.get("name") or self.prices.get(c.get("code"), {}).get("name"), self.zh
                ),
            }
            for c in self._mine("charges")
        ]
        refunds = list((self.state.get("refunds") or {}).values())
        payments = [
            {
                **p,
                "method_label": PAYMENT_METHODS.get(p.get("method"), p.get("method")),
                "refunds": [r for r in refunds if r.get("payment") == p["id"]],
            }
            for p in self._mine("payments")
        ]
        coverage = ((self.current or {}).get("insurance") or {}).get("coverage_percent") or 0
        by_encounter = []
        for e in (self.banner() or {}).get("encounters", []):
            mine = [c for c in charges if c.get("encounter") == e["id"]]
            total, insurance, patient = payment_shares(
                [c.get("amount") or 0 for c in mine if c.get("status") == "open"], coverage
            )
            by_encounter.append(
                {
                    "encounter": e,
                    "charges": mine,
                    "total": total,
                    "insurance_share": insurance,
                    "patient_share": patient,
                    "payments": [p for p in payments if p.get("encounter") == e["id"]],
                }
            )
        return {"coverage": coverage, "encounters": by_encounter}

    def price_list(self) -> list[dict]:
        return [{**p, "display": text(p.get("name"), self.zh)} for p in self.prices.values()]

    # -- the administrator's screen ------------------------------------------------------

    def users(self) -> list[dict]:
        return [
            {
                **u,
                "department_name": self.department_name(u.get("department")),
                "missing_roles": [c for c in self.roles if c not in (u.get("roles") or ())],
            }
            for u in (self.state.get("users") or {}).values()
        ]

    def roles_view(self) -> list[dict]:
        return [{**r, "display": text(r.get("name"), self.zh)} for r in self.roles.values()]

    def departments_view(self) -> list[dict]:
        return [{"code": code, "display": self.department_name(code)} for code in self.departments]
