"""The SQL twin of the ssin rule (persistence/register_bulk.py) against models/ssin.py."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from raas.models.ssin import is_valid, make_ssin
from raas.persistence.register_bulk import VALID_SSIN

_CHECK = text(
    "SELECT s, " + VALID_SSIN.format(s="s") + " FROM unnest(CAST(:ssins AS text[])) AS s"
)

valid = st.builds(
    lambda year, month, day, sequence, offset: make_ssin(
        year, month, day, sequence, month_offset=offset
    ),
    st.integers(1900, date.today().year),
    st.integers(0, 12),
    st.integers(0, 31),
    st.integers(1, 998),
    st.sampled_from([0, 20, 40]),
)


def _one_digit_changed(ssin: str, position: int, digit: int) -> str:
    return ssin[:position] + str(digit) + ssin[position + 1 :]


@settings(max_examples=50)
@given(
    st.lists(
        st.one_of(
            valid,
            st.text("0123456789", min_size=11, max_size=11),
            st.builds(_one_digit_changed, valid, st.integers(0, 10), st.integers(0, 9)),
            st.text("0123456789a ", max_size=12),
        ),
        min_size=1,
        max_size=200,
    )
)
def test_the_sql_ssin_rule_is_the_models(session_engine: Engine, ssins: list[str]) -> None:
    with session_engine.connect() as conn:
        answers = dict(
            conn.execute(_CHECK, {"ssins": ssins, "year": date.today().year}).all()
        )
    assert {s: is_valid(s) for s in ssins} == answers
