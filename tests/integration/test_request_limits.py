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
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import Engine, select, text
from sqlalchemy.engine import URL

from raas import usecases
from raas.models.ssin import make_ssin
from raas.models.users import Role
from raas.persistence.audit import audit_log
from raas.persistence.uow import UnitOfWork
from tests.support import LIST, free_port, wait_healthy
from tests.world import CLIENT_CBE, PASSWORD

pytestmark = pytest.mark.slow

USER = "limits-client"
WORKER_TIMEOUT = 3  # gunicorn aborts a silent worker after 3 s; the service answers at 2 s


def _serve(database_url: URL, log_path: Path, **settings: str) -> tuple[subprocess.Popen[str], int]:
    """A real `raas serve` with 2 workers, its log (stderr) written to `log_path`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAAS_", "PROMETHEUS_"))}
    env["RAAS_DATABASE_URL"] = database_url.render_as_string(hide_password=False)
    env["RAAS_WORKER_TIMEOUT"] = str(WORKER_TIMEOUT)
    env["RAAS_LOCK_TIMEOUT_SECONDS"] = "60"  # a lock wait ends by the deadline, not by this
    env.update(settings)
    port = free_port()
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "raas.cli", "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
            text=True,
        )
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process)
    except BaseException:
        _stop(process)
        raise
    return process, port


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def served(
    database_url: URL, session_engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[int, Path]]:
    usecases.create_user(
        partial(UnitOfWork, session_engine), USER, CLIENT_CBE, Role.CLIENT, PASSWORD, "Client"
    )
    log_path = tmp_path_factory.mktemp("serve") / "serve.log"
    process, port = _serve(database_url, log_path)
    try:
        yield port, log_path
    finally:
        _stop(process)


def _post(service: str, body: str) -> bytes:
    data = body.encode()
    return (
        f"POST /{service} HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
        f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n"
    ).encode() + data


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


@pytest.mark.parametrize(
    "raw",
    [
        b"POST /Register HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n",
        b"POST /Register?" + b"a" * 10000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /Register HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
        b"POST /Register HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n",
    ],
    ids=["header-too-large", "request-line-too-long", "header-without-colon", "two-lengths"],
)
def test_a_request_gunicorn_refuses_to_read_gets_a_soap_fault_not_html(served, raw) -> None:
    port, _ = served
    status, headers, body = _exchange(port, raw)
    assert headers["content-type"].startswith("text/xml"), (status, body[:200])
    assert _reason_code(body) == "MSG00004"


def test_a_request_past_the_deadline_is_answered_by_the_service_and_audited(
    served, session_engine: Engine
) -> None:
    port, _ = served
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


def _inscribe(begin: str, timestamp: str) -> str:
    operation = (
        '<r:Inscribe xmlns:r="urn:raas:register:v1" xmlns:c="urn:raas:common:v1">'
        f"<r:informationCustomer><c:timestampSent>{timestamp}</c:timestampSent>"
        f"</r:informationCustomer><r:ssin>{make_ssin(1985, 3, 14, 123)}</r:ssin>"
        f"<r:typeDossier>902</r:typeDossier><r:period><c:beginDate>{begin}</c:beginDate>"
        "</r:period></r:Inscribe>"
    )
    envelope = LIST.replace('<r:ListTypeDossiers xmlns:r="urn:raas:register:v1"/>', operation)
    return envelope.format(user=USER, password=PASSWORD)


def _new_lines(log_path: Path, skip: int, until: str) -> list[str]:
    """The server's log lines after the first `skip`, once one of them contains `until`."""
    deadline = time.monotonic() + 10
    while True:
        lines = log_path.read_text().splitlines()[skip:]
        if any(until in line for line in lines) or time.monotonic() > deadline:
            return lines
        time.sleep(0.1)


@pytest.mark.parametrize(
    ("begin", "timestamp"),
    [
        ("10000-01-01", "2025-01-01T00:00:00Z"),
        ("-0001-01-01", "2025-01-01T00:00:00Z"),
        ("2025-01-01", "10000-01-01T00:00:00"),
    ],
    ids=["year-10000", "year-minus-1", "timestamp-year-10000"],
)
def test_a_date_python_cannot_hold_is_one_log_line_without_a_traceback(
    served, begin, timestamp
) -> None:
    """A client's mistake: a MSG00004 fault and one INFO/WARNING line in the server's log, no
    ERROR and no traceback (spyne's own ERROR record of the client fault is not logged)."""
    port, log_path = served
    skip = len(log_path.read_text().splitlines())
    status, headers, body = _exchange(port, _post("Register", _inscribe(begin, timestamp)))
    assert headers["content-type"].startswith("text/xml"), body[:300]
    assert _reason_code(body) == "MSG00004"
    ticket = etree.fromstring(body).findtext(".//{*}ticketCBSS")
    lines = _new_lines(log_path, skip, "MSG00004")
    assert not [line for line in lines if "Traceback" in line or "ERROR" in line], lines
    (line,) = [line for line in lines if ticket in line]
    assert " INFO " in line or " WARNING " in line, line
    assert "status=MSG00004" in line, line


def test_a_request_gunicorn_aborts_still_gets_a_soap_fault(
    database_url: URL, session_engine: Engine, served, tmp_path: Path
) -> None:
    """Without the service's own deadline (RAAS_REQUEST_DEADLINE_SECONDS=0) gunicorn aborts the
    worker at its timeout: the answer is still a SOAP envelope (MSG00003), never an HTML page,
    and the server goes on answering."""
    process, port = _serve(database_url, tmp_path / "serve.log", RAAS_REQUEST_DEADLINE_SECONDS="0")
    try:
        raw = _post("Register", LIST.format(user=USER, password=PASSWORD))
        with session_engine.connect() as blocker:
            blocker.execute(text("LOCK TABLE users IN ACCESS EXCLUSIVE MODE"))
            status, headers, answer = _exchange(port, raw)
            blocker.rollback()
        assert headers["content-type"].startswith("text/xml"), (status, answer[:300])
        assert b"<html" not in answer.lower()
        assert _reason_code(answer) == "MSG00003"
        status, headers, answer = _exchange(port, raw)
        assert status.endswith("200 OK"), answer[:300]
        assert process.poll() is None
    finally:
        _stop(process)
