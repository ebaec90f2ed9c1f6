"""Benchmark of the bulk file channel: a 1,000,000-line inscription file, two ways, two registers.

    .venv/bin/python bench/files.py [--lines 1000000] [--only submit,import] [--registers empty,10m]

(`make bench BENCH_ARGS=--files` runs it after the data sets are built.) For each register:

- `empty`: a copy of `raas_bench_base` (1,000,000 persons, no register line);
- `10m`: a copy of `raas_bench_lines_10m` (10,000,000 lines, 2,000,000 of them the client's),

and each way, on a fresh copy (CREATE DATABASE … TEMPLATE, dropped afterwards):

- `SubmitInscriptionFile`: the gzip CSV sent to `raas serve` (raw SOAP, base64), then
  GetInscriptionFileResult polled each second until DONE; the background worker (`raas register
  worker`, a child of the server) does the work;
- `raas register import --cbe-number N FILE`: the same file applied by the command.

The file inscribes 1,000,000 different active persons of the source for the benchmark client,
in typeDossier 0 or 902, random periods. Prints wall time (from sending to DONE), lines/s and
the peak resident memory of the process that applied the file (sampled every 0.2 s).
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import http.client
import os
import random
import re
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import psutil
from common import CBE, PASSWORD, USER, arguments, bench_url, envelope, serve, stop
from sqlalchemy import text
from sqlalchemy.engine import URL

from raas.persistence import migrations
from raas.persistence.database import make_engine

REGISTERS = {"empty": "raas_bench_base", "10m": "raas_bench_lines_10m"}
REGISTER = 'xmlns:r="urn:raas:register:v1"'


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def copy_of(server: URL, template: str, name: str) -> URL:
    """A fresh copy of a data set (the benchmark writes into it)."""
    admin = make_engine(server.set(database="postgres"))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()
    url = server.set(database=name)
    migrations.upgrade(url)
    return url


def drop(server: URL, name: str) -> None:
    admin = make_engine(server.set(database="postgres"))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def make_file(url: URL, lines: int, path: Path) -> Path:
    """A gzip CSV inscribing `lines` different active persons (made once, kept)."""
    if path.exists():
        return path
    engine = make_engine(url)
    with engine.connect() as conn:
        ssins = list(
            conn.scalars(
                text("SELECT ssin FROM source_persons WHERE status = 'ACTIVE' ORDER BY ssin "
                     "LIMIT :n"),
                {"n": lines},
            )
        )
    engine.dispose()
    if len(ssins) < lines:
        raise SystemExit(f"only {len(ssins):,} active persons for {lines:,} lines")
    rng = random.Random(20)
    rng.shuffle(ssins)
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=6) as out:
        out.write("ssin,typeDossier,beginDate,endDate\n")
        for ssin in ssins:
            begin = date(2010, 1, 1) + timedelta(days=rng.randrange(5000))
            end = begin + timedelta(days=rng.randrange(400))
            out.write(f"{ssin},{rng.choice(('0', '902'))},{begin},{end}\n")
    return path


class PeakMemory:
    """The largest resident set of the processes `find()` names, sampled every 0.2 s."""

    def __init__(self, find) -> None:  # type: ignore[no-untyped-def]
        self._find = find
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            for process in self._find():
                with contextlib.suppress(psutil.Error):
                    self.peak = max(self.peak, process.memory_info().rss)


def soap(port: int, body: str) -> bytes:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    request = envelope(body, USER, PASSWORD)
    connection.request("POST", "/Register", body=request,
                       headers={"Content-Type": "text/xml; charset=utf-8",
                                "SOAPAction": '"SubmitInscriptionFile"'})
    answer = connection.getresponse().read()
    connection.close()
    return answer


def via_submit(url: URL, path: Path, lines: int) -> tuple[float, int]:
    content = path.read_bytes()
    server, port = serve(url, 2, RAAS_LOCK_TIMEOUT_SECONDS="60")
    try:
        workers = [p for p in psutil.Process(server.pid).children(recursive=True)
                   if "register" in p.cmdline()]
        with PeakMemory(lambda: workers) as memory:
            started = time.perf_counter()
            answer = soap(port, (
                f"<r:SubmitInscriptionFile {REGISTER}><r:format>CSV</r:format>"
                f"<r:mode>LINE</r:mode><r:sha256>{hashlib.sha256(content).hexdigest()}</r:sha256>"
                f"<r:content>{base64.b64encode(content).decode()}</r:content>"
                "</r:SubmitInscriptionFile>"))
            found = re.search(rb"<[^>]*batchId>([^<]+)<", answer)
            if not found:
                raise SystemExit(f"SubmitInscriptionFile: {answer[:500]!r}")
            batch = found.group(1).decode()
            log(f"  submitted in {time.perf_counter() - started:.1f} s: batch {batch}")
            while True:
                time.sleep(1)
                state = soap(port, f"<r:GetInscriptionFileResult {REGISTER}><r:batchId>{batch}"
                                   "</r:batchId></r:GetInscriptionFileResult>")
                done = re.search(rb"<[^>]*linesDone>(\d+)<", state)
                if b">DONE<" in state or b">REFUSED<" in state:
                    break
                log(f"  {int(done.group(1)) if done else 0:>9,} lines done")
            seconds = time.perf_counter() - started
            if b">REFUSED<" in state:
                raise SystemExit(f"the file was refused: {state[:1000]!r}")
    finally:
        stop(server)
    return seconds, memory.peak


def via_import(url: URL, path: Path, lines: int) -> tuple[float, int]:
    env = {**os.environ, "RAAS_DATABASE_URL": url.render_as_string(hide_password=False)}
    started = time.perf_counter()
    command = subprocess.Popen(
        [sys.executable, "-m", "raas.cli", "register", "import", "--cbe-number", CBE, str(path),
         "--output", str(path.with_suffix(".results.csv"))],
        env=env, stderr=subprocess.DEVNULL,
    )
    process = psutil.Process(command.pid)
    with PeakMemory(lambda: [process]) as memory:
        if command.wait() != 0:
            raise SystemExit(f"raas register import exited {command.returncode}")
    return time.perf_counter() - started, memory.peak


WAYS = {"submit": ("SubmitInscriptionFile", via_submit),
        "import": ("raas register import", via_import)}


def run(server: URL, lines: int, ways: list[str], registers: list[str]) -> None:
    """Each way into each register, on fresh copies; prints the table."""
    path = Path(__file__).resolve().parent / f".inscriptions-{lines}.csv.gz"
    make_file(server.set(database=REGISTERS["empty"]), lines, path)
    rows = []
    for register in registers:
        for way in ways:
            name, measure = WAYS[way]
            copy = f"raas_bench_files_{register}"
            log(f"{name} into the {register} register: copying {REGISTERS[register]}")
            url = copy_of(server, REGISTERS[register], copy)
            try:
                log(f"{name}: {lines:,} lines")
                seconds, peak = measure(url, path, lines)
            finally:
                drop(server, copy)
            rows.append((name, register, seconds, peak))
    print(f"\n{os.cpu_count()} cores; a {lines:,}-line gzip CSV file "
          f"({path.stat().st_size / 1e6:.1f} MB), mode LINE, chunks of 5000 lines; "
          "registers: empty (no line), 10m (10,000,000 lines, 2,000,000 the client's)")
    print(f"{'way':26} {'register':>9} {'wall s':>8} {'lines/s':>9} {'peak RSS MB':>12}  target")
    for name, register, seconds, peak in rows:
        print(f"{name:26} {register:>9} {seconds:8.1f} {lines / seconds:9,.0f} "
              f"{peak / 1e6:12.0f}  1,000,000 lines in < 60 s")


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--only", default="submit,import", help="ways: submit, import")
    parser.add_argument("--registers", default="empty,10m", help="registers: empty, 10m")
    args = parser.parse_args()
    run(bench_url(), args.lines, args.only.split(","), args.registers.split(","))


if __name__ == "__main__":
    main()
