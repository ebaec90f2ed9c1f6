"""The gateway's guards, seen by a client posting raw bytes.

Malformed, unsafe, oversized, too deep or schema-invalid requests get a quick SOAP fault with
reasonCode MSG00004, never an HTML page, a stack trace or a file of the server. The requests carry
a valid WS-Security header, so each refusal is due to the XML alone.
"""

from __future__ import annotations

import pytest

from raas import usecases
from raas.services.status import DESCRIPTIONS
from raas.services.types import COMMON_NS
from tests.conftest import call_wsgi
from tests.contract.raw_soap import (
    IDENTIFICATION,
    LIMIT,
    LIST_TYPE_DOSSIERS,
    SSIN,
    assert_refused,
    diagnostic,
    envelope,
    fault_code,
    nested,
    post,
    post_raw,
    search,
)

# -- the baseline: the same request, well formed, is answered ----------------------------------

def test_a_well_formed_raw_request_is_answered(live_url, users):
    answer = post(live_url, "Identification", envelope(search()))
    assert answer.status == 200
    assert "<code>MSG00005</code>" in answer.text.replace("s0:", "")


@pytest.mark.parametrize("content_type", [None, "application/xml", "text/xml; charset=latin-1"])
def test_the_body_is_read_by_its_xml_declaration_whatever_the_content_type(
    live_url, users, content_type
):
    ticket = "Müller-Lefèvre"  # sent in UTF-8, as the XML declaration says
    customer = (f'<c:ticket xmlns:c="{COMMON_NS}">{ticket}</c:ticket>')
    body = envelope(
        f'<i:SearchPersonBySsin xmlns:i="{IDENTIFICATION}"><i:informationCustomer>{customer}'
        f"</i:informationCustomer><i:ssin>{SSIN}</i:ssin></i:SearchPersonBySsin>"
    )
    headers = {"Content-Length": str(len(body)), "Content-Type": content_type}
    answer = post_raw(live_url, "Identification", body, headers)
    assert answer.status == 200, answer.text[:300]
    assert f">{ticket}</" in answer.text


# -- unsafe and malformed XML ------------------------------------------------------------------

BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    + "]>\n"
)

UNSAFE = {
    "xxe-file": (envelope(search("&xxe;"),
                          prolog='<!DOCTYPE e [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n')),
    "xxe-parameter-entity": envelope(
        search(), prolog='<!DOCTYPE e [<!ENTITY % xxe SYSTEM "file:///etc/passwd"> %xxe;]>\n'),
    # TEST-NET address: a parser that fetched it would hang past the time limit.
    "external-dtd": envelope(search(), prolog='<!DOCTYPE e SYSTEM "http://192.0.2.1/evil.dtd">\n'),
    "billion-laughs": envelope(search("&lol9;"), prolog=BILLION_LAUGHS),
    "plain-doctype": envelope(search(), prolog="<!DOCTYPE soap:Envelope>\n"),
    "internal-subset": envelope(search(), prolog="<!DOCTYPE e [<!ELEMENT e ANY>]>\n"),
}

MALFORMED = {
    "truncated": envelope(search())[:-30],
    "not-xml": b"this is not XML",
    "empty": b"",
    "undefined-entity": envelope(search("&nope;")),
    "invalid-utf8": envelope(search()).replace(SSIN.encode(), b"\xff\xfe"),
    "two-roots": envelope(search()) + b"<soap:Envelope/>",
}


@pytest.mark.parametrize("body", UNSAFE.values(), ids=UNSAFE.keys())
def test_unsafe_xml_is_refused(live_url, users, body):
    assert_refused(post(live_url, "Identification", body))


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_xml_is_refused(live_url, users, body):
    assert_refused(post(live_url, "Identification", body))


@pytest.mark.parametrize("depth", [100, 10_000])
def test_deeply_nested_xml_is_refused(live_url, users, depth):
    answer = post(live_url, "Identification", envelope(search(inside=nested(depth))))
    assert_refused(answer)
    # our limit (64), or libxml2's own (256) first: "Excessive depth in document"
    assert "deeper" in diagnostic(answer.text) or "depth" in diagnostic(answer.text)


# -- body size ---------------------------------------------------------------------------------

def oversized() -> bytes:
    """A request that is valid but for its size (the padding is a comment before the root)."""
    return envelope(search(), prolog=f"<!--{'x' * LIMIT}-->\n")


def test_an_oversized_body_is_refused(live_url, users):
    answer = post(live_url, "Identification", oversized())
    assert_refused(answer)
    assert f"exceeds {LIMIT} bytes" in diagnostic(answer.text)


def test_a_content_length_above_the_limit_is_refused_without_reading(live_url, users):
    answer = post_raw(live_url, "Identification", envelope(search()),
                      {"Content-Length": str(10 * LIMIT)})
    assert_refused(answer)
    assert f"exceeds {LIMIT} bytes" in diagnostic(answer.text)


def test_a_content_length_below_the_body_is_refused(live_url, users):
    answer = post_raw(live_url, "Identification", envelope(search()), {"Content-Length": "100"})
    assert_refused(answer)


@pytest.mark.parametrize("content_length", [None, "many", "-1"])
def test_a_missing_or_invalid_content_length_is_refused(live_url, users, content_length):
    headers = {} if content_length is None else {"Content-Length": content_length}
    assert_refused(post_raw(live_url, "Identification", envelope(search()), headers))


def test_an_oversized_chunked_body_is_refused(live_url, users):
    body = oversized()
    chunks = (body[i:i + 65536] for i in range(0, len(body), 65536))
    assert_refused(post(live_url, "Identification", chunks))


def test_a_server_that_ends_the_input_itself_is_read_up_to_the_limit(live_app, users):
    """gunicorn decodes chunked bodies and ends wsgi.input: no Content-Length is needed then."""
    status, body = call_wsgi(live_app, "POST", "/Identification", envelope(search()),
                             CONTENT_LENGTH="", **{"wsgi.input_terminated": True})
    assert status == "200 OK"
    status, body = call_wsgi(live_app, "POST", "/Identification", oversized(),
                             CONTENT_LENGTH="", **{"wsgi.input_terminated": True})
    assert status.startswith("500")
    assert fault_code(body.decode()) == "MSG00004"
    assert b"exceeds" in body


# -- schema and envelope structure -------------------------------------------------------------

INVALID = {
    "short-ssin": envelope(search("123")),
    "letters-in-ssin": envelope(search("8503141234X")),
    "missing-ssin": envelope(f'<i:SearchPersonBySsin xmlns:i="{IDENTIFICATION}"/>'),
    "unknown-child": envelope(search(inside="<i:extra>1</i:extra>")),
    "ticket-too-long": envelope(
        f'<i:SearchPersonBySsin xmlns:i="{IDENTIFICATION}" xmlns:c="{COMMON_NS}">'
        f"<i:informationCustomer><c:ticket>{'t' * 37}</c:ticket></i:informationCustomer>"
        f"<i:ssin>{SSIN}</i:ssin></i:SearchPersonBySsin>"),
    "unknown-operation": envelope(search(tag="DeletePerson")),
    "wrong-namespace": envelope(search(namespace="urn:raas:identification:v2")),
    "no-namespace": envelope(f"<SearchPersonBySsin><ssin>{SSIN}</ssin></SearchPersonBySsin>"),
    "other-service-operation": envelope(LIST_TYPE_DOSSIERS),
    "two-body-elements": envelope(search() + search()),
    "empty-body": envelope(""),
    "no-body": envelope("").replace(b"<soap:Body></soap:Body>", b""),
    "not-an-envelope": search().encode(),
    "soap-1.2-envelope": envelope(search(), namespace="http://www.w3.org/2003/05/soap-envelope"),
}


@pytest.mark.parametrize("body", INVALID.values(), ids=INVALID.keys())
def test_a_request_the_schema_or_envelope_refuses_is_refused(live_url, users, body):
    assert_refused(post(live_url, "Identification", body))


# -- unexpected errors -------------------------------------------------------------------------

def test_an_unexpected_error_is_a_generic_server_fault(live_url, users, monkeypatch):
    def explode(*args: object) -> None:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(usecases, "list_type_dossiers", explode)
    answer = post(live_url, "Register", envelope(LIST_TYPE_DOSSIERS))
    assert_refused(answer, "MSG00003")
    assert f"<faultstring>{DESCRIPTIONS['MSG00003']}</faultstring>" in answer.text
    assert "secret detail" not in answer.text
    assert "RuntimeError" not in answer.text


def test_an_anonymous_caller_learns_no_operation_names(live_url, users):
    unknown = search(tag="NoSuchOperation")
    assert_refused(post(live_url, "Identification", envelope(unknown, header="")), "MSG00014")
    assert_refused(post(live_url, "Identification", envelope(unknown)), "MSG00004")
