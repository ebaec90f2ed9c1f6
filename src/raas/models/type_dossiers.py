"""Type dossiers (hoedanigheid / qualité): the capacity in which an organisation holds a person."""

from __future__ import annotations

import re
from dataclasses import dataclass

_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass(frozen=True)
class TypeDossier:
    """A code an organisation may inscribe persons under, defined by an admin beforehand."""

    cbe_number: str
    code: str
    description: str


def is_valid_code(code: str) -> bool:
    """True for 1 to 64 characters from A-Z a-z 0-9 _ . -."""
    return bool(_CODE.match(code))
