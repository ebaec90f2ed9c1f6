"""Domain errors, named after what went wrong; services/ maps each to its contract code."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # not at run time: phonetic imports this module
    from raas.models.phonetic import Match


class DomainError(Exception):
    """A business rule refused the request; nothing was changed."""

    def __init__(self, message: str, **information: str) -> None:
        super().__init__(message)
        self.information = information


class InvalidData(DomainError):
    """The request holds a value the rules do not accept (MSG00008)."""


class InvalidReplacement(InvalidData):
    """The authentic source cannot replace this ssin by that one (itself, a cycle, a canceled
    or already replaced ssin)."""


class InvalidSsin(DomainError):
    """The ssin's structure, date part or check digits are wrong (MSG00011)."""


class UnknownSsin(DomainError):
    """The authentic source does not know the ssin (MSG00005)."""


class CanceledSsin(DomainError):
    """The authentic source canceled the ssin (MSG00007)."""


class AuthenticationFailed(Exception):
    """No, unknown or wrong credentials, or too many failures lately (MSG00014); `note` says
    which, for the audit log only (the caller is never told whether the user exists)."""

    def __init__(self, username: str, note: str | None = None) -> None:
        super().__init__(username)
        self.note = note


class NotAllowed(Exception):
    """The authenticated user may not call this operation (MSG00016)."""


class ServiceUnavailable(Exception):
    """A system the service needs (the database) cannot be reached now (MSG00001)."""


class TransientConflict(Exception):
    """The transaction was rolled back because of a concurrent one; running it again is safe."""


class NotInscribed(DomainError):
    """The caller's register holds no line to act on for this ssin (MSG00012)."""


class UnknownTypeDossier(DomainError):
    """The typeDossier is not defined for the caller's organisation (RAAS0001)."""


class PersonDataMismatch(DomainError):
    """The person data given do not match the authentic source (RAAS0002)."""


class InvalidForeignKey(DomainError):
    """The foreign key does not match the format for its country and key type (RAAS0003)."""


class LinkExists(DomainError):
    """The link, or one for the same foreign key, already exists (RAAS0004)."""


class UnknownLink(DomainError):
    """No link has this linkId (RAAS0005)."""


class LinkFieldChanged(DomainError):
    """An update tried to change more than a link's validity (RAAS0006)."""


class NotBisSsin(DomainError):
    """The ssin is not a BIS number (RAAS0007)."""


class PossibleDuplicates(DomainError):
    """Persons that may be the same were found; nothing was created (RAAS0008)."""

    def __init__(self, message: str, candidates: Sequence[Match] = (), **information: str) -> None:
        super().__init__(message, **information)
        self.candidates = list(candidates)


class FlowNotAuthorized(DomainError):
    """The organisation has no authorization for this flow (RAAS0009)."""


class LinkOwnedElsewhere(DomainError):
    """The link was created by another organisation (RAAS0010)."""


class CardNotKnown(PersonDataMismatch):
    """The card number given as proof is not one the authentic source knows for the person."""
