"""Replay: the attempt step by step, for the trainer's timeline.

Step 0 is the initial state; its `satisfied` lists the checks that already pass there (as if
compared with nothing passing), so the passing set at any step is the running union of
`satisfied` minus `broken`. States are snapshots (as_dict copies): later steps never change
earlier ones.
"""

from dataclasses import dataclass, field

from .actions import action_apply
from .grading import passing_keys
from .state import state_initial
from .util import clone


@dataclass
class Step:
    seq: int
    t: float
    action: dict | None
    error: str | None
    state: dict
    satisfied: list
    broken: list
    passing: list = field(default_factory=list, repr=False)  # all passing keys after this step

    def to_dict(self) -> dict:
        return {
            "seq": self.seq,
            "t": self.t,
            "action": clone(self.action),
            "error": self.error,
            "state": clone(self.state),
            "satisfied": list(self.satisfied),
            "broken": list(self.broken),
        }


def replay(scenario, actions, today=None) -> list:
    """[Step] for the initial state and after each action (on the HIS date `today`, see
    State.today). Never raises for a list of dicts."""
    state = state_initial(scenario, today)
    passing = passing_keys(scenario, state)
    steps = [Step(0, 0.0, None, None, state.as_dict(), list(passing), [], list(passing))]
    for action in actions or ():
        error = action_apply(state, scenario, action)
        entry = {key: value for key, value in state.log[-1].items() if key != "error"}
        now = passing_keys(scenario, state)
        before, after = set(passing), set(now)
        steps.append(
            Step(
                seq=entry["seq"],
                t=entry["t"],
                action=clone(entry),
                error=error,
                state=state.as_dict(),
                satisfied=[key for key in now if key not in before],
                broken=[key for key in passing if key not in after],
                passing=now,
            )
        )
        passing = now
    return steps
