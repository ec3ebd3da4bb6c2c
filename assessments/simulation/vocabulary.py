"""The parameters each action takes, by action type: the vocabulary the HIS screens post, the
README documents and the tests draw random actions from. The handlers in actions.py read these
names (and `seq`, `t` from the log)."""

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
