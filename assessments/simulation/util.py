"""Small helpers shared by the engine modules: copying JSON-like data, money, numbers."""

import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
LIMIT = 10**12


def clone(value):
    """A deep copy of JSON-like data (dicts, lists, scalars); much faster than copy.deepcopy.
    Tuples become lists and anything else is kept as is (the engine only stores JSON data)."""
    if isinstance(value, dict):
        return {key: clone(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [clone(item) for item in value]
    return value


def jsonable(value):
    """A JSON-serialisable copy of anything (for the log): odd keys and values become strings."""
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else str(value)
    return str(value)


def money(value) -> float:
    """Round to cents, half up, through Decimal (so 0.125 is 0.13, not float's 0.12)."""
    return float(Decimal(str(value)).quantize(CENT, ROUND_HALF_UP))


def payment_shares(amounts, coverage_percent) -> tuple[float, float, float]:
    """(total, insurance share, patient share) of charge amounts: what the till shows and what
    payment_take asks for, computed once so they never disagree by a cent."""
    total = money(sum(amounts))
    insurance = money(total * (coverage_percent or 0) / 100)
    return total, insurance, money(total - insurance)


def number(value):
    """A finite int/float from a number, a Decimal or a numeric string; None otherwise.
    Booleans are not numbers here (True would otherwise pass as 1), and neither is anything
    beyond +-1e12 (no HIS field needs it, and it keeps money and float maths from overflowing)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        parsed = value
    elif isinstance(value, Decimal | str):
        parsed = _decimal(value)
    else:
        return None
    if parsed is None or abs(parsed) > LIMIT or not math.isfinite(parsed):
        return None
    return parsed


def _decimal(value):
    try:
        parsed = Decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, ValueError):
        return None
    if not parsed.is_finite() or abs(parsed) > LIMIT:
        return None
    return int(parsed) if parsed == parsed.to_integral_value() else float(parsed)


def integer(value):
    """An int from an integral number (7, 7.0, "7"); None otherwise."""
    parsed = number(value)
    if parsed is None or parsed != int(parsed):
        return None
    return int(parsed)


def text(value):
    """A stripped string, or None when the value is not a string."""
    return value.strip() if isinstance(value, str) else None


def fmt(value) -> str:
    """A value as it appears in a sentence: 12 not 12.0, [a, b] for lists, null for None."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, list | tuple):
        return "[" + ", ".join(fmt(item) for item in value) + "]"
    return str(value)
