"""Inscribe, InscribeBatch, Remove and Consult on the fakes: the checks, the replacement chains
and the algebra of lines as a client sees them (the SQL is tested in tests/integration)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from raas.models.errors import (
    CanceledSsin,
    CardNotKnown,
    DomainError,
    InvalidData,
    InvalidSsin,
    NotInscribed,
    PersonDataMismatch,
    UnknownSsin,
    UnknownTypeDossier,
)
from raas.models.inscriptions import PersonData
from raas.models.persons import Gender
from raas.models.users import User
from raas.usecases.register import InscribeItem, Outcome, consult, inscribe, inscribe_batch, remove
from tests.fakes import FakeDatabase
from tests.unit.usecases.people import (
    ACTIVE,
    ALICE,
    BOB,
    CANCELED,
    CARD,
    INVALID,
    OLD,
    OLDEST,
    UNKNOWN,
    world,
)

JAN = (date(2024, 1, 1), date(2024, 1, 31))
FEB = (date(2024, 2, 1), date(2024, 2, 29))
APR = (date(2024, 4, 1), date(2024, 4, 30))


def periods(outcome: Outcome) -> list[tuple[date, date | None]]:
    return [(line.period.begin, line.period.end) for line in outcome.lines]


def item(
    ssin: str = ACTIVE,
    days: tuple[date, date | None] = JAN,
    code: str = "FAMILY",
    person_data: PersonData | None = None,
    cards: tuple[str, ...] = (),
) -> InscribeItem:
    return InscribeItem(ssin, code, days[0], days[1], person_data, cards)


def lines_of(
    db: FakeDatabase, ssin: str = ACTIVE, caller: User = ALICE
) -> list[tuple[object, ...]]:
    found = consult(db, caller, ssin, None, None)
    return [(line.type_dossier, line.period.begin, line.period.end) for line in found.lines]


def test_an_inscription_is_consulted_back() -> None:
    db = world()
    outcome = inscribe(db, ALICE, item())
    assert periods(outcome) == [JAN]
    assert outcome.resolved is not None and not outcome.resolved.replaced
    assert lines_of(db) == [("FAMILY", *JAN)]


def test_touching_periods_become_one_line_and_separate_ones_stay_apart() -> None:
    db = world()
    inscribe(db, ALICE, item(days=JAN))
    assert periods(inscribe(db, ALICE, item(days=APR))) == [JAN, APR]
    assert periods(inscribe(db, ALICE, item(days=FEB))) == [(JAN[0], FEB[1]), APR]


def test_the_usual_no_end_date_is_open_ended_and_swallows_later_periods() -> None:
    db = world()
    assert periods(inscribe(db, ALICE, item(days=(FEB[0], date.max)))) == [(FEB[0], None)]
    assert periods(inscribe(db, ALICE, item(days=APR))) == [(FEB[0], None)]
    assert periods(inscribe(db, ALICE, item(days=JAN))) == [(JAN[0], None)]


def test_an_end_before_the_begin_is_refused() -> None:
    with pytest.raises(InvalidData) as refused:
        inscribe(world(), ALICE, item(days=(FEB[1], FEB[0])))
    assert refused.value.information == {"beginDate": "2024-02-29", "endDate": "2024-02-01"}


def test_a_type_dossier_of_another_organisation_is_unknown_and_nothing_is_inscribed() -> None:
    db = world()
    with pytest.raises(UnknownTypeDossier) as refused:
        inscribe(db, BOB, item(code="SOCIAL"))  # SOCIAL is ORG's, not OTHER_ORG's
    assert refused.value.information == {"typeDossier": "SOCIAL"}
    assert lines_of(db, caller=BOB) == []
    assert db.state.events == []


@pytest.mark.parametrize(
    ("ssin", "error"),
    [(INVALID, InvalidSsin), (UNKNOWN, UnknownSsin), (CANCELED, CanceledSsin)],
)
def test_an_ssin_the_source_cannot_vouch_for_is_refused(
    ssin: str, error: type[DomainError]
) -> None:
    db = world()
    with pytest.raises(error) as refused:
        inscribe(db, ALICE, item(ssin=ssin))
    assert refused.value.information == {"ssin": ssin}
    assert db.state.lines == {}


def test_a_replaced_ssin_is_followed_to_the_active_one_through_the_whole_chain() -> None:
    db = world()
    outcome = inscribe(db, ALICE, item(ssin=OLDEST))
    assert outcome.resolved is not None
    assert outcome.resolved.information() == {"replacedBy": ACTIVE}
    assert [line.ssin for line in outcome.lines] == [ACTIVE]
    assert lines_of(db, ACTIVE) == lines_of(db, OLD) == [("FAMILY", *JAN)]
    (event,) = db.state.events  # the notification tells which ssin the client used
    assert (event.kind, event.ssin, event.payload["requestedSsin"]) == (
        "INSCRIPTION",
        ACTIVE,
        OLDEST,
    )


def test_person_data_that_disagree_with_the_source_are_named_and_nothing_is_inscribed() -> None:
    db = world()
    given_data = PersonData("Peeters", "Marie Therese", "1985-03-15", Gender.FEMALE)
    with pytest.raises(PersonDataMismatch) as refused:
        inscribe(db, ALICE, item(person_data=given_data))
    assert refused.value.information == {"lastName": "Peeters", "birthDate": "1985-03-15"}
    assert lines_of(db) == []


def test_person_data_match_whatever_their_case_accents_layout_or_unknown_parts() -> None:
    given_data = PersonData("JANSSENS", "marie therese", "1985-03-00", Gender.UNKNOWN)
    assert periods(inscribe(world(), ALICE, item(person_data=given_data))) == [JAN]


def test_a_card_given_as_proof_must_be_one_the_source_knows_for_the_person() -> None:
    db = world()
    spelled_otherwise = CARD.replace("-", " ").lower()
    assert periods(inscribe(db, ALICE, item(cards=(spelled_otherwise,)))) == [JAN]
    with pytest.raises(CardNotKnown):
        inscribe(db, ALICE, item(days=APR, cards=(CARD, "591-0000000-00")))
    assert lines_of(db) == [("FAMILY", *JAN)]


def test_a_batch_refuses_items_one_by_one_and_answers_each_with_its_lines_after_it() -> None:
    db = world()
    outcomes = inscribe_batch(
        db,
        ALICE,
        [
            item(days=JAN),
            item(ssin=UNKNOWN),
            item(ssin=OLD, days=FEB),  # the same person's key again
            item(code="NOPE"),
            item(code="SOCIAL", days=APR),
        ],
    )
    assert [type(o.error) for o in outcomes] == [
        type(None),
        UnknownSsin,
        type(None),
        UnknownTypeDossier,
        type(None),
    ]
    assert periods(outcomes[0]) == [JAN]
    assert periods(outcomes[2]) == [(JAN[0], FEB[1])]
    assert lines_of(db) == [("FAMILY", JAN[0], FEB[1]), ("SOCIAL", *APR)]
    assert db.commits == 1


def test_a_batch_lost_to_a_concurrent_transaction_is_run_again_and_counts_once() -> None:
    db = world()
    db.conflicts = 2
    (outcome,) = inscribe_batch(db, ALICE, [item()])
    assert periods(outcome) == [JAN]
    assert len(db.state.events) == 1  # one notification, not three


def test_removing_every_line_or_cutting_a_period_out_of_them() -> None:
    db = world()
    inscribe(db, ALICE, item(days=(JAN[0], APR[1])))
    cut = remove(db, ALICE, ACTIVE, "FAMILY", FEB)
    assert periods(cut) == [JAN, (date(2024, 3, 1), APR[1])]
    assert lines_of(db) == [("FAMILY", *JAN), ("FAMILY", date(2024, 3, 1), APR[1])]
    assert remove(db, ALICE, OLD, "FAMILY", None).lines == []  # through the replaced ssin
    assert lines_of(db) == []


def test_removing_what_is_not_inscribed_says_so() -> None:
    db = world()
    with pytest.raises(NotInscribed):
        remove(db, ALICE, ACTIVE, "FAMILY", None)
    inscribe(db, ALICE, item(days=JAN))
    with pytest.raises(NotInscribed):
        remove(db, ALICE, ACTIVE, "FAMILY", APR)  # no line overlaps April
    with pytest.raises(NotInscribed):
        remove(db, BOB, ACTIVE, "FAMILY", None)  # ORG's line is not OTHER_ORG's to remove
    assert lines_of(db) == [("FAMILY", *JAN)]


def test_consult_filters_by_type_dossier_and_keeps_whole_lines_overlapping_the_window() -> None:
    db = world()
    inscribe_batch(db, ALICE, [item(days=JAN), item(days=APR), item(code="SOCIAL", days=FEB)])
    window = (date(2024, 1, 31), date(2024, 2, 1))
    assert periods(consult(db, ALICE, ACTIVE, None, window)) == [JAN, FEB]
    assert periods(consult(db, ALICE, ACTIVE, "FAMILY", window)) == [JAN]
    assert periods(consult(db, ALICE, OLDEST, "FAMILY", None)) == [JAN, APR]
    with pytest.raises(UnknownTypeDossier):
        consult(db, ALICE, ACTIVE, "NOPE", None)
    assert consult(db, BOB, ACTIVE, None, None).lines == []  # another organisation's register


# Periods in a year and a half, up to a few weeks long, maybe open-ended.
START = date(2024, 1, 1)


def span(begin: int, length: int | None) -> tuple[date, date | None]:
    return START + timedelta(begin), None if length is None else START + timedelta(begin + length)


a_period = st.builds(span, st.integers(0, 540), st.none() | st.integers(0, 40))


def days(spans: list[tuple[date, date | None]]) -> set[date]:
    """The days of the spans, an open end counted up to a day after every span (enough here)."""
    horizon = START + timedelta(600)
    return {
        START + timedelta(n)
        for begin, end in spans
        for n in range((begin - START).days, ((end or horizon) - START).days + 1)
    }


@given(st.lists(a_period, min_size=1, max_size=8), a_period)
def test_the_lines_hold_exactly_the_days_inscribed_and_lose_exactly_the_days_removed(
    inscribed: list[tuple[date, date | None]], cut: tuple[date, date | None]
) -> None:
    db = world()
    for each in inscribed:
        inscribe(db, ALICE, item(days=each))
    lines = periods(consult(db, ALICE, ACTIVE, None, None))
    assert days(lines) == days(inscribed)
    for (_, end), (begin, _) in zip(lines, lines[1:], strict=False):
        assert end is not None and end + timedelta(1) < begin  # sorted, apart, not touching
    try:
        after = periods(remove(db, ALICE, ACTIVE, "FAMILY", cut))
    except NotInscribed:
        assert not days(lines) & days([cut])
        return
    assert days(after) == days(lines) - days([cut])
    assert periods(consult(db, ALICE, ACTIVE, None, None)) == after
