"""The classic KSZ channel (SSDN) in domain terms: who may call, reason codes, code mappings.

No XML here: the services/ layer reads and writes the documents. KSZ's own reason codes are used
where KSZ published one; the others are RAAS's, in the same eight-digit shape (first digit:
1 information, 2 warning, 3 error), listed in the integrator guide.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from enum import IntEnum

from raas.models import errors
from raas.models.persons import Gender

_ORG_UNIT = re.compile(r"^[0-9A-Za-z_.-]{1,64}$")


@dataclass(frozen=True)
class SsdnClient:
    """An organisation's registration on the SSDN channel: from where, and as whom it calls."""

    cbe_number: str
    org_unit: str
    sector: int  # MatrixID
    sub_sector: int | None = None  # MatrixSubID; None: any
    networks: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not _ORG_UNIT.match(self.org_unit):
            raise ValueError("an OrgUnit has 1 to 64 characters from A-Z a-z 0-9 _ . -")
        if not 0 <= self.sector <= 9999 or not 0 <= (self.sub_sector or 0) <= 9999:
            raise ValueError("a sector (MatrixID) and sub-sector are numbers from 0 to 9999")
        if not self.networks:
            raise ValueError("an SSDN client needs at least one network")
        for network in self.networks:
            ipaddress.ip_network(network, strict=False)  # ValueError when malformed


@dataclass(frozen=True)
class AuthorizedUser:
    """`RequestContext/AuthorizedUser` as sent (texts, maybe empty)."""

    user_id: str = ""
    email: str = ""
    org_unit: str = ""
    matrix_id: str = ""
    matrix_sub_id: str = ""

    def matches(self, client: SsdnClient) -> bool:
        """True when this AuthorizedUser is the one the registration names."""
        if self.org_unit.strip() != client.org_unit or _int(self.matrix_id) != client.sector:
            return False
        return client.sub_sector is None or _int(self.matrix_sub_id) == client.sub_sector


def _int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) <= 9 else None


def normalise_network(network: str) -> str:
    """A CIDR as PostgreSQL stores it (host bits cleared); ValueError when malformed."""
    return str(ipaddress.ip_network(network.strip(), strict=False))


class Severity(IntEnum):
    INFORMATION = 1
    WARNING = 2
    ERROR = 3


@dataclass(frozen=True)
class Detail:
    """One `Detail` of a ResultSummary: a reason code, its diagnostic and Information pairs."""

    reason_code: str
    diagnostic: str
    information: tuple[tuple[str, str], ...] = ()

    @property
    def severity(self) -> Severity:
        return Severity(int(self.reason_code[0]))


# ReturnCode and `ok` of a ResultSummary, by the worst severity of its details.
RETURN_CODES = {
    Severity.INFORMATION: ("0", "YES"),
    Severity.WARNING: ("1", "WARNING"),
    Severity.ERROR: ("10000", "NO"),
}
GLOBAL_WARNING = Detail("20000001", "At least one service request has generated a warning")
GLOBAL_ERROR = Detail("30000001", "At least one service request has generated an error")

# KSZ's published codes.
MISSING_ARGUMENT = "31000007"
INCOMPLETE_DATE_WITHOUT_TOLERANCE = "31009001"
NOTHING_FOUND = "32007004"
SEARCHED_BY_SSIN = "21007001"
VERIFICATION_MISMATCH = "22007007"
IDENTITY_VALIDATED = "12007001"

# RAAS's own codes (KSZ published none for these cases).
INVALID_SERVICE_REQUEST = "39000004"
UNKNOWN_SERVICE = "39000010"
SSIN_REPLACED = "29000006"
UNKNOWN_SSIN = "39000005"
CANCELED_SSIN = "39000007"
INVALID_DATA = "39000008"
INVALID_SSIN = "39000011"
NOT_REGISTERED = "39000012"
UNKNOWN_PURPOSE = "39000101"
PERSON_DATA_MISMATCH = "39000102"
UNKNOWN_CARD = "39000103"

# The domain errors of the shared use cases, as SSDN reason codes (most specific class first).
ERROR_CODES: tuple[tuple[type[errors.DomainError], str], ...] = (
    (errors.CardNotKnown, UNKNOWN_CARD),
    (errors.PersonDataMismatch, PERSON_DATA_MISMATCH),
    (errors.UnknownTypeDossier, UNKNOWN_PURPOSE),
    (errors.InvalidSsin, INVALID_SSIN),
    (errors.UnknownSsin, UNKNOWN_SSIN),
    (errors.CanceledSsin, CANCELED_SSIN),
    (errors.NotInscribed, NOT_REGISTERED),
    (errors.InvalidData, INVALID_DATA),
)


def reason_code(error: errors.DomainError) -> str:
    """The SSDN reason code of a refusal of the shared use cases."""
    for kind, code in ERROR_CODES:
        if isinstance(error, kind):
            return code
    return INVALID_DATA


def purpose_code(purpose: str) -> str:
    """The typeDossier of a Purpose: the integer in decimal (`0902` → `902`)."""
    return str(int(purpose))


# IdentifyPerson's gender codes.
GENDER_OF_CODE = {"0": Gender.UNKNOWN, "1": Gender.MALE, "2": Gender.FEMALE}
CODE_OF_GENDER = {gender: code for code, gender in GENDER_OF_CODE.items()}


def worst(details: list[Detail]) -> Severity:
    """The worst severity among the details (INFORMATION when there are none)."""
    return max((d.severity for d in details), default=Severity.INFORMATION)
