"""Inscription files: one inscription a line, as a bulk load or a nightly reconciliation sends them.

A CSV file has a header naming its columns (any order): `ssin`, `typeDossier`, `beginDate`
required, `endDate`, `lastName`, `firstName`, `birthDate`, `gender` optional (an empty cell: not
given). Its result file has one line per inscription, in the same order: the line number, ssin,
typeDossier and the status Inscribe would answer (`value`, `code`, `description`, and the
status's `information` as `fieldName=fieldValue;` pairs) and whether it was `applied`. A line
whose values the request schema would refuse (an ssin of 10 digits, a date that is no date) is
refused on its own, MSG00004.

An XML file holds the same inscriptions as Inscribe's elements, in the namespace and schema
`InscriptionFile.xsd` publishes; its lines are numbered from 1 in document order.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from datetime import date
from typing import IO, NamedTuple

from lxml import etree

from raas.models.errors import InvalidData

COLUMNS = (
    "ssin",
    "typeDossier",
    "beginDate",
    "endDate",
    "lastName",
    "firstName",
    "birthDate",
    "gender",
)
REQUIRED = COLUMNS[:3]
PERSON_DATA = COLUMNS[4:]
RESULT_COLUMNS = (
    "line", "ssin", "typeDossier", "value", "code", "description", "information", "applied"
)
MALFORMED = "MSG00004"

# The request schema's types (services/types.py): what a line must look like to be read at all.
_SSIN = re.compile(r"[0-9]{11}")
_TYPE_DOSSIER = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_GENDERS = {"MALE", "FEMALE", "UNKNOWN"}
NAME_MAX = 200


class Line(NamedTuple):
    """One inscription of a file: its line number (the header is line 1 of a CSV file), its
    values in `COLUMNS` order ('' when not given), and what makes it unreadable, if anything."""

    number: int
    values: tuple[str, ...]
    problem: str | None

    @property
    def has_person_data(self) -> bool:
        return any(self.values[4:])


def read_csv(text: Iterable[str], check: bool = True) -> Iterator[Line]:
    """The lines of a CSV inscription file; InvalidData when its header is not one. Without
    `check`, the lines' values are not checked (`problem` None): to count or read a file through."""
    reader = csv.reader(text)
    header = next(reader, None)
    if header is None:
        raise InvalidData("the file is empty: a header line is expected")
    names = [name.strip() for name in header]
    unknown = [name for name in names if name not in COLUMNS]
    missing = [name for name in REQUIRED if name not in names]
    if unknown or missing or len(set(names)) != len(names):
        raise InvalidData(
            f"the header must name the columns {', '.join(COLUMNS)} (the first three required, "
            "each once)",
            header=",".join(names)[:200],
        )
    where = [names.index(name) if name in names else None for name in COLUMNS]
    width = len(names)
    for row in reader:
        number = reader.line_num
        if not row:  # an empty line
            continue
        if len(row) != width:
            yield Line(number, ("",) * len(COLUMNS), f"{len(row)} values for {width} columns")
            continue
        values = tuple("" if i is None else row[i] for i in where)
        yield Line(number, values, problem(values) if check else None)


def problem(values: tuple[str, ...]) -> str | None:
    """What the request schema would refuse in these values (`COLUMNS` order), or None."""
    ssin, code, begin, end, last, first, birth, gender = values
    if not _SSIN.fullmatch(ssin):
        return "ssin: 11 digits expected"
    if not _TYPE_DOSSIER.fullmatch(code):
        return "typeDossier: 1 to 64 characters from A-Z a-z 0-9 _ . -"
    for name, value in (("beginDate", begin), ("endDate", end)):
        if (value or name == "beginDate") and not _is_date(value):
            return f"{name}: a date YYYY-MM-DD expected"
    for name, value in (("lastName", last), ("firstName", first)):
        if len(value) > NAME_MAX:
            return f"{name}: at most {NAME_MAX} characters"
    if birth and not _DATE.fullmatch(birth):
        return "birthDate: YYYY-MM-DD, YYYY-MM-00 or YYYY-00-00 expected"
    if gender and gender not in _GENDERS:
        return "gender: MALE, FEMALE or UNKNOWN expected"
    return None


def _is_date(value: str) -> bool:
    if not _DATE.fullmatch(value):
        return False
    try:
        return date.fromisoformat(value).year >= 1
    except ValueError:
        return False


FILE_NS = "urn:raas:inscriptionfile:v1"
_XML_FIELDS = (
    ("ssin",),
    ("typeDossier",),
    ("period", "beginDate"),
    ("period", "endDate"),
    ("personData", "lastName"),
    ("personData", "firstName"),
    ("personData", "birthDate"),
    ("personData", "gender"),
)
_XML_PATHS = ["/".join(f"{{{FILE_NS}}}{part}" for part in path) for path in _XML_FIELDS]


def read_xml(source: IO[bytes], schema: etree.XMLSchema) -> Iterator[Line]:
    """The inscriptions of an XML inscription file, validated against its schema as they are
    read; InvalidData when the file is not one (the lines read before it was found are no less
    to be thrown away: check a whole file before acting on it)."""
    parser = etree.iterparse(
        source,
        events=("end",),
        tag=f"{{{FILE_NS}}}inscription",
        schema=schema,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    )
    number = 0
    try:
        for _, element in parser:
            number += 1
            values = tuple(element.findtext(path) or "" for path in _XML_PATHS)
            yield Line(number, values, None)
            element.clear()
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]  # the tree holds no more than one item
    except etree.XMLSyntaxError as error:
        raise InvalidData(f"the file does not match InscriptionFile.xsd: {error}") from None
