"""Person import: bulk writes into the stub authentic source (`source_persons`), for seeding
and CSV imports.

Rows go through PostgreSQL COPY into a temporary staging table, then a few set-based statements
per batch merge them into `source_persons`: one INSERT … SELECT … ON CONFLICT DO NOTHING for the
new persons and, for an import, one SELECT … FOR UPDATE of the stored persons the batch changes
(their old values, for the change events) and one UPDATE … FROM of exactly those. COPY is what
makes a million persons a matter of seconds; the staging table is what lets the merge work on
whole batches (row-by-row inserts would be ten times slower, and COPY straight into the table
cannot skip or update existing rows).

Each batch's new surname spellings get their phonetic keys (`index_surnames`): a few hundred
distinct names per batch, computed once each, so the index costs almost nothing here.

Both functions work inside the caller's transaction on a SQLAlchemy `Connection` (psycopg 3) and
never commit: the caller decides. They never delete a person. The unit of work offers them as
`PersonImportRepository`. It has no table of its own: it writes those of `persons`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

from sqlalchemy import Connection

from raas.models.persons import Changes, Person
from raas.persistence.persons import index_surnames, person_from_row
from raas.persistence.repository import Repository

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

# What an imported row writes over the stored person `p`, from the staged row `s`. The CSV carries
# no nationality or decease date: the known ones are kept. A REPLACED row keeps the stored status
# (a new person is written ACTIVE): the replacement itself, which moves lines and links and
# records an event, is the caller's work, one person at a time.
_WRITTEN = {
    "register": "s.register",
    "last_name": "s.last_name",
    "first_name": "s.first_name",
    "birth_date": "s.birth_date",
    "gender": "s.gender",
    "nationality": "COALESCE(s.nationality, p.nationality)",
    "decease_date": "COALESCE(s.decease_date, p.decease_date)",
    "status": "CASE WHEN s.status = 'REPLACED' THEN p.status ELSE s.status END",
    "replaced_by": "CASE WHEN s.status = 'REPLACED' THEN p.replaced_by ELSE s.replaced_by END",
}
_WRITTEN_FRESH = {
    **{column: f"s.{column}" for column in _COLUMNS},
    "status": "CASE WHEN s.status = 'REPLACED' THEN 'ACTIVE' ELSE s.status END",
    "replaced_by": "CASE WHEN s.status = 'REPLACED' THEN NULL ELSE s.replaced_by END",
}

# New persons first: then every staged ssin exists, and the ones just added equal their rows.
_INSERT_FRESH = f"""
    INSERT INTO source_persons ({_COLUMN_LIST})
    SELECT {", ".join(_WRITTEN_FRESH[column] for column in _COLUMNS)}
    FROM {_STAGING} AS s
    ORDER BY s.ssin
    ON CONFLICT (ssin) DO NOTHING
"""

# The stored persons a batch changes, as they are before the change, locked in ssin order until
# the transaction ends: nobody changes them between this read and the UPDATE below, so the old
# values the events carry are the ones overwritten. Persons that do not change are left alone:
# a re-import updates nothing and does not touch updated_at.
_LOCK_CHANGED = f"""
    SELECT p.*
    FROM {_STAGING} AS s JOIN source_persons AS p ON p.ssin = s.ssin
    WHERE ({", ".join(f"p.{column}" for column in _WRITTEN)})
          IS DISTINCT FROM ({", ".join(_WRITTEN.values())})
    ORDER BY p.ssin
    FOR UPDATE OF p
"""

_UPDATE_CHANGED = f"""
    UPDATE source_persons AS p
    SET {", ".join(f"{column} = {value}" for column, value in _WRITTEN.items())},
        updated_at = now()
    FROM {_STAGING} AS s
    WHERE p.ssin = s.ssin AND p.ssin = ANY(%(ssins)s)
    RETURNING p.*
"""


class PersonImportRepository(Repository):
    """`copy_persons` and `upsert_persons` in the unit of work's transaction."""

    def copy(
        self,
        persons: Iterable[Person],
        batch: int = 50_000,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        return copy_persons(self._conn, persons, batch, progress)

    def upsert(
        self,
        persons: Iterable[Person],
        changed: Callable[[Changes], None] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> tuple[int, int]:
        return upsert_persons(self._conn, persons, changed, progress)


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
        inserted += conn.exec_driver_sql(_INSERT_NEW).rowcount
        _index(conn, rows, indexed)
        done += len(rows)
        if progress is not None:
            progress(done)
    _drop_staging(conn)
    return inserted


def upsert_persons(
    conn: Connection,
    persons: Iterable[Person],
    changed: Callable[[Changes], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, int]:
    """Add new persons and update the changed ones, never deleting; (inserted, updated).

    A REPLACED person is written with the status it has (ACTIVE when new): replacing it is the
    caller's. `changed`, when given, is called once per batch with the (before, after) of every
    stored person the batch changed, in the same transaction, to record what changed.
    `progress`, when given, is called after each batch with (persons written, persons to write).
    """
    latest = {person.ssin: person for person in persons}  # the last person given wins
    inserted = updated = done = 0
    indexed: set[str] = set()
    _create_staging(conn)
    for rows in _batches(latest.values(), 50_000):
        _stage(conn, rows)
        _index(conn, rows, indexed)
        inserted += conn.exec_driver_sql(_INSERT_FRESH).rowcount
        changes = _update_changed(conn)
        updated += len(changes)
        if changes and changed is not None:
            changed(changes)
        done += len(rows)
        if progress is not None:
            progress(done, len(latest))
    _drop_staging(conn)
    return inserted, updated


def _update_changed(conn: Connection) -> Changes:
    """Write the staged rows over the stored persons they change; (before, after) of each."""
    before = {row.ssin: person_from_row(row) for row in conn.exec_driver_sql(_LOCK_CHANGED)}
    if not before:
        return []
    after = conn.exec_driver_sql(_UPDATE_CHANGED, {"ssins": list(before)})
    return sorted(((before[row.ssin], person_from_row(row)) for row in after), key=_ssin_of)


def _ssin_of(change: tuple[Person, Person]) -> str:
    return change[0].ssin


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
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {_STAGING} (LIKE source_persons INCLUDING DEFAULTS) ON COMMIT DROP"
    )


def _drop_staging(conn: Connection) -> None:
    """Drop the staging table, so a second bulk write in one transaction starts afresh."""
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS pg_temp.{_STAGING}")


def _stage(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Replace the staging table's content by `rows`, sent with COPY."""
    conn.exec_driver_sql(f"TRUNCATE {_STAGING}")
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
