"""Register lines and the checks of an inscription: what a client sends against the source."""

from __future__ import annotations

from dataclasses import dataclass

from raas.models.errors import InvalidData
from raas.models.periods import Period
from raas.models.persons import Gender, IncompleteDate, Person, comparable_name

# A key of an organisation's register: (ssin, typeDossier); its lines are periods.
Key = tuple[str, str]


@dataclass(frozen=True)
class Inscription:
    """One line of an organisation's register: the ssin is known in `type_dossier` over `period`."""

    ssin: str
    type_dossier: str
    period: Period


@dataclass(frozen=True)
class PersonData:
    """Identity data a client sends as proof with an inscription; each field is optional."""

    last_name: str | None = None
    first_name: str | None = None
    birth_date: str | None = None  # as sent: YYYY-MM-DD, YYYY-MM-00 or YYYY-00-00
    gender: Gender | None = None


def mismatches(given: PersonData, person: Person) -> list[str]:
    """The wire names of the given fields that disagree with the source's person."""
    wrong = []
    if given.last_name is not None and not same_name(given.last_name, person.last_name):
        wrong.append("lastName")
    if given.first_name is not None and not same_name(given.first_name, person.first_name):
        wrong.append("firstName")
    if given.birth_date is not None and not same_date(_parse(given.birth_date), person.birth_date):
        wrong.append("birthDate")
    if given.gender is not None and not same_gender(given.gender, person.gender):
        wrong.append("gender")
    return wrong


def _parse(birth_date: str) -> IncompleteDate:
    try:
        return IncompleteDate.parse(birth_date)
    except ValueError as error:
        raise InvalidData(f"birthDate is not a date: {error}", birthDate=birth_date) from None


def same_name(given: str, known: str) -> bool:
    """True when the names have the same letters and digits (see `comparable_name`)."""
    return comparable_name(given) == comparable_name(known)


def same_date(a: IncompleteDate, b: IncompleteDate) -> bool:
    """True unless a part both dates know differs (00 is unknown; no month hides the day)."""
    if a.year != b.year:
        return False
    if 0 in (a.month, b.month):
        return True
    return a.month == b.month and (0 in (a.day, b.day) or a.day == b.day)


def same_gender(a: Gender, b: Gender) -> bool:
    """True unless both genders are known and differ."""
    return Gender.UNKNOWN in (a, b) or a == b
