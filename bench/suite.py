"""`make bench`: every hot operation against its stack ceiling and its database floor, one table.

    .venv/bin/python bench/suite.py [--seconds 10] [--clients 8] [--workers N] [--rebuild]

Data sets (built once, kept between runs; `--rebuild` builds them again), on 127.0.0.1:5432 or
the server RAAS_DATABASE_URL names (its database part is ignored):

- `raas_bench_base`: 1,000,000 persons seeded with `raas source seed` (timed: the seed target),
  1,000,000 links (set-based INSERT … SELECT), the benchmark client and its type dossiers;
- `raas_bench_lines_10k`, `…_1m`, `…_10m`: copies of the base (CREATE DATABASE … TEMPLATE) with
  10,000, 1,000,000 and 10,000,000 register lines (set-based INSERT … SELECT, the benchmark
  client holding the first ones, other organisations the rest).

Then, for each operation (on the 1,000,000-line set):

- the operation through `raas serve` (gunicorn, sync workers), loaded by this process: a separate
  process on the same machine, `--clients` threads sending pre-built raw SOAP requests;
- the stack ceiling: `Noop` (mounted only for the benchmark, RAAS_BENCHMARK_NOOP=1) with a
  request padded to the same size, through the same server;
- the database floor: the SQL statements the operation ran (captured from the service in process,
  one list per request, transactions included), replayed with psycopg by as many threads.

Prints one table (throughput, p50/p95/p99, ratios to ceiling and floor, the issue's targets),
Consult's p95 at 10,000 / 1,000,000 / 10,000,000 lines, and the seed time.

`--files` runs instead the bulk file channel's benchmark (bench/files.py): a 1,000,000-line file
through SubmitInscriptionFile and `raas register import`, into an empty register and one of
10,000,000 lines (minutes; not in CI).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from io import BytesIO
from uuid import UUID, uuid4

import psycopg
from common import (
    CBE,
    PASSWORD,
    USER,
    Result,
    arguments,
    bench_url,
    envelope,
    fan_out,
    load,
    serve,
    stop,
)
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import URL

from raas import usecases
from raas.config import Settings
from raas.models.users import Role
from raas.persistence import migrations
from raas.persistence.database import make_engine
from raas.persistence.uow import UnitOfWork

PERSONS = 1_000_000
LINKS = 1_000_000
LINE_SETS = {"10k": 10_000, "1m": 1_000_000, "10m": 10_000_000}
TYPE_DOSSIERS = ("0", "902")
OTHER_ORGANISATIONS = ("0404616494", "0414369548", "0424122602", "0433875753", "0443628807")
BASE = "raas_bench_base"
WARM_UP = 3  # seconds of the same load before each measurement (caches, prepared statements)
SERVICE_ROLE = "raas_service"  # the role `raas serve` acts as (row-level security applies)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- data sets ------------------------------------------------------------------------------


def _admin(url: URL) -> Engine:
    return make_engine(url.set(database="postgres"))


def _exists(url: URL, name: str) -> bool:
    engine = _admin(url)
    with engine.connect() as conn:
        found = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
    engine.dispose()
    return bool(found)


def _drop(url: URL, name: str) -> None:
    engine = _admin(url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def _meta(engine: Engine, key: str, value: str | None = None) -> str | None:
    """A note kept in the data set (e.g. how long its seeding took when it was built)."""
    with engine.begin() as conn:
        conn.execute(
            text("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value text)")
        )
        if value is not None:
            conn.execute(
                text("INSERT INTO bench_meta VALUES (:k, :v) "
                     "ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
                {"k": key, "v": value},
            )
        return conn.scalar(text("SELECT value FROM bench_meta WHERE key = :k"), {"k": key})


def build_base(server: URL, rebuild: bool) -> URL:
    """1,000,000 persons (timed `raas source seed`), 1,000,000 links, users and type dossiers."""
    import links  # the LinkRegister benchmark's set-based builder

    url = server.set(database=BASE)
    if rebuild:
        _drop(server, BASE)
    migrations.upgrade(url)
    engine = make_engine(url)
    uow = partial(UnitOfWork, engine)
    with engine.connect() as conn:
        persons = conn.scalar(text("SELECT count(*) FROM source_persons"))
    if persons < PERSONS:
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE source_persons, surname_keys, links CASCADE"))
        log(f"seeding {PERSONS:,} persons: raas source seed --persons {PERSONS}")
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "raas.cli", "source", "seed", "--persons", str(PERSONS)],
            env={**os.environ, "RAAS_DATABASE_URL": url.render_as_string(hide_password=False)},
            check=True,
        )
        seconds = time.perf_counter() - started
        _meta(engine, "seed_seconds", f"{seconds:.1f}")
        _meta(engine, "seed_day", date.today().isoformat())
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    usecases.create_user(uow, USER, CBE, Role.CLIENT, PASSWORD, "Benchmark client")
    for cbe in (CBE, *OTHER_ORGANISATIONS):
        for code in TYPE_DOSSIERS:
            usecases.define_type_dossier(uow, cbe, code, f"bench {code}")
    links.build(engine, LINKS, rebuild=False)
    engine.dispose()
    return url


_LINES = """
    INSERT INTO register_lines (cbe_number, ssin, type_dossier, periods)
    SELECT :cbe, p.ssin, t.code,
           datemultirange(daterange(date '2010-01-01' + (hashtext(p.ssin || t.code) & 4095), NULL))
    FROM (SELECT ssin FROM source_persons WHERE status = 'ACTIVE'
          ORDER BY ssin LIMIT :persons) AS p
    CROSS JOIN unnest(CAST(:codes AS text[])) AS t(code)
"""


def build_lines(server: URL, name: str, lines: int, rebuild: bool) -> URL:
    """A copy of the base with `lines` register lines: the client's first, then other orgs'."""
    url = server.set(database=f"raas_bench_lines_{name}")
    if rebuild or not _exists(server, url.database):
        _drop(server, url.database)
        engine = _admin(server)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'CREATE DATABASE "{url.database}" TEMPLATE "{BASE}"'))
        engine.dispose()
    migrations.upgrade(url)  # a copy made before the last migration
    engine = make_engine(url)
    with engine.connect() as conn:
        held = conn.scalar(text("SELECT count(*) FROM register_lines"))
        active = conn.scalar(text("SELECT count(*) FROM source_persons WHERE status = 'ACTIVE'"))
    if held != lines:
        started = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE register_lines"))
        left = lines
        for cbe in (CBE, *OTHER_ORGANISATIONS):
            persons = min(left // len(TYPE_DOSSIERS), active)
            if persons == 0:
                break
            with engine.begin() as conn:
                conn.execute(text(_LINES), {"cbe": cbe, "persons": persons,
                                            "codes": list(TYPE_DOSSIERS)})
            left -= persons * len(TYPE_DOSSIERS)
            log(f"  {url.database}: {lines - left:>10,}/{lines:,} lines "
                f"({(lines - left) / (time.perf_counter() - started):,.0f} lines/s)")
        if left:
            raise SystemExit(f"not enough active persons for {lines:,} lines")
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE register_lines"))
        log(f"  {lines:,} lines in {time.perf_counter() - started:.1f} s")
    engine.dispose()
    return url


# -- requests --------------------------------------------------------------------------------

REGISTER = 'xmlns:r="urn:raas:register:v1" xmlns:c="urn:raas:common:v1"'
LINKREGISTER = "urn:raas:linkregister:v1"


def _call(body: str) -> bytes:
    return envelope(body, USER, PASSWORD)


def _period(rng: random.Random) -> str:
    begin = date(2010, 1, 1).toordinal() + rng.randrange(0, 5000)
    end = begin + rng.randrange(0, 400)
    return (f"<r:period><c:beginDate>{date.fromordinal(begin)}</c:beginDate>"
            f"<c:endDate>{date.fromordinal(end)}</c:endDate></r:period>")


def _inscription(ssin: str, rng: random.Random) -> str:
    code = rng.choice(TYPE_DOSSIERS)
    return f"<r:ssin>{ssin}</r:ssin><r:typeDossier>{code}</r:typeDossier>{_period(rng)}"


def client_ssins(url: URL) -> list[str]:
    engine = make_engine(url)
    with engine.connect() as conn:
        ssins = list(conn.scalars(
            text("SELECT ssin FROM register_lines WHERE cbe_number = :cbe AND type_dossier = '0'"),
            {"cbe": CBE}))
    engine.dispose()
    return ssins


def consult_bodies(ssins: Sequence[str], rng: random.Random, count: int = 4000) -> list[bytes]:
    return [_call(f"<r:Consult {REGISTER}><r:ssin>{s}</r:ssin></r:Consult>")
            for s in rng.sample(list(ssins), min(count, len(ssins)))]


@dataclass
class Operation:
    name: str
    path: str
    bodies: list[bytes]
    expected: tuple[bytes, ...]
    target: str
    items: int = 1  # per request (InscribeBatch: lines)

    def ok(self, answer: bytes) -> bool:
        return any(e in answer for e in self.expected)

    @property
    def size(self) -> int:
        return sum(map(len, self.bodies)) // len(self.bodies)


def operations(url: URL, ssins: list[str], rng: random.Random) -> list[Operation]:
    import identification
    import links
    import ssdn

    ssdn_register, ssdn_list = ssdn.requests(url, ssins, rng)

    engine = make_engine(url)
    by_key, by_ssin = links.requests(engine)
    with engine.connect() as conn:
        sample = [tuple(row) for row in conn.execute(text(
            "SELECT ssin, last_name, first_name, birth_date FROM source_persons "
            "TABLESAMPLE SYSTEM (1) REPEATABLE (7) WHERE status = 'ACTIVE' LIMIT 600"))]
    engine.dispose()
    searches = [
        _call(identification._search_body(last, first, born, tolerance))
        for last, first, born, tolerance in identification._queries(sample, 2, rng)
    ]
    sample = rng.sample(ssins, 4000)
    return [
        Operation("Consult", "/Register", consult_bodies(ssins, rng), (b">DATA_FOUND<",),
                  "≥ 60% of ceiling, p99 ≤ 25 ms"),
        Operation("ConsultLinksByForeignKey", "/LinkRegister", by_key, (b">DATA_FOUND<",),
                  "≥ 60% of ceiling, p99 ≤ 25 ms"),
        Operation("ConsultLinksBySsin", "/LinkRegister", by_ssin, (b">DATA_FOUND<",), "-"),
        Operation("Inscribe", "/Register",
                  [_call(f"<r:Inscribe {REGISTER}>{_inscription(s, rng)}</r:Inscribe>")
                   for s in sample],
                  (b">OK<",), "≥ 45% of ceiling, p99 ≤ 40 ms"),
        Operation("InscribeBatch (1000 lines)", "/Register",
                  [_call(f"<r:InscribeBatch {REGISTER}>"
                         + "".join(f"<r:inscription>{_inscription(s, rng)}</r:inscription>"
                                   for s in rng.sample(ssins, 1000))
                         + "</r:InscribeBatch>") for _ in range(40)],
                  (b">OK<",), "≥ 15,000 lines/s", items=1000),
        Operation("SearchPersonPhonetically (±2 d)", "/Identification", searches,
                  (b"MSG00000", b"MSG00100"), "p95 ≤ 50 ms"),
        # The classic KSZ channel (SSDN) on the same use cases, against the same ceiling.
        Operation("SSDN ManageAccess.REGISTER", ssdn.PATH, ssdn_register, ssdn.OK,
                  "≥ 45% of ceiling, p99 ≤ 40 ms (as Inscribe)"),
        Operation("SSDN ManageAccess.LIST", ssdn.PATH, ssdn_list, ssdn.OK,
                  "≥ 60% of ceiling, p99 ≤ 25 ms (as Consult)"),
    ]


def noop_bodies(size: int) -> list[bytes]:
    """A Noop request padded to `size` bytes."""
    empty = _call('<b:Noop xmlns:b="urn:raas:benchmark:v1"><b:padding></b:padding></b:Noop>')
    padding = "x" * max(0, size - len(empty))
    return [_call(f'<b:Noop xmlns:b="urn:raas:benchmark:v1"><b:padding>{padding}</b:padding>'
                  "</b:Noop>")]


# -- the database floor -----------------------------------------------------------------------

Step = tuple  # ("sql", statement, parameters, many) | ("commit",) | ("rollback",)


def capture(url: URL, operation: Operation, count: int) -> list[list[Step]]:
    """The SQL each of `count` requests ran, as the service ran it (in this process)."""
    from raas.wsgi import create_app

    engine = make_engine(url, role=SERVICE_ROLE)  # as `raas serve` connects
    steps: list[Step] = []

    @event.listens_for(engine, "before_cursor_execute")
    def statement(conn, cursor, sql, parameters, context, many):  # type: ignore[no-untyped-def]
        steps.append(("sql", sql, parameters, many))

    @event.listens_for(engine, "commit")
    def commit(conn):  # type: ignore[no-untyped-def]
        steps.append(("commit",))

    @event.listens_for(engine, "rollback")
    def rollback(conn):  # type: ignore[no-untyped-def]
        steps.append(("rollback",))

    app = create_app(Settings(), engine=engine)
    requests: list[list[Step]] = []
    for body in operation.bodies[:count]:
        steps.clear()
        answer = _wsgi(app, operation.path, body)
        if not operation.ok(answer):
            raise SystemExit(f"{operation.name}: unexpected answer in capture: {answer[:500]!r}")
        requests.append(list(steps))
    engine.dispose()
    return requests


def _wsgi(app, path: str, body: bytes) -> bytes:  # type: ignore[no-untyped-def]
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": path, "wsgi.input": BytesIO(body),
        "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "text/xml; charset=utf-8",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
    }
    return b"".join(app(environ, lambda status, headers, exc_info=None: None))


def _fresh(value: object) -> object:
    return uuid4() if isinstance(value, UUID) else value  # tickets are unique per request


def replay(url: URL, requests: list[list[Step]], clients: int, seconds: float,
           name: str) -> Result:
    """`clients` threads with a psycopg connection each, running the captured requests' SQL."""
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(offset: int) -> None:
        mine: list[float] = []
        with psycopg.connect(dsn, options=f"-c role={SERVICE_ROLE}") as conn:
            i = offset
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                for step in requests[i % len(requests)]:
                    if step[0] == "commit":
                        conn.commit()
                    elif step[0] == "rollback":
                        conn.rollback()
                    else:
                        _, sql, parameters, many = step
                        with conn.cursor() as cursor:
                            if many:
                                cursor.executemany(sql, [
                                    {k: _fresh(v) for k, v in p.items()} for p in parameters])
                            else:
                                cursor.execute(sql, {k: _fresh(v) for k, v in parameters.items()}
                                               if isinstance(parameters, dict) else parameters)
                                if cursor.description:
                                    cursor.fetchall()
                conn.rollback()
                mine.append((time.perf_counter() - started) * 1000)
                i += 1
        with lock:
            latencies.extend(mine)

    seconds = fan_out(clients, len(requests), client)
    return Result(name, len(latencies), 0, seconds, latencies)


# -- the run ---------------------------------------------------------------------------------


@dataclass
class Row:
    operation: Operation
    result: Result
    ceiling: Result
    floor: Result
    statements: float


def measure(url: URL, ops: list[Operation], args, captures) -> list[Row]:  # type: ignore[no-untyped-def]
    ceilings: dict[int, Result] = {}
    rows: list[Row] = []
    server, port = serve(url, args.workers, RAAS_BENCHMARK_NOOP="1")
    try:
        load(port, "POST", "/Register", ops[0].bodies, args.clients, 2, "warm-up")
        for op in ops:
            bucket = round(op.size, -2) if op.size < 10_000 else op.size
            if bucket not in ceilings:
                log(f"ceiling: Noop of {bucket:,} bytes")
                ceilings[bucket] = load(port, "POST", "/Benchmark", noop_bodies(op.size),
                                        args.clients, args.seconds, f"Noop {bucket} B",
                                        check=lambda a: b">OK<" in a)
            log(f"operation: {op.name}")
            load(port, "POST", op.path, op.bodies, args.clients, WARM_UP, "warm-up")
            result = load(port, "POST", op.path, op.bodies, args.clients, args.seconds, op.name,
                          check=op.ok)
            requests = captures[op.name]
            log(f"floor: {op.name} ({sum(map(len, requests)) / len(requests):.1f} steps/request)")
            floor = replay(url, requests, args.clients, args.seconds, op.name)
            statements = sum(1 for r in requests for s in r if s[0] == "sql") / len(requests)
            rows.append(Row(op, result, ceilings[bucket], floor, statements))
    finally:
        stop(server)
    return rows


def settle(url: URL) -> None:
    """Vacuum what earlier runs wrote, and checkpoint, so that no run measures that work."""
    log("vacuuming and checkpointing what earlier runs wrote")
    engine = make_engine(url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE register_lines, events, audit_log, links"))
        conn.execute(text("CHECKPOINT"))
    engine.dispose()


def consult_p95(url: URL, args, label: str) -> Result:  # type: ignore[no-untyped-def]
    bodies = consult_bodies(client_ssins(url), random.Random(3))
    server, port = serve(url, args.workers)
    try:
        load(port, "POST", "/Register", bodies, args.clients, WARM_UP, "warm-up")
        return load(port, "POST", "/Register", bodies, args.clients, args.seconds, label,
                    check=lambda a: b">DATA_FOUND<" in a)
    finally:
        stop(server)


def _measured_lines() -> int:
    """The size of the line set the operations are measured on."""
    return LINE_SETS.get("1m", max(LINE_SETS.values()))


def print_tables(rows: list[Row], scale: dict[str, Result], seed: str | None, args) -> None:  # type: ignore[no-untyped-def]
    print(f"\n{os.cpu_count()} cores; `raas serve` with {args.workers} gunicorn sync workers; "
          f"load generator: a separate process (bench/suite.py) on the same machine, "
          f"{args.clients} concurrent clients, loopback, a new connection per request, "
          f"{args.seconds:.0f} s per measurement; {_measured_lines():,} register lines, "
          f"{PERSONS:,} persons, {LINKS:,} links")
    head = (f"{'operation':34} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6} {'err':>4} "
            f"{'ceiling':>8} {'÷ceil':>6} {'floor':>8} {'÷floor':>6} {'SQL/req':>7}  target")
    print(head)
    print("-" * len(head))
    for row in rows:
        r = row.result
        print(f"{row.operation.name:34} {r.throughput:7.1f} {r.percentile(50):6.1f} "
              f"{r.percentile(95):6.1f} {r.percentile(99):6.1f} {r.errors:4d} "
              f"{row.ceiling.throughput:8.1f} {r.throughput / row.ceiling.throughput:6.0%} "
              f"{row.floor.throughput:8.1f} {r.throughput / row.floor.throughput:6.0%} "
              f"{row.statements:7.1f}  {row.operation.target}")
        if row.operation.items > 1:
            print(f"{'':34} = {r.throughput * row.operation.items:,.0f} lines/s end to end; "
                  f"floor {row.floor.throughput * row.operation.items:,.0f} lines/s")
    print("latencies in ms; ceiling: Noop with a request of the same size, same server; "
          "floor: the operation's captured SQL replayed with psycopg by as many clients")
    print("\nConsult p95 by register size: " + ", ".join(
        f"{label} lines {result.percentile(95):.1f} ms" for label, result in scale.items()))
    first, last = scale.get("10k"), scale.get("10m")
    if first and last:
        print(f"p95 at 10,000,000 ÷ p95 at 10,000: "
              f"{last.percentile(95) / first.percentile(95):.2f} (target ≤ 1.3)")
    print(f"raas source seed --persons {PERSONS:,}: {seed} (target ≤ 120 s)")


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--rebuild", action="store_true", help="build the data sets again")
    parser.add_argument("--capture", type=int, default=300, help="requests captured for floors")
    parser.add_argument("--only", help="comma-separated operation names (default: all)")
    parser.add_argument("--files", action="store_true",
                        help="only the bulk file channel: a 1,000,000-line file through "
                             "SubmitInscriptionFile and raas register import, into an empty "
                             "register and one of 10,000,000 lines (bench/files.py; minutes)")
    parser.add_argument("--small", action="store_true",
                        help="20,000 persons and lines, one line set, no scale runs: checks "
                             "that every row works (its figures are not the benchmark's)")
    args = parser.parse_args()
    if args.small:
        global PERSONS, LINKS, BASE, LINE_SETS
        PERSONS, LINKS, BASE = 20_000, 20_000, "raas_bench_small_base"
        LINE_SETS = {"small": 20_000}

    server = bench_url()
    base = build_base(server, args.rebuild)
    engine = make_engine(base)
    seed_seconds, seed_day = _meta(engine, "seed_seconds"), _meta(engine, "seed_day")
    engine.dispose()
    seed = f"{seed_seconds} s (measured {seed_day}, when the data set was built)"
    sets = {label: build_lines(server, label, lines, args.rebuild)
            for label, lines in LINE_SETS.items()}

    if args.files:
        import files

        files.run(server, 20_000 if args.small else 1_000_000, ["submit", "import"],
                  ["empty"] if args.small else ["empty", "10m"])
        return
    url = sets["small" if args.small else "1m"]
    settle(url)
    ops = operations(url, client_ssins(url), random.Random(42))
    if args.only:
        ops = [op for op in ops if any(name in op.name for name in args.only.split(","))]
    log("capturing each operation's SQL (in process)")
    captures = {op.name: capture(url, op, args.capture if op.items == 1 else 10) for op in ops}
    rows = measure(url, ops, args, captures)
    scale = {}
    for label in () if args.small else ("10k", "1m", "10m"):
        log(f"Consult at {LINE_SETS[label]:,} lines")
        scale[label] = consult_p95(sets[label], args, f"Consult, {label} lines")
    print_tables(rows, scale, seed, args)


if __name__ == "__main__":
    main()
