"""Register lines: per (organisation, ssin, typeDossier) one `datemultirange` of periods.

PostgreSQL keeps a multirange normalised (overlapping and adjacent ranges merged), and
`INSERT … ON CONFLICT DO UPDATE SET periods = periods + new` applies a merge atomically, so the
invariant holds under concurrent writers. Ranges are stored half-open: [begin, end + 1 day).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Table,
    Text,
    any_,
    delete,
    func,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import DATEMULTIRANGE

from raas.models.inscriptions import Inscription, Key
from raas.models.periods import Period
from raas.persistence.ranges import to_periods, to_ranges
from raas.persistence.repository import Repository
from raas.persistence.tables import metadata

_LINES = (
    "SELECT type_dossier, periods FROM register_lines "
    "WHERE cbe_number = %(cbe_number)s AND ssin = %(ssin)s ORDER BY type_dossier COLLATE \"C\""
)
_LINES_OF_TYPE = _LINES.replace("ORDER BY", "AND type_dossier = %(type_dossier)s ORDER BY")

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


# Arrays in, one row per key out: the statement is the same text for one item or a thousand.
# Keys are written in order, so concurrent batches take their row locks in the same order.
_ADD = text(
    """
    INSERT INTO register_lines AS r (cbe_number, ssin, type_dossier, periods)
    SELECT :cbe, ssin, code, range_agg(daterange(b, e, '[]'))
    FROM unnest(CAST(:ssins AS text[]), CAST(:codes AS text[]),
                CAST(:begins AS date[]), CAST(:ends AS date[])) AS i(ssin, code, b, e)
    GROUP BY ssin, code
    ORDER BY ssin, code
    ON CONFLICT (cbe_number, ssin, type_dossier)
    DO UPDATE SET periods = r.periods + excluded.periods, updated_at = now()
    RETURNING r.ssin, r.type_dossier, r.periods
    """
).columns(ssin=Text, type_dossier=Text, periods=DATEMULTIRANGE)

# Every organisation's lines of one ssin onto another, merged with the lines it already has.
_MOVE = text(
    """
    INSERT INTO register_lines AS r (cbe_number, ssin, type_dossier, periods)
    SELECT cbe_number, :new, type_dossier, periods
    FROM register_lines
    WHERE ssin = :old
    ORDER BY cbe_number, type_dossier
    ON CONFLICT (cbe_number, ssin, type_dossier)
    DO UPDATE SET periods = r.periods + excluded.periods, updated_at = now()
    """
)

_HOLDERS = text("SELECT raas_holders(CAST(:ssins AS text[]), CAST(:day AS date))")


class RegisterRepository(Repository):
    """One organisation's lines; every method takes the caller's cbe_number first."""

    def lines(
        self, cbe_number: str, ssin: str, type_dossier: str | None = None
    ) -> list[Inscription]:
        """The lines of an ssin (in one typeDossier or all), by typeDossier then beginDate."""
        # Written out: Consult runs it on every call (see persistence/repositories.py).
        # Codes sort byte by byte, the same on every server whatever its locale.
        rows = self._conn.exec_driver_sql(
            _LINES if type_dossier is None else _LINES_OF_TYPE,
            {"cbe_number": cbe_number, "ssin": ssin, "type_dossier": type_dossier},
        )
        return [
            Inscription(ssin, row.type_dossier, period)
            for row in rows
            for period in to_periods(row.periods)
        ]

    def lock(self, cbe_number: str, keys: Iterable[Key]) -> dict[Key, list[Period]]:
        """The current lines of these keys, locked until the transaction ends (absent: none)."""
        wanted = sorted(set(keys))
        rows = self._conn.execute(
            select(register_lines.c.ssin, register_lines.c.type_dossier, register_lines.c.periods)
            .where(
                register_lines.c.cbe_number == cbe_number,
                tuple_(register_lines.c.ssin, register_lines.c.type_dossier).in_(wanted),
            )
            .order_by(register_lines.c.ssin, register_lines.c.type_dossier)
            .with_for_update()
        )
        return {(r.ssin, r.type_dossier): to_periods(r.periods) for r in rows}

    def add(self, cbe_number: str, additions: dict[Key, list[Period]]) -> dict[Key, list[Period]]:
        """Merge periods into the keys' lines atomically (one statement); the lines after."""
        rows = [(key, p) for key, periods in sorted(additions.items()) for p in periods]
        if not rows:
            return {}
        result = self._conn.execute(
            _ADD,
            {
                "cbe": cbe_number,
                "ssins": [key[0] for key, _ in rows],
                "codes": [key[1] for key, _ in rows],
                "begins": [p.begin for _, p in rows],
                "ends": [p.end for _, p in rows],
            },
        )
        return {(r.ssin, r.type_dossier): to_periods(r.periods) for r in result}

    def replace(self, cbe_number: str, key: Key, periods: list[Period]) -> None:
        """Store exactly these lines for a locked key (none: the key is deleted)."""
        where = (
            (register_lines.c.cbe_number == cbe_number)
            & (register_lines.c.ssin == key[0])
            & (register_lines.c.type_dossier == key[1])
        )
        if periods:
            self._conn.execute(
                update(register_lines)
                .where(where)
                .values(periods=to_ranges(periods), updated_at=func.now())
            )
        else:
            self._conn.execute(delete(register_lines).where(where))

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
            self._conn.execute(_MOVE, {"old": old, "new": new})
            self._conn.execute(delete(register_lines).where(register_lines.c.ssin == old))
        return len(moved)

    def holders(self, ssins: Iterable[str], on: date | None) -> set[str]:
        """The organisations with a line of one of these ssins on that day (any typeDossier;
        `on` None: a line of any period).

        Through raas_holders (migration 0007): the service's role sees only its caller's lines,
        and an identification change goes to every organisation holding the person.
        """
        return set(self._conn.scalars(_HOLDERS, {"ssins": sorted(set(ssins)), "day": on}))

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
