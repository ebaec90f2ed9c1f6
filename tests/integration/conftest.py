"""Integration fixtures: `raas serve` started on the test database (real gunicorn)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from tests.support import Served, free_port, wait_healthy


@pytest.fixture()
def serve(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    """`serve(url, workers)`: `raas serve` on a free loopback port; stopped after the test."""
    started: list[subprocess.Popen[bytes]] = []

    def start(url: URL, workers: int, **settings: str) -> Served:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RAAS_")}
        env["RAAS_DATABASE_URL"] = url.render_as_string(hide_password=False)
        env.update(settings)
        port = free_port()
        with (tmp_path / f"serve-{port}.log").open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "raas.cli", "serve", "--port", str(port),
                 "--workers", str(workers)],
                env=env, stdout=log, stderr=subprocess.STDOUT,
            )
        started.append(process)
        wait_healthy(f"http://127.0.0.1:{port}", process, timeout=60)
        return Served(process, port)

    yield start
    for process in started:
        process.terminate()
        process.wait(30)


@pytest.fixture()
def raas(database_url: URL) -> Callable[..., subprocess.CompletedProcess[str]]:
    """`raas(*args, stdin=...)`: the `raas` command on the test database, as an operator runs it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAAS_")}
    env["RAAS_DATABASE_URL"] = database_url.render_as_string(hide_password=False)

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "raas.cli", *args],
            input=stdin,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run
