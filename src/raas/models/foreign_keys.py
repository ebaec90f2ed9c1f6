"""Foreign identification keys: countries, eIDAS PersonIdentifiers and check-digit validators.

A format may name a validator. Validators come from an allow-list only: the built-in `eidas`
check, or a country module of python-stdnum (`nl.bsn`, `fr.nir`, …) that the installed stdnum
package really ships. A name from a request is looked up in that list and never imported as
given; several names joined by `|` accept a key any of them accepts (`es.dni|es.nie`).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable
from functools import cache

import stdnum

# ISO 3166-1 alpha-2 (the officially assigned codes), plus XK (Kosovo), which EU bodies use.
_ISO_3166 = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
    BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW
    GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY
    KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV
    MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY
    QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG
    TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM
    ZW XK
"""
COUNTRIES = frozenset(_ISO_3166.split())

# The countries of the EU and the EEA as eIDAS writes them: Greece is EL there, not GR.
_EU_EEA = (
    "AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK IS LI NO"
)
EIDAS_COUNTRIES = frozenset(_EU_EEA.split())

_EIDAS = re.compile(r"([A-Z]{2})/([A-Z]{2})/(\S{1,256})")
_VALIDATOR_NAME = re.compile(r"[a-z]{2}\.[a-z0-9_]{1,40}")

EIDAS_VALIDATOR = "eidas"

Validator = Callable[[str, str], bool]  # (normalised key, link country) -> valid?


def is_country(code: str) -> bool:
    """True for an ISO 3166-1 alpha-2 code."""
    return code in COUNTRIES


def eidas_country(country: str) -> str:
    """The code eIDAS uses for an ISO country (EL for Greece)."""
    return "EL" if country == "GR" else country


def is_eidas_identifier(key: str, country: str) -> bool:
    """`XX/YY/identifier`: XX and YY EU/EEA codes, XX the link's country, 1..256 readable chars."""
    match = _EIDAS.fullmatch(key)
    if match is None:
        return False
    issuer, destination, identifier = match.groups()
    return (
        issuer in EIDAS_COUNTRIES
        and destination in EIDAS_COUNTRIES
        and issuer == eidas_country(country)
        and identifier.isprintable()
    )


@cache
def stdnum_modules() -> frozenset[str]:
    """The country modules (`cc.name`) the installed python-stdnum ships."""
    names: set[str] = set()
    for package in pkgutil.iter_modules(stdnum.__path__):
        if package.ispkg and re.fullmatch(r"[a-z]{2}", package.name):
            path = [f"{p}/{package.name}" for p in stdnum.__path__]
            names.update(f"{package.name}.{m.name}" for m in pkgutil.iter_modules(path))
    return frozenset(names)


def is_known_validator(names: str) -> bool:
    """True when every `|`-separated name is `eidas` or a stdnum country module."""
    return all(_is_known(name) for name in names.split("|"))


@cache
def validator(names: str) -> Validator:
    """The check for a validator name from the allow-list; ValueError for any other name."""
    if not is_known_validator(names):
        raise ValueError(f"unknown validator: {names!r}")
    checks = [_one(name) for name in names.split("|")]
    return lambda key, country: any(check(key, country) for check in checks)


def _is_known(name: str) -> bool:
    if name == EIDAS_VALIDATOR:
        return True
    if not (_VALIDATOR_NAME.fullmatch(name) and name in stdnum_modules()):
        return False
    # Only a module the installed stdnum ships gets here; some are helpers without is_valid.
    return callable(getattr(importlib.import_module(f"stdnum.{name}"), "is_valid", None))


@cache
def _one(name: str) -> Validator:
    if name == EIDAS_VALIDATOR:
        return is_eidas_identifier
    module = importlib.import_module(f"stdnum.{name}")  # name is in stdnum_modules()
    is_valid = module.is_valid
    return lambda key, country: bool(is_valid(key))
