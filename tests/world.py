"""The people, organisations and users the tests share, each defined once.

An ssin here is one person in every test: a module loads the people it needs into the stub
authentic source with `load(uow, *people)` and names them by these constants. A test that needs a
person of its own builds a `Person` next to it, with an ssin of its own; `tests/unit/
test_test_layout.py` fails when a module writes one of these people's rows out again.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from raas import usecases
from raas.models.person_csv import COLUMNS, DETAIL_COLUMNS
from raas.models.ssin import make_ssin
from raas.usecases import sourcefeed
from raas.usecases.ports import UowFactory

# -- organisations and users -------------------------------------------------------------------

ADMIN_CBE = "0367302178"  # the KSZ, whose users administer the service
CLIENT_CBE = "0203201340"
OTHER_CBE = "0404616494"
FOURTH_CBE = "0207451227"  # an organisation no user belongs to
PASSWORD = "correct horse battery staple"  # every test user's


@dataclass(frozen=True)
class Users:
    """The usernames of the test users: an admin, and a client of CLIENT_CBE and of OTHER_CBE."""

    admin: str = "ksz-admin"
    client: str = "client-a"
    other: str = "client-b"


# Type dossiers of both client organisations (described by their code): one both define, one only
# the other organisation has.
TYPE_DOSSIERS: Mapping[str, tuple[str, ...]] = {
    CLIENT_CBE: ("902", "LIVING_WAGE", "0"),
    OTHER_CBE: ("902", "ONLY_OTHER"),
}


def define_type_dossiers(
    uow: UowFactory, dossiers: Mapping[str, Iterable[str]] = TYPE_DOSSIERS
) -> None:
    """Define these type dossiers, described by their code, for each organisation."""
    for cbe, codes in dossiers.items():
        for code in codes:
            usecases.define_type_dossier(uow, cbe, code, code)


# -- the persons of the stub authentic source ---------------------------------------------------

HEADER = ",".join(COLUMNS)  # of the source's CSV file


@dataclass(frozen=True)
class Person:
    """A person as the source's CSV file gives it (`raas source import`)."""

    ssin: str
    last_name: str
    first_name: str
    birth_date: str  # as the source writes it: 1990-07-00 is known to the month
    gender: str = "MALE"
    status: str = "ACTIVE"
    replaced_by: str = ""
    details: tuple[str, ...] = ()  # the optional columns, in DETAIL_COLUMNS order

    @property
    def row(self) -> str:
        """The person's line of the CSV file (the identification columns only)."""
        fields = (self.last_name, self.first_name, self.birth_date, self.gender, self.status)
        return ",".join((self.ssin, *fields, self.replaced_by))

    def replace(self, **changes: str) -> Person:
        """The same person with these fields changed (another ssin, another name...)."""
        return dataclasses.replace(self, **changes)


# An active man of the national register, whose first name has a hyphen.
ACTIVE = make_ssin(1985, 3, 14, 121)
# Another Van den Broucke born the same day: Jan, the plain spelling.
VAN_DEN_BROUCKE = make_ssin(1985, 3, 14, 117)
# Jan Peeters, the integrator guide's example (`raas demo` adds him too).
JAN_PEETERS = make_ssin(1985, 3, 14, 123)
# The same man under a second active ssin: tests make the source replace JAN_PEETERS by it.
JAN_PEETERS_NEW = make_ssin(1985, 3, 14, 135)
# Another Jan Peeters, born in 1990 (the notification examples).
JAN_PEETERS_1990 = make_ssin(1990, 7, 1, 31)
# A woman with accents in both names.
OTHER_PERSON = make_ssin(1962, 11, 2, 56)
# Marie Peeters and her old ssins: REPLACED was replaced by SUCCESSOR; REPLACED_TWICE by MIDDLE,
# itself replaced by SUCCESSOR.
SUCCESSOR = make_ssin(1985, 3, 14, 125)
REPLACED = make_ssin(1985, 3, 14, 127)
MIDDLE = make_ssin(1985, 3, 14, 141)
REPLACED_TWICE = make_ssin(1985, 3, 14, 143)
# A canceled ssin, of a birth date known to the month.
CANCELED = make_ssin(1990, 7, 0, 12)
# A man of the BIS register.
BIS_PERSON = make_ssin(1979, 11, 2, 45, month_offset=40)
# The SSDN channel's person: his card numbers and address prove who asks about him.
DUPONT = make_ssin(1968, 6, 1, 53)
ID_CARD = "591-1234567-89"
SIS_CARD = "1234567890"

UNKNOWN = make_ssin(1985, 3, 14, 997)  # valid, and in no test's source
MALFORMED = ACTIVE[:-1] + str((int(ACTIVE[-1]) + 1) % 10)  # a wrong check digit

_MARIE = Person(SUCCESSOR, "Peeters", "Marie", "1985-03-14", "FEMALE")
_JAN_PEETERS = Person(JAN_PEETERS, "Peeters", "Jan", "1985-03-14")

PEOPLE: Mapping[str, Person] = {
    p.ssin: p
    for p in (
        Person(ACTIVE, "Van den Broucke", "Jan-Pieter", "1985-03-14"),
        Person(VAN_DEN_BROUCKE, "Van den Broucke", "Jan", "1985-03-14"),
        _JAN_PEETERS,
        _JAN_PEETERS.replace(ssin=JAN_PEETERS_NEW),
        Person(JAN_PEETERS_1990, "Peeters", "Jan", "1990-07-01"),
        Person(OTHER_PERSON, "Lefèvre", "Élodie", "1962-11-02", "FEMALE"),
        _MARIE,
        _MARIE.replace(ssin=REPLACED, status="REPLACED", replaced_by=SUCCESSOR),
        _MARIE.replace(ssin=MIDDLE, status="REPLACED", replaced_by=SUCCESSOR),
        _MARIE.replace(ssin=REPLACED_TWICE, status="REPLACED", replaced_by=MIDDLE),
        Person(CANCELED, "Dubois", "Luc", "1990-07-00", status="CANCELED"),
        Person(BIS_PERSON, "Müller", "Jürgen", "1979-11-02"),
        Person(
            DUPONT,
            "Dupont",
            "Jean",
            "1968-06-01",
            details=(ID_CARD, SIS_CARD, "Rue de la Loi", "16", "1000", "Bruxelles", "150"),
        ),
    )
}


def source_csv(*people: str | Person) -> str:
    """The source's CSV file of these people (world ssins or Persons of a test's own)."""
    persons = [p if isinstance(p, Person) else PEOPLE[p] for p in people]
    if not any(p.details for p in persons):
        return "".join(f"{line}\n" for line in (HEADER, *(p.row for p in persons)))
    empty = ("",) * len(DETAIL_COLUMNS)
    lines = [",".join((HEADER, *DETAIL_COLUMNS))]
    lines += [",".join((p.row, *(p.details or empty))) for p in persons]
    return "".join(f"{line}\n" for line in lines)


def load(uow: UowFactory, *people: str | Person) -> sourcefeed.Imported:
    """Import these people into the stub authentic source, in this order; what it did."""
    done = sourcefeed.import_csv(uow, io.StringIO(source_csv(*people)))
    assert done.errors == ()
    return done
