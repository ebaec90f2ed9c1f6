"""Reading the CSV file of `raas source import`: persons for the stub authentic source.

The header names the columns `ssin,lastName,firstName,birthDate,gender,status,replacedBy`, in any
order. Every problem is reported with its line number, so one run shows all the mistakes in a
file; a line with a problem yields no person. The register (RR or BIS) is derived from the ssin.
Optional columns (`DETAIL_COLUMNS`) give card numbers and an address (the SSDN channel's proof of
authentication and IdentifyPerson's Address).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from enum import Enum
from typing import Any, TypeVar

from stdnum.be import nn

from raas.models.persons import (
    Address,
    Gender,
    IncompleteDate,
    Person,
    PersonDetails,
    PersonStatus,
    name_problem,
)
from raas.models.phonetic import normalise
from raas.models.ssin import register_of

_E = TypeVar("_E", bound=Enum)

COLUMNS = ("ssin", "lastName", "firstName", "birthDate", "gender", "status", "replacedBy")
# Optional columns: what the source may know beside the identification data. An empty field
# keeps what the source knew; an address without countryCode is in Belgium (NIS code 150).
DETAIL_COLUMNS = (
    "identityCardNumber",
    "sisCardNumber",
    "street",
    "houseNumber",
    "postalCode",
    "municipality",
    "countryCode",
)
CARD_PATTERN = _CARD = re.compile(r"^[0-9A-Za-z .-]{1,32}$")
_NIS_COUNTRY = re.compile(r"^[0-9]{1,5}$")


class _LineError(ValueError):
    """A problem with one field of one line."""


def parse_persons_csv(lines: Iterable[str]) -> tuple[list[Person], list[str]]:
    """The persons of a CSV file and the problems found, as 'line N: …' messages."""
    numbered, errors = parse_numbered_persons_csv(lines)
    return [person for _, person in numbered], errors


def parse_numbered_persons_csv(
    lines: Iterable[str], details: list[PersonDetails] | None = None
) -> tuple[list[tuple[int, Person]], list[str]]:
    """`parse_persons_csv` with the line each person starts on, for later per-line errors.

    With `details`, the persons' optional card numbers and addresses are appended to it.
    """
    reader = csv.reader(iter(lines))
    header = next(reader, None)
    if header is None:
        return [], ["line 1: the file is empty; expected the header " + ",".join(COLUMNS)]
    columns = [name.strip().lstrip("\ufeff") for name in header]  # Excel writes a BOM
    header_errors = _check_header(columns)
    if header_errors:
        return [], header_errors
    persons: list[tuple[int, Person]] = []
    errors: list[str] = []
    first_line: dict[str, int] = {}  # ssin -> line that gave it, to refuse duplicates
    line_number = reader.line_num
    for row in reader:
        # A quoted field may span lines: report the line on which the record starts.
        start, line_number = line_number + 1, reader.line_num
        if not any(field.strip() for field in row):
            continue  # blank lines are harmless
        person, problems = _parse_row(columns, row)
        extra, extra_problems = _details(columns, row, person)
        problems += extra_problems
        if extra is not None and details is not None:
            details.append(extra)
        if person is not None and person.ssin in first_line:
            problems.append(f"ssin {person.ssin} already given on line {first_line[person.ssin]}")
        if problems:
            errors.extend(f"line {start}: {problem}" for problem in problems)
            continue
        assert person is not None
        first_line[person.ssin] = start
        persons.append((start, person))
    return persons, errors


def _check_header(names: list[str]) -> list[str]:
    """Problems with the header line: unknown, missing or repeated columns."""
    known = COLUMNS + DETAIL_COLUMNS
    errors = [f"line 1: unknown column {name!r}" for name in names if name not in known]
    errors += [f"line 1: missing column {name!r}" for name in COLUMNS if name not in names]
    repeated = sorted({name for name in names if names.count(name) > 1})
    errors += [f"line 1: column {name!r} appears more than once" for name in repeated]
    if errors:
        errors.append("line 1: optional columns: " + ",".join(DETAIL_COLUMNS))
        errors.append("line 1: the header must be " + ",".join(COLUMNS))
    return errors


def _details(
    columns: list[str], row: list[str], person: Person | None
) -> tuple[PersonDetails | None, list[str]]:
    """The optional card numbers and address on a line (None when it gives none)."""
    if person is None or len(row) != len(columns):
        return None, []
    fields = {
        name: value.strip()
        for name, value in zip(columns, row, strict=True)
        if name in DETAIL_COLUMNS and value.strip()
    }
    if not fields:
        return None, []
    problems = [
        f"{name} is not a card number (up to 32 letters, digits, spaces, dots, dashes)"
        for name in ("identityCardNumber", "sisCardNumber")
        if name in fields and not _CARD.match(fields[name])
    ]
    problems += [
        f"{name} has more than 200 characters"
        for name in ("street", "houseNumber", "postalCode", "municipality")
        if len(fields.get(name, "")) > 200
    ]
    if "countryCode" in fields and not _NIS_COUNTRY.match(fields["countryCode"]):
        problems.append("countryCode is a NIS country code (digits; 150 is Belgium)")
    if problems:
        return None, problems
    address = None
    parts = ("street", "houseNumber", "postalCode", "municipality", "countryCode")
    if any(name in fields for name in parts):
        address = Address(
            fields.get("countryCode", "150"),
            fields.get("postalCode"),
            fields.get("municipality"),
            fields.get("street"),
            fields.get("houseNumber"),
        )
    details = PersonDetails(
        person.ssin, fields.get("identityCardNumber"), fields.get("sisCardNumber"), address
    )
    return details, []


def _parse_row(columns: list[str], row: list[str]) -> tuple[Person | None, list[str]]:
    """The person on one line, or None and the problems found on it."""
    if len(row) != len(columns):
        return None, [f"expected {len(columns)} fields, found {len(row)}"]
    fields = {name: value.strip() for name, value in zip(columns, row, strict=True)}
    problems: list[str] = []
    values: dict[str, Any] = {}
    for key, parse in _FIELD_PARSERS.items():
        try:
            values[key] = parse(fields)
        except _LineError as error:
            problems.append(str(error))
    if not problems:
        try:
            _check_replacement(values["ssin"], values["status"], values["replaced_by"])
        except _LineError as error:
            problems.append(str(error))
    if problems:
        return None, problems
    register = register_of(values["ssin"])
    assert register is not None  # _ssin checked the ssin
    return Person(register=register, **values), []


def _ssin(fields: dict[str, str]) -> str:
    """The ssin, without separators; a valid national-register or BIS number."""
    return _valid_ssin(fields["ssin"], "ssin")


def _valid_ssin(text: str, column: str) -> str:
    """`text` as 11 digits when it is a valid INSZ."""
    if not text:
        raise _LineError(f"{column} is missing")
    ssin = nn.compact(text)  # accepts the printed form 85.07.30-033.28 too
    if register_of(ssin) is None:
        raise _LineError(f"{column} {text} is not a valid INSZ")
    return ssin


def _required_name(column: str) -> Callable[[dict[str, str]], str]:
    """A parser for a name column that must not be empty."""

    def parse(fields: dict[str, str]) -> str:
        if not fields[column]:
            raise _LineError(f"{column} is missing")
        if problem := name_problem(fields[column]):
            raise _LineError(f"{column}: {problem}")
        if not normalise(fields[column]):
            raise _LineError(f"{column}: a name holds at least one letter")
        return fields[column]

    return parse


def _birth_date(fields: dict[str, str]) -> IncompleteDate:
    """birthDate as YYYY-MM-DD, YYYY-MM-00 or YYYY-00-00."""
    text = fields["birthDate"]
    try:
        return IncompleteDate.parse(text)
    except ValueError:
        raise _LineError(
            f"birthDate {text!r} is not a date YYYY-MM-DD, YYYY-MM-00 or YYYY-00-00"
        ) from None


def _gender(fields: dict[str, str]) -> Gender:
    """gender: MALE, FEMALE or UNKNOWN."""
    return _enum(Gender, fields["gender"], "gender")


def _status(fields: dict[str, str]) -> PersonStatus:
    """status: ACTIVE, REPLACED or CANCELED; an empty field means ACTIVE."""
    return _enum(PersonStatus, fields["status"] or PersonStatus.ACTIVE.value, "status")


def _enum(kind: type[_E], text: str, column: str) -> _E:
    """The member of the enumeration `kind` named `text`."""
    try:
        return kind(text)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise _LineError(f"{column} {text!r} is not one of {allowed}") from None


def _replaced_by(fields: dict[str, str]) -> str | None:
    """replacedBy: empty, or a valid INSZ."""
    text = fields["replacedBy"]
    return _valid_ssin(text, "replacedBy") if text else None


def _check_replacement(ssin: str, status: PersonStatus, replaced_by: str | None) -> None:
    """replacedBy is given exactly for a REPLACED person, and names another ssin."""
    if status is PersonStatus.REPLACED and replaced_by is None:
        raise _LineError("replacedBy is required when status is REPLACED")
    if status is not PersonStatus.REPLACED and replaced_by is not None:
        raise _LineError(f"replacedBy must be empty when status is {status.value}")
    if replaced_by == ssin:
        raise _LineError(f"ssin {ssin} cannot be replaced by itself")


# Person field -> how to read it from the line's fields; every parser raises _LineError.
_FIELD_PARSERS: dict[str, Callable[[dict[str, str]], Any]] = {
    "ssin": _ssin,
    "last_name": _required_name("lastName"),
    "first_name": _required_name("firstName"),
    "birth_date": _birth_date,
    "gender": _gender,
    "status": _status,
    "replaced_by": _replaced_by,
}
