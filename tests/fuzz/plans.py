"""What the SOAP fuzz sends and how it judges the answers, shared by the fuzz modules.

For every operation: hints (values by element name, aimed at data the world holds), a spec of the
requests the contract accepts, the callers and their envelopes, the judge of an answer, and the
plan an operation's test draws from. `RAAS_FUZZ_EXAMPLES` sets the examples per operation.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from lxml import etree

from raas.services.faults import CLIENT_CODES, FAULT_CODES, SOAP_ENV
from raas.services.status import DESCRIPTIONS
from raas.services.types import COMMON_NS
from tests.fuzz.conftest import BIS, CLIENT_TYPE_DOSSIERS, SSINS, World
from tests.fuzz.schema import Operation, RequestSchema, operations, period
from tests.world import ACTIVE, ADMIN_CBE, CLIENT_CBE, OTHER_CBE, OTHER_PERSON, PASSWORD

EXAMPLES = int(os.environ.get("RAAS_FUZZ_EXAMPLES", "75"))
HANG_SECONDS = 10.0

OPERATIONS = operations()
SCHEMAS = {s: RequestSchema(s) for s in sorted({op.service for op in OPERATIONS})}

WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
TOKEN = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
STATUS_VALUES = {"OK", "NOK", "DATA_FOUND", "NO_DATA_FOUND", "NO_RESULT"}
REFUSED_VALUES = {"NOK", "NO_RESULT"}
STATUS_CODES = set(DESCRIPTIONS) - FAULT_CODES


# -- what to send --------------------------------------------------------------------------------

def _dates(low: date = date(2000, 1, 1), high: date = date(2030, 12, 31)):  # type: ignore[no-untyped-def]
    return st.dates(low, high)


HAPPY_PERIOD = st.tuples(_dates(), st.none() | st.integers(0, 800)).map(
    lambda p: period(p[0], None if p[1] is None else p[0] + timedelta(days=p[1]))
)
EDGE_DATES = st.dates() | st.sampled_from([date.min, date.max, date(9999, 12, 30)])
ANY_PERIOD = st.tuples(EDGE_DATES, st.none() | EDGE_DATES | _dates()).map(lambda p: period(*p))
NAME = st.from_regex(r"[A-Z][a-z]{1,15}( [A-Z][a-z]{1,15})?", fullmatch=True)


# Values by element name, for every operation: known and unknown things, so that many requests
# reach the business logic. The schema draws everything else (and these elements, sometimes).
def hints(world: World) -> dict[str, st.SearchStrategy]:
    link_ids = world.client_links + world.other_links
    return {
        "ssin": st.sampled_from(SSINS),
        "typeDossier": st.sampled_from([*CLIENT_TYPE_DOSSIERS, "ONLY_OTHER", "nope", "a.b-c_d"]),
        "cbeNumber": st.sampled_from([CLIENT_CBE, OTHER_CBE, ADMIN_CBE, "0000000000", "0123"]),
        "linkId": st.sampled_from(link_ids).map(str) | st.integers(1, 30).map(str),
        "reportId": st.sampled_from(world.reports).map(str) | st.integers(1, 30).map(str),
        "period": ANY_PERIOD,
        "validity": ANY_PERIOD,
        "country": st.sampled_from(["BE", "FR", "LU", "NL", "ES", "GR", "ZZ", "*"]),
        "keyType": st.sampled_from(["PASSPORT", "EIDAS", "NATIONAL_NUMBER", "TAX_NUMBER", "NOPE"]),
        "foreignKey": st.sampled_from(["LU123456", "AB12345", "FR/BE/x1", "12345", "x"])
        | st.from_regex(r"[A-Za-z0-9 ./-]{1,40}", fullmatch=True),
        "birthDate": st.sampled_from(
            ["1985-03-14", "1985-03-00", "1985-00-00", "0000-00-00", "1985-13-01", "2025-02-30",
             "1985-00-14", "9999-12-31"]
        ),
        "pattern": st.sampled_from(
            ["[0-9]{5,}", "(?=.*[0-9]).{5,}", "(", "[", "a{99999999999}", "(?P<x>", "\\", ".*",
             "(?i)x", "[0-9]{2}(?#c)", "\\p{L}", "a{2,1}", "(?<=a+)b", "x{1000000000}",
             "(" * 500 + ")" * 500]
        ),
        "validator": st.sampled_from(
            ["nl.bsn", "eidas", "es.dni|es.nie", "os.system", "nope", "..", "nl.", "|", "", "be.nn"]
        ),
        "removeCharacters": st.sampled_from([" ", " .-/", "", "\\", "]"]),
        "tolerance": st.integers(-5, 400).map(str) | st.sampled_from(["99999999999999999999"]),
        "maximumResultCount": st.integers(-1, 101).map(str) | st.sampled_from(["10000000000"]),
        "olderThan": st.uuids().map(str) | st.sampled_from(["nope", ""]),
        "fileId": st.sampled_from(["x", "../../etc/passwd", "%00", "a" * 200]),
        "nationality": st.sampled_from(["BE", "PL", "ZZ", "XX"]),
    }


@dataclass(frozen=True)
class Spec:
    """How to make a request of an operation that the contract accepts, and what it answers."""

    write: bool
    happy: dict[str, st.SearchStrategy] = field(default_factory=dict)
    expect: frozenset[str] = frozenset({"MSG00000"})


NONE = st.none()
FOUND = frozenset({"MSG00000", "MSG00100"})
RR = st.sampled_from([ACTIVE, OTHER_PERSON])
TYPE_DOSSIER = st.sampled_from(CLIENT_TYPE_DOSSIERS)
ORGANISATION = st.sampled_from([CLIENT_CBE, OTHER_CBE])
FREE_FLOW = st.sampled_from(["SSIN_REPLACEMENT", "IDENTIFICATION_DATA"])
NO_DATES = {"fromDate": NONE, "toDate": NONE}
# A one-line inscription file (SubmitInscriptionFile), sent with its own sha256.
INSCRIPTION_FILE = (
    f"ssin,typeDossier,beginDate\n{ACTIVE},{CLIENT_TYPE_DOSSIERS[0]},2024-01-01\n".encode()
)
# Every request that must succeed: a timestamp Python can hold.
SANE = {"timestampSent": NONE | st.datetimes(timezones=st.just(UTC)).map(datetime.isoformat)}


def specs(world: World) -> dict[str, Spec]:
    """A spec for every operation (`Service.Operation`); the coverage test checks the list."""
    own_links = st.sampled_from(world.client_links).map(str)
    all_links = st.sampled_from(world.client_links + world.other_links).map(str)
    return {
        "Register.Inscribe": Spec(True, {
            "ssin": RR, "typeDossier": TYPE_DOSSIER, "period": HAPPY_PERIOD, "personData": NONE}),
        "Register.InscribeBatch": Spec(True, {
            "ssin": RR, "typeDossier": TYPE_DOSSIER, "period": HAPPY_PERIOD, "personData": NONE}),
        "Register.Remove": Spec(True, {
            "ssin": RR, "typeDossier": TYPE_DOSSIER, "period": NONE},
            frozenset({"MSG00000", "MSG00012"})),
        "Register.Consult": Spec(False, {
            "ssin": RR, "typeDossier": NONE | TYPE_DOSSIER, "period": NONE | HAPPY_PERIOD}, FOUND),
        "Register.ListTypeDossiers": Spec(False),
        "Register.Subscribe": Spec(True, {"flow": FREE_FLOW}),
        "Register.Unsubscribe": Spec(True),
        "Register.ListSubscriptions": Spec(False, {}, FOUND),
        "Register.ListNotificationFiles": Spec(False, NO_DATES, FOUND),
        "Register.GetNotificationFile": Spec(False, {}, frozenset({"MSG00100"})),
        "Register.SubmitInscriptionFile": Spec(True, {
            "content": st.just(base64.b64encode(INSCRIPTION_FILE).decode()),
            "sha256": st.just(hashlib.sha256(INSCRIPTION_FILE).hexdigest()),
            "format": st.just("CSV"), "mode": st.sampled_from(["LINE", "FILE"]),
            "fileName": NONE}),
        "Register.GetInscriptionFileResult": Spec(False, {
            "batchId": st.uuids().map(str)}, frozenset({"MSG00100"})),
        "Identification.SearchPersonBySsin": Spec(False, {"ssin": st.sampled_from(
            [ACTIVE, OTHER_PERSON, BIS])}),
        "Identification.SearchPersonPhonetically": Spec(False, {
            "lastName": st.sampled_from(["Peeters", "Van den Broucke", "Kowalsky"]),
            "firstName": NONE | NAME, "birthDate": st.sampled_from(["1985-03-14", "1971-05-09"]),
            "tolerance": NONE, "maximumResultCount": NONE}, FOUND),
        "Identification.RegisterPerson": Spec(True, {
            "lastName": NAME, "firstName": NAME, "nationality": NONE | st.just("BE"),
            "birthDate": _dates(date(1900, 1, 1), date(2020, 12, 31)).map(date.isoformat)},
            frozenset({"MSG00000", "RAAS0008"})),
        "Identification.UpdatePerson": Spec(True, {
            "ssin": st.just(BIS), "lastName": NONE | NAME, "firstName": NONE | NAME,
            "birthDate": NONE, "nationality": NONE, "deceaseDate": NONE}),
        "LinkRegister.ConsultLinksBySsin": Spec(False, {
            "ssin": RR, "country": NONE, "keyType": NONE}, FOUND),
        "LinkRegister.ConsultLinksByForeignKey": Spec(False, {
            "country": st.just("LU"), "keyType": NONE}, FOUND),
        "LinkRegister.CreateLink": Spec(True, {
            "ssin": RR, "foreignKey": st.from_regex(r"[A-Z]{2}[0-9]{6,10}", fullmatch=True),
            "country": st.just("LU"), "keyType": st.just("PASSPORT"),
            "validity": NONE | HAPPY_PERIOD}, frozenset({"MSG00000", "RAAS0004"})),
        "LinkRegister.UpdateLink": Spec(True, {
            "linkId": own_links, "validity": HAPPY_PERIOD, "ssin": NONE, "foreignKey": NONE,
            "country": NONE, "keyType": NONE}),
        "LinkRegister.ConsultFormats": Spec(False, {"country": NONE | st.just("FR")}),
        "LinkRegister.ReportLink": Spec(True, {"linkId": all_links, "reason": NAME}),
        "Admin.DeleteLink": Spec(True, {"linkId": all_links},
                                 frozenset({"MSG00000", "RAAS0005"})),
        "Admin.DefineTypeDossier": Spec(True, {"cbeNumber": ORGANISATION, "description": NAME}),
        "Admin.DefineKeyType": Spec(True, {"description": NAME}),
        "Admin.DefineFormat": Spec(True, {
            "country": st.just("LU"), "keyType": st.sampled_from(["PASSPORT", "*"]),
            "pattern": st.just("[A-Z0-9]{5,20}"), "validator": NONE, "description": NAME,
            "removeCharacters": NONE, "caseFolding": NONE}),
        "Admin.GrantFlowAuthorization": Spec(True, {"cbeNumber": ORGANISATION}),
        "Admin.RevokeFlowAuthorization": Spec(True, {"cbeNumber": ORGANISATION}),
        "Admin.ListLinkReports": Spec(False, {}, FOUND),
        # closing a closed report is MSG00008
        "Admin.CloseLinkReport": Spec(True, {"reportId": st.sampled_from(world.reports).map(str)},
                                      frozenset({"MSG00000", "MSG00008"})),
        "Admin.ConsultAuditLog": Spec(False, {
            **NO_DATES, "olderThan": NONE, "maximumResultCount": NONE,
            "cbeNumber": NONE | ORGANISATION}, FOUND),
    }


@dataclass(frozen=True)
class Caller:
    name: str
    header: str
    authenticated: bool
    admin: bool = False


def security(username: str, password: str, password_type: str = f"{TOKEN}#PasswordText") -> str:
    return (
        f'<soap:Header><wsse:Security xmlns:wsse="{WSSE}"><wsse:UsernameToken>'
        f"<wsse:Username>{username}</wsse:Username>"
        f'<wsse:Password Type="{password_type}">{password}</wsse:Password>'
        "</wsse:UsernameToken></wsse:Security></soap:Header>"
    )


def callers(world: World) -> dict[str, Caller]:
    users = world.users
    return {
        "client": Caller("client", security(users.client, PASSWORD), True),
        "other": Caller("other", security(users.other, PASSWORD), True),
        "admin": Caller("admin", security(users.admin, PASSWORD), True, admin=True),
        "anonymous": Caller("anonymous", "", False),
        "wrong-password": Caller("wrong-password", security(users.client, "wrong"), False),
        "digest": Caller("digest", security(users.client, "eA==", f"{TOKEN}#PasswordDigest"),
                         False),
        "empty-username": Caller("empty-username", security("", PASSWORD), False),
        "odd-username": Caller("odd-username", security("\u202e\U0001d518' OR 1=1", "x"), False),
    }


def envelope(header: str, payload: etree._Element, as_text: bool) -> bytes:
    """A SOAP 1.1 request: an XML declaration, the security header and the payload."""
    # As text: non-ASCII characters as they are; otherwise as character references.
    body = etree.tostring(payload, encoding="unicode" if as_text else "us-ascii")
    body = body if isinstance(body, str) else body.decode()
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<soap:Envelope xmlns:soap="{SOAP_ENV}">{header}<soap:Body>{body}</soap:Body>'
        "</soap:Envelope>"
    ).encode()


# -- judging the answer --------------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    fault: bool
    code: str
    value: str | None
    operation: str | None  # the operation the response is of
    all_items_refused: bool = False


def judge(status_line: str, body: bytes, service_ns: str) -> Outcome:
    """The answer as the contract allows it, or an AssertionError saying what is wrong."""
    snippet = body[:600]
    assert b"Traceback" not in body and b'File "' not in body, snippet
    assert b"<html" not in body.lower(), snippet
    status = int(status_line.split()[0])
    assert status in (200, 500), status_line
    root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
    assert root.tag == f"{{{SOAP_ENV}}}Envelope", snippet
    (answer,) = root.find(f"{{{SOAP_ENV}}}Body")
    if answer.tag == f"{{{SOAP_ENV}}}Fault":
        assert status == 500, status_line
        code = answer.findtext(f"detail/{{{COMMON_NS}}}error/{{{COMMON_NS}}}reasonCode")
        assert code in FAULT_CODES, snippet
        side = "Client" if code in CLIENT_CODES else "Server"
        assert answer.findtext("faultcode", "").endswith(side), snippet
        assert code not in ("MSG00003", "MSG00001"), f"{code}: {snippet!r}"
        return Outcome(True, code, None, None)
    assert status == 200, status_line
    name = etree.QName(answer)
    assert name.namespace == service_ns and name.localname.endswith("Response"), snippet
    code = answer.findtext(f"{{{service_ns}}}status/{{{COMMON_NS}}}code")
    value = answer.findtext(f"{{{service_ns}}}status/{{{COMMON_NS}}}value")
    assert code in STATUS_CODES and value in STATUS_VALUES, snippet
    items = answer.findall(f".//{{{service_ns}}}result/{{{service_ns}}}status/{{{COMMON_NS}}}value")
    return Outcome(
        False, code, value, name.localname.removesuffix("Response"),
        all_items_refused=bool(items) and all(v.text == "NOK" for v in items),
    )


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@dataclass(frozen=True)
class Plan:
    """What one operation's test draws from (built once per world and operation)."""

    schema: RequestSchema
    spec: Spec
    valid: st.SearchStrategy
    happy: st.SearchStrategy
    callers: dict[str, Caller]
    role: str
    answered_by: dict[str, Spec]  # the specs of the service's operations, by name


@cache
def plan(world: World, operation: Operation) -> Plan:
    schema = SCHEMAS[operation.service]
    every = specs(world)
    spec = every[str(operation)]
    generic = hints(world)
    return Plan(
        schema=schema,
        spec=spec,
        valid=schema.request(operation.name, generic),
        happy=schema.request(operation.name, {**generic, **SANE, **spec.happy}),
        callers=callers(world),
        role="admin" if operation.service == "Admin" else "client",
        answered_by={
            key.partition(".")[2]: value
            for key, value in every.items()
            if key.startswith(f"{operation.service}.")
        },
    )
