"""Where departments' go-live dates come from, without org (or courses) importing the app that
owns them: readiness registers a provider at start-up (its rollout waves). Apps depend
downwards along the flow, so this registry is the seam."""

from collections.abc import Callable
from datetime import date

# Returns {department id: go-live date} for the departments that are directly in a wave
# (sub-departments inherit: callers resolve the tree). None until an app registers one.
GO_LIVE_DATES: Callable[[], dict[int, date]] | None = None


def department_go_live_dates() -> dict[int, date]:
    """The go-live dates of the departments that have one of their own (empty without a
    provider)."""
    if GO_LIVE_DATES is None:
        return {}
    return dict(GO_LIVE_DATES())
