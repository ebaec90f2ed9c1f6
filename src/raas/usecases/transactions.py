"""Running a use case's transaction again when it lost a race to a concurrent one."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from raas.models.errors import TransientConflict

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., object])
ATTEMPTS = 5


def retrying(work: Callable[[], T]) -> T:
    """Run a transaction again when it lost a race (deadlock or serialization failure)."""
    for _ in range(ATTEMPTS - 1):
        try:
            return work()
        except TransientConflict:
            continue
    return work()


def retried(use_case: F) -> F:
    """A use case of one transaction, run again (whole) when it lost a race: two writers of one
    key can deadlock while PostgreSQL checks an exclusion or unique constraint, and the loser,
    run again, meets the other's committed row - the business conflict the caller must get,
    never MSG00003. Only for use cases whose one unit of work is their only effect."""

    @functools.wraps(use_case)
    def run(*args: object, **kwargs: object) -> object:
        return retrying(lambda: use_case(*args, **kwargs))

    return run  # type: ignore[return-value]
