"""What a new user meets in the first hour: another port, a busy port, another directory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import zeep
from lxml import etree
from sqlalchemy.engine import URL

from tests.conftest import ROOT
from tests.support import free_port, wait_healthy

pytestmark = pytest.mark.slow


def _env(database_url: URL, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAAS_", "PROMETHEUS_"))}
    env["RAAS_DATABASE_URL"] = database_url.render_as_string(hide_password=False)
    return {**env, **extra}


def _soap_address(wsdl: bytes) -> str:
    return etree.fromstring(wsdl).find(".//{*}address").get("location")


@pytest.fixture()
def serve(database_url: URL) -> Iterator:  # type: ignore[type-arg]
    started: list[subprocess.Popen[str]] = []

    def start(port: int, **extra: str) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-m", "raas.cli", "serve", "--port", str(port), "--workers", "1"],
            env=_env(database_url, **extra),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        process.terminate()
        process.communicate(timeout=60)


def test_another_port_gives_wsdls_with_the_address_served(serve) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    server = serve(port)
    base = f"http://127.0.0.1:{port}"
    wait_healthy(base, server)
    for service in ("Register", "Identification", "LinkRegister", "Admin"):
        wsdl = requests.get(f"{base}/{service}?wsdl", timeout=10).content
        assert _soap_address(wsdl) == f"{base}/{service}"
    # zeep from the served WSDL reaches the server without being told where it is.
    client = zeep.Client(f"{base}/Register?wsdl")
    with pytest.raises(zeep.exceptions.Fault) as refused:  # no credentials: but it got there
        client.service.ListTypeDossiers()
    assert refused.value.detail.find(".//{*}reasonCode").text == "MSG00014"


def test_raas_public_url_still_names_the_address(serve) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    server = serve(port, RAAS_PUBLIC_URL="https://raas.example.org")
    base = f"http://127.0.0.1:{port}"
    wait_healthy(base, server)
    wsdl = requests.get(f"{base}/Register?wsdl", timeout=10).content
    assert _soap_address(wsdl) == "https://raas.example.org/Register"


def test_a_busy_port_is_one_clear_line(serve) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        server = serve(port)
        out, errors = server.communicate(timeout=60)
    assert server.returncode != 0
    assert time.monotonic() - started < 20
    lines = [line for line in errors.splitlines() if line.strip()]
    assert len(lines) == 1, errors
    assert f"cannot serve on 127.0.0.1:{port}" in lines[0] and "--port" in lines[0]
    assert "Traceback" not in errors and "Retrying" not in errors


def test_the_data_folder_does_not_depend_on_the_current_directory(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAAS_")}
    found = subprocess.run(
        [sys.executable, "-c", "from raas.config import Settings as S; print(S().data_dir)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(found.stdout.strip()) == ROOT / ".raas"
    assert not (tmp_path / ".raas").exists()
