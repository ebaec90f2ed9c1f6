"""LinkRegister rules: foreign identification keys, their formats, links and link reports.

A format says, per country and key type, how a key is normalised (characters removed, case
folded) and what the normalised key must look like (a regular expression that must match the
whole key, and optionally a check-digit validator, see `foreign_keys`). The same normalisation
applies when a key is stored and when it is searched, so `1112.22.333` finds `111222333`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import lru_cache

import re2

from raas.models.errors import InvalidData, InvalidForeignKey
from raas.models.foreign_keys import is_known_validator, validator
from raas.models.periods import Period

ANY = "*"
MAX_KEY_LENGTH = 300  # an eIDAS identifier: 'XX/YY/' and up to 256 characters
_KEY_TYPE_CODE = re.compile(r"[A-Z][A-Z0-9_]{0,63}")


class CaseFolding(StrEnum):
    UPPER = "UPPER"
    LOWER = "LOWER"
    NONE = "NONE"


@dataclass(frozen=True)
class Normalisation:
    """The case is folded, `remove` goes, then surrounding whitespace is stripped.

    In this order applying it twice changes nothing: whitespace a removed character uncovers
    (`".\t123"`) is stripped too, and a character to remove that folding produces goes as well.
    """

    remove: str = " "
    case: CaseFolding = CaseFolding.UPPER

    def apply(self, key: str) -> str:
        if self.case is CaseFolding.UPPER:
            key = key.upper()
        elif self.case is CaseFolding.LOWER:
            key = key.lower()
        return key.translate({ord(c): None for c in self.remove}).strip()


@dataclass(frozen=True)
class KeyFormat:
    """What a foreign key must look like, per country and key type ('*' matches any)."""

    country: str
    key_type: str
    description: str
    pattern: str
    validator: str | None = None
    normalisation: Normalisation = field(default_factory=Normalisation)

    def normalise(self, key: str) -> str:
        return self.normalisation.apply(key)

    def accepts(self, key: str, country: str = "") -> bool:
        """True when the (already normalised) key matches the pattern and the validator."""
        if len(key) > MAX_KEY_LENGTH or not _matcher(self.pattern)(key):
            return False
        return self.validator is None or validator(self.validator)(key, country)

    def check(self, key: str, country: str, key_type: str) -> str:
        """The normalised key; InvalidForeignKey (RAAS0003) when the format refuses it."""
        normalised = self.normalise(key)
        if not self.accepts(normalised, country):
            raise InvalidForeignKey(
                "the foreign key does not match the format",
                country=country,
                keyType=key_type,
                format=self.description,
            )
        return normalised


# The LinkRegister's rule where nothing stricter is defined: at least 5 characters, one a digit.
DEFAULT_FORMAT = KeyFormat(
    country=ANY,
    key_type=ANY,
    description="At least 5 characters, at least one of them a digit (spaces removed, upper case)",
    pattern=r"(?=.*[0-9]).{5,}",
)


def _re2_options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False  # a refused pattern is the caller's answer, not a stderr line
    return options


_RE2_OPTIONS = _re2_options()


@lru_cache(maxsize=1024)
def _matcher(pattern: str) -> Callable[[str], bool]:
    """Whether a whole key matches `pattern`, in time linear in the key (RE2: no backtracking).

    Only the default format, fixed in this code, is matched by Python's `re` (its look-ahead
    is not RE2 syntax, and it runs in linear time). A stored pattern RE2 cannot compile (one
    defined before RE2 was required) accepts no key rather than risk a runaway match.
    """
    if pattern == DEFAULT_FORMAT.pattern:
        compiled = re.compile(pattern)
        return lambda key: compiled.fullmatch(key) is not None
    try:
        linear = re2.compile(pattern, _RE2_OPTIONS)
    except re2.error:
        return lambda key: False
    return lambda key: linear.fullmatch(key) is not None


def format_for(formats: Iterable[KeyFormat], country: str, key_type: str) -> KeyFormat:
    """The format that governs a key: exact, then any key type, then any country, then default."""
    by_scope = {(f.country, f.key_type): f for f in formats}
    for scope in ((country, key_type), (country, ANY), (ANY, key_type)):
        if scope in by_scope:
            return by_scope[scope]
    return DEFAULT_FORMAT


def new_format(
    country: str,
    key_type: str,
    description: str,
    pattern: str,
    validator_name: str | None,
    normalisation: Normalisation,
) -> KeyFormat:
    """A format an admin defines; InvalidData when its pattern or validator cannot be used."""
    if (country, key_type) == (ANY, ANY):
        raise InvalidData("the default format is part of the contract", country=ANY, keyType=ANY)
    if _group_depth(pattern) > MAX_GROUP_DEPTH:
        # re parses groups recursively: deep enough, it fails with RecursionError or not,
        # depending on the stack the caller already uses; refused the same way everywhere.
        raise InvalidData(f"the pattern nests groups more than {MAX_GROUP_DEPTH} deep")
    try:
        # One syntax for everyone who reads the pattern (ConsultFormats shows it): Python's ...
        re.compile(pattern)
    except (re.error, OverflowError, RecursionError) as error:
        # a repeat count above re's maximum (`a{99999999999}`) is an OverflowError, not re.error
        raise InvalidData(f"the pattern is not a regular expression: {error}") from None
    try:
        # ... and RE2's, which matches in time linear in the key: no pattern can pin a worker.
        re2.compile(pattern, _RE2_OPTIONS)
    except (re2.error, OverflowError, RecursionError) as error:
        first = error.args[0] if error.args else error
        reason = first.decode() if isinstance(first, bytes) else first
        raise InvalidData(
            f"the pattern is not a regular expression RE2 accepts "
            f"(no look-around or back-references): {reason}"
        ) from None
    if validator_name and not is_known_validator(validator_name):
        raise InvalidData("unknown validator", validator=validator_name)
    if not description.strip():
        raise InvalidData("a format needs a description", fieldName="description")
    return KeyFormat(country, key_type, description, pattern, validator_name or None, normalisation)


def check_key_type_code(code: str) -> str:
    """The code when it is 1 to 64 characters A-Z 0-9 _ starting with a letter."""
    if not _KEY_TYPE_CODE.fullmatch(code):
        raise InvalidData("a key type is A-Z 0-9 _ (1 to 64, a letter first)", keyType=code)
    return code


@dataclass(frozen=True)
class KeyType:
    code: str
    description: str


@dataclass(frozen=True)
class Link:
    """An ssin linked to a foreign key (stored normalised); `validity` None means always."""

    link_id: int
    ssin: str
    country: str
    key_type: str
    foreign_key: str
    validity: Period | None
    cbe_number: str


@dataclass(frozen=True)
class LinkReport:
    """A client's report that a link is wrong, queued for the admins."""

    report_id: int
    link_id: int
    cbe_number: str
    reason: str
    reported_at: datetime
    closed_at: datetime | None = None
    link_deleted: bool = False

    @property
    def closed(self) -> bool:
        return self.closed_at is not None


MAX_GROUP_DEPTH = 32


def _group_depth(pattern: str) -> int:
    """How deep the pattern's parentheses nest (escaped ones and those in [...] not counted)."""
    depth = deepest = 0
    escaped = in_class = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth = max(0, depth - 1)
    return deepest
