"""Domain errors, named after what went wrong; services/ maps each to its contract code."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused the request; nothing was changed."""

    def __init__(self, message: str, **information: str) -> None:
        super().__init__(message)
        self.information = information


class InvalidData(DomainError):
    """The request holds a value the rules do not accept (MSG00008)."""


class InvalidSsin(DomainError):
    """The ssin's structure, date part or check digits are wrong (MSG00011)."""


class UnknownSsin(DomainError):
    """The authentic source does not know the ssin (MSG00005)."""


class CanceledSsin(DomainError):
    """The authentic source canceled the ssin (MSG00007)."""


class AuthenticationFailed(Exception):
    """No, unknown or wrong credentials (MSG00014)."""


class NotAllowed(Exception):
    """The authenticated user may not call this operation (MSG00016)."""


class ServiceUnavailable(Exception):
    """A system the service needs (the database) cannot be reached now (MSG00001)."""
