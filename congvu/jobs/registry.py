"""The job registry: `@job` records a function under a stable name; `enqueue` hands work to the backend.

Nothing here touches the database at import time, so any module (a `tasks.py`, a service) can import it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

DEFAULT_MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: Callable[..., None]
    every: timedelta | None = None  # periodic: run once per period (aligned to local midnight)
    max_attempts: int = DEFAULT_MAX_ATTEMPTS


_REGISTRY: dict[str, JobSpec] = {}


def job(name: str, *, every: timedelta | None = None, max_attempts: int = DEFAULT_MAX_ATTEMPTS):
    """Register `func` as the job `name`. Returns the function unchanged (still callable directly)."""
    if not name or len(name) > 100:
        raise ValueError("A job name is 1 to 100 characters, e.g. 'workflow.reminders'.")
    if every is not None and every < timedelta(seconds=1):
        raise ValueError("A periodic job runs at most once a second.")
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1.")

    def decorate(func: Callable[..., None]) -> Callable[..., None]:
        existing = _REGISTRY.get(name)
        if existing is not None and _qualname(existing.func) != _qualname(func):
            raise ValueError(f"Job name {name!r} is already used by {_qualname(existing.func)}.")
        _REGISTRY[name] = JobSpec(name=name, func=func, every=every, max_attempts=max_attempts)
        return func

    return decorate


def _qualname(func) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def get(name: str) -> JobSpec:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise LookupError(f"No job is registered as {name!r} (is it decorated with @job in a tasks.py?).") from None


def all_jobs() -> list[JobSpec]:
    return sorted(_REGISTRY.values(), key=lambda s: s.name)


def periodic_jobs() -> list[JobSpec]:
    return [s for s in all_jobs() if s.every is not None]


def unregister(name: str) -> None:
    """For tests that register throw-away jobs."""
    _REGISTRY.pop(name, None)


def check_kwargs(name: str, kwargs: dict) -> dict:
    """Jobs cross process boundaries: only JSON values, and what comes out is what the job will see."""
    try:
        return json.loads(json.dumps(kwargs, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"Arguments of job {name!r} must be JSON values: {exc}") from None


def enqueue(name: str, /, **kwargs) -> None:
    """Run job `name` with `kwargs` once the current transaction commits (at once outside a transaction).

    Inside a transaction that rolls back, nothing runs. The job must exist in the registry."""
    enqueue_many(name, [kwargs])


def enqueue_many(name: str, kwargs_list: Iterable[dict]) -> None:
    """`enqueue` for many argument sets at once (one INSERT on the database queue)."""
    from congvu.jobs import backends

    get(name)
    checked = [check_kwargs(name, kw) for kw in kwargs_list]
    if checked:
        backends.current().enqueue(name, checked)
