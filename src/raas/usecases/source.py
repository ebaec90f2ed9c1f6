"""The authentic source's changes: replacements, identification data, Dimona declarations.

These arrive from the registers (`raas source …`), not from a client, so they act on every
organisation's data. Each records its event in the outbox in the same transaction, addressed to
the organisations that hold the person in their register on the event's date.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

from raas.clock import today
from raas.models.errors import (
    CanceledSsin,
    InvalidData,
    InvalidReplacement,
    TransientConflict,
    UnknownSsin,
)
from raas.models.events import Event
from raas.models.person_csv import CARD_PATTERN as _CARD
from raas.models.persons import Person, PersonDetails, PersonStatus
from raas.models.ssin import register_of
from raas.models.users import normalise_cbe_number
from raas.usecases.identification import PersonChange, change_person
from raas.usecases.ports import UnitOfWork, UowFactory
from raas.usecases.ssins import ResolvedSsin, check_structure, resolve
from raas.usecases.transactions import retrying


@dataclass(frozen=True)
class Replacement:
    """What a replacement did: where `old`'s lines and links went (`active`, the end of `new`'s
    chain), whether `new` was created, how many rows moved, and who is notified."""

    old: str
    new: str
    active: str
    done: bool = True  # False: `old` was already replaced by `new`, nothing changed
    created: bool = False
    lines: int = 0
    links: int = 0
    deleted_links: int = 0
    recipients: tuple[str, ...] = ()


@dataclass(frozen=True)
class Dimona:
    """A recorded Dimona declaration: for whom (as declared and active) and who is told."""

    resolved: ResolvedSsin
    employer: str
    on: date
    recipients: tuple[str, ...]


# -- domain checks -----------------------------------------------------------------------------


def check_replacement(old: str, new: str) -> None:
    """InvalidSsin for a malformed ssin; InvalidReplacement when an ssin would replace itself."""
    check_structure(old)
    check_structure(new)
    if old == new:
        raise InvalidReplacement(f"{old} cannot replace itself", ssin=old)


def replaceable(person: Person | None, old: str, new: str) -> Person | None:
    """`old`'s person when `new` may replace it; None when `new` already does (nothing to do)."""
    if person is None:
        raise UnknownSsin(f"{old} does not exist in the authentic source", ssin=old)
    if person.status is PersonStatus.CANCELED:
        raise CanceledSsin(f"{old} is canceled: it cannot be replaced", ssin=old)
    if person.status is PersonStatus.REPLACED:
        if person.replaced_by == new:
            return None
        raise InvalidReplacement(
            f"{old} is already replaced by {person.replaced_by}",
            ssin=old,
            replacedBy=str(person.replaced_by),
        )
    return person


def check_successor(old: str, new: str, person: Person) -> None:
    """CanceledSsin when `new` (the person the source knows under it) is canceled."""
    if person.status is PersonStatus.CANCELED:
        raise CanceledSsin(f"{new} is canceled: it cannot replace {old}", ssin=new)


def check_no_cycle(old: str, new: str, end: ResolvedSsin) -> None:
    """InvalidReplacement when `new`'s replacement chain leads back to `old`."""
    if end.active == old:
        raise InvalidReplacement(
            f"{new} is itself replaced by {old}: replacing {old} by {new} would make a cycle",
            ssin=old,
            replacedBy=new,
        )


def copy_for(person: Person, ssin: str) -> Person:
    """A new active person under `ssin` with `person`'s data (register by the ssin's number)."""
    return dataclasses.replace(
        person, ssin=ssin, register=register_of(ssin), status=PersonStatus.ACTIVE, replaced_by=None
    )


def check_employer(cbe_number: str) -> str:
    """The employer's 10-digit KBO/CBE number; InvalidData when it is not valid."""
    try:
        return normalise_cbe_number(cbe_number)
    except ValueError as error:
        raise InvalidData(str(error), employer=cbe_number) from error


def check_dimona_date(day: date) -> date:
    """A declaration arrives today or arrived within the last year; InvalidData otherwise."""
    if not today() - timedelta(days=366) <= day <= today():
        raise InvalidData(
            "a Dimona declaration is dated today or within the last year", date=day.isoformat()
        )
    return day


# -- use cases ---------------------------------------------------------------------------------


def replace(uow: UowFactory, old: str, new: str) -> Replacement:
    """The source replaces `old` by `new`; refusals raise and change nothing.

    In one transaction `old` becomes REPLACED by `new`, every organisation's lines and every
    link of `old` move to the active end of `new`'s chain (merged with those it has), and a
    SSIN_REPLACEMENT event goes to the organisations holding a line (any period) of either. A `new`
    the source does not know yet is created with `old`'s data.
    """
    check_replacement(old, new)
    return retrying(lambda: _replace(uow, old, new))


def update(uow: UowFactory, ssin: str, changes: dict[str, Any]) -> PersonChange:
    """The source changes a person's data (RR or BIS; wire names, None = not given)."""
    return change_person(uow, ssin, changes)


def dimona(uow: UowFactory, ssin: str, employer: str, on: date | None = None) -> Dimona:
    """Record a Dimona declaration (dated `on`, default today) for the organisations holding
    the person behind `ssin` that day."""
    check_structure(ssin)
    employer = check_employer(employer)
    day = check_dimona_date(on or today())
    return retrying(lambda: _dimona(uow, ssin, employer, day))


def _replace(uow: UowFactory, old: str, new: str) -> Replacement:
    with uow() as tx:
        done = replace_in(tx, old, new)
        tx.commit()
    return done


def replace_in(tx: UnitOfWork, old: str, new: str, *, notify: bool = True) -> Replacement:
    """`replace` inside the caller's transaction, which it does not commit: the checks, the
    locks, the moves and the event. A refusal raises before anything is written, so the caller
    may go on with other work in `tx` (the CSV import reports every refused line).

    `notify=False` records no event when nobody holds `old` or the active end: for an `old`
    added in this same transaction (the import loading the source's history). When someone
    does (lines moved onto it earlier in the same import), the event is recorded all the same.
    """
    check_replacement(old, new)
    source = tx.source()
    person = replaceable(source.person(old), old, new)
    if person is None:
        return Replacement(old, new, new, done=False)
    successor = source.person(new)
    if successor is not None:
        check_successor(old, new, successor)
        end = resolve(source, new)
        check_no_cycle(old, new, end)
        successor = end.person
    active = successor.ssin if successor is not None else new
    # Lock both persons (in ssin order), then check that they are what was checked above:
    # a writer that read them before now has committed, one that reads them later waits.
    locked = tx.persons.get_many([old, active], lock="update")
    if locked.get(old) != person or locked.get(active) != successor:
        raise TransientConflict("the persons changed while the replacement checked them")
    created = successor is None
    if created and not source.add(copy_for(person, new)):
        raise TransientConflict(f"{new} was created meanwhile")
    return _move(tx, person, new, active, created, notify)


def _move(
    tx: UnitOfWork, person: Person, new: str, active: str, created: bool, notify: bool
) -> Replacement:
    old = person.ssin
    day = today()
    # The move rewrites every line of `old`, past and future ones too: each holder is told.
    recipients = tuple(sorted(tx.register.holders([old, active], None)))
    lines = tx.register.move(old, active)
    moved, deleted = tx.links.move(old, active, uuid4())
    tx.persons.update(dataclasses.replace(person, status=PersonStatus.REPLACED, replaced_by=new))
    if notify or recipients:
        tx.events.record(
            Event(
                kind="SSIN_REPLACEMENT",
                ssin=old,
                event_date=day,
                payload={"oldSsin": old, "newSsin": new, "activeSsin": active},
                recipients=recipients,
            )
        )
    return Replacement(old, new, active, True, created, lines, moved, deleted, recipients)


def _dimona(uow: UowFactory, ssin: str, employer: str, day: date) -> Dimona:
    with uow() as tx:
        # FOR SHARE: a replacement of the person waits for us, or came first and is followed.
        resolved = resolve(tx.source(lock="share"), ssin)
        payload = {"employer": employer, "dimonaDate": day.isoformat()}
        if resolved.replaced:
            payload["requestedSsin"] = ssin
        recipients = tuple(sorted(tx.register.holders([resolved.active], day)))
        tx.events.record(
            Event(
                kind="DIMONA",
                ssin=resolved.active,
                event_date=day,
                payload=payload,
                recipients=recipients,
            )
        )
        tx.commit()
    return Dimona(resolved, employer, day, recipients)


def update_cards(
    uow: UowFactory, ssin: str, identity_card: str | None, sis_card: str | None
) -> str:
    """The source learns a person's identity-card and/or SIS-card number; the active ssin."""
    check_structure(ssin)
    for name, number in (("identityCardNumber", identity_card), ("sisCardNumber", sis_card)):
        if number is not None and not _CARD.match(number):
            raise InvalidData(
                "not a card number (up to 32 letters, digits, spaces, dots, dashes)",
                **{name: number[:40]},
            )
    with uow() as tx:
        resolved = resolve(tx.source(lock="update"), ssin)
        tx.person_details.merge([PersonDetails(resolved.active, identity_card, sis_card)])
        tx.commit()
    return resolved.active
