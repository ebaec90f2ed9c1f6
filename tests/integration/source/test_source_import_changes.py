"""`raas source import` applies the source's changes like the single commands do, on PostgreSQL.

A row that turns a person REPLACED replaces it as `raas source replace` does (lines and links
moved, SSIN_REPLACEMENT event); a row that changes a person's identification data records the
IDENTIFICATION_DATA event of `raas source update`. A refused replacement refuses the whole file.
The fixtures and helpers are those of test_source_changes.py (conftest.py, support.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from raas.clock import today
from raas.models.events import Event
from raas.models.persons import PersonStatus
from raas.models.ssin import make_ssin
from tests.integration.source.support import (
    ORG_1,
    ORG_2,
    ORG_3,
    ORG_4,
    OTHER,
    PERSONS,
    ROWS,
    A,
    B,
    C,
    D,
    _events,
    _inscribe,
    _lines,
    _link,
    _person,
    _snapshot,
)
from tests.world import CANCELED, HEADER

NEW = make_ssin(1985, 3, 14, 129)  # not in the source before the import


@dataclass(frozen=True)
class Loaded:
    code: int
    out: str
    err: str = ""


@pytest.fixture()
def load(raas, tmp_path: Path, capsys):  # type: ignore[no-untyped-def]
    """`load(*rows)`: run `raas source import` on a file of HEADER and these rows."""

    def run(*rows: str) -> Loaded:
        file = tmp_path / "persons.csv"
        file.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
        done = raas("source", "import", str(file))
        return Loaded(done.code, done.out, capsys.readouterr().err)  # the refused lines

    return run


def replaced(ssin: str, by: str) -> str:
    """The person's fixture row, REPLACED by `by`."""
    return ROWS[ssin].removesuffix("ACTIVE,") + f"REPLACED,{by}"


# -- replacements ----------------------------------------------------------------------------


def test_a_replacement_row_moves_every_organisations_lines_and_links(uow, load) -> None:
    day = today()
    _inscribe(uow, ORG_1, A, "902", D("2024-01-01"), D("2024-06-30"))
    _inscribe(uow, ORG_1, B, "902", D("2024-07-01"))  # touches: merged on B
    _inscribe(uow, ORG_2, A, "0", day, day)  # holds A today
    _inscribe(uow, ORG_3, A, "902", D("2020-01-01"), day - timedelta(days=1))  # ended: still told
    _inscribe(uow, ORG_4, OTHER, "902", D("2020-01-01"))
    link = _link(uow, ORG_3, A, "AB12345", "2020-01-01")

    done = load(*(row for ssin, row in ROWS.items() if ssin != A), replaced(A, B))

    assert done.code == 0, done.out
    assert "0 persons added, 0 updated, 1 replaced; 1 events recorded" in done.out
    assert _lines(uow, A) == []
    assert _lines(uow, B) == [
        (ORG_1, "902", "2024-01-01", None),
        (ORG_3, "902", "2020-01-01", (day - timedelta(days=1)).isoformat()),
        (ORG_2, "0", day.isoformat(), day.isoformat()),
    ]  # by cbe number: ORG_3 sorts before ORG_2
    with uow() as tx:
        assert tx.links.by_ssins([A], None, None) == []
        assert [moved.link_id for moved in tx.links.by_ssins([B], None, None)] == [link.link_id]
    person = _person(uow, A)
    assert (person.status, person.replaced_by) == (PersonStatus.REPLACED, B)
    assert _events(uow, "SSIN_REPLACEMENT") == [
        Event(
            kind="SSIN_REPLACEMENT",
            ssin=A,
            event_date=day,
            payload={"oldSsin": A, "newSsin": B, "activeSsin": B},
            # every organisation holding a line of A or B, of any period (its lines moved)
            recipients=tuple(sorted((ORG_1, ORG_2, ORG_3))),
        )
    ]


@pytest.mark.parametrize("order", ["A→B first", "B→C first"])
def test_a_chain_inside_one_file_ends_on_its_last_ssin(uow, load, order) -> None:
    _inscribe(uow, ORG_1, A, "902", D("2024-01-01"), D("2024-01-31"))
    _inscribe(uow, ORG_1, B, "902", D("2024-03-01"), D("2024-03-31"))
    _inscribe(uow, ORG_1, C, "902", D("2024-02-01"), D("2024-02-29"))
    rows = [replaced(A, B), replaced(B, C)]

    done = load(*(rows if order == "A→B first" else rows[::-1]))

    assert done.code == 0 and "2 replaced; 2 events recorded" in done.out, done.out
    assert _lines(uow, C) == [(ORG_1, "902", "2024-01-01", "2024-03-31")]
    assert _lines(uow, A) == _lines(uow, B) == []
    assert (_person(uow, A).replaced_by, _person(uow, B).replaced_by) == (B, C)
    payloads = [event.payload for event in _events(uow, "SSIN_REPLACEMENT")]
    a_to_b = {"oldSsin": A, "newSsin": B, "activeSsin": B if order == "A→B first" else C}
    b_to_c = {"oldSsin": B, "newSsin": C, "activeSsin": C}
    assert payloads == ([a_to_b, b_to_c] if order == "A→B first" else [b_to_c, a_to_b])


def test_the_successor_may_be_a_new_person_further_down_the_file(uow, load) -> None:
    _inscribe(uow, ORG_1, A, "902", D("2024-01-01"))
    done = load(replaced(A, NEW), PERSONS[A].replace(ssin=NEW).row)
    assert done.code == 0 and "1 persons added, 0 updated, 1 replaced" in done.out, done.out
    assert _lines(uow, NEW) == [(ORG_1, "902", "2024-01-01", None)]
    assert _person(uow, A).replaced_by == NEW


def test_an_unknown_successor_is_created_from_the_old_persons_data(uow, load) -> None:
    done = load(replaced(A, NEW))
    assert done.code == 0 and "0 persons added, 0 updated, 1 replaced" in done.out, done.out
    new, old = _person(uow, NEW), _person(uow, A)
    assert (new.status, new.last_name, new.first_name) == (
        PersonStatus.ACTIVE,
        old.last_name,
        old.first_name,
    )


def test_lines_that_reached_a_new_person_earlier_in_the_file_follow_it_with_an_event(
    uow, load
) -> None:
    """A -> NEW (new in the file), then NEW -> C: the holder of A hears of both steps."""
    _inscribe(uow, ORG_1, A, "902", D("2024-01-01"))
    new_row = PERSONS[A].replace(ssin=NEW, status="REPLACED", replaced_by=C).row
    done = load(replaced(A, NEW), new_row)
    assert done.code == 0 and "1 persons added, 0 updated, 2 replaced; 2 events" in done.out
    assert _lines(uow, C) == [(ORG_1, "902", "2024-01-01", None)]
    assert [
        (e.ssin, e.payload["activeSsin"], e.recipients) for e in _events(uow, "SSIN_REPLACEMENT")
    ] == [(A, NEW, (ORG_1,)), (NEW, C, (ORG_1,))]


@pytest.mark.parametrize("status", ["ACTIVE", "CANCELED"])
def test_a_row_cannot_undo_a_replacement(uow, load, raas, engine, status) -> None:
    _inscribe(uow, ORG_1, A, "902", D("2024-01-01"))
    assert raas("source", "replace", A, B).code == 0
    before = _snapshot(engine)
    done = load(ROWS[A].removesuffix("ACTIVE,") + f"{status},")
    assert done.code == 2
    assert f"line 2: {A} is replaced by {B}: a replacement cannot be undone" in done.err
    assert _snapshot(engine) == before
    assert (_person(uow, A).status, _person(uow, A).replaced_by) == (PersonStatus.REPLACED, B)


def test_a_new_person_given_replaced_is_added_then_replaced_without_event(uow, load) -> None:
    """The source's history: checked like any replacement, but nobody can hold it yet."""
    old, new = make_ssin(1990, 1, 1, 2), make_ssin(1990, 1, 1, 4)
    done = load(
        f"{old},Janssens,An,1990-01-01,FEMALE,REPLACED,{new}",
        f"{new},Janssens,An,1990-01-01,FEMALE,ACTIVE,",
    )
    assert done.code == 0 and "2 persons added, 0 updated, 1 replaced; 0 events" in done.out
    assert (_person(uow, old).status, _person(uow, old).replaced_by) == (
        PersonStatus.REPLACED,
        new,
    )
    assert _events(uow, "SSIN_REPLACEMENT") == []
    one, two = make_ssin(1990, 1, 1, 6), make_ssin(1990, 1, 1, 8)
    cycle = load(  # new persons too: their history must lead somewhere
        f"{one},Maes,Lotte,1990-01-01,FEMALE,REPLACED,{two}",
        f"{two},Maes,Lotte,1990-01-01,FEMALE,REPLACED,{one}",
    )
    assert cycle.code == 2 and "line 3: " in cycle.err and "would make a cycle" in cycle.err


@pytest.mark.parametrize(
    ("rows", "error"),
    [
        ([replaced(A, B), replaced(B, A)], f"line 5: {A} is itself replaced by {B}"),
        (
            [replaced(A, B), replaced(B, C), replaced(C, A)],
            f"line 6: {A} is itself replaced by {C}",
        ),
        ([replaced(A, A)], f"line 4: ssin {A} cannot be replaced by itself"),
        ([replaced(A, CANCELED)], f"line 4: {CANCELED} is canceled: it cannot replace {A}"),
        (
            [ROWS[CANCELED].removesuffix("CANCELED,") + f"REPLACED,{A}"],
            f"line 4: {CANCELED} is canceled: it cannot be replaced",
        ),
    ],
)
def test_a_refused_replacement_refuses_the_whole_file(uow, load, engine, rows, error) -> None:
    _inscribe(uow, ORG_1, A, "902", D("2024-01-01"))
    _inscribe(uow, ORG_2, B, "0", today())
    _link(uow, ORG_1, A, "AB12345", "2020-01-01")
    before = _snapshot(engine)
    renamed_other = ROWS[OTHER].replace("Élodie", "Elodie")
    added = f"{NEW},Peeters,An,1985-03-14,FEMALE,ACTIVE,"

    done = load(renamed_other, added, *rows)

    assert done.code == 2 and "1 lines refused; nothing was imported" in done.out
    assert error in done.err
    assert _snapshot(engine) == before  # persons, lines, links, events untouched


def test_a_replacement_of_an_ssin_already_replaced_by_another_is_refused(
    uow, load, raas, engine
) -> None:
    assert raas("source", "replace", A, B).code == 0
    before = _snapshot(engine)
    done = load(ROWS[OTHER], replaced(A, C))
    assert done.code == 2 and f"line 3: {A} is already replaced by {B}" in done.err
    assert _snapshot(engine) == before
    again = load(replaced(A, B))  # the replacement already made: nothing to do
    assert again.code == 0 and "0 replaced; 0 events recorded" in again.out
    assert _snapshot(engine) == before


# -- identification data ---------------------------------------------------------------------


def test_a_changed_name_records_identification_data_for_the_holders(uow, load) -> None:
    day = today()
    _inscribe(uow, ORG_1, A, "902", day - timedelta(days=1))  # holds A today
    _inscribe(uow, ORG_2, A, "902", D("2020-01-01"), day - timedelta(days=1))  # not any more
    _inscribe(uow, ORG_3, A, "0", day)  # from today
    _inscribe(uow, ORG_4, OTHER, "902", D("2020-01-01"))  # OTHER does not change

    done = load(
        f"{A},Peeters,Jan,1985-03-00,MALE,ACTIVE,",
        ROWS[OTHER],
        ROWS[C].replace("Jan-Pieter", "Jean-Pierre"),  # held by nobody
        f"{NEW},Janssens,An,1990-01-01,FEMALE,ACTIVE,",  # new: no event
    )

    assert done.code == 0, done.out
    assert "1 persons added, 2 updated, 0 replaced; 2 events recorded" in done.out
    assert _events(uow, "IDENTIFICATION_DATA") == [
        Event(
            kind="IDENTIFICATION_DATA",
            ssin=A,
            event_date=day,
            payload={
                "lastName": {"old": "Van den Broucke", "new": "Peeters"},
                "birthDate": {"old": "1985-03-14", "new": "1985-03-00"},
            },
            recipients=(ORG_1, ORG_3),
        ),
        Event(
            kind="IDENTIFICATION_DATA",
            ssin=C,
            event_date=day,
            payload={"firstName": {"old": "Jan-Pieter", "new": "Jean-Pierre"}},
            recipients=(),
        ),
    ]
    person = _person(uow, A)
    assert (person.last_name, str(person.birth_date)) == ("Peeters", "1985-03-00")


def test_the_event_is_the_one_raas_source_update_records(uow, load, raas) -> None:
    """The same change through the import and through `raas source update`: same event."""
    _inscribe(uow, ORG_1, A, "902", today())
    _inscribe(uow, ORG_1, B, "902", today())
    assert load(f"{A},Vandenbroucke,Johan,1985-03-14,FEMALE,ACTIVE,").code == 0
    updated = raas(
        "source", "update", B, "--first-name", "Johan", "--gender", "FEMALE"
    )  # B is already "Vandenbroucke"
    assert updated.code == 0, updated.out
    by_import, by_update = _events(uow, "IDENTIFICATION_DATA")
    assert by_import.payload == {
        "lastName": {"old": "Van den Broucke", "new": "Vandenbroucke"},
        **by_update.payload,
    }
    assert by_import.recipients == by_update.recipients == (ORG_1,)


def test_a_replacement_row_with_a_new_name_records_both_events(uow, load) -> None:
    _inscribe(uow, ORG_1, A, "902", today())
    done = load(replaced(A, B).replace("Jan,", "Johan,"))
    assert done.code == 0 and "1 updated, 1 replaced; 2 events recorded" in done.out, done.out
    (renamed,) = _events(uow, "IDENTIFICATION_DATA")
    assert (renamed.ssin, renamed.payload, renamed.recipients) == (
        A,
        {"firstName": {"old": "Jan", "new": "Johan"}},
        (ORG_1,),
    )
    assert _person(uow, A).first_name == "Johan"


def test_canceling_a_person_changes_its_status_only(uow, load) -> None:
    """A CANCELED row is a status change: no event, the person's lines stay where they are."""
    _inscribe(uow, ORG_1, A, "902", today())
    done = load(ROWS[A].removesuffix("ACTIVE,") + "CANCELED,")
    assert done.code == 0 and "0 persons added, 1 updated, 0 replaced; 0 events" in done.out
    assert _person(uow, A).status is PersonStatus.CANCELED
    assert _lines(uow, A) == [(ORG_1, "902", today().isoformat(), None)]
    assert _events(uow, "IDENTIFICATION_DATA") == _events(uow, "SSIN_REPLACEMENT") == []


# -- nothing to do ---------------------------------------------------------------------------


def test_importing_the_same_file_again_changes_and_records_nothing(uow, load, engine) -> None:
    _inscribe(uow, ORG_1, A, "902", today())
    rows = [
        replaced(A, B),
        replaced(B, NEW),  # NEW unknown: created as a copy of B
        ROWS[C].replace("Jan-Pieter", "Jean-Pierre"),
        f"{make_ssin(1990, 1, 1, 2)},Janssens,An,1990-01-01,FEMALE,ACTIVE,",
    ]
    first = load(*rows)
    assert first.code == 0 and "1 persons added, 1 updated, 2 replaced; 3 events" in first.out
    before = _snapshot(engine)  # holds updated_at of every person
    again = load(*rows)
    assert again.code == 0, again.out
    assert "0 persons added, 0 updated, 0 replaced; 0 events recorded" in again.out
    assert _snapshot(engine) == before


def test_importing_new_persons_only_records_no_event(uow, load, engine) -> None:
    rows = [
        f"{make_ssin(1990, 1, 1, 2)},Janssens,An,1990-01-01,FEMALE,ACTIVE,",
        f"{make_ssin(1991, 2, 3, 5)},Peeters,Jan,1991-02-03,MALE,CANCELED,",
        f"{NEW},Maes,Lotte,1985-03-14,FEMALE,ACTIVE,",
    ]
    done = load(*rows)
    assert done.code == 0 and "3 persons added, 0 updated, 0 replaced; 0 events" in done.out
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM events").scalar() == 0
