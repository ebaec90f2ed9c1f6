"""Benchmark of the foundation: what one authenticated SOAP call costs through gunicorn.

    .venv/bin/python bench/gateway.py [--seconds 10] [--clients 8] [--workers 2]

Starts `raas serve` (gunicorn, sync workers) as its own process on a free loopback port against a
benchmark database (RAAS_DATABASE_URL, else `raas_bench` on 127.0.0.1:5432), and loads it from
this process with concurrent clients sending pre-built raw SOAP requests. Scenarios, measured in
the same run:

- `GET /health`: the floor of one request through gunicorn with one database round trip;
- `ListTypeDossiers`: a full call (safe parse, WS-Security, schema validation, spyne, one query,
  the audit insert), with the verification cache on (the default);
- the same with `RAAS_AUTH_CACHE_SECONDS=0`: every call pays a full argon2 verification.

Prints throughput, p50/p95/p99 and the ratio of each to the floor's throughput.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from sqlalchemy import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from raas import usecases  # noqa: E402
from raas.models.users import Role  # noqa: E402
from raas.passwords import hash_password, verify_password  # noqa: E402
from raas.persistence import migrations  # noqa: E402
from raas.persistence.database import make_engine  # noqa: E402
from raas.persistence.uow import UnitOfWork  # noqa: E402

USER, PASSWORD, CBE = "bench-client", "benchmark password 1234", "0203201340"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
TEXT = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
REQUEST = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>'
    f'<w:Security xmlns:w="{WSSE}"><w:UsernameToken><w:Username>{USER}</w:Username>'
    f'<w:Password Type="{TEXT}#PasswordText">{PASSWORD}</w:Password></w:UsernameToken>'
    "</w:Security></s:Header><s:Body>"
    '<r:ListTypeDossiers xmlns:r="urn:raas:register:v1"><r:informationCustomer>'
    "<c:ticket xmlns:c=\"urn:raas:common:v1\">bench</c:ticket></r:informationCustomer>"
    "</r:ListTypeDossiers></s:Body></s:Envelope>"
).encode()


@dataclass
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: int) -> float:
        return statistics.quantiles(self.latencies_ms, n=100)[p - 1]


def load(port: int, method: str, path: str, body: bytes | None, clients: int,
         seconds: float, name: str) -> Result:
    """`clients` threads sending the same request in a loop for `seconds`."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client() -> None:
        mine: list[float] = []
        failed = 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                connection.request(method, path, body=body,
                                   headers={"Content-Type": "text/xml; charset=utf-8"})
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    failed += 1
            except OSError:
                failed += 1
            finally:
                connection.close()
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Result(name, len(latencies), errors[0], time.perf_counter() - started, latencies)


def serve(url: str, workers: int, cache_seconds: int) -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "RAAS_DATABASE_URL": url, "RAAS_AUTH_CACHE_SECONDS": str(cache_seconds)}
    server = subprocess.Popen(
        [sys.executable, "-m", "raas.cli", "serve", "--port", str(port), "--workers", str(workers)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/health")
            return server, port
        except OSError:
            time.sleep(0.1)
    raise SystemExit("raas serve did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()

    url = make_url(os.environ.get("RAAS_DATABASE_URL",
                                  "postgresql+psycopg://postgres@127.0.0.1:5432/raas_bench"))
    migrations.upgrade(url)
    engine = make_engine(url)
    uow = partial(UnitOfWork, engine)
    usecases.create_user(uow, USER, CBE, Role.CLIENT, PASSWORD, "Benchmark client")
    for code in ("0", "902", "SOCIAL_INQUIRY", "LIVING_WAGE"):
        usecases.define_type_dossier(uow, CBE, code, f"bench {code}")
    stored = hash_password(PASSWORD)
    argon2 = [_timed(partial(verify_password, stored, PASSWORD)) for _ in range(20)]
    engine.dispose()

    raw_url = url.render_as_string(hide_password=False)
    results = []
    for cache_seconds, scenarios in ((60, ("health", "cached")), (0, ("uncached",))):
        server, port = serve(raw_url, args.workers, cache_seconds)
        try:
            for scenario in scenarios:
                load(port, "POST", "/Register", REQUEST, args.clients, 1, "warm-up")
                if scenario == "health":
                    results.append(load(port, "GET", "/health", None, args.clients, args.seconds,
                                        "GET /health (floor)"))
                else:
                    results.append(load(port, "POST", "/Register", REQUEST, args.clients,
                                        args.seconds, f"ListTypeDossiers, auth cache "
                                        f"{'on' if cache_seconds else 'off'}"))
        finally:
            server.terminate()
            server.wait(10)

    floor = results[0].throughput
    print(f"\n{os.cpu_count()} cores; gunicorn with {args.workers} sync workers; load generator: "
          f"this process, {args.clients} concurrent clients, {args.seconds:.0f} s per scenario, "
          "same machine, loopback")
    print(f"argon2id verification alone: median {statistics.median(argon2):.1f} ms")
    print(f"{'scenario':38} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>7} "
          f"{'p95 ms':>7} {'p99 ms':>7} {'÷ floor':>8}")
    for r in results:
        print(f"{r.name:38} {r.requests:8d} {r.errors:6d} {r.throughput:8.1f} "
              f"{r.percentile(50):7.1f} {r.percentile(95):7.1f} {r.percentile(99):7.1f} "
              f"{r.throughput / floor:8.2f}")


def _timed(fn) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


if __name__ == "__main__":
    main()
