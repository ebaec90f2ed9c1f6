"""The same properties over real HTTP: odd headers, lengths and chunking reach the app as sent.

test_fuzz_soap.py calls the WSGI app directly; here requests go through a loopback HTTP server
(tests/conftest.py `live_url`) with http.client, so the Content-Length, Transfer-Encoding,
Content-Type and SOAPAction headers are exactly the fuzzed ones.
"""

from __future__ import annotations

import http.client
import time
from urllib.parse import urlsplit

from hypothesis import event, given
from hypothesis import strategies as st

from tests.fuzz import mutations
from tests.fuzz.conftest import fingerprint
from tests.fuzz.plans import (
    EXAMPLES,
    FUZZ_SETTINGS,
    HANG_SECONDS,
    OPERATIONS,
    REFUSED_VALUES,
    envelope,
    judge,
    plan,
)
from tests.fuzz.schema import to_element

LENGTHS = ["honest", "honest", "honest", "missing", "shorter", "zero", "negative", "garbage",
           "chunked"]


def send(live_url: str, path: str, body: bytes, headers: dict[str, str], length: str):  # type: ignore[no-untyped-def]
    url = urlsplit(live_url)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=HANG_SECONDS)
    try:
        connection.putrequest("POST", path, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        if length == "chunked":
            connection.putheader("Transfer-Encoding", "chunked")
            connection.endheaders()
            for i in range(0, len(body), 1000):
                chunk = body[i:i + 1000]
                connection.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            connection.send(b"0\r\n\r\n")
        else:
            value = {
                "honest": str(len(body)), "shorter": str(max(len(body) // 2, 0)), "zero": "0",
                "negative": "-1", "garbage": "12abc",
            }.get(length)
            if value is not None:
                connection.putheader("Content-Length", value)
            connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        connection.close()


@FUZZ_SETTINGS.__class__(FUZZ_SETTINGS, max_examples=max(EXAMPLES * 2, 10))
@given(data=st.data())
def test_over_http_every_answer_is_a_soap_envelope(live_url, engine, world, data) -> None:  # type: ignore[no-untyped-def]
    operation = data.draw(st.sampled_from(OPERATIONS), label="operation")
    p = plan(world, operation)
    payload = to_element(data.draw(st.one_of(p.happy, p.valid), label="payload"))
    body = envelope(p.callers[p.role].header, payload, as_text=True)
    if data.draw(st.booleans(), label="mutate bytes"):
        # Not an oversized body here: the server refuses it unread and closes, and a client that
        # is still writing gets a broken pipe instead of the answer (test_fuzz_soap covers it).
        kind, mutate = data.draw(
            mutations.byte_mutation().filter(lambda m: m[0] != "oversized"), label="byte mutation"
        )
        body = mutate(body)
        event(f"bytes: {kind}")
    environ = data.draw(mutations.headers(), label="headers")
    headers = {"Content-Type": environ["CONTENT_TYPE"]}
    if "HTTP_SOAPACTION" in environ:
        headers["SOAPAction"] = environ["HTTP_SOAPACTION"].encode("utf-8").decode("latin-1")
    length = data.draw(st.sampled_from(LENGTHS), label="length")
    event(f"length: {length}")
    before = fingerprint(engine)
    started = time.perf_counter()
    status, content_type, answer = send(live_url, f"/{operation.service}", body, headers, length)
    assert time.perf_counter() - started < HANG_SECONDS
    assert content_type.startswith("text/xml"), (status, content_type, answer[:300])
    outcome = judge(f"{status} -", answer, p.schema.namespace)
    event(f"{length}: {outcome.code}")
    if length != "honest":
        assert outcome.fault and outcome.code == "MSG00004", outcome
    if outcome.fault or outcome.value in REFUSED_VALUES or outcome.all_items_refused:
        assert fingerprint(engine) == before, outcome
