"""Watching the database pool's use (for the metrics), without the caller importing SQLAlchemy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, event

PoolReport = Callable[[int, int, int], None]  # size, checked out, overflow


def watch_pool(engine: Engine, report: PoolReport) -> None:
    """Call `report(size, checked_out, overflow)` now and after every checkout and checkin."""
    pool: Any = engine.pool

    def checked_out(*_: object) -> None:
        report(pool.size(), pool.checkedout(), pool.overflow())

    def checked_in(*_: object) -> None:
        # The checkin event comes before the pool takes the connection back.
        report(pool.size(), pool.checkedout() - 1, pool.overflow())

    event.listen(pool, "checkout", checked_out)
    event.listen(pool, "checkin", checked_in)
    checked_out()
