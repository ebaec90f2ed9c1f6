"""Users, organisations and roles."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from stdnum.be import vat
from stdnum.exceptions import ValidationError

_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,128}$")


class Role(StrEnum):
    CLIENT = "client"
    ADMIN = "admin"


@dataclass(frozen=True)
class User:
    """An authenticated caller: acts for one organisation, with one role."""

    username: str
    cbe_number: str
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


@dataclass(frozen=True)
class StoredUser:
    """A user with the hash of its password (never leaves the authentication path)."""

    user: User
    password_hash: str


@dataclass(frozen=True)
class LoginState:
    """What the database knows of a login attempt: the user (None: unknown), the recent
    failures of this username from this address, and until when it is refused from there."""

    stored: StoredUser | None
    failures: int
    locked_until: datetime | None


@dataclass(frozen=True)
class LoginPolicy:
    """After `max_failures` failed logins of one username from one address within
    `lock_seconds` of each other, that username is refused from that address for
    `lock_seconds`, even with the right password."""

    max_failures: int = 5
    lock_seconds: float = 300.0


def normalise_cbe_number(value: str) -> str:
    """The 10-digit KBO/CBE number, or ValueError when it is not mod-97 valid."""
    try:
        return vat.validate(value)
    except ValidationError as error:
        raise ValueError(f"not a valid KBO/CBE number: {value!r}") from error


def check_username(value: str) -> str:
    """The username, or ValueError when it has characters we do not accept."""
    if not _USERNAME.match(value):
        raise ValueError("a username has 1 to 128 characters from A-Z a-z 0-9 _ . @ -")
    return value
