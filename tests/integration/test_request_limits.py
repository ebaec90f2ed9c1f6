"""What gunicorn itself would answer with an HTML page is a SOAP fault from `raas serve`.

An unreadable HTTP request (a negative or non-numeric Content-Length, a broken request line)
never reaches the application, and a request that runs too long used to be aborted by gunicorn
with a 500 HTML page and no audit entry. Real `raas serve`, raw sockets and zeep's own parsing.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from functools import partial

import pytest
from lxml import etree
from sqlalchemy import Engine, select, text
from sqlalchemy.engine import URL

from raas import usecases
from raas.models.users import Role
from raas.persistence.tables import audit_log
from raas.persistence.uow import UnitOfWork
from tests.contract.conftest import CLIENT_CBE, PASSWORD
from tests.integration.test_end_to_end import _free_port, _wait_healthy
from tests.integration.test_serve_metrics_logs import LIST

pytestmark = pytest.mark.slow

USER = "limits-client"
WORKER_TIMEOUT = 3  # gunicorn aborts a silent worker after 3 s; the service answers at 2 s


@pytest.fixture(scope="module")
def served(database_url: URL, session_engine: Engine) -> Iterator[tuple[int, list[str]]]:
    usecases.create_user(
        partial(UnitOfWork, session_engine), USER, CLIENT_CBE, Role.CLIENT, PASSWORD, "Client"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAAS_", "PROMETHEUS_"))}
    env["RAAS_DATABASE_URL"] = database_url.render_as_string(hide_password=False)
    env["RAAS_WORKER_TIMEOUT"] = str(WORKER_TIMEOUT)
    env["RAAS_LOCK_TIMEOUT_SECONDS"] = "60"  # a lock wait ends by the deadline, not by this
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "raas.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    log: list[str] = []
    try:
        _wait_healthy(f"http://127.0.0.1:{port}", process)
        yield port, log
    finally:
        process.terminate()
        log.extend(process.communicate(timeout=60)[1].splitlines())


def _exchange(port: int, raw: bytes) -> tuple[str, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(raw)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return status, headers, body


def _reason_code(body: bytes) -> str:
    envelope = etree.fromstring(body)
    assert etree.QName(envelope).localname == "Envelope"
    return envelope.findtext(".//{*}Fault/detail/{*}error/{*}reasonCode")


@pytest.mark.parametrize("length", ["-5", "abc", "1e3", "99999999999999999999999"])
def test_an_unreadable_content_length_gets_a_soap_fault_not_html(served, length) -> None:
    port, _ = served
    raw = (
        f"POST /Register HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
        f"Content-Length: {length}\r\nConnection: close\r\n\r\n<x/>"
    ).encode()
    status, headers, body = _exchange(port, raw)
    assert headers["content-type"].startswith("text/xml"), (status, body[:200])
    assert b"<html" not in body.lower()
    assert _reason_code(body) == "MSG00004"


def test_a_broken_request_line_gets_a_soap_fault_not_html(served) -> None:
    port, _ = served
    status, headers, body = _exchange(port, b"POST /Register HTTP/9.x\r\n\r\n")
    assert headers["content-type"].startswith("text/xml")
    assert _reason_code(body) == "MSG00004"


def test_a_request_past_the_deadline_is_answered_by_the_service_and_audited(
    served, session_engine: Engine
) -> None:
    port, log = served
    body = LIST.format(user=USER, password=PASSWORD).encode()
    raw = (
        f"POST /Register HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body
    # An operator's job holds the users table: logins wait behind it (up to the lock timeout).
    with session_engine.connect() as blocker:
        blocker.execute(text("LOCK TABLE users IN ACCESS EXCLUSIVE MODE"))
        started = time.monotonic()
        status, headers, answer = _exchange(port, raw)
        seconds = time.monotonic() - started
        blocker.rollback()
    assert headers["content-type"].startswith("text/xml"), answer[:300]
    assert _reason_code(answer) == "MSG00001"
    assert seconds < WORKER_TIMEOUT + 1, seconds  # answered before gunicorn's abort
    ticket = etree.fromstring(answer).findtext(".//{*}ticketCBSS")
    with session_engine.connect() as conn:
        entry = conn.execute(select(audit_log).where(audit_log.c.ticket_cbss == ticket)).one()
    assert entry.status_code == "MSG00001"
    # The same worker serves the next request normally.
    status, headers, answer = _exchange(port, raw)
    assert status.endswith("200 OK"), answer[:300]
