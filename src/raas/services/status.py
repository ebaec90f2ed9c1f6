"""The one table from domain outcomes to contract status codes, values and descriptions."""

from __future__ import annotations

from enum import Enum

from raas.models import errors

DESCRIPTIONS = {
    "MSG00000": "Treatment successful",
    "MSG00001": "The service is temporarily unavailable, try again later",
    "MSG00003": "An error occurred while servicing your request.",
    "MSG00004": "The request structure is not valid",
    "MSG00005": "The ssin does not exist in the authentic source",
    "MSG00006": "The ssin is replaced; the operation was applied to its replacement",
    "MSG00007": "The ssin is canceled",
    "MSG00008": "The request contains invalid data",
    "MSG00011": "The structure of the ssin is invalid",
    "MSG00012": "The ssin is not inscribed in your register",
    "MSG00014": "Authentication failed",
    "MSG00016": "Operation refused for the authenticated user",
    "MSG00100": "Treatment successful, no data found",
    "RAAS0001": "Unknown typeDossier for this organisation",
    "RAAS0002": "Person data do not match the authentic source",
    "RAAS0003": "The foreign key does not match the allowed format for this country and key type",
    "RAAS0004": "The link already exists",
    "RAAS0005": "Link not found",
    "RAAS0006": "Only the validity period of a link can be changed",
    "RAAS0007": "The ssin is not a BIS number",
    "RAAS0008": "Possible duplicates found; no BIS number was created",
    "RAAS0009": "Not authorized for this flow",
    "RAAS0010": "The link was created by another organisation",
}

ERROR_CODES: dict[type[errors.DomainError], str] = {
    errors.InvalidData: "MSG00008",
    errors.InvalidSsin: "MSG00011",
    errors.UnknownSsin: "MSG00005",
    errors.CanceledSsin: "MSG00007",
    errors.NotInscribed: "MSG00012",
    errors.UnknownTypeDossier: "RAAS0001",
    errors.PersonDataMismatch: "RAAS0002",
    errors.InvalidForeignKey: "RAAS0003",
    errors.LinkExists: "RAAS0004",
    errors.UnknownLink: "RAAS0005",
    errors.LinkFieldChanged: "RAAS0006",
    errors.NotBisSsin: "RAAS0007",
    errors.PossibleDuplicates: "RAAS0008",
    errors.FlowNotAuthorized: "RAAS0009",
    errors.LinkOwnedElsewhere: "RAAS0010",
}


class Kind(Enum):
    """Writes answer OK/NOK; consultations DATA_FOUND/NO_DATA_FOUND/NO_RESULT."""

    WRITE = "write"
    CONSULT = "consult"


def code_of(error: errors.DomainError) -> str:
    """The contract code for a domain error (the nearest class in the table)."""
    for cls in type(error).__mro__:
        if cls in ERROR_CODES:
            return ERROR_CODES[cls]
    raise LookupError(f"no status code for {type(error).__name__}")


def refused_value(kind: Kind) -> str:
    """The status value of a refused request of this kind."""
    return "NOK" if kind is Kind.WRITE else "NO_RESULT"
