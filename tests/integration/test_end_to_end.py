"""The README's path on a machine with nothing but Python: embedded PostgreSQL, real gunicorn.

No RAAS_DATABASE_URL: `raas db upgrade`, `raas demo` and `raas serve` start the embedded
PostgreSQL in the data folder; a zeep client then uses the printed demo credentials.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import zeep
from lxml import etree
from zeep.wsse.username import UsernameToken

from tests.support import free_port, wait_healthy

pytestmark = pytest.mark.slow

RAAS = [sys.executable, "-m", "raas.cli"]
SECRET = b"<ns0:ssin>85031412302</ns0:ssin>"


@pytest.fixture()
def embedded_env() -> Iterator[dict[str, str]]:
    # Not under pytest's tmp_path: run as root, the embedded PostgreSQL runs as a system user that
    # must traverse every parent folder, and any pytest session starting on the machine makes
    # /tmp/pytest-of-<user> private again (initdb then fails at random on a shared machine).
    data = Path(tempfile.mkdtemp(prefix="raas-e2e-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAAS_")}
    env["RAAS_DATA_DIR"] = str(data / "data")
    yield env
    shutil.rmtree(data, ignore_errors=True)


def _raas(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([*RAAS, *args], env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_embedded_postgres_demo_and_gunicorn(embedded_env: dict[str, str]) -> None:
    assert "latest migration" in _raas(embedded_env, "db", "upgrade")
    demo = _raas(embedded_env, "demo", "--persons", "40")
    password = re.search(r"username=demo-client\s+password=(\S+)", demo).group(1)
    assert Path(embedded_env["RAAS_DATA_DIR"], "pgdata", "PG_VERSION").exists()

    port = free_port()
    server = subprocess.Popen(
        [*RAAS, "serve", "--port", str(port), "--workers", "1"],
        env=embedded_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, server)
        client = zeep.Client(f"{base}/Register?wsdl", wsse=UsernameToken("demo-client", password))
        proxy = client.create_service(next(iter(client.wsdl.bindings)), f"{base}/Register")
        answer = proxy.ListTypeDossiers()
        assert answer.status.value == "DATA_FOUND"
        assert {t.code for t in answer.typeDossiers.typeDossier} >= {"0", "902"}
        # gunicorn passes no Content-Type when the client sends none; the call still works.
        message = client.create_message(client.service, "ListTypeDossiers")
        raw = requests.post(f"{base}/Register", data=etree.tostring(message), timeout=10)
        assert "Content-Type" not in raw.request.headers
        assert raw.status_code == 200 and "<s0:code>MSG00000</s0:code>" in raw.text
        # A refused body never reaches the log, nor does an ssin in it.
        refused = raw.request.body.replace(
            b'"/></soap-env:Body>', b'">' + SECRET + b"</ns0:ListTypeDossiers></soap-env:Body>"
        )
        assert requests.post(f"{base}/Register", data=refused, timeout=10).status_code == 500
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "Traceback" not in output
    assert SECRET.decode() not in output and "85031412302" not in output
    assert "ListTypeDossiers" in output and "status=MSG00000" in output  # one line per request
