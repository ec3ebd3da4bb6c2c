"""Signals the organisation sends after commit, so that apps further along the flow (enrolment,
readiness) can react without org importing them.

- staff_changed(staff_ids=[...]): staff were created, or changed department, job role, shift,
  hire date or active state (roster import, admin edit).
- department_changed(department_ids=[...]): a department's go-live date or its place in the tree
  changed (its staff, and those of its sub-departments, may now owe other things by other dates).
"""

from django.dispatch import Signal

staff_changed = Signal()
department_changed = Signal()
