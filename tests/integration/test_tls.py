"""`raas serve --certfile --keyfile` serves HTTPS directly; zeep calls it with the cert as CA."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import pytest
import requests
import zeep
from sqlalchemy import Engine
from sqlalchemy.engine import URL
from zeep.transports import Transport
from zeep.wsse.username import UsernameToken

from raas import usecases
from raas.models.users import Role
from raas.persistence.uow import UnitOfWork
from tests.conftest import ROOT
from tests.support import free_port
from tests.world import CLIENT_CBE

pytestmark = pytest.mark.slow

USER, PASSWORD, CBE = "tls-client", "a password for tls 1234", CLIENT_CBE


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A throw-away certificate for 127.0.0.1 (openssl CLI) and its key."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


def _serve(database_url: URL, port: int, *args: str, **env: str) -> subprocess.Popen[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("RAAS_")}
    environment["RAAS_DATABASE_URL"] = database_url.render_as_string(hide_password=False)
    environment["RAAS_PUBLIC_URL"] = f"https://127.0.0.1:{port}"
    environment.update(env)
    return subprocess.Popen(
        [sys.executable, "-m", "raas.cli", "serve", "--port", str(port), "--workers", "1", *args],
        env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def _wait_healthy(base: str, cert: Path, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, server.communicate()[0][-2000:]
        try:
            if requests.get(f"{base}/health", verify=str(cert), timeout=2).status_code == 200:
                return
        except requests.exceptions.ConnectionError:
            pass
        time.sleep(0.2)
    raise AssertionError("raas serve did not answer over TLS")


@pytest.fixture()
def tls_user(engine: Engine) -> str:
    uow = partial(UnitOfWork, engine)
    usecases.create_user(uow, USER, CBE, Role.CLIENT, PASSWORD, "TLS client")
    usecases.define_type_dossier(uow, CBE, "902", "unemployment")
    return USER


@pytest.mark.parametrize("from_env", [False, True], ids=["options", "environment"])
def test_serve_over_tls_answers_zeep_with_the_certificate_as_ca(
    database_url: URL, tls_user: str, tmp_path: Path, from_env: bool
) -> None:
    cert, key = _self_signed(tmp_path)
    port = free_port()
    if from_env:
        server = _serve(database_url, port, RAAS_TLS_CERT=str(cert), RAAS_TLS_KEY=str(key))
    else:
        server = _serve(database_url, port, "--certfile", str(cert), "--keyfile", str(key))
    base = f"https://127.0.0.1:{port}"
    try:
        _wait_healthy(base, cert, server)
        session = requests.Session()
        session.verify = str(cert)
        session.trust_env = False  # else REQUESTS_CA_BUNDLE, when set, wins over session.verify
        client = zeep.Client(
            str(ROOT / "wsdl" / "Register.wsdl"),
            wsse=UsernameToken(tls_user, PASSWORD),
            transport=Transport(session=session),
        )
        proxy = client.create_service(next(iter(client.wsdl.bindings)), f"{base}/Register")
        answer = proxy.ListTypeDossiers()
        assert answer.status.value == "DATA_FOUND"
        assert [t.code for t in answer.typeDossiers.typeDossier] == ["902"]
        # The served WSDL names the https address; without the CA the client refuses the server.
        assert f'location="{base}/Register"' in session.get(f"{base}/Register?wsdl").text
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(f"{base}/health", timeout=5)
        # Plain HTTP on the TLS port gets no service answer.
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/health", timeout=5)
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0]
    assert "over TLS" in output


def test_serve_refuses_a_certificate_without_its_key(database_url: URL, tmp_path: Path) -> None:
    cert, _ = _self_signed(tmp_path)
    server = _serve(database_url, free_port(), "--certfile", str(cert))
    output = server.communicate(timeout=60)[0]
    assert server.returncode == 2 and "both --certfile and --keyfile" in output
