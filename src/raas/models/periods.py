"""Periods of days and the algebra of a register key's lines: merge, subtract, overlap.

A period runs from `begin` to `end`, both inclusive; `end` None means open-ended. A set of lines
is kept normalised: sorted, and no two periods overlap or touch (end + 1 day = next begin).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from raas.models.errors import InvalidData

DAY = timedelta(days=1)


@dataclass(frozen=True)
class Period:
    begin: date
    end: date | None = None

    def __post_init__(self) -> None:
        if self.end is not None and self.end < self.begin:
            raise InvalidData(
                "endDate is before beginDate",
                beginDate=self.begin.isoformat(),
                endDate=self.end.isoformat(),
            )

    @classmethod
    def of(cls, begin: date, end: date | None) -> Period:
        """The period a client sent; 9999-12-31, the usual "no end" date, is open-ended."""
        return cls(begin, None if end == date.max else end)

    def overlaps(self, other: Period) -> bool:
        """True when the two periods share at least one day."""
        return _before_or_on(self.begin, other.end) and _before_or_on(other.begin, self.end)

    def touches_or_overlaps(self, other: Period) -> bool:
        """True when the two periods share a day or one begins the day after the other ends."""
        return _before_or_on(self.begin, _next(other.end)) and _before_or_on(
            other.begin, _next(self.end)
        )


def merge(periods: Iterable[Period]) -> list[Period]:
    """The normalised lines covering exactly the days of `periods`."""
    merged: list[Period] = []
    for period in sorted(periods, key=lambda p: p.begin):
        if merged and merged[-1].touches_or_overlaps(period):
            last = merged[-1]
            merged[-1] = Period(last.begin, _later_end(last.end, period.end))
        else:
            merged.append(period)
    return merged


def subtract(periods: Iterable[Period], cut: Period) -> list[Period]:
    """The lines with every day of `cut` removed (a line may split in two)."""
    left: list[Period] = []
    for period in merge(periods):
        if not period.overlaps(cut):
            left.append(period)
            continue
        if period.begin < cut.begin:
            left.append(Period(period.begin, cut.begin - DAY))
        if cut.end is not None and (period.end is None or period.end > cut.end):
            left.append(Period(cut.end + DAY, period.end))
    return left


def overlapping(periods: Iterable[Period], window: Period) -> list[Period]:
    """The periods sharing at least one day with `window`, whole (not clipped)."""
    return [p for p in periods if p.overlaps(window)]


def _before_or_on(day: date, end: date | None) -> bool:
    return end is None or day <= end


def _next(end: date | None) -> date | None:
    return None if end is None or end == date.max else end + DAY


def _later_end(a: date | None, b: date | None) -> date | None:
    return None if a is None or b is None else max(a, b)
