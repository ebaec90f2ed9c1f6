"""The Register's use cases: Inscribe, InscribeBatch, Remove and Consult.

Every function acts for the caller's organisation only: its cbe_number is part of every key the
repository reads or writes. Checks run cheapest first (ssin structure, period, typeDossier, the
authentic source, the person data), so a refused request has touched nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from raas.clock import today
from raas.models.errors import (
    CardNotKnown,
    DomainError,
    NotInscribed,
    PersonDataMismatch,
    UnknownTypeDossier,
)
from raas.models.events import Event
from raas.models.inscriptions import Inscription, PersonData, mismatches
from raas.models.periods import Period, merge, overlapping, subtract
from raas.models.users import User
from raas.usecases.ports import UnitOfWork, UowFactory
from raas.usecases.ssins import ResolvedSsin, check_structure, resolve, resolve_many
from raas.usecases.transactions import retrying


@dataclass(frozen=True)
class InscribeItem:
    """One inscription as a client asks for it."""

    ssin: str
    type_dossier: str
    begin: date
    end: date | None = None
    person_data: PersonData | None = None
    # Card numbers given as proof (SSDN ProofOfAuthentication): each must be one the source
    # knows for the person.
    cards: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """What an operation answers: the lines after it, the ssin it acted on, or its refusal."""

    lines: list[Inscription] = field(default_factory=list)
    resolved: ResolvedSsin | None = None
    error: DomainError | None = None


def inscribe(uow: UowFactory, caller: User, item: InscribeItem) -> Outcome:
    """Merge one period into the caller's lines of an ssin + typeDossier; the lines after."""
    (outcome,) = inscribe_batch(uow, caller, [item])
    if outcome.error is not None:
        raise outcome.error
    return outcome


def inscribe_batch(uow: UowFactory, caller: User, items: Sequence[InscribeItem]) -> list[Outcome]:
    """Each item as its own Inscribe, in order, in one transaction and a few statements."""
    return retrying(lambda: _inscribe_batch(uow, caller, items))


def remove(
    uow: UowFactory,
    caller: User,
    ssin: str,
    type_dossier: str,
    cut: tuple[date, date | None] | None,
) -> Outcome:
    """Delete every line of an ssin + typeDossier, or cut a period out of them."""
    return retrying(lambda: _remove(uow, caller, ssin, type_dossier, cut))


def consult(
    uow: UowFactory,
    caller: User,
    ssin: str,
    type_dossier: str | None,
    window: tuple[date, date | None] | None,
) -> Outcome:
    """The caller's whole lines of an ssin, maybe of one typeDossier and overlapping a period."""
    check_structure(ssin)
    period = Period.of(*window) if window else None
    with uow() as tx:
        if type_dossier is not None:
            _check_type_dossier(type_dossier, _codes(tx, caller))
        resolved = resolve(tx.source(), ssin)
        lines = tx.register.lines(caller.cbe_number, resolved.active, type_dossier)
    if period is not None:
        lines = [line for line in lines if line.period.overlaps(period)]
    return Outcome(lines, resolved)


def _inscribe_batch(uow: UowFactory, caller: User, items: Sequence[InscribeItem]) -> list[Outcome]:
    outcomes: list[Outcome | None] = [None] * len(items)
    periods: dict[int, Period] = {}
    with uow() as tx:
        codes = _codes(tx, caller)
        for index, item in enumerate(items):
            try:
                check_structure(item.ssin)
                period = Period.of(item.begin, item.end)
                _check_type_dossier(item.type_dossier, codes)
                periods[index] = period
            except DomainError as error:
                outcomes[index] = Outcome(error=error)
        # Writers lock the persons they act on FOR SHARE (see models.persons.Lock): one query
        # for the whole batch, in ssin order, and one per further step of a replacement chain.
        source = tx.source(lock="share")
        resolved = resolve_many(source, (items[i].ssin for i in periods))
        accepted: list[tuple[int, ResolvedSsin]] = []
        for index in list(periods):
            outcome = resolved[items[index].ssin]
            try:
                if isinstance(outcome, Exception):
                    raise outcome
                _check_person_data(items[index].person_data, outcome)
                _check_cards(tx, items[index].cards, outcome)
                accepted.append((index, outcome))
            except DomainError as error:
                outcomes[index] = Outcome(error=error)
                del periods[index]

        keys = {i: (r.active, items[i].type_dossier) for i, r in accepted}
        repeated = any(n > 1 for n in Counter(keys.values()).values())
        # Lines after each item: only a key named twice needs the lines it held before.
        state = tx.register.lock(caller.cbe_number, keys.values()) if repeated else {}
        added: dict[tuple[str, str], list[Period]] = {}
        for index, active in accepted:
            key = keys[index]
            state[key] = merge([*state.get(key, []), periods[index]])
            added[key] = merge([*added.get(key, []), periods[index]])
            outcomes[index] = Outcome(_lines(key, state[key]), active)
        stored = tx.register.add(caller.cbe_number, added)
        last = {key: index for index, key in keys.items()}
        for key, index in last.items():  # the database's answer is the truth for the last item
            outcomes[index] = Outcome(_lines(key, stored[key]), outcomes[index].resolved)  # type: ignore[union-attr]
        tx.events.record(
            *(
                _event("INSCRIPTION", caller, items[i].type_dossier, r, periods[i])
                for i, r in accepted
            )
        )
        tx.commit()
    return [o for o in outcomes if o is not None]


def _remove(
    uow: UowFactory,
    caller: User,
    ssin: str,
    type_dossier: str,
    cut: tuple[date, date | None] | None,
) -> Outcome:
    check_structure(ssin)
    period = Period.of(*cut) if cut else None
    with uow() as tx:
        _check_type_dossier(type_dossier, _codes(tx, caller))
        resolved = resolve(tx.source(lock="share"), ssin)
        key = (resolved.active, type_dossier)
        held = tx.register.lock(caller.cbe_number, [key]).get(key, [])
        if not held or (period is not None and not overlapping(held, period)):
            raise NotInscribed(
                "the register holds no line of this ssin and typeDossier to remove",
                ssin=ssin,
                typeDossier=type_dossier,
            )
        left = subtract(held, period) if period is not None else []
        tx.register.replace(caller.cbe_number, key, left)
        tx.events.record(_event("REMOVAL", caller, type_dossier, resolved, period))
        tx.commit()
    return Outcome(_lines(key, left), resolved)


def _codes(tx: UnitOfWork, caller: User) -> set[str]:
    return {t.code for t in tx.type_dossiers.list(caller.cbe_number)}


def _check_type_dossier(code: str, codes: set[str]) -> None:
    if code not in codes:
        raise UnknownTypeDossier(
            "the typeDossier is not defined for your organisation", typeDossier=code
        )


def _check_person_data(given: PersonData | None, resolved: ResolvedSsin) -> None:
    wrong = mismatches(given, resolved.person) if given is not None else []
    if wrong:
        given_values = {
            "lastName": given.last_name,  # type: ignore[union-attr]
            "firstName": given.first_name,  # type: ignore[union-attr]
            "birthDate": given.birth_date,  # type: ignore[union-attr]
            "gender": given.gender,  # type: ignore[union-attr]
        }
        raise PersonDataMismatch(
            "the person data do not match the authentic source",
            **{name: str(given_values[name]) for name in wrong},
        )


def _check_cards(tx: UnitOfWork, cards: tuple[str, ...], resolved: ResolvedSsin) -> None:
    if not cards:
        return
    known = [tx.person_details.get(s) for s in dict.fromkeys((resolved.requested, resolved.active))]
    for number in cards:
        if not any(details is not None and details.knows_card(number) for details in known):
            raise CardNotKnown("the card number is not known for this person by the source")


def _lines(key: tuple[str, str], periods: list[Period]) -> list[Inscription]:
    return [Inscription(key[0], key[1], period) for period in periods]


def _event(
    kind: str, caller: User, type_dossier: str, resolved: ResolvedSsin, period: Period | None
) -> Event:
    payload: dict[str, object] = {"typeDossier": type_dossier}
    if period is not None:
        payload["beginDate"] = period.begin.isoformat()
        payload["endDate"] = period.end.isoformat() if period.end else None
    if resolved.replaced:
        payload["requestedSsin"] = resolved.requested
    return Event(kind, resolved.active, today(), caller.cbe_number, payload)
