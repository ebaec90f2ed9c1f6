"""Phonetic matching of Belgian surnames: normalisation, index keys and similarity (pure).

Plain Soundex (and PostgreSQL's 4-character dmetaphone) drowns Belgian surnames in their
particles ("Van den …", "De …", "D'…") and misses the spelling variants of one name. So:

1. `normalise`: accents folded (German ä/ö/ü become ae/oe/ue, ß ss), upper case, every hyphen,
   apostrophe, dot or space a word break.
2. Forms: the *full* form (the words glued: "Van den Broucke" and "Vandenbroucke" are the same
   VANDENBROUCKE) and *core* forms without particles, written apart ("Van den Broucke" →
   BROUCKE) or glued on ("Vandenbroucke" → BROUCKE, "Dhaese" → HAESE).
3. `canonical`: Dutch/French spelling equivalences that sound alike (ij/y/i, ae/a, gh/g,
   dt/d → t, ck/c/q → k, th → t, ph → f, bv → v, double letters once).
4. Keys (`surname_keys`): metaphone and NYSIIS (jellyfish) of every canonical form, metaphone of
   its stem (a final -e, -en, -s dropped: Verhaeghe / Verhaegen), and a coarse key, the first
   two metaphone codes, that catches what the exact encodings split (Lemaître / Lemaire,
   De Smet / De Smedt). Keys only *retrieve* candidate spellings; `similarity` (Jaro-Winkler
   from rapidfuzz on the canonical forms) decides which of them are kept and how they rank.

Everything here works on one name at a time and is cached: a register holds far fewer distinct
surnames than persons, so seeding a million persons computes keys for a few hundred names.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

import jellyfish
from rapidfuzz.distance import JaroWinkler

from raas.models.errors import InvalidData
from raas.models.persons import Gender, IncompleteDate, Person


# Written apart, these words are particles, not the name itself (Dutch, French, German, Italian,
# Spanish, Portuguese, Arabic). "D'" and "L'" become the words D and L after normalisation.
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


PARTICLES = _words(
    "VAN VANDE VANDEN VANDER DE DEN DER TER TEN T HET OP IN D L LE LA LES DU DES DEL DELA DELLA "
    "DELLE DI DA DAS DOS VON VOM ZU ZUM ZUR AL EL BEN AIT LO"
)
# Glued onto the name, these prefixes are particles too; longest first. D and L only before H
# (D'Haese → Dhaese, L'Hoest → Lhoest), where no Belgian name starts with DH or LH otherwise.
_GLUED = ("VANDEN", "VANDER", "VANDE", "VAN", "DELA", "DE", "DU", "LE", "LA")
# A stripped name must start like a word: a vowel, a consonant before a vowel, or these.
_ONSETS = _words(
    "BL BR CH CL CR DR FL FR GL GR KL KN KR PF PL PR SC SK SL SM SN SP ST SW TR VL VR WR ZW"
)
_LONG_PARTICLES = ("VAN", "OP", "TER", "TEN")
_MIN_CORE = 4  # a glued prefix is only stripped when this many letters remain

# ä/ö/ü are German here (Müller = Mueller); ë, é, è, ê, ï … fold to their base letter.
_SPECIAL = str.maketrans(
    {
        "ä": "ae",
        "ö": "oe",
        "ü": "ue",
        "Ä": "AE",
        "Ö": "OE",
        "Ü": "UE",
        "ß": "ss",
        "ẞ": "SS",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "oe",
        "Ø": "OE",
        "ı": "i",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
    }
)
_VOWELS = frozenset("AEIOUY")
_NOT_LETTER = re.compile(r"[^A-Z]+")

# Spelling equivalences, applied in order on a form of letters A-Z only.
_REWRITES = (
    (re.compile(r"IJ|Y"), "I"),
    (re.compile(r"AE|AA"), "A"),
    (re.compile(r"EE"), "E"),
    (re.compile(r"OO"), "O"),
    (re.compile(r"UE(?=[^AEIOU]|$)"), "U"),  # Mueller = Muller once the umlaut is folded
    (re.compile(r"DT|D$"), "T"),
    (re.compile(r"TH"), "T"),
    (re.compile(r"PH"), "F"),
    (re.compile(r"GH"), "G"),
    (re.compile(r"CK|CQ|QU|Q"), "K"),
    (re.compile(r"C(?=[AOUKLR]|$)"), "K"),
    (re.compile(r"BV"), "V"),
    (re.compile(r"(?<=.)ES(?=[BCDFGKLMPQTV])"), "E"),  # French silent s: Desprez = Deprez
    (re.compile(r"Z$"), "S"),
    (re.compile(r"(.)\1+"), r"\1"),
)
_STEM = re.compile(r"(?<=...)(EN|E|S|N)$")

SIMILAR = 0.82  # canonical forms less alike than this are different names
_CORE_WEIGHT = 0.96  # a match on the cores alone ranks just below one on the full names


@dataclass(frozen=True)
class NameForms:
    """A surname's full form and its core forms (without particles), each canonical."""

    full: str
    cores: frozenset[str]
    spelled: str  # the full form before `canonical`: tells De Smet from De Smedt in ranking


def normalise(name: str) -> list[str]:
    """The words of a name: accents folded, upper case, split on anything but letters."""
    folded = unicodedata.normalize("NFKD", name.translate(_SPECIAL))
    ascii_only = "".join(c for c in folded if not unicodedata.combining(c)).upper()
    return [word for word in _NOT_LETTER.split(ascii_only) if word]


def canonical(form: str) -> str:
    """A form with the spelling variants that sound alike made equal."""
    for pattern, replacement in _REWRITES:
        form = pattern.sub(replacement, form)
    return form


def _glued_core(full: str) -> str | None:
    """The name without a particle glued in front (Vandenbroucke → BROUCKE), if any."""
    if len(full) > _MIN_CORE + 1 and full[0] in "DL" and full[1] == "H":
        return full[1:]
    for prefix in _GLUED:
        rest = full[len(prefix) :]
        if full.startswith(prefix) and len(rest) >= _MIN_CORE and _starts_like_a_word(rest):
            return rest
    return None


def _starts_like_a_word(rest: str) -> bool:
    return rest[0] in _VOWELS or rest[1] in _VOWELS or rest[:2] in _ONSETS


@lru_cache(maxsize=200_000)
def forms(name: str) -> NameForms:
    """The canonical full form and core forms of a surname."""
    words = normalise(name)
    full = "".join(words)
    cores = {full}
    kept = [word for word in words if word not in PARTICLES]
    if kept and len(kept) < len(words):
        cores.add("".join(kept))
    for form in list(cores):
        glued = _glued_core(form)
        if glued:
            cores.add(glued)
    return NameForms(
        canonical(full), frozenset(canonical(core) for core in cores if core), spelled=full
    )


def _stem(form: str) -> str:
    """The form without a final inflection (-e, -en, -s, -n) when 3 letters stay."""
    return _STEM.sub("", form)


@lru_cache(maxsize=200_000)
def surname_keys(name: str) -> frozenset[str]:
    """The index keys of a surname: every name sharing one is a candidate (not yet a match)."""
    keys: set[str] = set()
    cores = forms(name).cores
    for form in cores:
        metaphone = jellyfish.metaphone(form)
        keys.add("M:" + metaphone)
        keys.add("N:" + jellyfish.nysiis(form))
        keys.add("S:" + jellyfish.metaphone(_stem(form)))
        # "Van …" names all start with the same two codes: their cores carry the coarse key.
        if len(cores) == 1 or not form.startswith(_LONG_PARTICLES):
            keys.add("C:" + metaphone[:2])
    return frozenset(key for key in keys if len(key) > 2)


def _jw(a: str, b: str) -> float:
    return JaroWinkler.normalized_similarity(a, b)


@lru_cache(maxsize=500_000)
def similarity(a: str, b: str) -> float:
    """How alike two surnames are, 0..1: Jaro-Winkler on the canonical full forms (or a bit less
    on the cores), with a touch of the spelling itself; 1 only for the same spelling."""
    fa, fb = forms(a), forms(b)
    full = _jw(fa.full, fb.full)
    if full < 1.0:
        full = max(full, _CORE_WEIGHT * max(_jw(x, y) for x in fa.cores for y in fb.cores))
    # Sounding alike is what counts; the spelling only breaks ties (De Smet before De Smedt).
    return 0.95 * full + 0.05 * _jw(fa.spelled, fb.spelled)


def first_name_similarity(a: str, b: str) -> float:
    """How alike two first names are, 0..1; a compound name matches on any of its parts too."""
    wa, wb = normalise(a), normalise(b)
    if not wa or not wb:
        return 0.0
    whole = _jw(canonical("".join(wa)), canonical("".join(wb)))
    parts = max(_jw(canonical(x), canonical(y)) for x in wa for y in wb)
    return max(whole, 0.95 * parts)


# -- Ranking -----------------------------------------------------------------------------------

MAX_RESULTS = 100
DEFAULT_RESULTS = 20
# Tolerance beyond this many days, months or years is not a search but a scan of a name.
MAX_TOLERANCE = {"day": 3660, "month": 120, "year": 10}
SAME_FIRST_NAME = 0.85  # RegisterPerson: first names at least this alike may be one person


@dataclass(frozen=True)
class PhoneticQuery:
    """SearchPersonPhonetically's criteria, checked (see `check`)."""

    last_name: str
    birth_date: IncompleteDate
    tolerance: int = 0
    first_name: str | None = None
    gender: Gender | None = None
    limit: int = DEFAULT_RESULTS

    @property
    def window(self) -> tuple[date, date]:
        """The days a matching person's birth date may fall on."""
        return self.birth_date.widened(self.tolerance)

    @property
    def keys(self) -> frozenset[str]:
        return surname_keys(self.last_name)


@dataclass(frozen=True)
class Match:
    """A person the search found, with its score (0..1, higher is better)."""

    person: Person
    score: float


def make_query(
    last_name: str,
    birth_date: str,
    tolerance: int | None = None,
    first_name: str | None = None,
    gender: Gender | None = None,
    limit: int | None = None,
) -> PhoneticQuery:
    """The query for these criteria; InvalidData (naming the field) when one is not acceptable."""
    if not normalise(last_name):
        raise InvalidData("the last name holds no letters", lastName=last_name)
    try:
        born = IncompleteDate.parse(birth_date)
    except ValueError:
        raise InvalidData("not a valid (incomplete) date", birthDate=birth_date) from None
    if tolerance is None and born.precision != "day":
        raise InvalidData(
            "a tolerance is required with an incomplete birth date (tolerance is missing)",
            birthDate=birth_date,
            tolerance="missing",
        )
    tolerance = tolerance or 0
    if not 0 <= tolerance <= MAX_TOLERANCE[born.precision]:
        raise InvalidData(
            f"the tolerance runs from 0 to {MAX_TOLERANCE[born.precision]} "
            f"{born.precision}s for this birth date",
            tolerance=str(tolerance),
        )
    limit = DEFAULT_RESULTS if limit is None else limit
    if not 1 <= limit <= MAX_RESULTS:
        raise InvalidData(
            f"maximumResultCount runs from 1 to {MAX_RESULTS}", maximumResultCount=str(limit)
        )
    query = PhoneticQuery(last_name, born, tolerance, first_name or None, gender, limit)
    try:
        query.window  # noqa: B018 - raises for a window outside years 1..9999
    except (ValueError, OverflowError):
        raise InvalidData(
            "the tolerance reaches outside the calendar", tolerance=str(tolerance)
        ) from None
    return query


def _gender_fits(wanted: Gender | None, gender: Gender) -> bool:
    """A known gender excludes persons of the other known gender (UNKNOWN fits both)."""
    return wanted in (None, Gender.UNKNOWN) or gender in (wanted, Gender.UNKNOWN)


def matching_names(query: PhoneticQuery, names: list[str]) -> list[str]:
    """Of the spellings that share a key with the query's, those alike enough to be the name."""
    return [name for name in names if similarity(query.last_name, name) >= SIMILAR]


def rank(query: PhoneticQuery, persons: list[Person]) -> list[Match]:
    """The persons that match the query, best first, at most `query.limit`."""
    first, last = query.window
    reach = max(1, (query.birth_date.first_day - first).days + 1)
    matches = []
    for person in persons:
        name = similarity(query.last_name, person.last_name)
        if (
            name < SIMILAR
            or not _gender_fits(query.gender, person.gender)
            or not person.birth_date.overlaps(first, last)
        ):
            continue
        closeness = 1 - min(query.birth_date.gap_days(person.birth_date), reach) / reach
        if query.first_name:
            given = first_name_similarity(query.first_name, person.first_name)
            score = 0.55 * name + 0.25 * given + 0.2 * closeness
        else:
            score = 0.7 * name + 0.3 * closeness
        matches.append(Match(person, round(score, 3)))
    matches.sort(key=lambda m: (-m.score, m.person.ssin))
    return matches[: query.limit]


def possible_duplicates(query: PhoneticQuery, persons: list[Person]) -> list[Match]:
    """The persons a new registration may duplicate: the name, first name and birth agree."""
    assert query.first_name is not None
    # Rank every candidate: cutting to the limit first could drop the real duplicate.
    everyone = rank(replace(query, limit=max(1, len(persons))), persons)
    return [
        match
        for match in everyone
        if first_name_similarity(query.first_name, match.person.first_name) >= SAME_FIRST_NAME
    ]
