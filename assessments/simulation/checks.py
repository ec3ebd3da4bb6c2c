"""Matchers and the check types.

A matcher is a plain value (equals) or an object with exactly one operator. Matchers and checks
are compiled once per scenario (see grading.evaluators) into plain functions; a compiled check
takes the state and returns (passed, why), `why` being one translated sentence.
"""

from .messages import gettext_noop, say
from .state import COLLECTIONS
from .util import fmt, number
from .vocabulary import action_label

CHECK_COLLECTIONS = COLLECTIONS
OPERATORS = ("eq", "ne", "in", "not_in", "contains", "not_contains", "gte", "lte", "empty")
LIST_OPERATORS = ("in", "not_in")
NUMBER_OPERATORS = ("gte", "lte")

NOUNS = {
    "patients": gettext_noop("patient"),
    "encounters": gettext_noop("encounter"),
    "orders": gettext_noop("order"),
    "alerts": gettext_noop("alert"),
    "administrations": gettext_noop("administration"),
    "vitals": gettext_noop("vital signs record"),
    "charges": gettext_noop("charge"),
    "payments": gettext_noop("payment"),
    "refunds": gettext_noop("refund"),
    "users": gettext_noop("user"),
    "beds": gettext_noop("bed"),
}

PHRASES = {
    "eq": gettext_noop("%(field)s = %(value)s"),
    "ne": gettext_noop("%(field)s ≠ %(value)s"),
    "in": gettext_noop("%(field)s in %(value)s"),
    "not_in": gettext_noop("%(field)s not in %(value)s"),
    "contains": gettext_noop("%(field)s contains %(value)s"),
    "not_contains": gettext_noop("%(field)s does not contain %(value)s"),
    "gte": gettext_noop("%(field)s ≥ %(value)s"),
    "lte": gettext_noop("%(field)s ≤ %(value)s"),
    "empty": gettext_noop("%(field)s is empty"),
    "not_empty": gettext_noop("%(field)s is not empty"),
}


# ---------------------------------------------------------------------------------------------
# Matchers


def matcher_problem(matcher) -> str | None:
    """Why a matcher is malformed (a translated sentence), or None when it is fine."""
    if not isinstance(matcher, dict):
        return None
    if len(matcher) != 1:
        return say(
            gettext_noop("A matcher object takes exactly one operator (one of: %(choices)s)."),
            choices=", ".join(OPERATORS),
        )
    ((operator, operand),) = matcher.items()
    if operator not in OPERATORS:
        return say(
            gettext_noop('Unknown matcher operator "%(operator)s"; expected one of: %(choices)s.'),
            operator=operator,
            choices=", ".join(OPERATORS),
        )
    if operator in LIST_OPERATORS and not isinstance(operand, list):
        return say(gettext_noop("The %(operator)s operator takes a list."), operator=operator)
    if operator in NUMBER_OPERATORS and number(operand) is None:
        return say(gettext_noop("The %(operator)s operator takes a number."), operator=operator)
    if operator == "empty" and not isinstance(operand, bool):
        return say(gettext_noop("The empty operator takes true or false."))
    return None


def same(a, b) -> bool:
    """Equality where booleans are not numbers (True does not equal 1)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def _folded(value):
    return value.casefold() if isinstance(value, str) else value


def _contains(value, operand) -> bool:
    if isinstance(value, list):
        wanted = _folded(operand)
        return any(same(_folded(item), wanted) for item in value)
    if isinstance(value, str) and isinstance(operand, str):
        return operand.casefold() in value.casefold()
    return False


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _at_least(value, limit) -> bool:
    value = number(value)
    return value is not None and value >= limit


def _at_most(value, limit) -> bool:
    value = number(value)
    return value is not None and value <= limit


def matcher_compile(matcher):
    """A predicate value -> bool for a (validated) matcher."""
    if not isinstance(matcher, dict):
        return lambda value: same(value, matcher)
    ((operator, operand),) = matcher.items()
    if operator == "eq":
        return lambda value: same(value, operand)
    if operator == "ne":
        return lambda value: not same(value, operand)
    if operator == "in":
        return lambda value: any(same(value, item) for item in operand)
    if operator == "not_in":
        return lambda value: not any(same(value, item) for item in operand)
    if operator == "contains":
        return lambda value: _contains(value, operand)
    if operator == "not_contains":
        return lambda value: not _contains(value, operand)
    if operator in NUMBER_OPERATORS:
        limit = number(operand)
        test = _at_least if operator == "gte" else _at_most
        return lambda value: test(value, limit)
    return lambda value: _empty(value) == operand  # empty


def getter(path: str):
    """A function entity -> value for a dotted field path (missing parts give None)."""
    parts = path.split(".")
    if len(parts) == 1:
        return lambda entity: entity.get(path)

    def get(entity):
        for part in parts:
            if not isinstance(entity, dict):
                return None
            entity = entity.get(part)
        return entity

    return get


def where_compile(where: dict | None):
    """A predicate entity -> bool: every field of `where` matches."""
    tests = [(getter(path), matcher_compile(matcher)) for path, matcher in (where or {}).items()]
    if not tests:
        return lambda entity: True
    return lambda entity: all(test(get(entity)) for get, test in tests)


def describe(field: str, matcher) -> str:
    if not isinstance(matcher, dict):
        return say(PHRASES["eq"], field=field, value=fmt(matcher))
    ((operator, operand),) = matcher.items()
    if operator == "empty":
        return say(PHRASES["empty" if operand else "not_empty"], field=field)
    return say(PHRASES[operator], field=field, value=fmt(operand))


def describe_where(where: dict | None) -> str:
    return ", ".join(describe(field, matcher) for field, matcher in (where or {}).items())


def _ids(ids: list) -> str:
    shown = ", ".join(ids[:5])
    return shown + (", …" if len(ids) > 5 else "")


# ---------------------------------------------------------------------------------------------
# Entity checks: exists, not_exists, count, field, alert


def _matching(collection: str, where):
    test = where_compile(where)

    def ids(state):
        return [key for key, entity in state.collection(collection).items() if test(entity)]

    return ids


def _none_found(collection, where) -> str:
    noun = say(NOUNS[collection])
    if not where:
        return say(gettext_noop("There is no %(noun)s."), noun=noun)
    return say(
        gettext_noop("No %(noun)s matches %(where)s."), noun=noun, where=describe_where(where)
    )


def _found(ids) -> str:
    return say(gettext_noop("Found %(count)s: %(ids)s."), count=len(ids), ids=_ids(ids))


def check_exists(spec):
    collection, where = spec["collection"], spec.get("where")
    matching = _matching(collection, where)

    def evaluate(state):
        ids = matching(state)
        return (True, _found(ids)) if ids else (False, _none_found(collection, where))

    return evaluate


def check_not_exists(spec):
    exists = check_exists(spec)

    def evaluate(state):
        found, why = exists(state)
        return not found, why

    return evaluate


def _count_expected(spec) -> str:
    if "equals" in spec:
        return say(gettext_noop("exactly %(n)s"), n=spec["equals"])
    if "min" in spec and "max" in spec:
        return say(gettext_noop("%(min)s to %(max)s"), min=spec["min"], max=spec["max"])
    if "min" in spec:
        return say(gettext_noop("at least %(n)s"), n=spec["min"])
    return say(gettext_noop("at most %(n)s"), n=spec["max"])


def check_count(spec):
    matching = _matching(spec["collection"], spec.get("where"))
    equals, low, high = spec.get("equals"), spec.get("min"), spec.get("max")

    def evaluate(state):
        ids = matching(state)
        n = len(ids)
        passed = (
            (equals is None or n == equals)
            and (low is None or n >= low)
            and (high is None or n <= high)
        )
        why = say(
            gettext_noop("Found %(count)s (expected %(expected)s): %(ids)s."),
            count=n,
            expected=_count_expected(spec),
            ids=_ids(ids) or "-",
        )
        return passed, why

    return evaluate


def check_field(spec):
    collection, entity_id, path, matcher = (
        spec["collection"],
        spec["entity"],
        spec["field"],
        spec["value"],
    )
    get, test = getter(path), matcher_compile(matcher)

    def evaluate(state):
        entity = state.collection(collection).get(entity_id)
        noun = say(NOUNS[collection])
        if entity is None:
            return False, say(gettext_noop("There is no %(noun)s %(id)s."), noun=noun, id=entity_id)
        value = get(entity)
        params = {"noun": noun, "id": entity_id, "field": path, "value": fmt(value)}
        if test(value):
            return True, say(gettext_noop("%(noun)s %(id)s: %(field)s is %(value)s."), **params)
        expected = describe(path, matcher)
        return False, say(
            gettext_noop("%(noun)s %(id)s: %(field)s is %(value)s; expected %(expected)s."),
            expected=expected,
            **params,
        )

    return evaluate


STATUS_WORDS = {
    "pending": gettext_noop("pending"),
    "overridden": gettext_noop("overridden"),
    "accepted": gettext_noop("accepted"),
}


def check_alert(spec):
    where, handled, reason_min = spec.get("where"), spec["handled"], spec.get("reason_min", 0)
    matching = _matching("alerts", where)

    def evaluate(state):
        ids = matching(state)
        if not ids:
            return False, _none_found("alerts", where)
        for alert_id in ids:
            problem = _alert_problem(state.alerts[alert_id], handled, reason_min)
            if problem:
                return False, problem
        return True, say(
            gettext_noop("Alert %(ids)s: %(status)s, as expected."),
            ids=_ids(ids),
            status=say(STATUS_WORDS[handled]),
        )

    return evaluate


def _alert_problem(alert, handled, reason_min) -> str | None:
    if alert["status"] != handled:
        return say(
            gettext_noop("Alert %(id)s is %(status)s; expected %(expected)s."),
            id=alert["id"],
            status=say(STATUS_WORDS.get(alert["status"], alert["status"])),
            expected=say(STATUS_WORDS[handled]),
        )
    length = len((alert.get("reason") or "").strip())
    if handled == "overridden" and length < reason_min:
        return say(
            gettext_noop(
                "Alert %(id)s was overridden with a reason of %(length)s characters; at least "
                "%(min)s expected."
            ),
            id=alert["id"],
            length=length,
            min=reason_min,
        )
    return None


# ---------------------------------------------------------------------------------------------
# Log checks: action, within, errors


def action_compile(spec: dict):
    """A predicate log entry -> bool for an action matcher {type, ...param matchers}."""
    kind = spec["type"]
    test = where_compile({key: value for key, value in spec.items() if key != "type"})
    return lambda entry: entry.get("type") == kind and test(entry)


def describe_action(spec: dict) -> str:
    """The action as a person reads it: its label ("Record administration") and matchers."""
    params = describe_where({key: value for key, value in spec.items() if key != "type"})
    label = action_label(spec["type"])
    return f"{label} ({params})" if params else label


def _first(log, test, include_refused):
    """(position in the log, entry) of the first match, or (None, None). Order is decided by
    position, not by seq, so a caller's odd seq numbers cannot reorder the log."""
    for position, entry in enumerate(log):
        if (include_refused or entry.get("error") is None) and test(entry):
            return position, entry
    return None, None


def check_action(spec):
    matches, label = action_compile(spec["action"]), describe_action(spec["action"])
    occurred, refused = spec.get("occurred", True), spec.get("include_refused", False)
    before = spec.get("before")
    if before is None:
        return _check_occurred(matches, label, occurred, refused)
    return _check_order(
        matches, label, occurred, refused, action_compile(before), describe_action(before)
    )


def _at(label, entry) -> str:
    return say(gettext_noop("%(action)s occurred at #%(seq)s."), action=label, seq=entry["seq"])


def _never(label) -> str:
    return say(gettext_noop("%(action)s never occurred."), action=label)


def _check_occurred(matches, label, occurred, refused):
    def evaluate(state):
        _position, entry = _first(state.log, matches, refused)
        if entry is None:
            return not occurred, _never(label)
        return occurred, _at(label, entry)

    return evaluate


def _check_order(matches, label, occurred, refused, before_matches, before_label):
    """occurred: the first match comes before the first `before` match, which must occur.
    occurred false: no match comes before the first `before` match (or at all, without one)."""

    def evaluate(state):
        at, first = _first(state.log, matches, refused)
        limit_at, limit = _first(state.log, before_matches, refused)
        early = first is not None and (limit is None or at < limit_at)
        if not occurred:
            return not early, _order_why(label, first, before_label, limit, early)
        return early and limit is not None, _order_why(label, first, before_label, limit, early)

    return evaluate


def _order_why(label, first, before_label, limit, early) -> str:
    if first is None:
        return _never(label)
    if limit is None:
        return say(
            gettext_noop("%(action)s occurred at #%(seq)s; %(before)s never occurred."),
            action=label,
            seq=first["seq"],
            before=before_label,
        )
    if early:
        return say(
            gettext_noop("%(action)s occurred at #%(seq)s, before %(before)s at #%(before_seq)s."),
            action=label,
            seq=first["seq"],
            before=before_label,
            before_seq=limit["seq"],
        )
    return say(
        gettext_noop(
            "%(before)s occurred at #%(before_seq)s, %(action)s first occurred at #%(seq)s."
        ),
        action=label,
        seq=first["seq"],
        before=before_label,
        before_seq=limit["seq"],
    )


def check_within(spec):
    seconds, action = spec["seconds"], spec.get("action")
    matches = action_compile(action) if action else None
    label = describe_action(action) if action else None

    def evaluate(state):
        if matches is None:
            entry = state.log[-1] if state.log else None
            if entry is None:
                return False, say(gettext_noop("No action was logged."))
            shown = say(gettext_noop("The last action (%(type)s)"), type=fmt(entry.get("type")))
        else:
            _position, entry = _first(state.log, matches, False)
            if entry is None:
                return False, _never(label)
            shown = label
        params = {"action": shown, "t": fmt(entry["t"]), "seconds": fmt(seconds)}
        if entry["t"] <= seconds:
            return True, say(gettext_noop("%(action)s at %(t)s s, within %(seconds)s s."), **params)
        return False, say(
            gettext_noop("%(action)s at %(t)s s, after the %(seconds)s s allowed."), **params
        )

    return evaluate


def check_errors(spec):
    limit = spec["max"]

    def evaluate(state):
        params = {"count": len(state.errors), "max": limit}
        if len(state.errors) <= limit:
            return True, say(
                gettext_noop("%(count)s refused action(s); at most %(max)s allowed."), **params
            )
        return False, say(
            gettext_noop("%(count)s refused action(s); more than the %(max)s allowed."), **params
        )

    return evaluate


CHECK_TYPES = {
    "exists": check_exists,
    "not_exists": check_not_exists,
    "count": check_count,
    "field": check_field,
    "action": check_action,
    "alert": check_alert,
    "within": check_within,
    "errors": check_errors,
}


def check_compile(spec: dict):
    return CHECK_TYPES[spec["type"]](spec)
