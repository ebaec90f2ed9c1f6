"""`raas serve` with two gunicorn workers: /metrics adds up every worker, logs are JSON lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from functools import partial

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


def test_two_workers_metrics_add_up_and_every_log_line_is_json(
    database_url: URL, engine: Engine
) -> None:
    user = "metrics-client"
    usecases.create_user(
        partial(UnitOfWork, engine), user, CLIENT_CBE, Role.CLIENT, PASSWORD, "Client A"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAAS_", "PROMETHEUS_"))}
    env["RAAS_DATABASE_URL"] = database_url.render_as_string(hide_password=False)
    env["RAAS_LOG_JSON"] = "1"
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "raas.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, server)

        def call(n: int) -> int:
            password = PASSWORD if n % 4 else "wrong password"
            body = LIST.format(user=user, password=password).encode()
            headers = {"Content-Type": "text/xml", "Connection": "close"}
            return requests.post(
                f"{base}/Register", data=body, headers=headers, timeout=30
            ).status_code

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(call, range(40)))
        assert answers.count(200) == 30 and answers.count(500) == 10
        text = requests.get(f"{base}/metrics", timeout=10).text
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)

    samples = {
        (s.name, s.labels.get("code")): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.labels.get("operation") == "ListTypeDossiers" and "le" not in s.labels
    }
    # Whichever worker answered the scrape, it counts the requests both workers served.
    assert samples[("raas_requests_total", "MSG00100")] == 30
    assert samples[("raas_requests_total", "MSG00014")] == 10
    assert samples[("raas_request_faults_total", "MSG00014")] == 10
    assert samples[("raas_request_duration_seconds_count", "MSG00100")] == 30

    lines = errors.splitlines()
    entries = [json.loads(line) for line in lines]  # every line, gunicorn's own included
    loggers = {entry["logger"] for entry in entries}
    assert {"gunicorn.error", "raas.request"} <= loggers
    requests_logged = [e for e in entries if e["logger"] == "raas.request"]
    assert len(requests_logged) == 40
    assert {e["status"] for e in requests_logged} == {"MSG00100", "MSG00014"}


def test_a_refused_command_reports_in_json_too(database_url: URL, engine: Engine, tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAAS_")}
    env["RAAS_DATABASE_URL"] = database_url.render_as_string(hide_password=False)
    env["RAAS_LOG_JSON"] = "1"
    done = subprocess.run(
        [sys.executable, "-m", "raas.cli", "notifications", "run", "--date", "2999-01-01"]
        + ["--outbox", str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    (entry,) = [json.loads(line) for line in done.stderr.splitlines()]
    assert entry["level"] == "ERROR" and "has not begun" in entry["message"]
