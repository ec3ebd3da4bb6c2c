"""Rollout waves for tests: put departments in a wave to give them a go-live date."""

import itertools
from datetime import date

from portal.readiness.models import Wave

_numbers = itertools.count(1)


def wave(departments=(), go_live: date = date(2026, 6, 1), **fields) -> Wave:
    """A wave (no criteria) holding `departments` (instances or ids), going live on `go_live`."""
    n = next(_numbers)
    fields.setdefault("name", f"Wave {n}")
    fields.setdefault("name_zh", f"第{n}批")
    created = Wave.objects.create(go_live_date=go_live, **fields)
    created.departments.set(departments)
    return created
