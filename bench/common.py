"""What every benchmark shares: the benchmark database, a served `raas serve`, a load generator
of raw SOAP requests with concurrent clients, and the table of figures."""

from __future__ import annotations

import argparse
import http.client
import itertools
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from sqlalchemy import Engine, make_url
from sqlalchemy.engine import URL

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from raas import usecases  # noqa: E402
from raas.models.users import Role  # noqa: E402
from raas.persistence import migrations  # noqa: E402
from raas.persistence.database import make_engine  # noqa: E402
from raas.persistence.uow import UnitOfWork  # noqa: E402

USER, PASSWORD, CBE = "bench-client", "benchmark password 1234", "0203201340"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
TEXT = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"


def bench_url(database: str = "raas_bench") -> URL:
    """RAAS_DATABASE_URL, else `database` on 127.0.0.1:5432 (created and migrated on demand)."""
    return make_url(os.environ.get(
        "RAAS_DATABASE_URL", f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"))


def arguments(doc: str | None) -> argparse.ArgumentParser:
    """A parser with the options every benchmark takes: --seconds, --clients, --workers."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="per scenario")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1,
                        help="gunicorn sync workers (default: as raas serve, cores + 1)")
    return parser


def prepare(database: str) -> tuple[URL, Engine, Callable[[], UnitOfWork]]:
    """The benchmark database, migrated, with the benchmark client; URL, engine, unit of work."""
    url = bench_url(database)
    migrations.upgrade(url)
    engine = make_engine(url)
    uow = partial(UnitOfWork, engine)
    usecases.create_user(uow, USER, CBE, Role.CLIENT, PASSWORD, "Benchmark client")
    return url, engine, uow


def envelope(body: str, user: str, password: str) -> bytes:
    """A SOAP 1.1 request with a WS-Security PasswordText token around `body`."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>'
        f'<w:Security xmlns:w="{WSSE}"><w:UsernameToken><w:Username>{user}</w:Username>'
        f'<w:Password Type="{TEXT}#PasswordText">{password}</w:Password></w:UsernameToken>'
        f"</w:Security></s:Header><s:Body>{body}</s:Body></s:Envelope>"
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


def load(port: int, method: str, path: str, bodies: Sequence[bytes | None], clients: int,
         seconds: float, name: str, check: Callable[[bytes], bool] | None = None) -> Result:
    """`clients` threads, each cycling through `bodies` for `seconds` (keep-alive off).

    A request counts as an error when the answer is not HTTP 200 or `check(body)` is false.
    """
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(offset: int) -> None:
        mine: list[float] = []
        failed = 0
        for body in itertools.islice(itertools.cycle(bodies), offset, None):
            if time.perf_counter() >= deadline:
                break
            started = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                connection.request(method, path, body=body,
                                   headers={"Content-Type": "text/xml; charset=utf-8"})
                response = connection.getresponse()
                answer = response.read()
                if response.status != 200 or (check is not None and not check(answer)):
                    failed += 1
            except OSError:
                failed += 1
            finally:
                connection.close()
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    seconds = fan_out(clients, len(bodies), client)
    return Result(name, len(latencies), errors[0], seconds, latencies)


def fan_out(clients: int, items: int, client: Callable[[int], None]) -> float:
    """`client(offset)` on `clients` threads, offsets spread over `items`; seconds it all took."""
    started = time.perf_counter()
    step = max(1, items // clients)
    threads = [threading.Thread(target=client, args=(i * step,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def serve(url: URL, workers: int, **env: str) -> tuple[subprocess.Popen[bytes], int]:
    """`raas serve` on a free loopback port against `url`; waits until /health answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    environment = {**os.environ, "RAAS_DATABASE_URL": url.render_as_string(hide_password=False),
                   **env}
    server = subprocess.Popen(
        [sys.executable, "-m", "raas.cli", "serve", "--port", str(port), "--workers", str(workers)],
        env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/health")
            return server, port
        except OSError:
            time.sleep(0.1)
    raise SystemExit("raas serve did not start")


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    server.wait(10)


def print_table(results: Sequence[Result], baseline: Result, clients: int, workers: int,
                seconds: float) -> None:
    """One line per scenario, with the ratio of its throughput to `baseline`'s."""
    print(f"\n{os.cpu_count()} cores; gunicorn with {workers} sync workers; load generator: "
          f"the benchmark process, {clients} concurrent clients, {seconds:.0f} s per scenario, "
          "same machine, loopback")
    print(f"{'scenario':44} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>7} "
          f"{'p95 ms':>7} {'p99 ms':>7} {'÷ base':>7}")
    for r in results:
        print(f"{r.name:44} {r.requests:8d} {r.errors:6d} {r.throughput:8.1f} "
              f"{r.percentile(50):7.1f} {r.percentile(95):7.1f} {r.percentile(99):7.1f} "
              f"{r.throughput / baseline.throughput:7.2f}")
    print(f"(÷ base: throughput divided by that of '{baseline.name}')")


def timed(fn: Callable[[], object]) -> float:
    """Milliseconds `fn()` took."""
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000
