"""Ctrl-C stops the embedded PostgreSQL a run started, or adopted from a run that was killed."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.support import free_port, wait_healthy

pytestmark = pytest.mark.slow


def _postmaster(pgdata: Path) -> int | None:
    """The embedded server's postmaster pid while it runs, else None."""
    try:
        pid = int((pgdata / "postmaster.pid").read_text().split()[0])
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return None
    return pid


def _serve(env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "raas.cli", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # a group of its own, as a terminal's foreground job
    )
    base = f"http://127.0.0.1:{port}"
    wait_healthy(base, process)
    return process, base


def test_ctrl_c_stops_an_embedded_server_adopted_from_a_killed_run() -> None:
    # Not under pytest's tmp_path: the embedded server runs as a system user (see test_end_to_end).
    data = Path(tempfile.mkdtemp(prefix="raas-orphan-"))
    data.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAAS_", "PROMETHEUS_"))}
    env["RAAS_DATA_DIR"] = str(data)
    pgdata = data / "pgdata"
    try:
        done = subprocess.run(
            [sys.executable, "-m", "raas.cli", "db", "upgrade"], env=env, timeout=300, check=False
        )
        assert done.returncode == 0
        killed, _ = _serve(env)
        orphan = _postmaster(pgdata)
        assert orphan is not None
        os.killpg(killed.pid, signal.SIGKILL)  # the run dies without cleaning up
        killed.wait(timeout=30)
        assert _postmaster(pgdata) == orphan  # the server it started lives on

        adopting, base = _serve(env)  # the next run finds that server and uses it
        assert _postmaster(pgdata) == orphan
        os.killpg(adopting.pid, signal.SIGINT)  # Ctrl-C in the terminal
        assert adopting.wait(timeout=60) == 0 or adopting.returncode is not None
        deadline = time.monotonic() + 30
        while _postmaster(pgdata) is not None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _postmaster(pgdata) is None, "Ctrl-C left the adopted embedded PostgreSQL running"
    finally:
        if (pid := _postmaster(pgdata)) is not None:
            os.kill(pid, signal.SIGTERM)
        shutil.rmtree(data, ignore_errors=True)
