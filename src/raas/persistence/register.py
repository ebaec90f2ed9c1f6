"""Register lines: per (organisation, ssin, typeDossier) one `datemultirange` of periods.

PostgreSQL keeps a multirange normalised (overlapping and adjacent ranges merged), and
`INSERT … ON CONFLICT DO UPDATE SET periods = periods + new` applies a merge atomically, so the
invariant holds under concurrent writers. Ranges are stored half-open: [begin, end + 1 day).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Row,
    Table,
    Text,
    any_,
    delete,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import DATEMULTIRANGE

from raas.models.inscriptions import Inscription, Key
from raas.models.periods import Period
from raas.persistence.ranges import to_periods
from raas.persistence.repository import Repository
from raas.persistence.tables import metadata

register_lines = Table(
    "register_lines",
    metadata,
    Column("cbe_number", Text, primary_key=True),
    Column("ssin", Text, primary_key=True),
    Column("type_dossier", Text, primary_key=True),
    Column("periods", DATEMULTIRANGE, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("NOT isempty(periods)", name="periods_not_empty"),
    # Every organisation's lines of one person: replacements and notification recipients.
    Index("ix_register_lines_ssin", "ssin"),
    ForeignKeyConstraint(
        ["cbe_number", "type_dossier"], ["type_dossiers.cbe_number", "type_dossiers.code"]
    ),
)

# Codes sort byte by byte, the same on every server whatever its locale.
_LINES = """
    SELECT type_dossier, periods FROM register_lines
    WHERE cbe_number = %(cbe_number)s AND ssin = %(ssin)s
    ORDER BY type_dossier COLLATE "C"
"""
_LINES_OF_TYPE = """
    SELECT type_dossier, periods FROM register_lines
    WHERE cbe_number = %(cbe_number)s AND ssin = %(ssin)s AND type_dossier = %(type_dossier)s
"""

# Arrays in, one row per key out: each statement is the same text for one key or a thousand.
# Keys are locked and written in order, so concurrent batches take their row locks in the same
# order.
_LOCK = """
    SELECT r.ssin, r.type_dossier, r.periods
    FROM unnest(CAST(%(ssins)s AS text[]), CAST(%(codes)s AS text[])) AS k(ssin, code)
    JOIN register_lines AS r
      ON r.cbe_number = %(cbe)s AND r.ssin = k.ssin AND r.type_dossier = k.code
    ORDER BY r.ssin, r.type_dossier
    FOR UPDATE OF r
"""
_ADD = """
    INSERT INTO register_lines AS r (cbe_number, ssin, type_dossier, periods)
    SELECT %(cbe)s, ssin, code, range_agg(daterange(b, e, '[]'))
    FROM unnest(CAST(%(ssins)s AS text[]), CAST(%(codes)s AS text[]),
                CAST(%(begins)s AS date[]), CAST(%(ends)s AS date[])) AS i(ssin, code, b, e)
    GROUP BY ssin, code
    ORDER BY ssin, code
    ON CONFLICT (cbe_number, ssin, type_dossier)
    DO UPDATE SET periods = r.periods + excluded.periods, updated_at = now()
    RETURNING r.ssin, r.type_dossier, r.periods
"""
_REPLACE = """
    UPDATE register_lines
    SET periods = (SELECT range_agg(daterange(b, e, '[]'))
                   FROM unnest(CAST(%(begins)s AS date[]), CAST(%(ends)s AS date[])) AS p(b, e)),
        updated_at = now()
    WHERE cbe_number = %(cbe)s AND ssin = %(ssin)s AND type_dossier = %(code)s
"""
_DELETE = """
    DELETE FROM register_lines
    WHERE cbe_number = %(cbe)s AND ssin = %(ssin)s AND type_dossier = %(code)s
"""
# Every organisation's lines of one ssin onto another, merged with the lines it already has.
_MOVE = """
    INSERT INTO register_lines AS r (cbe_number, ssin, type_dossier, periods)
    SELECT cbe_number, %(new)s, type_dossier, periods
    FROM register_lines
    WHERE ssin = %(old)s
    ORDER BY cbe_number, type_dossier
    ON CONFLICT (cbe_number, ssin, type_dossier)
    DO UPDATE SET periods = r.periods + excluded.periods, updated_at = now()
"""
_HOLDERS = "SELECT raas_holders(CAST(%(ssins)s AS text[]), CAST(%(day)s AS date))"


class RegisterRepository(Repository):
    """The organisations' lines; every method that acts for one takes its cbe_number first."""

    def lines(
        self, cbe_number: str, ssin: str, type_dossier: str | None = None
    ) -> list[Inscription]:
        """The lines of an ssin (in one typeDossier or all), by typeDossier then beginDate."""
        rows = self._conn.exec_driver_sql(
            _LINES if type_dossier is None else _LINES_OF_TYPE,
            {"cbe_number": cbe_number, "ssin": ssin, "type_dossier": type_dossier},
        )
        return [line for row in rows for line in _inscriptions(ssin, row)]

    def lock(self, cbe_number: str, keys: Iterable[Key]) -> dict[Key, list[Period]]:
        """The current lines of these keys, locked until the transaction ends (absent: none)."""
        wanted = sorted(set(keys))
        rows = self._conn.exec_driver_sql(
            _LOCK,
            {"cbe": cbe_number, "ssins": [k[0] for k in wanted], "codes": [k[1] for k in wanted]},
        )
        return _periods_by_key(rows)

    def add(self, cbe_number: str, additions: dict[Key, list[Period]]) -> dict[Key, list[Period]]:
        """Merge periods into the keys' lines atomically (one statement); the lines after."""
        rows = [(key, p) for key, periods in sorted(additions.items()) for p in periods]
        if not rows:
            return {}
        result = self._conn.exec_driver_sql(
            _ADD,
            {
                "cbe": cbe_number,
                "ssins": [key[0] for key, _ in rows],
                "codes": [key[1] for key, _ in rows],
                "begins": [p.begin for _, p in rows],
                "ends": [p.end for _, p in rows],
            },
        )
        return _periods_by_key(result)

    def replace(self, cbe_number: str, key: Key, periods: list[Period]) -> None:
        """Store exactly these lines for a locked key (none: the key is deleted)."""
        where = {"cbe": cbe_number, "ssin": key[0], "code": key[1]}
        if periods:
            ranges = {"begins": [p.begin for p in periods], "ends": [p.end for p in periods]}
            self._conn.exec_driver_sql(_REPLACE, {**where, **ranges})
        else:
            self._conn.exec_driver_sql(_DELETE, where)

    def move(self, old: str, new: str) -> int:
        """Move every organisation's lines of `old` to `new`, merged per (organisation,
        typeDossier) with the lines `new` has; how many rows of `old` moved.

        The caller holds both persons locked (FOR UPDATE), so no writer adds a line meanwhile.
        """
        moved = self._conn.execute(
            select(register_lines.c.cbe_number)
            .where(register_lines.c.ssin == old)
            .order_by(register_lines.c.cbe_number, register_lines.c.type_dossier)
            .with_for_update()
        ).all()
        if moved:
            self._conn.exec_driver_sql(_MOVE, {"old": old, "new": new})
            self._conn.execute(delete(register_lines).where(register_lines.c.ssin == old))
        return len(moved)

    def holders(self, ssins: Iterable[str], on: date | None) -> set[str]:
        """The organisations with a line of one of these ssins on that day (any typeDossier;
        `on` None: a line of any period).

        Through raas_holders (migration 0007): the service's role sees only its caller's lines,
        and an identification change goes to every organisation holding the person.
        """
        rows = self._conn.exec_driver_sql(_HOLDERS, {"ssins": sorted(set(ssins)), "day": on})
        return set(rows.scalars())

    def holders_of(self, ssins: Iterable[str], on: date) -> dict[str, set[str]]:
        """Per ssin, the organisations with a line of it on that day (ssins nobody holds are
        absent): `holders` for many persons at once, in one query."""
        rows = self._conn.execute(
            select(register_lines.c.ssin, register_lines.c.cbe_number)
            .where(
                register_lines.c.ssin == any_(sorted(set(ssins))),
                register_lines.c.periods.contains(on),
            )
            .distinct()
        )
        held: dict[str, set[str]] = {}
        for row in rows:
            held.setdefault(row.ssin, set()).add(row.cbe_number)
        return held


def _inscriptions(ssin: str, row: Row[Any]) -> list[Inscription]:
    return [Inscription(ssin, row.type_dossier, period) for period in to_periods(row.periods)]


def _periods_by_key(rows: Iterable[Row[Any]]) -> dict[Key, list[Period]]:
    return {(row.ssin, row.type_dossier): to_periods(row.periods) for row in rows}
