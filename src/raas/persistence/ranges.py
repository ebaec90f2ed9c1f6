"""Periods (inclusive ends) as PostgreSQL date ranges, which store [begin, end + 1 day)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy.dialects.postgresql import Range

from raas.models.periods import DAY, Period


def to_range(period: Period) -> Range[date]:
    """The range of a period; PostgreSQL makes `[begin, end]` canonical as [begin, end + 1)."""
    return Range(period.begin, period.end, bounds="[]" if period.end else "[)")


def to_period(stored: Range[date]) -> Period:
    """The period of a canonical [begin, end + 1 day) range."""
    return Period(stored.lower, None if stored.upper is None else stored.upper - DAY)


def to_ranges(periods: Iterable[Period]) -> list[Range[date]]:
    return [to_range(p) for p in periods]


def to_periods(ranges: Iterable[Range[date]]) -> list[Period]:
    return [to_period(r) for r in ranges]
