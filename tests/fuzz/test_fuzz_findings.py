"""What the fuzz suite found, each kept as a plain regression test of the answer a client gets.

1. A schema-valid date or dateTime that Python cannot hold (year 10000, year -1, hour 24) made
   spyne fail before the operation ran: the gateway answered MSG00003. Now MSG00004.
2. DefineFormat with a pattern whose repeat count or nesting is too large for `re` (OverflowError,
   RecursionError rather than re.error): MSG00003. Now NOK MSG00008, nothing stored.
"""

from __future__ import annotations

import logging

import pytest
from lxml import etree

from raas.services.types import COMMON_NS
from tests.conftest import call_wsgi
from tests.fuzz.conftest import fingerprint
from tests.fuzz.plans import callers, envelope
from tests.world import ACTIVE

REGISTER = "urn:raas:register:v1"
ADMIN = "urn:raas:admin:v1"


def ask(fuzz_app, world, service: str, xml: str) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    """(HTTP status, code, diagnostic or description) of a raw request by the right user."""
    caller = callers(world)["admin" if service == "Admin" else "client"]
    status, body = call_wsgi(
        fuzz_app, "POST", f"/{service}", envelope(caller.header, etree.fromstring(xml), True)
    )
    root = etree.fromstring(body)
    code = root.findtext(f".//{{{COMMON_NS}}}reasonCode") or root.findtext(
        f".//{{{COMMON_NS}}}code"
    )
    text = root.findtext(f".//{{{COMMON_NS}}}diagnostic") or ""
    return status[:3], code or "", text


def inscribe(begin: str, timestamp: str = "2025-01-01T00:00:00Z") -> str:
    return (
        f'<r:Inscribe xmlns:r="{REGISTER}" xmlns:c="{COMMON_NS}">'
        f"<r:informationCustomer><c:timestampSent>{timestamp}</c:timestampSent>"
        f"</r:informationCustomer><r:ssin>{ACTIVE}</r:ssin><r:typeDossier>902</r:typeDossier>"
        f"<r:period><c:beginDate>{begin}</c:beginDate></r:period></r:Inscribe>"
    )


@pytest.mark.parametrize(
    "xml",
    [
        inscribe("10000-01-01"),
        inscribe("-0001-01-01"),
        inscribe("2025-01-01", timestamp="10000-01-01T00:00:00"),
        inscribe("2025-01-01", timestamp="2025-01-01T24:00:00"),
    ],
    ids=["year-10000", "year-minus-1", "timestamp-year-10000", "hour-24"],
)
def test_a_schema_valid_value_python_cannot_hold_is_a_structure_fault(
    fuzz_app, engine, world, xml
) -> None:
    before = fingerprint(engine)
    status, code, diagnostic = ask(fuzz_app, world, "Register", xml)
    assert (status, code) == ("500", "MSG00004")
    assert "could not be validated" in diagnostic or "cannot be read" in diagnostic
    assert fingerprint(engine) == before


@pytest.mark.parametrize(
    "xml",
    [
        inscribe("10000-01-01"),
        inscribe("-0001-01-01"),
        inscribe("2025-01-01", "10000-01-01T00:00:00"),
    ],
    ids=["year-10000", "year-minus-1", "timestamp-year-10000"],
)
def test_a_value_python_cannot_hold_is_logged_as_one_line_without_a_traceback(
    fuzz_app, world, caplog, xml
) -> None:
    caplog.set_level(logging.DEBUG)
    assert ask(fuzz_app, world, "Register", xml)[:2] == ("500", "MSG00004")
    server = [r for r in caplog.records if not r.name.startswith(("zeep", "urllib3"))]
    assert [r for r in server if r.levelno >= logging.ERROR or r.exc_info] == []
    (line,) = [r.getMessage() for r in server if r.name == "raas.request"]
    assert "status=MSG00004" in line


@pytest.mark.parametrize("pattern", ["a{99999999999}", "(" * 500 + ")" * 500])
def test_a_pattern_too_large_for_re_is_invalid_data(fuzz_app, engine, world, pattern) -> None:
    xml = (
        f'<a:DefineFormat xmlns:a="{ADMIN}"><a:country>LU</a:country>'
        f"<a:keyType>PASSPORT</a:keyType><a:pattern>{pattern}</a:pattern>"
        "<a:description>too large</a:description></a:DefineFormat>"
    )
    before = fingerprint(engine)
    assert ask(fuzz_app, world, "Admin", xml)[:2] == ("200", "MSG00008")
    assert fingerprint(engine) == before


def test_the_fingerprint_sees_an_accepted_write_and_ignores_the_audit_log(
    fuzz_app, engine, world
) -> None:
    """The suite's 'nothing changed' check can fail: an accepted Inscribe changes the data."""
    before = fingerprint(engine)
    assert ask(fuzz_app, world, "Register", inscribe("2031-01-01"))[:2] == ("200", "MSG00000")
    after = fingerprint(engine)
    assert {name for name in before if before[name] != after[name]} >= {"register_lines"}
    assert "audit_log" not in after
