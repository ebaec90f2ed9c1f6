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
from tests.contract.test_login_lockout import _FromAddress
from tests.integration.cluster import _free_port
from tests.integration.test_faults import _wait_healthy

pytestmark = pytest.mark.slow

USER, PASSWORD, CBE = "burst-client", "the right password 1234", "0203201340"
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
    port = _free_port()
    with (tmp_path / "serve.log").open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "raas.cli", "serve", "--port", str(port), "--workers", "12"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_healthy(port)
        yield port
    finally:
        server.terminate()
        server.wait(30)


def _client(port: int, password: str, address: str) -> zeep.proxy.ServiceProxy:
    session = requests.Session()
    session.mount("http://", _FromAddress(address))
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


def _wrong_checked(engine: Engine, address: str) -> int:
    """How many passwords from `address` were checked and found wrong (the audit notes)."""
    with engine.connect() as conn:
        return int(
            conn.scalar(
                text("SELECT count(*) FROM audit_log WHERE note LIKE :failed"),
                {"failed": f"login of '{USER}' from {address} failed (%"},
            )
        )


def test_a_burst_of_guesses_checks_at_most_the_allowed_number_of_passwords(
    port: int, engine: Engine
) -> None:
    figures = []
    for trial in range(TRIALS):
        address = f"127.0.0.{20 + trial}"  # each trial its own (username, address)
        passwords = [f"wrong password {n}!" for n in range(GUESSES)] + [PASSWORD]
        proxies = [_client(port, p, address) for p in passwords]
        barrier = threading.Barrier(len(proxies))
        with ThreadPoolExecutor(len(proxies)) as pool:
            codes = list(pool.map(partial(_code, barrier=barrier), proxies))
        wrong = _wrong_checked(engine, address)
        right = codes[-1]
        figures.append((wrong, right))
        print(f"trial {trial}: {wrong} wrong passwords checked, the right one got {right}")
        assert codes[:-1] == ["MSG00014"] * GUESSES
        # Every password checked counted: the wrong ones found wrong and the right one if let in.
        assert wrong + (right != "MSG00014") <= MAX_FAILURES, figures
