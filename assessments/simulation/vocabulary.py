"""The parameters each action takes, by action type: the vocabulary the HIS screens post, the
README documents and the tests draw random actions from. The handlers in actions.py read these
names (and `seq`, `t` from the log). Each action also has a label, as the HIS screens, the
replay and the checks' reasons name it."""

from .messages import gettext_noop, translate_text

_ORDER = (
    "encounter",
    "kind",
    "drug",
    "test",
    "dose",
    "unit",
    "route",
    "frequency",
    "duration_days",
)
_PATIENT = ("name", "dob", "sex", "insurance", "allergies")
_VITALS = (
    "patient",
    "temperature",
    "pulse",
    "resp_rate",
    "bp_systolic",
    "bp_diastolic",
    "spo2",
    "pain",
)

ACTION_PARAMS: dict[str, tuple[str, ...]] = {
    "patient_open": ("patient",),
    "patient_search": ("query",),
    "patient_register": _PATIENT,
    "patient_update": ("patient", *_PATIENT),
    "encounter_open": ("patient", "kind", "department", "bed"),
    "encounter_close": ("encounter",),
    "order_create": _ORDER,
    "order_set_apply": ("encounter", "order_set"),
    "alert_override": ("alert", "reason"),
    "alert_accept": ("alert",),
    "order_cancel": ("order",),
    "order_sign": ("order",),
    "order_discontinue": ("order", "reason"),
    "scan_wristband": ("barcode",),
    "scan_drug": ("barcode",),
    "administer": ("order", "outcome", "reason", "dose", "route", "override_warning"),
    "vitals_record": _VITALS,
    "charge_add": ("encounter", "code", "quantity"),
    "charge_remove": ("charge",),
    "payment_take": ("encounter", "method", "amount"),
    "refund": ("payment", "amount", "reason", "supervisor", "pin"),
    "user_create": ("username", "name", "department"),
    "role_assign": ("username", "role"),
    "role_remove": ("username", "role"),
    "password_reset": ("username",),
    "user_disable": ("username", "reason"),
    "user_enable": ("username",),
}
ALL_PARAMS = sorted({name for names in ACTION_PARAMS.values() for name in names})

ACTION_LABELS: dict[str, str] = {
    "patient_open": gettext_noop("Open chart"),
    "patient_search": gettext_noop("Search patients"),
    "patient_register": gettext_noop("Register patient"),
    "patient_update": gettext_noop("Update patient"),
    "encounter_open": gettext_noop("Open encounter"),
    "encounter_close": gettext_noop("Close encounter"),
    "order_create": gettext_noop("New order"),
    "order_set_apply": gettext_noop("Apply order set"),
    "alert_override": gettext_noop("Override alert"),
    "alert_accept": gettext_noop("Accept alert"),
    "order_cancel": gettext_noop("Cancel order"),
    "order_sign": gettext_noop("Sign order"),
    "order_discontinue": gettext_noop("Discontinue order"),
    "scan_wristband": gettext_noop("Scan wristband"),
    "scan_drug": gettext_noop("Scan medication"),
    "administer": gettext_noop("Record administration"),
    "vitals_record": gettext_noop("Record vital signs"),
    "charge_add": gettext_noop("Add charge"),
    "charge_remove": gettext_noop("Remove charge"),
    "payment_take": gettext_noop("Take payment"),
    "refund": gettext_noop("Refund"),
    "user_create": gettext_noop("Create user"),
    "role_assign": gettext_noop("Assign role"),
    "role_remove": gettext_noop("Remove role"),
    "password_reset": gettext_noop("Reset password"),
    "user_disable": gettext_noop("Disable user"),
    "user_enable": gettext_noop("Enable user"),
}


def action_label(kind) -> str:
    """The action's label in the active language (its type for an unknown one)."""
    label = ACTION_LABELS.get(kind) if isinstance(kind, str) else None
    return translate_text(label) if label else str(kind)
