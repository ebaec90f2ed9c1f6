"""Persons as the authentic source knows them, and incomplete birth dates."""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Literal

from raas.models.ssin import Register

_INCOMPLETE_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_NATIONALITY = re.compile(r"[A-Z]{2}")
NAME_MAX_LENGTH = 200  # as the services' NameType
# Control, surrogate, private-use and unassigned characters, and the invisible ones: format
# characters (bidirectional overrides such as U+202E, zero-width spaces and joiners, soft hyphens)
# and line or paragraph separators. A name holding one would travel into notification files and
# other systems looking like another name.
_REFUSED_IN_NAMES = {"Cc", "Cs", "Co", "Cn", "Cf", "Zl", "Zp"}


def name_problem(name: str) -> str | None:
    """Why `name` cannot be a person's name (length, characters a document cannot carry)."""
    if not name.strip():
        return "a name cannot be empty"
    if len(name) > NAME_MAX_LENGTH:
        return f"a name has at most {NAME_MAX_LENGTH} characters"
    if refused := [c for c in name if unicodedata.category(c) in _REFUSED_IN_NAMES]:
        return (
            "a name holds no control, invisible formatting or unassigned characters "
            f"(here U+{ord(refused[0]):04X})"
        )
    return None


def comparable_name(name: str) -> str:
    """A name as two names are compared: only its letters and digits count, without case or
    accents (`Petit-Jean` = `PetitJean` = `petit jean`, `D'Hondt` = `Dhondt`, `Müller` =
    `Muller`). The one rule for every comparison of person data with the source."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c)).casefold()


def is_nationality(code: str) -> bool:
    """An ISO 3166-1 alpha-2 shaped code, as the services' NationalityType."""
    return _NATIONALITY.fullmatch(code) is not None


class Gender(StrEnum):
    MALE = "MALE"
    FEMALE = "FEMALE"
    UNKNOWN = "UNKNOWN"


class PersonStatus(StrEnum):
    ACTIVE = "ACTIVE"
    REPLACED = "REPLACED"
    CANCELED = "CANCELED"


@dataclass(frozen=True, order=True)
class IncompleteDate:
    """A birth date whose month and day may be unknown (0): YYYY-MM-DD, YYYY-MM-00, YYYY-00-00."""

    year: int
    month: int = 0
    day: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.year <= 9999 or not 0 <= self.month <= 12:
            raise ValueError(f"not an incomplete date: {self}")
        if self.month == 0 and self.day != 0:
            raise ValueError("a day without a month is not an incomplete date")
        if self.day:
            date(self.year, self.month, self.day)  # raises ValueError for 2023-02-30

    @classmethod
    def parse(cls, text: str) -> IncompleteDate:
        """Read YYYY-MM-DD, YYYY-MM-00 or YYYY-00-00; ValueError otherwise."""
        match = _INCOMPLETE_DATE.match(text)
        if not match:
            raise ValueError(f"not an incomplete date: {text!r}")
        return cls(*(int(part) for part in match.groups()))

    @property
    def precision(self) -> str:
        """'day', 'month' or 'year': the finest part that is known."""
        return "day" if self.day else "month" if self.month else "year"

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    @property
    def first_day(self) -> date:
        """The earliest day the date can be."""
        return date(self.year, self.month or 1, self.day or 1)

    @property
    def last_day(self) -> date:
        """The latest day the date can be."""
        if not self.month:
            return date(self.year, 12, 31)
        return date(self.year, self.month, self.day or _days_in(self.year, self.month))

    def widened(self, tolerance: int) -> tuple[date, date]:
        """The days within `tolerance` days, months or years (by precision) of this date."""
        if self.precision == "day":
            day = self.first_day
            return day - timedelta(days=tolerance), day + timedelta(days=tolerance)
        if self.precision == "month":
            first = _add_months(self.year, self.month, -tolerance)
            last = _add_months(self.year, self.month, tolerance)
            return date(*first, 1), date(*last, _days_in(*last))
        return date(self.year - tolerance, 1, 1), date(self.year + tolerance, 12, 31)

    def overlaps(self, first: date, last: date) -> bool:
        """True when this date can fall between `first` and `last` (inclusive)."""
        return self.first_day <= last and first <= self.last_day

    def gap_days(self, other: IncompleteDate) -> int:
        """Days between the nearest days the two dates can be (0 when they can be equal)."""
        return max(
            0,
            (other.first_day - self.last_day).days,
            (self.first_day - other.last_day).days,
        )


def _days_in(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    """(year, month) `months` months after year-month; ValueError outside years 1..9999."""
    index = year * 12 + (month - 1) + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise ValueError("the date is out of range")
    return year, month + 1


@dataclass(frozen=True)
class Person:
    """A person in the national register or the BIS register."""

    ssin: str
    register: Register
    last_name: str
    first_name: str
    birth_date: IncompleteDate
    gender: Gender
    status: PersonStatus = PersonStatus.ACTIVE
    replaced_by: str | None = None
    nationality: str | None = None
    decease_date: date | None = None


# (before, after) of each person a change of the source's data changed.
Changes = list[tuple[Person, Person]]

# How a writer reads the persons it acts on, locking them until its transaction ends: "share"
# for the writers of a person's lines and links (a replacement waits for them, or they wait for
# it and then see the person replaced), "update" for the writers of the persons themselves.
Lock = Literal["share", "update"]


@dataclass(frozen=True)
class Address:
    """A person's address as the source may know it (every part optional but the country)."""

    country_code: str  # the NIS code of the country (150: Belgium)
    postal_code: str | None = None
    municipality: str | None = None
    street: str | None = None
    house_number: str | None = None


@dataclass(frozen=True)
class PersonDetails:
    """What the stub source may know beside the identification data (all optional)."""

    ssin: str
    identity_card_number: str | None = None
    sis_card_number: str | None = None
    address: Address | None = None

    def knows_card(self, number: str) -> bool:
        """True when `number` is the person's identity card or SIS card (spaces, dashes,
        dots and case aside)."""
        wanted = _card(number)
        return bool(wanted) and wanted in {
            _card(n) for n in (self.identity_card_number, self.sis_card_number) if n
        }


def _card(number: str) -> str:
    return "".join(c for c in number if c.isalnum()).upper()
