"""Progress of long background jobs, for the progress bars on the pages that started them.

Kept in the cache (Redis in production, a file cache shared by web and worker otherwise) because
a job that applies everything in one transaction cannot make its progress visible in the database.
"""

from django.core.cache import cache

_TTL = 24 * 3600


def progress_set(key: str, *, done: int, total: int, state: str = "running") -> None:
    cache.set(f"progress:{key}", {"done": done, "total": total, "state": state}, _TTL)


def progress_get(key: str) -> dict:
    return cache.get(f"progress:{key}") or {"done": 0, "total": 0, "state": "waiting"}


class Progress:
    """Reports every `step` items, so a 50,000-row job does not write the cache 50,000 times."""

    def __init__(self, key: str | None, total: int, step: int = 250):
        self.key, self.total, self.step, self.done = key, total, step, 0
        if key:
            progress_set(key, done=0, total=total)

    def advance(self, count: int = 1) -> None:
        self.done += count
        if self.key and (self.done % self.step < count or self.done >= self.total):
            progress_set(self.key, done=min(self.done, self.total), total=self.total)

    def finish(self, state: str = "done") -> None:
        if self.key:
            progress_set(self.key, done=self.total, total=self.total, state=state)
