"""Raw SOAP requests for the contract tests: built by hand, posted as bytes, their faults judged.

The requests carry a valid WS-Security header of the client user, so a refusal is due to the XML.
"""

from __future__ import annotations

import http.client
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
from lxml import etree

from raas.config import Settings
from raas.services.faults import CLIENT_CODES, SOAP_ENV
from raas.services.types import COMMON_NS
from tests.world import JAN_PEETERS, PASSWORD, Users

IDENTIFICATION = "urn:raas:identification:v1"
REGISTER = "urn:raas:register:v1"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
PASSWORD_TEXT = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
    "#PasswordText"
)
SSIN = JAN_PEETERS
LIMIT = Settings().max_body_bytes  # the live app runs with the default settings
PASSWD_LINE = Path("/etc/passwd").read_text().splitlines()[0]  # e.g. root:x:0:0:root:/root:...


# -- building requests -------------------------------------------------------------------------

def security_header(username: str = Users().client, password: str = PASSWORD) -> str:
    return (
        f'<soap:Header><wsse:Security xmlns:wsse="{WSSE}"><wsse:UsernameToken>'
        f"<wsse:Username>{username}</wsse:Username>"
        f'<wsse:Password Type="{PASSWORD_TEXT}">{password}</wsse:Password>'
        "</wsse:UsernameToken></wsse:Security></soap:Header>"
    )


def envelope(body: str, *, prolog: str = "", header: str | None = None,
             namespace: str = SOAP_ENV) -> bytes:
    """A SOAP 1.1 request with a valid security header; `prolog` goes before the root."""
    header = security_header() if header is None else header
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}'
        f'<soap:Envelope xmlns:soap="{namespace}">{header}<soap:Body>{body}</soap:Body>'
        "</soap:Envelope>"
    ).encode()


def search(ssin: str = SSIN, inside: str = "", tag: str = "SearchPersonBySsin",
           namespace: str = IDENTIFICATION) -> str:
    """A SearchPersonBySsin element with `ssin` (raw XML allowed) and extra content."""
    return (f'<i:{tag} xmlns:i="{namespace}"><i:ssin>{ssin}</i:ssin>{inside}</i:{tag}>')


def nested(depth: int) -> str:
    return "<i:deep>" * depth + "</i:deep>" * depth


LIST_TYPE_DOSSIERS = f'<r:ListTypeDossiers xmlns:r="{REGISTER}"/>'


# -- sending and judging answers ---------------------------------------------------------------

@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    text: str
    elapsed: float


def post(live_url: str, service: str, body: bytes | object) -> Answer:
    """POST `body` with requests (which sets an honest Content-Length, or chunks an iterator)."""
    started = time.perf_counter()
    response = requests.post(f"{live_url}/{service}", data=body, timeout=10,
                             headers={"Content-Type": "text/xml; charset=utf-8"})
    elapsed = time.perf_counter() - started
    assert response.headers["Content-Length"] == str(len(response.content))
    return Answer(response.status_code, response.headers.get("Content-Type", ""),
                  response.text, elapsed)


def post_raw(live_url: str, service: str, body: bytes, headers: dict[str, str | None]) -> Answer:
    """POST `body` with exactly these headers (a wrong or missing Content-Length included)."""
    url = urlsplit(live_url)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    started = time.perf_counter()
    try:
        connection.putrequest("POST", f"/{service}", skip_accept_encoding=True)
        for name, value in {"Content-Type": "text/xml; charset=utf-8", **headers}.items():
            if value is not None:  # None: leave the header out
                connection.putheader(name, value)
        connection.endheaders(body)
        response = connection.getresponse()
        text = response.read().decode()
        return Answer(response.status, response.getheader("Content-Type", ""), text,
                      time.perf_counter() - started)
    finally:
        connection.close()


def fault_code(response_text: str) -> str:
    """The reasonCode in the detail of the SOAP fault `response_text` holds."""
    root = etree.fromstring(response_text.encode(), etree.XMLParser(resolve_entities=False))
    fault = root.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    assert fault is not None, f"not a SOAP fault: {response_text[:300]}"
    return fault.findtext(f"detail/{{{COMMON_NS}}}error/{{{COMMON_NS}}}reasonCode") or ""


def diagnostic(response_text: str) -> str:
    root = etree.fromstring(response_text.encode(), etree.XMLParser(resolve_entities=False))
    return root.findtext(f".//{{{COMMON_NS}}}diagnostic") or ""


def faultcode(response_text: str) -> str:
    root = etree.fromstring(response_text.encode(), etree.XMLParser(resolve_entities=False))
    return root.findtext(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault/faultcode") or ""


def assert_refused(answer: Answer, code: str = "MSG00004") -> None:
    """A quick SOAP fault with `code`, and nothing a client should never see."""
    assert answer.status == 500, answer.text[:300]
    assert answer.content_type.startswith("text/xml")
    assert "<html" not in answer.text.lower()
    assert "Traceback" not in answer.text
    assert PASSWD_LINE not in answer.text
    assert fault_code(answer.text) == code, answer.text[:500]
    assert faultcode(answer.text).endswith("Client" if code in CLIENT_CODES else "Server")
    assert answer.elapsed < 1.0
