"""Persons as the authentic source knows them, and incomplete birth dates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from raas.models.ssin import Register

_INCOMPLETE_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


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
