"""Property-based fuzzing of the SSDN channel (sendXML, sendTestMessage) through the WSGI app.

Hypothesis draws SSDN documents aimed at the fuzz world (its persons, type dossiers and lines),
from registered and unregistered networks, with right and wrong AuthorizedUsers, escaped or in
CDATA, and breaks some in their tree (the SSDN document) or their bytes (the SOAP request).
Every answer must be a SOAP envelope with either an SSDNReply valid against the committed SSDN
schemas (global and service ReturnCodes agreeing) or a fault with a contract fault code; never a
traceback, MSG00003 or a hang. After every refusal (a fault or an error reply), every LIST and
every IdentifyPerson, the data tables must be unchanged.
"""

from __future__ import annotations

import itertools
import time
from functools import partial

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lxml import etree

from raas.models import ssdn as model
from raas.persistence.uow import UnitOfWork
from raas.services.faults import FAULT_CODES, SOAP_ENV
from raas.usecases import ssdn
from tests.conftest import call_wsgi
from tests.contract import ssdn_documents as doc
from tests.fuzz import mutations
from tests.fuzz.conftest import SSINS
from tests.fuzz.plans import EXAMPLES, HANG_SECONDS
from tests.world import ACTIVE, CLIENT_CBE, REPLACED, SUCCESSOR

REPLY_SCHEMA = doc.reply_schema()
REGISTERED = (f"10.{n >> 8 & 255}.{n & 255}.7" for n in itertools.count(1))
NAMES = ["Van den Broucke", "Peeters", "Lefèvre", "Kowalski", "Dubois", "", "<&>"]
BIRTH_DATES = [
    "1985-03-14",
    "1985-03-00",
    "1985-00-00",
    "1962-11-02",
    "1971-05-09",
    "",
    "2023-02-30",
    "0000-00-00",
]


@pytest.fixture()
def ssdn_world(world, engine):  # type: ignore[no-untyped-def]
    ssdn.add_client(partial(UnitOfWork, engine), CLIENT_CBE, ["10.0.0.0/8"], 17, 1, doc.ORG_UNIT)
    return world


def _date(draw) -> str:  # type: ignore[no-untyped-def]
    return draw(
        st.dates(
            min_value=__import__("datetime").date(2000, 1, 1),
            max_value=__import__("datetime").date(2030, 12, 31),
        )
    ).isoformat()


@st.composite
def manage_access(draw) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    action = draw(st.sampled_from(["REGISTER", "REGISTER", "UNREGISTER", "LIST"]))
    proof = draw(st.sampled_from(["right", "right", "person", "card", "empty", "none"]))
    names = {}
    ssin = draw(st.sampled_from(SSINS))
    if proof == "right":  # the world's persons, as the source knows them
        ssin, last, first = draw(
            st.sampled_from(
                [
                    (ACTIVE, "Van den Broucke", "Jan-Pieter"),
                    (REPLACED, "Peeters", "Marie"),
                    (SUCCESSOR, "PEETERS", "marie"),
                ]
            )
        )
        names = {"last_name": last, "first_name": first, "birth_date": "1985-03-14"}
    elif proof == "person":
        names = {
            "last_name": draw(st.sampled_from(NAMES)),
            "first_name": draw(st.sampled_from(NAMES)),
            "birth_date": draw(st.sampled_from(BIRTH_DATES[:5])),
        }
    elif proof == "card":
        names = {"id_card": draw(st.sampled_from(["591123456789", "x"]))}
    document = doc.manage_access(
        draw(st.sampled_from(SSINS)),
        action,
        _date(draw),
        draw(st.none() | st.builds(lambda: None) | st.just(None))
        or (_date(draw) if draw(st.booleans()) else None),
        purpose=draw(st.sampled_from(["902", "0", "0902", "LIVING_WAGE", "1", None, "77"])),
        proof=proof != "none",
        **names,
    )
    return "OCMWCPASManageAccess", document


@st.composite
def identify_person(draw) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    document = doc.identify_person(
        ssin=draw(st.none() | st.sampled_from(SSINS)),
        last_name=draw(st.sampled_from(NAMES)),
        first_name=draw(st.sampled_from(NAMES)),
        birth_date=draw(st.sampled_from(BIRTH_DATES)),
        gender=draw(st.none() | st.sampled_from(["0", "1", "2"])),
        tolerance=draw(st.none() | st.integers(0, 12)),
        maximum=draw(st.none() | st.integers(1, 100)),
        verify=draw(st.booleans()),
        id_card=draw(st.none() | st.just("591123456789")),
    )
    return "OCMWCPASIdentifyPerson", document


@st.composite
def ssdn_request(draw) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    service_id, body = draw(manage_access() | identify_person())
    version = "20050930"
    if service_id == "OCMWCPASManageAccess":
        version = draw(st.sampled_from(["20050930", "20070509"]))
    if draw(st.sampled_from([False] * 9 + [True])):
        service_id, version = draw(
            st.sampled_from(
                [("OCMWCPASPerformInvestigation", "20050930"), ("OCMWCPASManageAccess", "1")]
            )
        )
    wrong = draw(st.sampled_from([False] * 9 + [True]))
    document = doc.wrap(
        body,
        service_id=service_id,
        version=version,
        org_unit="9" if wrong else doc.ORG_UNIT,
        language=draw(st.booleans()),
    )
    action = body.partition("<mar:Action>")[2].partition("<")[0]
    return f"{service_id}.{action}" if action else service_id, document


def judge(status_line: str, body: bytes) -> tuple[bool, list[str]]:
    """(fault, the service ReturnCodes), or an AssertionError saying what is wrong."""
    snippet = body[:800]
    assert b"Traceback" not in body and b"<html" not in body.lower(), snippet
    status = int(status_line.split()[0])
    assert status in (200, 500), status_line
    root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
    (answer,) = root.find(f"{{{SOAP_ENV}}}Body")
    if answer.tag == f"{{{SOAP_ENV}}}Fault":
        assert status == 500
        code = answer.findtext(".//{*}reasonCode")
        assert code in FAULT_CODES and code not in ("MSG00003", "MSG00001"), snippet
        return True, [code]
    assert status == 200
    assert answer.tag == f"{{{doc.CONNECTOR}}}xmlString", snippet
    reply = doc.parse(answer.text)
    REPLY_SCHEMA.assertValid(reply)
    glob = reply.find(f"{{{doc.SERVICE}}}ReplyContext/{{{doc.COMMON}}}ResultSummary")
    services = reply.findall(f"{{{doc.SERVICE}}}ServiceReply/{{{doc.COMMON}}}ResultSummary")
    codes = [s.findtext(f"{{{doc.COMMON}}}ReturnCode") for s in services]
    worst = max(codes, key=int)
    assert glob.findtext(f"{{{doc.COMMON}}}ReturnCode") == worst, snippet
    for summary in [glob, *services]:
        code = summary.findtext(f"{{{doc.COMMON}}}ReturnCode")
        assert summary.get("ok") == {"0": "YES", "1": "WARNING", "10000": "NO"}[code]
        reasons = [
            d.findtext(f"{{{doc.COMMON}}}ReasonCode")
            for d in summary.iter(f"{{{doc.COMMON}}}Detail")
        ]
        severities = {model.Severity(int(r[0])) for r in reasons}
        assert model.RETURN_CODES[max(severities, default=model.Severity.INFORMATION)][0] == code
    return False, codes


FUZZ = settings(max_examples=EXAMPLES * 4, deadline=None, suppress_health_check=list(HealthCheck))


@FUZZ
@given(data=st.data())
def test_every_ssdn_request_gets_a_valid_answer_and_refusals_change_nothing(
    fuzz_app, snapshot, ssdn_world, data: st.DataObject
) -> None:
    label, document = data.draw(ssdn_request(), label="request")
    mode = data.draw(
        st.sampled_from(["valid", "valid", "cdata", "tree", "tree", "bytes", "network"]),
        label="mode",
    )
    if mode == "tree":
        element = etree.fromstring(document)
        kind, mutate = data.draw(mutations.tree_mutation(), label="tree mutation")
        mutate(element)
        document = etree.tostring(element, encoding="unicode")
        event(f"tree: {kind}")
    body = doc.envelope(document, cdata=mode == "cdata")
    if mode == "bytes":
        kind, mutate_bytes = data.draw(mutations.byte_mutation(), label="byte mutation")
        body = mutate_bytes(body)
        event(f"bytes: {kind}")
    address = "192.0.2.1" if mode == "network" else next(REGISTERED)
    before = snapshot()
    started = time.perf_counter()
    status_line, answer = call_wsgi(
        fuzz_app,
        "POST",
        doc.CONNECTOR_PATH,
        body,
        REMOTE_ADDR=address,
        CONTENT_TYPE="text/xml; charset=utf-8",
        HTTP_SOAPACTION=doc.SOAP_ACTION,
    )
    assert time.perf_counter() - started < HANG_SECONDS
    fault, codes = judge(status_line, answer)
    event(f"{mode}: {codes}")
    if mode == "network":
        assert fault
    reads = not label.endswith((".REGISTER", ".UNREGISTER"))
    if fault or "10000" in codes or reads:  # (a fault's "code" is its reason code)
        after = snapshot()
        changed = sorted(k for k in before if before[k] != after[k])
        assert not changed, f"{label} {codes} but the tables {changed} changed"


@FUZZ
@given(echo=st.text(max_size=200), mutate=st.booleans(), data=st.data())
def test_send_test_message_echoes_or_faults(fuzz_app, snapshot, echo, mutate, data) -> None:
    from xml.sax.saxutils import escape

    clean = "".join(c for c in echo if c.isprintable())
    body = (
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"><soapenv:Body>'
        '<v1:sendTestMessageRequest xmlns:v1="http://kszbcss.fgov.be/intf/'
        f'TestConnectionServiceService/v1"><echo>{escape(clean)}</echo>'
        "</v1:sendTestMessageRequest></soapenv:Body></soapenv:Envelope>"
    ).encode()
    if mutate:
        _, mutate_bytes = data.draw(mutations.byte_mutation(), label="byte mutation")
        body = mutate_bytes(body)
    before = snapshot()
    status_line, answer = call_wsgi(
        fuzz_app, "POST", doc.TEST_PATH, body, REMOTE_ADDR="203.0.113.5"
    )
    assert b"Traceback" not in answer
    root = etree.fromstring(answer)
    if status_line.startswith("200"):
        assert (
            mutate
            or root.findtext(".//echo") == clean.replace("\r", "\n")
            or root.findtext(".//echo") == clean
        )
    else:
        assert root.findtext(".//{*}reasonCode") == "MSG00004"
    assert snapshot() == before
