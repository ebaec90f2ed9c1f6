"""Identification use cases: phonetic search, BIS registration, changes of identification data."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any

from raas.clock import today
from raas.models.errors import InvalidData, NotBisSsin, PossibleDuplicates, UnknownSsin
from raas.models.events import Event
from raas.models.persons import (
    NAME_MAX_LENGTH,
    Gender,
    IncompleteDate,
    Person,
    is_nationality,
    name_problem,
)
from raas.models.phonetic import (
    Match,
    PhoneticQuery,
    matching_names,
    normalise,
    possible_duplicates,
    rank,
)
from raas.models.ssin import Register, bis_numbers, register_of
from raas.usecases.ports import UnitOfWork, UowFactory
from raas.usecases.ssins import ResolvedSsin, check_structure, resolve
from raas.usecases.transactions import retried, retrying

__all__ = [
    "CHANGEABLE",
    "PersonChange",
    "change_person",
    "changed_fields",
    "identification_event",
    "register_person",
    "search_person_by_ssin",
    "search_phonetically",
    "update_person",
]

MAX_DUPLICATES = 50
# RegisterPerson looks for the same person born within one day, month or year (by precision).
DUPLICATE_TOLERANCE = 1
FIRST_BIS_YEAR = 1900  # a BIS number's two year digits cover 1900..2099


def search_person_by_ssin(uow: UowFactory, ssin: str) -> Person:
    """The person the authentic source knows under `ssin`, replaced and canceled ones included."""
    check_structure(ssin)
    with uow(autocommit=True) as tx:  # one read of the shared source
        person = tx.source().person(ssin)
    if person is None:
        raise UnknownSsin("the ssin does not exist in the authentic source", ssin=ssin)
    return person


def search_phonetically(uow: UowFactory, query: PhoneticQuery) -> list[Match]:
    """The active persons whose name sounds like the query's, born in its window, best first."""
    with uow(autocommit=True) as tx:  # reads of the shared source only
        return _search(tx, query)


def _search(tx: UnitOfWork, query: PhoneticQuery) -> list[Match]:
    return rank(query, _candidates(tx, query))


def _candidates(tx: UnitOfWork, query: PhoneticQuery) -> list[Person]:
    """Active persons with a spelling that shares a key and is alike, born in the window."""
    names = matching_names(query, tx.identification.spellings(query.keys))
    if not names:
        return []
    first, last = query.window
    return tx.persons.active_named_born_between(names, first, last)


@retried
def register_person(
    uow: UowFactory,
    last_name: str,
    first_name: str,
    birth_date: str,
    gender: Gender,
    nationality: str | None = None,
) -> Person:
    """A new BIS person; PossibleDuplicates (nothing created) when a matching person exists."""
    born = _birth_date(birth_date)
    _check_names(last_name=last_name, first_name=first_name)
    query = PhoneticQuery(
        last_name, born, DUPLICATE_TOLERANCE, first_name, gender, limit=MAX_DUPLICATES
    )
    male = None if gender is Gender.UNKNOWN else gender is Gender.MALE
    numbers = bis_numbers(born.year, born.month, born.day, male=male)
    with uow() as tx:
        # One registration per birth year at a time, for every year the duplicate window
        # touches: the duplicate check and the choice of a free number see every registration
        # committed before (READ COMMITTED, per statement). Years are locked in ascending order,
        # so two registrations never wait on each other in a cycle.
        first, last = query.window
        for year in range(first.year, last.year + 1):
            tx.identification.lock_bis_allocation(year)
        duplicates = _duplicates(tx, query)
        if duplicates:
            raise PossibleDuplicates(
                "persons that may be the same were found", candidates=duplicates
            )
        source = tx.source()
        taken = tx.persons.existing(numbers)
        for ssin in numbers:
            person = Person(
                ssin=ssin,
                register=Register.BIS,
                last_name=last_name,
                first_name=first_name,
                birth_date=born,
                gender=gender,
                nationality=nationality,
            )
            if ssin not in taken and source.add(person):
                tx.commit()
                return person
    raise InvalidData("no free BIS number is left for this birth date", birthDate=birth_date)


def _duplicates(tx: UnitOfWork, query: PhoneticQuery) -> list[Match]:
    return possible_duplicates(query, _candidates(tx, query))[:MAX_DUPLICATES]


# The fields UpdatePerson and `raas source update` may change, by their wire names.
CHANGEABLE = {
    "lastName": "last_name",
    "firstName": "first_name",
    "birthDate": "birth_date",
    "gender": "gender",
    "nationality": "nationality",
    "deceaseDate": "decease_date",
}


@dataclass(frozen=True)
class PersonChange:
    """A change of identification data: the person after it, whom it was asked for, what changed
    (wire name: old and new value; empty when nothing did) and the organisations notified."""

    person: Person
    resolved: ResolvedSsin
    changed: dict[str, dict[str, Any]]
    recipients: tuple[str, ...] = ()


def update_person(
    uow: UowFactory, ssin: str, changes: dict[str, Any]
) -> tuple[Person, ResolvedSsin]:
    """Change a BIS person's data (wire names in `changes`) and record the change event.

    A replaced ssin is followed to its active replacement, which must be a BIS number too.
    """
    check_structure(ssin)
    if register_of(ssin) is not Register.BIS:
        raise NotBisSsin("only BIS numbers can be updated here", ssin=ssin)
    change = change_person(uow, ssin, changes, bis_only=True)
    return change.person, change.resolved


def change_person(
    uow: UowFactory, ssin: str, changes: dict[str, Any], *, bis_only: bool = False
) -> PersonChange:
    """Change a person's data (wire names in `changes`, None = not given) in the source.

    A replaced ssin is followed to its active end. When something changed, an
    IDENTIFICATION_DATA event for the organisations holding the person today is recorded in
    the same transaction; otherwise nothing is written.
    """
    check_structure(ssin)
    values = _checked_changes(changes)
    return retrying(lambda: _change_person(uow, ssin, values, bis_only))


def _change_person(
    uow: UowFactory, ssin: str, values: dict[str, Any], bis_only: bool
) -> PersonChange:
    with uow() as tx:
        # Read under row locks: a concurrent change is not overwritten from a stale read, and a
        # concurrent replacement waits (or came first and is followed).
        source = tx.source(lock="update")
        resolved = resolve(source, ssin)
        person = resolved.person
        if bis_only and person.register is not Register.BIS:
            raise NotBisSsin("the ssin was replaced by a national-register number", ssin=ssin)
        updated = dataclasses.replace(person, **values)
        if updated.decease_date and updated.decease_date < updated.birth_date.first_day:
            raise InvalidData(
                "the decease date is before the birth date", deceaseDate=str(updated.decease_date)
            )
        changed = changed_fields(person, updated)
        if not changed:
            return PersonChange(updated, resolved, {})
        day = today()
        recipients = tuple(sorted(tx.register.holders([updated.ssin], day)))
        source.update(updated)
        tx.events.record(identification_event(updated.ssin, changed, day, recipients))
        tx.commit()
    return PersonChange(updated, resolved, changed, recipients)


def identification_event(
    ssin: str, changed: dict[str, dict[str, Any]], day: date, recipients: Iterable[str]
) -> Event:
    """The IDENTIFICATION_DATA event of a change (`changed_fields`) of the person `ssin`,
    for the organisations holding it that day."""
    return Event(
        kind="IDENTIFICATION_DATA",
        ssin=ssin,
        event_date=day,
        payload=changed,
        recipients=tuple(sorted(recipients)),
    )


def changed_fields(before: Person, after: Person) -> dict[str, dict[str, Any]]:
    """The fields that differ, by wire name, with their old and new values as events keep them."""
    return {
        wire: {"old": _plain(getattr(before, name)), "new": _plain(getattr(after, name))}
        for wire, name in CHANGEABLE.items()
        if getattr(before, name) != getattr(after, name)
    }


def _checked_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """The domain values of the fields given (None = not given); InvalidData for a bad one."""
    given = {wire: value for wire, value in changes.items() if value is not None}
    unknown = set(given) - set(CHANGEABLE)
    if unknown:
        raise ValueError(f"not fields of a person: {sorted(unknown)}")
    _check_names(**{CHANGEABLE[w]: v for w, v in given.items() if w in ("lastName", "firstName")})
    values = {CHANGEABLE[wire]: value for wire, value in given.items()}
    if "birthDate" in given:
        values["birth_date"] = _birth_date(given["birthDate"])
    if "gender" in given:
        values["gender"] = Gender(given["gender"])
    if "nationality" in given and not is_nationality(given["nationality"]):
        raise InvalidData(
            "a nationality is an ISO 3166-1 alpha-2 code", nationality=given["nationality"][:10]
        )
    if "deceaseDate" in given and given["deceaseDate"] > today():
        raise InvalidData(
            "the decease date is in the future", deceaseDate=str(given["deceaseDate"])
        )
    return values


def _birth_date(text: str) -> IncompleteDate:
    """A birth date a BIS number can carry (1900 up to today); InvalidData otherwise."""
    try:
        born = IncompleteDate.parse(text)
    except ValueError:
        raise InvalidData("not a valid (incomplete) date", birthDate=text) from None
    if born.year < FIRST_BIS_YEAR or born.first_day > today():
        raise InvalidData("the birth date is out of range (1900 up to today)", birthDate=text)
    return born


def _check_names(**names: str) -> None:
    """InvalidData unless every name is one a person can have, with at least one letter."""
    for field, name in names.items():
        wire = "lastName" if field == "last_name" else "firstName"
        if problem := name_problem(name):
            raise InvalidData(problem, **{wire: name[:NAME_MAX_LENGTH]})
        if not normalise(name):
            raise InvalidData("a name holds at least one letter", **{wire: name})


def _plain(value: Any) -> Any:
    """A value as the event's JSON payload keeps it: text or null."""
    if isinstance(value, Enum):
        return value.value
    return None if value is None else str(value)
