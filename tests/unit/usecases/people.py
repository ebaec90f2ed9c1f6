"""The organisations, users, persons and LinkRegister formats the use-case tests start from."""

from __future__ import annotations

from raas.models.links import CaseFolding, KeyFormat, KeyType, Normalisation
from raas.models.persons import Gender, IncompleteDate, Person, PersonDetails, PersonStatus
from raas.models.ssin import Register, make_ssin
from raas.models.type_dossiers import TypeDossier
from raas.models.users import Role, User
from tests.fakes import FakeDatabase

ORG = "0203201340"
OTHER_ORG = "0404616494"
ALICE = User("alice", ORG, Role.CLIENT)
BOB = User("bob", OTHER_ORG, Role.CLIENT)
ROOT = User("root", "0367302178", Role.ADMIN)

# Marie Janssens, active; known before under OLD, and before that under OLDEST.
ACTIVE = make_ssin(1985, 3, 14, 124)
OLD = make_ssin(1985, 3, 14, 126)
OLDEST = make_ssin(1985, 3, 14, 128)
CANCELED = make_ssin(1970, 1, 2, 33)
UNKNOWN = make_ssin(1990, 7, 1, 11)  # valid, but the source does not know it
INVALID = "85031412399"  # check digits wrong
CARD = "591-1234567-89"  # Marie's identity card
# Jean Dubois, a BIS person born in March 1960 (day unknown)
BIS = make_ssin(1960, 3, 0, 1, month_offset=40)
# Luc Peeters, a national-register person
RR = make_ssin(1950, 6, 20, 17)

MARIE = Person(
    ACTIVE,
    Register.RR,
    "Janssens",
    "Marie-Thérèse",
    IncompleteDate(1985, 3, 14),
    Gender.FEMALE,
    nationality="BE",
)
PERSONS = [
    MARIE,
    Person(
        OLD,
        Register.RR,
        "Janssens",
        "Marie",
        IncompleteDate(1985, 3, 14),
        Gender.FEMALE,
        PersonStatus.REPLACED,
        replaced_by=ACTIVE,
    ),
    Person(
        OLDEST,
        Register.RR,
        "Janssens",
        "Marie",
        IncompleteDate(1985, 3, 14),
        Gender.FEMALE,
        PersonStatus.REPLACED,
        replaced_by=OLD,
    ),
    Person(
        CANCELED,
        Register.RR,
        "Claes",
        "Paul",
        IncompleteDate(1970, 1, 2),
        Gender.MALE,
        PersonStatus.CANCELED,
    ),
    Person(BIS, Register.BIS, "Dubois", "Jean", IncompleteDate(1960, 3), Gender.MALE),
    Person(RR, Register.RR, "Peeters", "Luc", IncompleteDate(1950, 6, 20), Gender.MALE),
]

NUM = " .-/"
BSN = KeyFormat("NL", "NATIONAL_NUMBER", "BSN: 9 digits", "[0-9]{9}", "nl.bsn", Normalisation(NUM))
EIDAS = KeyFormat(
    "*",
    "EIDAS",
    "eIDAS XX/YY/identifier",
    "[A-Z]{2}/[A-Z]{2}/\\S{1,256}",
    "eidas",
    Normalisation("", CaseFolding.NONE),
)
KEY_TYPES = ["NATIONAL_NUMBER", "PASSPORT", "TAX_NUMBER", "EIDAS"]


def world() -> FakeDatabase:
    """A fresh database holding the people above; ORG may inscribe under FAMILY and SOCIAL,
    OTHER_ORG under FAMILY."""
    db = FakeDatabase()
    state = db.state
    state.persons = {p.ssin: p for p in PERSONS}
    state.details[ACTIVE] = PersonDetails(ACTIVE, identity_card_number=CARD)
    for cbe, code in ((ORG, "FAMILY"), (ORG, "SOCIAL"), (OTHER_ORG, "FAMILY")):
        state.type_dossiers[cbe, code] = TypeDossier(cbe, code, code.title())
    state.key_types = {code: KeyType(code, code.title()) for code in KEY_TYPES}
    state.formats = {(f.country, f.key_type): f for f in (BSN, EIDAS)}
    return db
