"""Parallel password guesses against `raas serve` with 12 workers: however many arrive at once,
at most RAAS_AUTH_MAX_FAILURES passwords are checked per lock window per (username, address);
the others are refused unchecked, and the right password hidden in the burst counts as one of
them."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import pytest
import requests
import zeep
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL
from zeep.transports import Transport
from zeep.wsse.username import UsernameToken

from raas import usecases
from raas.models.users import Role
from raas.persistence.uow import UnitOfWork
from tests.conftest import ROOT
from tests.support import FromAddress, free_port, wait_healthy
from tests.world import CLIENT_CBE

pytestmark = pytest.mark.slow

USER, PASSWORD, CBE = "burst-client", "the right password 1234", CLIENT_CBE
MAX_FAILURES = 5
GUESSES = 23
TRIALS = 4


@pytest.fixture()
def port(database_url: URL, engine: Engine, tmp_path: Path) -> Iterator[int]:
    usecases.create_user(partial(UnitOfWork, engine), USER, CBE, Role.CLIENT, PASSWORD, "Burst")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAAS_", "PROMETHEUS_"))}
    env["RAAS_DATABASE_URL"] = database_url.render_as_string(hide_password=False)
    env["RAAS_AUTH_MAX_FAILURES"] = str(MAX_FAILURES)
    env["RAAS_AUTH_LOCK_SECONDS"] = "600"
    port = free_port()
    with (tmp_path / "serve.log").open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "raas.cli", "serve", "--port", str(port), "--workers", "12"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_healthy(f"http://127.0.0.1:{port}", server, timeout=60)
        yield port
    finally:
        server.terminate()
        server.wait(30)


def _client(port: int, password: str, address: str) -> zeep.proxy.ServiceProxy:
    session = requests.Session()
    session.mount("http://", FromAddress(address))
    client = zeep.Client(
        str(ROOT / "wsdl" / "Register.wsdl"),
        wsse=UsernameToken(USER, password),
        transport=Transport(session=session),
    )
    (binding,) = client.wsdl.bindings.keys()
    proxy = client.create_service(binding, f"http://127.0.0.1:{port}/Register")
    proxy._client = client
    return proxy


def _code(proxy: zeep.proxy.ServiceProxy, barrier: threading.Barrier) -> str:
    barrier.wait()
    try:
        return str(proxy.ListTypeDossiers().status.code)
    except zeep.exceptions.Fault as fault:
        return str(fault.detail.find(".//{urn:raas:common:v1}reasonCode").text)


def _failure_notes(engine: Engine, address: str) -> list[str]:
    """The audit notes of the passwords from `address` checked and found wrong, in order."""
    with engine.connect() as conn:
        return list(
            conn.scalars(
                text("SELECT note FROM audit_log WHERE note LIKE :failed ORDER BY chain_seq"),
                {"failed": f"login of '{USER}' from {address} failed (%"},
            )
        )


def test_a_burst_of_guesses_checks_at_most_the_allowed_number_of_passwords(
    port: int, engine: Engine
) -> None:
    figures = []
    for trial in range(TRIALS):
        address = f"127.0.0.{20 + trial}"  # each trial its own (username, address)
        # Even trials: guesses only; odd ones: the right password hidden among them.
        passwords = [f"wrong password {n}!" for n in range(GUESSES)]
        passwords.append(PASSWORD if trial % 2 else "wrong password too!")
        proxies = [_client(port, p, address) for p in passwords]
        barrier = threading.Barrier(len(proxies))
        with ThreadPoolExecutor(len(proxies)) as pool:
            codes = list(pool.map(partial(_code, barrier=barrier), proxies))
        notes = _failure_notes(engine, address)
        right = codes[-1]
        figures.append((len(notes), right))
        print(f"trial {trial}: {len(notes)} wrong passwords checked, the last one got {right}")
        assert codes[:-1] == ["MSG00014"] * GUESSES
        # No failure is counted past the limit: once it is reached, nothing more is checked.
        counts = [int(note.split(" failed (")[1].split(" of ")[0]) for note in notes]
        assert max(counts) <= MAX_FAILURES, (figures, notes)
        if right == "MSG00014":  # a burst the right password did not end: one run of failures
            assert len(notes) <= MAX_FAILURES, (figures, notes)
        # (The right password, when checked before the limit, clears the failures before it,
        # as one login after another would.)
