"""A gunicorn worker leaving (TERM, HUP reload, timeout) never stops `raas serve` or its metrics.

Each worker is a fork of `raas serve`'s own call stack: a clean-up that ran in a worker's exit once
removed the Prometheus directory the live workers write to, the replacement worker failed to boot
and the master gave up. These tests do to a real server, under a parallel load, what an operator
and gunicorn do, and check that the service keeps answering and /metrics keeps every count.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine
from sqlalchemy.engine import URL

from raas import usecases
from raas.models.users import Role
from raas.persistence.uow import UnitOfWork
from tests.support import LIST, free_port, wait_healthy
from tests.world import CLIENT_CBE, PASSWORD

pytestmark = pytest.mark.slow

USER = "worker-exit-client"
TIMEOUT = 4  # RAAS_WORKER_TIMEOUT for these servers: a silent worker is replaced after 4 s


@dataclass
class Load:
    """Clients calling ListTypeDossiers without pause until stopped; every answer counted."""

    base: str
    stop: threading.Event = field(default_factory=threading.Event)
    answers: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self) -> None:
        body = LIST.format(user=USER, password=PASSWORD).encode()
        headers = {"Content-Type": "text/xml", "Connection": "close"}
        while not self.stop.is_set():
            try:
                answer = requests.post(
                    f"{self.base}/Register", data=body, headers=headers, timeout=30
                )
                outcome = "ok" if answer.status_code == 200 else f"http {answer.status_code}"
            except requests.RequestException as error:
                outcome = type(error).__name__
            with self.lock:
                self.answers[outcome] += 1


def _workers(master: int) -> set[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return {int(pid) for pid in children}


def _wait(condition, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s: {what}")


def _signal_pending(pid: int, signum: int) -> bool:
    """Whether `signum` waits, undelivered, for process `pid` (it is stopped)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    masks = [int(line.split()[1], 16) for line in status.splitlines() if "Pnd:" in line]
    return any(mask & (1 << (signum - 1)) for mask in masks)


@pytest.fixture()
def server(database_url: URL, engine: Engine) -> Iterator[tuple[subprocess.Popen[str], str]]:
    usecases.create_user(
        partial(UnitOfWork, engine), USER, CLIENT_CBE, Role.CLIENT, PASSWORD, "Client A"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAAS_", "PROMETHEUS_"))}
    env["RAAS_DATABASE_URL"] = database_url.render_as_string(hide_password=False)
    env["RAAS_WORKER_TIMEOUT"] = str(TIMEOUT)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "raas.cli", "serve", "--port", str(port), "--workers", "3"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, process)
        _wait(lambda: len(_workers(process.pid)) == 3, "three workers")
        yield process, base
    finally:
        process.terminate()
        process.wait(timeout=60)


def _under_load(base: str, act) -> Counter[str]:
    load = Load(base)
    with ThreadPoolExecutor(6) as pool:
        for _ in range(6):
            pool.submit(load.run)
        try:
            time.sleep(1)
            act()
            time.sleep(1)
        finally:  # a failed act() ends the load too, or leaving the pool would wait forever
            load.stop.set()
    return load.answers


def _served(base: str) -> float:
    text = requests.get(f"{base}/metrics", timeout=10).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "raas_requests_total"
        and sample.labels.get("operation") == "ListTypeDossiers"
    )


def _still_serving(process: subprocess.Popen[str], base: str, answers: Counter[str]) -> None:
    assert process.poll() is None, "raas serve stopped"
    assert requests.get(f"{base}/health", timeout=10).status_code == 200
    _wait(lambda: len(_workers(process.pid)) == 3, "three workers again")
    # Every answered request is counted, those of the workers that left included (a request
    # the killed worker had answered but not yet sent may count without reaching its client).
    failed = sum(answers.values()) - answers["ok"]
    assert answers["ok"] <= _served(base) <= answers["ok"] + failed


def test_a_worker_terminated_is_replaced_and_the_server_keeps_its_metrics(server) -> None:
    process, base = server
    victim = min(_workers(process.pid))

    answers = _under_load(base, lambda: os.kill(victim, signal.SIGTERM))

    _wait(lambda: victim not in _workers(process.pid), "the terminated worker gone")
    assert answers["ok"] > 0 and set(answers) == {"ok"}, answers  # TERM is graceful
    _still_serving(process, base, answers)


def test_a_reload_by_hup_replaces_every_worker_without_a_failed_request(server) -> None:
    process, base = server
    before = _workers(process.pid)

    answers = _under_load(base, lambda: os.kill(process.pid, signal.SIGHUP))

    _wait(lambda: not (before & _workers(process.pid)), "every worker replaced")
    assert answers["ok"] > 0 and set(answers) == {"ok"}, answers
    _still_serving(process, base, answers)


def test_a_worker_past_its_timeout_is_replaced_and_the_server_goes_on(server) -> None:
    process, base = server
    victim = min(_workers(process.pid))

    def hang_until_aborted() -> None:
        os.kill(victim, signal.SIGSTOP)  # silent: no heartbeat, like a request that never ends
        # gunicorn's master aborts it after the timeout; then it runs its exit path.
        _wait(lambda: _signal_pending(victim, signal.SIGABRT), "WORKER TIMEOUT", 4 * TIMEOUT)
        os.kill(victim, signal.SIGCONT)

    answers = _under_load(base, hang_until_aborted)

    _wait(lambda: victim not in _workers(process.pid), "the timed-out worker gone")
    # Only a request the stopped worker had accepted may fail.
    assert answers["ok"] > 0 and sum(answers.values()) - answers["ok"] <= 1, answers
    _still_serving(process, base, answers)
