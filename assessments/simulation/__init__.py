"""The simulated HIS engine for practical exams (plain Python: no Django here).

The contract is var/SIMULATION_SPEC.md. Decisions where it is silent or ambiguous:

Scenario format
- The `field` check names the entity with `entity` (`id` is the check's own id).
- Department, order set, price list and role names may be a string or {en, zh}.
- YAML dates stay strings (dob: 1958-03-14 need not be quoted). A dob must be a real date,
  not after today.
- Supervisor PINs (string or integer) stay on the Scenario (`scenario.pins`), never in the
  state, so no screen can show them.
- Defaults: initial orders are signed (created_seq 0, signed_seq 0); users are active with
  must_change_password false; a bed's `patient` is derived from the open encounter in it;
  payments default insurance_share 0, patient_share total - insurance_share, amount
  patient_share, change 0, refunded 0; an allergy may be written as a plain string.
- Beyond references, validation refuses: an outpatient encounter with a bed, a bed of another
  department, two open encounters in one bed, a test of the wrong kind, a count check with
  none of equals/min/max, a check field its type does not take, a matcher object with more
  than one operator or an ill-typed operand (in/not_in a list, gte/lte a number, empty a bool).
- actions_parse also refuses unknown action types and a negative or non-numeric t.

Actions
- Numbers may be JSON numbers, Decimals or numeric strings ("25", as forms send them);
  booleans are never numbers; anything beyond +-1e12 is refused. A missing or invalid t is
  the previous t; a missing or non-integer seq is the log length + 1.
- order_create infers a missing kind from drug/test. One allergy alert per order (naming every
  matching allergy); one duplicate alert per other active order of the class. Class and
  allergen matching are case-insensitive.
- alert_accept cancels the order only while it is a draft; the order's other alerts stay.
- administer checks, in order: wristband scanned, drug scanned, wrong drug (no override),
  dose, route, wrong patient (override_warning). A held dose records dose/route null.
- order_discontinue and user_disable need a non-blank reason; holds, overrides and refunds
  need 5 characters. The examinee cannot disable their own account. patient_update with no
  field, or to a name + dob already registered, is refused.

Checks and results
- `action` with `before` and `occurred: false`: passes when no match comes before the first
  `before` match (or none at all when `before` never occurs). Order is by log position.
- `within` with an action matcher uses its first non-refused match; without one, the last
  logged action; no action at all fails.
- Scores round half up; the total is computed from the unrounded task scores.
  Result.state is the final State and Result.failed_checks the failed "task.check" keys
  (neither is in to_dict).
- replay step 0's `satisfied` lists the checks already passing in the initial state, so the
  passing set at a step is the running union of satisfied minus broken.
"""

from . import messages
from .actions import ACTIONS, action_apply, state_fold
from .grading import Result, grade
from .replay import Step, replay
from .scenario import (
    SCENARIO_SCHEMA,
    ActionsInvalid,
    Scenario,
    ScenarioInvalid,
    actions_parse,
    scenario_dump,
    scenario_load,
)
from .state import State, state_initial
from .util import payment_shares
from .vocabulary import ACTION_LABELS, ACTION_PARAMS, ALL_PARAMS, action_label

__all__ = [
    "ACTION_LABELS",
    "action_label",
    "payment_shares",
    "ACTION_PARAMS",
    "ALL_PARAMS",
    "ACTIONS",
    "SCENARIO_SCHEMA",
    "ActionsInvalid",
    "Result",
    "Scenario",
    "ScenarioInvalid",
    "State",
    "Step",
    "action_apply",
    "actions_parse",
    "grade",
    "messages",
    "replay",
    "scenario_dump",
    "scenario_load",
    "state_fold",
    "state_initial",
]
