"""Bulk writes into the stub authentic source (`source_persons`): seeding and CSV imports.

Rows go through PostgreSQL COPY into a temporary staging table, then one INSERT … SELECT per batch
merges them into `source_persons`. COPY is what makes a million persons a matter of seconds; the
staging table is what lets the merge use ON CONFLICT (row-by-row inserts would be ten times
slower, and COPY straight into the table cannot skip or update existing rows).

Each batch's new surname spellings get their phonetic keys (`index_surnames`): a few hundred
distinct names per batch, computed once each, so the index costs almost nothing here.

Both functions work inside the caller's transaction on a SQLAlchemy `Connection` (psycopg 3) and
never commit: the caller decides. They never delete a person.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

from sqlalchemy import Connection, text

from raas.models.persons import Person
from raas.persistence.identification import index_surnames

_STAGING = "raas_staging_persons"
# The columns a Person fills; updated_at takes its default (now()).
_COLUMNS = (
    "ssin",
    "register",
    "last_name",
    "first_name",
    "birth_date",
    "gender",
    "nationality",
    "decease_date",
    "status",
    "replaced_by",
)
_COLUMN_LIST = ", ".join(_COLUMNS)
_LAST_NAME = _COLUMNS.index("last_name")

_INSERT_NEW = f"""
    INSERT INTO source_persons ({_COLUMN_LIST})
    SELECT {_COLUMN_LIST} FROM {_STAGING}
    ON CONFLICT (ssin) DO NOTHING
"""

# The CSV carries no nationality or decease date: keep the ones already known. Rows whose data
# do not change are left alone (WHERE … IS DISTINCT FROM), so a re-import updates nothing and
# does not touch updated_at. xmax = 0 holds for a freshly inserted row version only.
_UPSERT = f"""
    WITH merged AS (
        INSERT INTO source_persons AS p ({_COLUMN_LIST})
        SELECT {_COLUMN_LIST} FROM {_STAGING}
        ON CONFLICT (ssin) DO UPDATE SET
            register = EXCLUDED.register,
            last_name = EXCLUDED.last_name,
            first_name = EXCLUDED.first_name,
            birth_date = EXCLUDED.birth_date,
            gender = EXCLUDED.gender,
            nationality = COALESCE(EXCLUDED.nationality, p.nationality),
            decease_date = COALESCE(EXCLUDED.decease_date, p.decease_date),
            status = EXCLUDED.status,
            replaced_by = EXCLUDED.replaced_by,
            updated_at = now()
        WHERE (p.register, p.last_name, p.first_name, p.birth_date, p.gender, p.nationality,
               p.decease_date, p.status, p.replaced_by)
            IS DISTINCT FROM
              (EXCLUDED.register, EXCLUDED.last_name, EXCLUDED.first_name, EXCLUDED.birth_date,
               EXCLUDED.gender, COALESCE(EXCLUDED.nationality, p.nationality),
               COALESCE(EXCLUDED.decease_date, p.decease_date), EXCLUDED.status,
               EXCLUDED.replaced_by)
        RETURNING (xmax = 0) AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM merged
"""


def copy_persons(
    conn: Connection,
    persons: Iterable[Person],
    batch: int = 50_000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert the persons whose ssin is new, skipping the others; the number inserted.

    `progress`, when given, is called after each batch with the number of persons read so far.
    """
    inserted = done = 0
    indexed: set[str] = set()
    _create_staging(conn)
    for rows in _batches(persons, batch):
        _stage(conn, rows)
        inserted += conn.execute(text(_INSERT_NEW)).rowcount
        _index(conn, rows, indexed)
        done += len(rows)
        if progress is not None:
            progress(done)
    _drop_staging(conn)
    return inserted


def upsert_persons(conn: Connection, persons: Iterable[Person]) -> tuple[int, int]:
    """Add new persons and update the changed ones, never deleting; (inserted, updated)."""
    # ON CONFLICT DO UPDATE may touch a row once per statement: the last person given wins.
    latest = {person.ssin: person for person in persons}
    inserted = updated = 0
    indexed: set[str] = set()
    _create_staging(conn)
    for rows in _batches(latest.values(), 50_000):
        _stage(conn, rows)
        _index(conn, rows, indexed)
        added, changed = conn.execute(text(_UPSERT)).one()
        inserted, updated = inserted + added, updated + changed
    _drop_staging(conn)
    return inserted, updated


def _batches(persons: Iterable[Person], size: int) -> Iterator[list[tuple[Any, ...]]]:
    """The persons' rows, in lists of at most `size`."""
    if size < 1:
        raise ValueError("batch must be at least 1")
    rows = (_row(person) for person in persons)
    while chunk := list(islice(rows, size)):
        yield chunk


def _index(conn: Connection, rows: list[tuple[Any, ...]], indexed: set[str]) -> None:
    """Index the surnames of `rows` not indexed in this run yet (`indexed` is updated)."""
    names = {row[_LAST_NAME] for row in rows} - indexed
    index_surnames(conn, names)
    indexed.update(names)


def _create_staging(conn: Connection) -> None:
    """A fresh temporary staging table shaped like source_persons, dropped at commit anyway."""
    # A temp table is private to this session and skips the WAL: cheap to fill and throw away.
    _drop_staging(conn)
    conn.execute(
        text(
            f"CREATE TEMPORARY TABLE {_STAGING} (LIKE source_persons INCLUDING DEFAULTS)"
            " ON COMMIT DROP"
        )
    )


def _drop_staging(conn: Connection) -> None:
    """Drop the staging table, so a second bulk write in one transaction starts afresh."""
    conn.execute(text(f"DROP TABLE IF EXISTS pg_temp.{_STAGING}"))


def _stage(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Replace the staging table's content by `rows`, sent with COPY."""
    conn.execute(text(f"TRUNCATE {_STAGING}"))
    # The psycopg 3 connection under SQLAlchemy's: same session, same transaction.
    driver = conn.connection.driver_connection
    assert driver is not None
    with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY {_STAGING} ({_COLUMN_LIST}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _row(person: Person) -> tuple[Any, ...]:
    """The values of a person in the order of _COLUMNS."""
    # .value, not str(): the stored text must not depend on how an enum prints itself.
    return (
        person.ssin,
        person.register.value,
        person.last_name,
        person.first_name,
        str(person.birth_date),
        person.gender.value,
        person.nationality,
        person.decease_date,
        person.status.value,
        person.replaced_by,
    )
