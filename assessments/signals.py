"""Signals assessments sends after commit, so apps further along the flow (seed users,
readiness) react without assessments importing them.

- status_changed(staff_ids=[...]): these people's certification status rows changed (status,
  dates, score or level), or rows were added or removed.
"""

from django.dispatch import Signal

status_changed = Signal()
