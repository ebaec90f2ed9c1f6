"""Bulk writes into the stub authentic source, on a real PostgreSQL (fixture `engine`).

Every test runs in one transaction that it rolls back, so it neither sees nor leaves persons of
other tests; counts are taken over the test's own ssins.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, text

from raas.models.persons import Person, PersonStatus
from raas.models.phonetic import surname_keys
from raas.models.synthetic import generate_persons
from raas.persistence.person_import import copy_persons, upsert_persons

SEED = 20_261_122  # not used by other tests: their persons cannot collide with these


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that is rolled back after the test."""
    with engine.connect() as connection:
        connection.begin()
        try:
            yield connection
        finally:
            connection.rollback()


def _count(conn: Connection, persons: list[Person]) -> int:
    """How many of `persons` are in source_persons."""
    ssins = [person.ssin for person in persons]
    return conn.scalar(
        text("SELECT count(*) FROM source_persons WHERE ssin = ANY(:ssins)"), {"ssins": ssins}
    )


def _stored(conn: Connection, ssin: str) -> dict:
    """The row of one person."""
    row = conn.execute(text("SELECT * FROM source_persons WHERE ssin = :ssin"), {"ssin": ssin})
    return dict(row.mappings().one())


def test_copy_inserts_every_person_and_reports_progress(conn: Connection) -> None:
    persons = list(generate_persons(2_000, SEED))
    seen: list[int] = []
    assert copy_persons(conn, persons, batch=500, progress=seen.append) == 2_000
    assert _count(conn, persons) == 2_000
    assert seen == [500, 1_000, 1_500, 2_000]


def test_copied_rows_hold_the_person(conn: Connection) -> None:
    persons = list(generate_persons(3_000, SEED))
    copy_persons(conn, persons)
    incomplete = next(p for p in persons if p.birth_date.precision != "day")
    deceased = next(p for p in persons if p.decease_date is not None)
    for person in (persons[0], incomplete, deceased):
        row = _stored(conn, person.ssin)
        assert row["register"] == person.register.value
        assert (row["last_name"], row["first_name"]) == (person.last_name, person.first_name)
        assert row["birth_date"] == str(person.birth_date)
        assert row["gender"] == person.gender.value
        assert row["nationality"] == person.nationality
        assert row["decease_date"] == person.decease_date
        assert (row["status"], row["replaced_by"]) == ("ACTIVE", None)


def test_copying_the_same_seed_again_inserts_nothing(conn: Connection) -> None:
    assert copy_persons(conn, generate_persons(1_000, SEED)) == 1_000
    assert copy_persons(conn, generate_persons(1_000, SEED), batch=300) == 0
    # A longer run of the same seed extends the shorter one: only the new persons go in.
    assert copy_persons(conn, generate_persons(1_500, SEED)) == 500
    assert _count(conn, list(generate_persons(1_500, SEED))) == 1_500


def test_copy_of_nothing_inserts_nothing(conn: Connection) -> None:
    assert copy_persons(conn, []) == 0


def test_upsert_adds_and_updates_and_never_deletes(conn: Connection) -> None:
    persons = list(generate_persons(20, SEED))
    existing, new = persons[:10], persons[10:13]
    copy_persons(conn, existing)
    renamed = dataclasses.replace(existing[0], last_name="Vandenbroucke", nationality=None)
    replaced = dataclasses.replace(
        existing[1], status=PersonStatus.REPLACED, replaced_by=existing[2].ssin
    )

    canceled = dataclasses.replace(existing[4], status=PersonStatus.CANCELED)
    seen: list[list[tuple[Person, Person]]] = []

    assert upsert_persons(
        conn, [renamed, replaced, canceled, existing[3], *new], changed=seen.append
    ) == (3, 2)

    assert _count(conn, existing + new) == 13  # the persons left out of the import stay
    row = _stored(conn, renamed.ssin)
    assert row["last_name"] == "Vandenbroucke"
    assert row["nationality"] == existing[0].nationality  # not in the CSV: kept
    assert _stored(conn, canceled.ssin)["status"] == "CANCELED"
    # A REPLACED row leaves the status to the caller's replacement (lines and links move).
    row = _stored(conn, replaced.ssin)
    assert (row["status"], row["replaced_by"]) == ("ACTIVE", None)
    # The changes, before and after, in ssin order, in one call for the one batch.
    assert seen == [
        sorted(
            [
                (existing[0], dataclasses.replace(renamed, nationality=existing[0].nationality)),
                (existing[4], canceled),
            ],
            key=lambda change: change[0].ssin,
        )
    ]


def test_a_new_replaced_person_is_added_active(conn: Connection) -> None:
    first, second = generate_persons(2, SEED)
    replaced = dataclasses.replace(first, status=PersonStatus.REPLACED, replaced_by=second.ssin)
    assert upsert_persons(conn, [replaced]) == (1, 0)
    assert (_stored(conn, first.ssin)["status"], _stored(conn, first.ssin)["replaced_by"]) == (
        "ACTIVE",
        None,
    )
    assert upsert_persons(conn, [replaced]) == (0, 0)  # nothing else to write


def test_upserting_the_same_data_again_changes_nothing(conn: Connection) -> None:
    persons = list(generate_persons(50, SEED))
    assert upsert_persons(conn, persons) == (50, 0)
    assert upsert_persons(conn, persons) == (0, 0)


def test_upsert_keeps_the_last_of_repeated_ssins(conn: Connection) -> None:
    person = next(generate_persons(1, SEED))
    renamed = dataclasses.replace(person, first_name="Jean-Pierre")
    assert upsert_persons(conn, [person, renamed]) == (1, 0)
    assert _stored(conn, person.ssin)["first_name"] == "Jean-Pierre"


def test_copy_and_upsert_can_follow_each_other_in_one_transaction(conn: Connection) -> None:
    persons = list(generate_persons(30, SEED))
    assert copy_persons(conn, persons[:10]) == 10
    assert upsert_persons(conn, persons[5:20]) == (10, 0)
    assert copy_persons(conn, persons) == 10


def _keyed(conn: Connection) -> set[str]:
    """The surname spellings that have phonetic keys."""
    return set(conn.scalars(text("SELECT DISTINCT last_name FROM surname_keys")))


def test_copy_and_upsert_give_every_new_surname_its_phonetic_keys(conn: Connection) -> None:
    persons = list(generate_persons(2_000, SEED))
    copy_persons(conn, persons, batch=700)
    assert {p.last_name for p in persons} <= _keyed(conn)
    renamed = dataclasses.replace(persons[0], last_name="Vanderstraeten-Ülkü")
    upsert_persons(conn, [renamed])
    assert "Vanderstraeten-Ülkü" in _keyed(conn)
    keys = set(
        conn.scalars(
            text("SELECT key FROM surname_keys WHERE last_name = :name"),
            {"name": "Vanderstraeten-Ülkü"},
        )
    )
    assert keys == set(surname_keys("Vanderstraeten-Ülkü"))


def test_the_search_index_is_used_for_a_name_and_birth_window(conn: Connection) -> None:
    copy_persons(conn, generate_persons(5_000, SEED))
    conn.execute(text("ANALYZE source_persons"))
    plan = "\n".join(
        conn.scalars(
            text(
                "EXPLAIN SELECT * FROM source_persons WHERE last_name = ANY(:names) "
                "AND (birth_date BETWEEN '1970-01-01' AND '1970-01-31' "
                "OR birth_date = ANY(:incomplete))"
            ),
            {"names": ["Peeters", "Pieters"], "incomplete": ["1970-00-00", "1970-01-00"]},
        )
    )
    assert "ix_source_persons_last_name_birth_date" in plan
