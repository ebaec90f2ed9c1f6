"""Soak test: a mixed load at about 80% of the measured maximum for a bounded time, on loopback.

    .venv/bin/python bench/soak.py [--seconds 600] [--fraction 0.8] [--workers N]
                                   [--probe-seconds 15] [--interval 60]
    make soak [SOAK_SECONDS=600]

Against its own database (RAAS_DATABASE_URL, else `raas_bench_soak` on 127.0.0.1:5432; persons,
register lines and links are built once and kept) it starts `raas serve` (gunicorn, sync workers)
and a separate load-generator process (this script with `--generate`) on loopback, then:

1. after a 5 s warm-up, measures the maximum throughput of the mix with closed-loop clients
   (`--clients` for `--probe-seconds`);
2. sends the mix open-loop at `--fraction` of that rate for `--seconds`, each request at its
   scheduled time, and prints per interval (`--interval`, a minute by default): requests, errors,
   p50/p95/p99 (from sending to the answer), how late the most delayed request was sent (every
   client busy: the service did not keep up), the 1-minute load average of the machine, and the
   resident memory of every gunicorn worker (from /proc).

The mix: Consult 35%, ConsultLinksByForeignKey 20%, Inscribe 15%, ConsultLinksBySsin 10%,
SearchPersonBySsin 10%, ListTypeDossiers 10%. An error is an answer other than HTTP 200 with the
expected status, or no answer. Exits 1 when there was an error, a worker was replaced, or a
worker's memory grew by more than 20% from the first interval to the last.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import psutil
from common import CBE, PASSWORD, USER, envelope, prepare, serve, stop
from sqlalchemy import text

from raas import usecases
from raas.usecases import sourcefeed

PERSONS = 20_000
REGISTER = 'xmlns:r="urn:raas:register:v1" xmlns:c="urn:raas:common:v1"'
LINKS = 'xmlns:l="urn:raas:linkregister:v1"'
IDENTIFICATION = 'xmlns:i="urn:raas:identification:v1"'
MIX = {"consult": 35, "by_key": 20, "inscribe": 15, "by_ssin": 10, "person": 10, "list": 10}
MEMORY_GROWTH = 0.20


def build(persons: int) -> tuple[object, list[tuple[str, str, str]], list[tuple[str, str]]]:
    """The soak database, made once: its URL, (ssin, key, country) of linked persons, lines."""
    url, engine, uow = prepare("raas_bench_soak")
    for code in ("0", "902"):
        usecases.define_type_dossier(uow, CBE, code, f"soak {code}")
    with engine.connect() as conn:
        known = conn.scalar(text("SELECT count(*) FROM source_persons WHERE status = 'ACTIVE'"))
    if known < persons:
        sourcefeed.seed(uow, int((persons - known) * 1.15) + 100, seed=int(time.time()))
    with engine.begin() as conn:
        ssins = list(conn.scalars(text(
            "SELECT ssin FROM source_persons WHERE status = 'ACTIVE' ORDER BY ssin LIMIT :n"
        ), {"n": persons}))
        conn.execute(text(
            "INSERT INTO register_lines (cbe_number, ssin, type_dossier, periods) "
            "SELECT :cbe, s, '902', datemultirange(daterange(date '2015-01-01', NULL)) "
            "FROM unnest(CAST(:ssins AS text[])) AS s ON CONFLICT DO NOTHING"
        ), {"cbe": CBE, "ssins": ssins})
        if not conn.scalar(text("SELECT count(*) FROM links WHERE cbe_number = :cbe"),
                           {"cbe": CBE}):
            conn.execute(text(
                "INSERT INTO links (ssin, country, key_type, foreign_key, key_as_given, "
                "validity, cbe_number) "
                "SELECT s, 'FR', 'PASSPORT', 'P' || lpad(n::text, 9, '0'), "
                "'P' || lpad(n::text, 9, '0'), '(,)'::daterange, :cbe "
                "FROM unnest(CAST(:ssins AS text[])) WITH ORDINALITY AS u(s, n)"
            ), {"cbe": CBE, "ssins": ssins})
        linked = [tuple(row) for row in conn.execute(text(
            "SELECT ssin, foreign_key, country FROM links WHERE cbe_number = :cbe"
        ), {"cbe": CBE})]
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return url, linked, ssins


def requests(linked, ssins, rng: random.Random, count: int = 20_000):  # type: ignore[no-untyped-def]
    """`count` pre-built (path, body, expected marker) requests in the mix's proportions."""

    def period() -> str:
        begin = date(2010, 1, 1) + timedelta(days=rng.randrange(0, 5000))
        end = begin + timedelta(days=rng.randrange(0, 400))
        return (f"<r:period><c:beginDate>{begin}</c:beginDate><c:endDate>{end}</c:endDate>"
                "</r:period>")

    def one(kind: str) -> tuple[str, str, str]:
        ssin, key, country = rng.choice(linked)
        if kind == "consult":
            body = f"<r:Consult {REGISTER}><r:ssin>{rng.choice(ssins)}</r:ssin></r:Consult>"
            return "/Register", body, "DATA_FOUND"
        if kind == "inscribe":
            body = (f"<r:Inscribe {REGISTER}><r:ssin>{rng.choice(ssins)}</r:ssin>"
                    f"<r:typeDossier>{rng.choice(['0', '902'])}</r:typeDossier>{period()}"
                    "</r:Inscribe>")
            return "/Register", body, ">OK<"
        if kind == "by_key":
            body = (f"<l:ConsultLinksByForeignKey {LINKS}><l:foreignKey>{key}</l:foreignKey>"
                    f"<l:country>{country}</l:country></l:ConsultLinksByForeignKey>")
            return "/LinkRegister", body, "DATA_FOUND"
        if kind == "by_ssin":
            body = f"<l:ConsultLinksBySsin {LINKS}><l:ssin>{ssin}</l:ssin></l:ConsultLinksBySsin>"
            return "/LinkRegister", body, "DATA_FOUND"
        if kind == "person":
            body = (f"<i:SearchPersonBySsin {IDENTIFICATION}><i:ssin>{ssin}</i:ssin>"
                    "</i:SearchPersonBySsin>")
            return "/Identification", body, "DATA_FOUND"
        return "/Register", f"<r:ListTypeDossiers {REGISTER}/>", "MSG00000"

    kinds = rng.choices(list(MIX), weights=list(MIX.values()), k=count)
    return [(path, envelope(body, USER, PASSWORD).decode(), marker)
            for path, body, marker in map(one, kinds)]


# -- the load generator (a separate process) -------------------------------------------------


def generate(args: argparse.Namespace) -> None:
    """Send the requests in `args.requests`; one JSON line of figures per interval on stdout.

    `--rate 0`: closed loop, `--clients` threads back to back (the maximum). Otherwise open
    loop: request k is due at start + k / rate, whatever the answers before it took.
    """
    mix = [(path, body.encode(), marker.encode())
           for path, body, marker in json.loads(Path(args.requests).read_text())]
    lock = threading.Lock()
    window: dict[str, list] = {"latencies": [], "errors": [], "lag": []}
    slot = [0]
    started = time.monotonic()
    deadline = started + args.seconds

    def client() -> None:
        while True:
            with lock:
                k = slot[0]
                slot[0] += 1
            due = started + k / args.rate if args.rate else time.monotonic()
            if due >= deadline:
                return
            time.sleep(max(0.0, due - time.monotonic()))
            path, body, marker = mix[k % len(mix)]
            sent = time.monotonic()
            lag = sent - due  # > 0 when every client was busy: the rate is not kept
            error = None
            connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
            try:
                connection.request("POST", path, body=body,
                                   headers={"Content-Type": "text/xml; charset=utf-8"})
                response = connection.getresponse()
                answer = response.read()
                if response.status != 200 or marker not in answer:
                    error = f"{path} HTTP {response.status} {answer[-300:]!r}"
            except (OSError, http.client.HTTPException) as failure:
                error = f"{path} {type(failure).__name__}: {failure}"
            finally:
                connection.close()
            with lock:
                window["latencies"].append((time.monotonic() - sent) * 1000)
                window["lag"].append(lag)
                if error:
                    window["errors"].append(error)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(args.clients)]
    for thread in threads:
        thread.start()
    interval = 1
    while True:
        end = min(started + interval * args.interval, deadline)
        time.sleep(max(0.0, end - time.monotonic()))
        last = end >= deadline
        if last:  # the requests still under way count in the last interval
            for thread in threads:
                thread.join()
        with lock:
            latencies, errors, lag = window["latencies"], window["errors"], window["lag"]
            window["latencies"], window["errors"], window["lag"] = [], [], []
        span = (time.monotonic() if last else end) - (started + (interval - 1) * args.interval)
        row = figures(interval, latencies, errors, span)
        row["max_lag"] = max(lag, default=0.0) if args.rate else 0.0
        print(json.dumps(row), flush=True)
        if last:
            return
        interval += 1


def figures(interval: int, latencies: list[float], errors: list[str], seconds: float) -> dict:
    """One interval's requests, errors, rate and latency percentiles."""
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {"interval": interval, "requests": len(latencies), "errors": len(errors),
            "rate": len(latencies) / max(seconds, 1e-9), "p50": cuts[49], "p95": cuts[94],
            "p99": cuts[98], "samples": errors[:3]}


def generator(port: int, requests_file: str, seconds: float, rate: float, clients: int,
              interval: float) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, __file__, "--generate", "--port", str(port), "--requests", requests_file,
         "--seconds", str(seconds), "--rate", str(rate), "--clients", str(clients),
         "--interval", str(interval)],
        stdout=subprocess.PIPE, text=True,
    )


# -- the soak --------------------------------------------------------------------------------


def rss_mib(pid: int) -> float:
    """Resident memory of a process, from /proc/PID/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--seconds", type=float,
                        default=float(os.environ.get("SOAK_SECONDS", 600)))
    parser.add_argument("--fraction", type=float, default=0.8, help="of the maximum rate")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn")
    parser.add_argument("--clients", type=int, default=8, help="closed-loop clients (maximum)")
    parser.add_argument("--probe-seconds", type=float, default=15)
    parser.add_argument("--interval", type=float, default=60, help="seconds per report line")
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--requests", help=argparse.SUPPRESS)
    parser.add_argument("--rate", type=float, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        generate(args)
        return 0

    url, linked, ssins = build(PERSONS)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(requests(linked, ssins, random.Random(42)), handle)
    server, port = serve(url, args.workers)
    try:
        return soak(args, server.pid, port, handle.name)
    finally:
        stop(server)
        os.unlink(handle.name)


def soak(args: argparse.Namespace, server_pid: int, port: int, requests_file: str) -> int:
    for _ in range(300):  # /health answers as soon as the first worker is up
        workers = sorted(p.pid for p in psutil.Process(server_pid).children())
        if len(workers) == args.workers:
            break
        time.sleep(0.1)
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (the machine may be "
          f"shared); gunicorn with {len(workers)} sync workers {workers}; loopback")

    generator(port, requests_file, 5, 0, args.clients, 5).communicate()  # warm-up
    probe = generator(port, requests_file, args.probe_seconds, 0, args.clients,
                      args.probe_seconds)
    (line,) = probe.communicate()[0].splitlines()
    maximum = json.loads(line)
    rate = args.fraction * maximum["rate"]
    print(f"maximum (closed loop, {args.clients} clients, {args.probe_seconds:.0f} s): "
          f"{maximum['rate']:.1f} req/s, p99 {maximum['p99']:.1f} ms, "
          f"{maximum['errors']} errors")
    print(f"soak: {rate:.1f} req/s ({args.fraction:.0%}) for {args.seconds:.0f} s, open loop, "
          f"{args.clients * 4} clients\n")
    print(f"{'interval':>8} {'requests':>8} {'errors':>6} {'req/s':>7} {'p50 ms':>7} "
          f"{'p95 ms':>7} {'p99 ms':>7} {'late s':>6} {'load':>5}  RSS per worker (MiB)")

    run = generator(port, requests_file, args.seconds, rate, args.clients * 4, args.interval)
    rows, memory = [], []
    for line in run.stdout or []:
        row = json.loads(line)
        current = sorted(p.pid for p in psutil.Process(server_pid).children())
        memory.append({pid: rss_mib(pid) for pid in current})
        rows.append(row)
        print(f"{row['interval']:>8} {row['requests']:>8} {row['errors']:>6} {row['rate']:>7.1f} "
              f"{row['p50']:>7.1f} {row['p95']:>7.1f} {row['p99']:>7.1f} "
              f"{row['max_lag']:>6.2f} {os.getloadavg()[0]:>5.1f}  "
              + " ".join(f"{pid}:{mib:.1f}" for pid, mib in memory[-1].items()), flush=True)
        for sample in row["samples"]:
            print(f"         error: {sample}")
    run.wait()

    requests_sent = sum(r["requests"] for r in rows)
    errors = sum(r["errors"] for r in rows)
    p99s = [r["p99"] for r in rows]
    print(f"\ntotal: {requests_sent} requests, {errors} errors; p99 per interval from "
          f"{min(p99s):.1f} to {max(p99s):.1f} ms")
    failed = errors > 0
    first, last = memory[0], memory[-1]
    if sorted(last) != workers or sorted(first) != workers:
        print(f"a worker was replaced: {workers} at the start, {sorted(last)} at the end")
        failed = True
    for pid in workers:
        if pid in first and pid in last:
            growth = last[pid] / first[pid] - 1
            print(f"worker {pid}: RSS {first[pid]:.1f} MiB after the first interval, "
                  f"{last[pid]:.1f} MiB at the end ({growth:+.1%})")
            failed |= growth > MEMORY_GROWTH
    print("FAILED" if failed else "passed: no errors, the same workers, memory flat")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
