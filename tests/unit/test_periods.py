"""The period algebra against a plain set-of-days model (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from raas.models.errors import InvalidData
from raas.models.periods import Period, merge, overlapping, subtract

ORIGIN = date(2024, 1, 1)
HORIZON = 120  # open-ended periods are modelled up to this many days after ORIGIN


@st.composite
def periods(draw) -> Period:  # type: ignore[no-untyped-def]
    begin = draw(st.integers(0, 90))
    length = draw(st.one_of(st.none(), st.integers(0, 20)))
    return Period(
        ORIGIN + timedelta(begin),
        None if length is None else ORIGIN + timedelta(begin + length),
    )


lists = st.lists(periods(), max_size=12)


def days(items: list[Period] | Period) -> set[int]:
    """The days covered, as offsets from ORIGIN (open ends run to HORIZON)."""
    result: set[int] = set()
    for p in items if isinstance(items, list) else [items]:
        end = HORIZON if p.end is None else (p.end - ORIGIN).days
        result.update(range((p.begin - ORIGIN).days, end + 1))
    return result


def assert_normalised(items: list[Period]) -> None:
    """Sorted, and no two periods overlap or touch; only the last may be open-ended."""
    for before, after in zip(items, items[1:], strict=False):
        assert before.end is not None
        assert before.end + timedelta(days=1) < after.begin


@given(lists)
def test_merge_covers_the_same_days_and_is_normalised(items: list[Period]) -> None:
    merged = merge(items)
    assert days(merged) == days(items)
    assert_normalised(merged)


@given(lists)
def test_merge_is_idempotent(items: list[Period]) -> None:
    assert merge(merge(items)) == merge(items)


@given(lists, st.randoms(use_true_random=False))
def test_merge_does_not_depend_on_order(items: list[Period], random) -> None:  # type: ignore[no-untyped-def]
    shuffled = list(items)
    random.shuffle(shuffled)
    assert merge(shuffled) == merge(items)


@given(lists, lists)
def test_merging_in_two_steps_equals_merging_at_once(a: list[Period], b: list[Period]) -> None:
    assert merge([*merge(a), *b]) == merge([*a, *b])


@given(lists, periods())
def test_subtract_removes_exactly_the_cut(items: list[Period], cut: Period) -> None:
    left = subtract(items, cut)
    assert days(left) == days(items) - days(cut)
    assert_normalised(left)


@given(lists, periods())
def test_overlapping_keeps_whole_periods_sharing_a_day(items: list[Period], window: Period) -> None:
    merged = merge(items)
    assert overlapping(merged, window) == [p for p in merged if days(p) & days(window)]


def test_touching_periods_merge_and_a_one_day_gap_does_not() -> None:
    january = Period(date(2024, 1, 1), date(2024, 1, 31))
    assert merge([january, Period(date(2024, 2, 1), date(2024, 2, 5))]) == [
        Period(date(2024, 1, 1), date(2024, 2, 5))
    ]
    gap = Period(date(2024, 2, 2), date(2024, 2, 5))
    assert merge([gap, january]) == [january, gap]


def test_subtract_splits_a_line_and_keeps_an_open_tail() -> None:
    assert subtract([Period(date(2024, 1, 1))], Period(date(2024, 3, 1), date(2024, 3, 31))) == [
        Period(date(2024, 1, 1), date(2024, 2, 29)),
        Period(date(2024, 4, 1)),
    ]


def test_an_end_before_the_begin_is_invalid_data() -> None:
    with pytest.raises(InvalidData) as error:
        Period(date(2024, 2, 1), date(2024, 1, 31))
    assert error.value.information == {"beginDate": "2024-02-01", "endDate": "2024-01-31"}


def test_the_last_day_of_the_calendar_is_open_ended() -> None:
    assert Period.of(date(2024, 1, 1), date.max) == Period(date(2024, 1, 1))
    # A period ending on the calendar's last day still merges with one touching it.
    assert merge(
        [Period(date(2024, 1, 1), date.max - timedelta(1)), Period(date.max, date.max)]
    ) == [Period(date(2024, 1, 1), date.max)]
