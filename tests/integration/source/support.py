"""The source-change tests' persons and organisations, and the state they read back.

A (Jan Van den Broucke), B (Jan Vandenbroucke: the same name spelt otherwise) and C (Jan-Pieter
Van den Broucke) are three active men born the same day; OTHER is active, CANCELED canceled.
Four organisations have the same type dossiers.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, select, text

from raas.clock import today
from raas.models.events import Event
from raas.models.links import Link
from raas.models.periods import Period
from raas.models.ssin import make_ssin
from raas.models.users import Role, User
from raas.persistence.register import register_lines
from raas.usecases.links import create_link
from raas.usecases.register import InscribeItem, inscribe
from tests import world
from tests.world import (
    ACTIVE,
    ADMIN_CBE,
    CANCELED,
    CLIENT_CBE,
    FOURTH_CBE,
    OTHER_CBE,
    OTHER_PERSON,
    PEOPLE,
    VAN_DEN_BROUCKE,
)

A, B, C, OTHER = VAN_DEN_BROUCKE, make_ssin(1985, 3, 14, 119), ACTIVE, OTHER_PERSON
UNKNOWN_BIS = make_ssin(1985, 3, 14, 201, month_offset=40)

# Four organisations (valid KBO numbers), each with the same type dossiers.
ORG_1, ORG_2, ORG_3, ORG_4 = CLIENT_CBE, OTHER_CBE, ADMIN_CBE, FOURTH_CBE
CODES = ("0", "902")
D = date.fromisoformat

# The source's persons as the `uow` fixture imports them, and their CSV lines.
PERSONS = {
    A: PEOPLE[A],
    B: world.Person(B, "Vandenbroucke", "Jan", "1985-03-14"),
    C: PEOPLE[C],
    OTHER: PEOPLE[OTHER],
    CANCELED: PEOPLE[CANCELED],
}
ROWS = {ssin: person.row for ssin, person in PERSONS.items()}


def _inscribe(uow, cbe: str, ssin: str, code: str, begin: date, end: date | None = None) -> None:  # type: ignore[no-untyped-def]
    inscribe(uow, User("u", cbe, Role.CLIENT), InscribeItem(ssin, code, begin, end))


def _link(uow, cbe: str, ssin: str, key: str, begin: str, end: str | None = None) -> Link:  # type: ignore[no-untyped-def]
    caller = User("u", cbe, Role.CLIENT)
    validity = Period.of(D(begin), D(end) if end else None)
    link, _ = create_link(uow, caller, ssin, key, "FR", "PASSPORT", validity)
    return link


def _lines(uow, ssin: str) -> list[tuple[str, str, str, str | None]]:  # type: ignore[no-untyped-def]
    """Every organisation's lines of an ssin as (cbe, typeDossier, begin, end)."""
    with uow() as tx:
        rows = tx.connection.execute(
            select(register_lines.c.cbe_number).where(register_lines.c.ssin == ssin).distinct()
        )
        return sorted(
            (cbe, line.type_dossier, line.period.begin.isoformat(), _iso(line.period.end))
            for (cbe,) in rows
            for line in tx.register.lines(cbe, ssin)
        )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _events(uow, kind: str, on: date | None = None) -> list[Event]:  # type: ignore[no-untyped-def]
    with uow() as tx:
        return tx.events.on(on or today(), [kind])


def _person(uow, ssin: str):  # type: ignore[no-untyped-def]
    with uow() as tx:
        return tx.persons.get(ssin)


def _snapshot(engine: Engine) -> tuple[object, ...]:
    """Everything a refused command must leave as it was."""
    with engine.connect() as conn:
        return tuple(
            conn.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2, 3")).all()
            for table in ("register_lines", "links", "deleted_links", "events", "source_persons")
        )
