"""The project's own venv, built by `make install` with the oldest and the newest supported
Python, serves a zeep call (spyne 2.14 through raas.spyne_compat on 3.12+, legacy-cgi on 3.13)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from functools import partial
from pathlib import Path

import pytest
import zeep
from sqlalchemy import Engine
from sqlalchemy.engine import URL
from zeep.wsse.username import UsernameToken

from raas import usecases
from raas.models.users import Role
from raas.persistence.uow import UnitOfWork
from tests.conftest import ROOT
from tests.support import free_port, wait_healthy
from tests.world import CLIENT_CBE, PASSWORD

pytestmark = pytest.mark.slow


def _interpreter(version: str) -> str | None:
    """pythonX.Y on the PATH, else pyenv's (its shims refuse versions not selected)."""
    wanted = tuple(int(part) for part in version.split("."))
    home = Path.home() / ".pyenv" / "versions"
    candidates = [f"python{version}", *map(str, sorted(home.glob(f"{version}.*/bin/python3*")))]
    for candidate in candidates:
        probe = subprocess.run(
            [candidate, "-c", "import sys; print(sys.executable, *sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        ) if shutil.which(candidate) or Path(candidate).exists() else None
        if probe and probe.returncode == 0:
            executable, *numbers = probe.stdout.split()
            if tuple(map(int, numbers)) == wanted:
                return executable
    return None


@pytest.mark.parametrize("version", ["3.11", "3.13"])
def test_make_install_with_the_python_serves_a_zeep_call(
    version: str, database_url: URL, engine: Engine
) -> None:
    if sys.version_info[:2] == tuple(map(int, version.split("."))):
        # This very suite runs in the venv `make` built with this Python: no second build.
        pytest.skip(f"the suite itself runs on Python {version}")
    python = _interpreter(version)
    if python is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must test Python {version}, and this machine has none")
        pytest.skip(f"no Python {version} on this machine")
    username = f"py{version.replace('.', '')}-client"
    usecases.create_user(
        partial(UnitOfWork, engine), username, CLIENT_CBE, Role.CLIENT, PASSWORD, "Client"
    )
    venv = Path(tempfile.mkdtemp(prefix=f"raas-venv-{version}-"))
    try:
        built = subprocess.run(
            ["make", "-C", str(ROOT), "install", f"PYTHON={python}", f"VENV={venv}"],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert built.returncode == 0, built.stdout + built.stderr
        ran = subprocess.run(
            [str(venv / "bin" / "python"), "-c", "import sys; print(sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert ran.stdout.strip() == str(tuple(map(int, version.split("."))))

        env = {k: v for k, v in os.environ.items() if not k.startswith(("RAAS_", "PROMETHEUS"))}
        env["RAAS_DATABASE_URL"] = database_url.render_as_string(hide_password=False)
        port = free_port()
        server = subprocess.Popen(
            [str(venv / "bin" / "raas"), "serve", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_healthy(f"http://127.0.0.1:{port}", server)
            client = zeep.Client(
                str(ROOT / "wsdl" / "Register.wsdl"), wsse=UsernameToken(username, PASSWORD)
            )
            service = client.create_service(
                next(iter(client.wsdl.bindings)), f"http://127.0.0.1:{port}/Register"
            )
            answer = service.ListTypeDossiers()
            assert answer.status.code in {"MSG00000", "MSG00100"}
        finally:
            server.terminate()
            _, errors = server.communicate(timeout=60)
        assert "Traceback" not in errors, errors
    finally:
        shutil.rmtree(venv, ignore_errors=True)
