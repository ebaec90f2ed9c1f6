"""LinkRegister rules: foreign identification keys and their formats."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class KeyFormat:
    """What a foreign key must look like, per country and key type ('*' matches any)."""

    country: str
    key_type: str
    description: str
    pattern: str

    def accepts(self, key: str) -> bool:
        return re.fullmatch(self.pattern, key) is not None


# The LinkRegister's rule where nothing stricter is defined: at least 5 characters, one a digit.
DEFAULT_FORMAT = KeyFormat(
    country="*",
    key_type="*",
    description="At least 5 characters, at least one of them a digit",
    pattern=r"(?=.*[0-9]).{5,}",
)
