"""INSZ/NISS (ssin): national-register and BIS numbers, validated by python-stdnum.

python-stdnum validates every rule (structure, date part, check digits, both centuries) but has
no function to compute the check digits of a new number; `make_ssin` does that with the rule
`97 - (N mod 97)`, where N is the first nine digits with a `2` in front for births from 2000 on.
"""

from __future__ import annotations

from enum import StrEnum

from stdnum.be import bis, nn
from stdnum.exceptions import ValidationError


class Register(StrEnum):
    """The register that issued an ssin."""

    RR = "RR"  # national register (rijksregister / registre national)
    BIS = "BIS"  # BIS register of the KSZ/BCSS


def register_of(ssin: str) -> Register | None:
    """The register that issued `ssin`, or None when it is not a valid ssin."""
    try:
        nn.validate(ssin)
        return Register.RR
    except ValidationError:
        pass
    try:
        bis.validate(ssin)
        return Register.BIS
    except ValidationError:
        return None


def is_valid(ssin: str) -> bool:
    """True when `ssin` is a well-formed national-register or BIS number."""
    return register_of(ssin) is not None


def check_digits(first_nine: str, born_after_1999: bool) -> str:
    """The two check digits for the first nine digits of an ssin."""
    number = int(("2" if born_after_1999 else "") + first_nine)
    return f"{97 - number % 97:02d}"


def make_ssin(year: int, month: int, day: int, sequence: int, *, month_offset: int = 0) -> str:
    """An ssin for a birth date (month/day 0 when unknown) and a sequence number 1..998.

    `month_offset` is 0 for a national-register number, 20 or 40 for a BIS number.
    """
    if not 1 <= sequence <= 998:
        raise ValueError("the sequence number runs from 001 to 998")
    first_nine = f"{year % 100:02d}{month + month_offset:02d}{day:02d}{sequence:03d}"
    return first_nine + check_digits(first_nine, year >= 2000)


def bis_month_offset(gender_known: bool) -> int:
    """A BIS number adds 40 to the birth month when the gender is known, 20 when not."""
    return 40 if gender_known else 20


def bis_numbers(year: int, month: int, day: int, *, male: bool | None) -> list[str]:
    """Every BIS number for a birth date (0 for unknown parts), in sequence order.

    `male` True/False: month + 40 and an odd/even sequence; None (unknown): month + 20, any.
    """
    offset = bis_month_offset(male is not None)
    sequences = range(1, 999) if male is None else range(1 if male else 2, 999, 2)
    return [make_ssin(year, month, day, seq, month_offset=offset) for seq in sequences]
