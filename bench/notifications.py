"""Benchmark of the daily notification run: 1,000,000 events, 100 organisations, 10,000,000 lines.

    .venv/bin/python bench/notifications.py [--events 1000000] [--organisations 100]
                                            [--lines 10000000] [--runs 1]

Builds the data set once in its own database (RAAS_DATABASE_URL, else
`raas_bench_notifications` on 127.0.0.1:5432), set-based in SQL:

- organisations, each with one typeDossier and `lines / organisations` register lines; every
  person of the pool is held by exactly two organisations (so each event has two recipients);
- every organisation subscribed to the three flows, and authorized for DIMONA;
- `events` flow events on one day (a third of each kind), on random persons of the pool, their
  recipients computed as the writers compute them (organisations with a line on that day).

Then, for each run: the day's claim and files are reset, and `raas notifications run` is run as
a subprocess, the way an operator runs it. Printed: wall time, peak memory (maximum resident set
of the process), files, records and records per second, and the ratio to the database floor
measured in the same run: the run's records query alone, streamed to /dev/null by PostgreSQL
(`COPY (…) TO STDOUT` read with psycopg).
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import psycopg
from common import arguments, bench_url
from sqlalchemy import text

from raas.clock import today
from raas.models.users import normalise_cbe_number
from raas.persistence import migrations
from raas.persistence.database import make_engine

DAY = today() - timedelta(days=1)
FLOWS = ("SSIN_REPLACEMENT", "IDENTIFICATION_DATA", "DIMONA")


def cbe(n: int) -> str:
    base = 2_100_000 + n
    return normalise_cbe_number(f"0{base:07d}{97 - base % 97:02d}")


def step(label: str, conn, sql: str, **params) -> None:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = conn.execute(text(sql), params)
    rows = f" ({result.rowcount:,} rows)" if result.rowcount and result.rowcount > 0 else ""
    print(f"  {label}{rows}: {time.perf_counter() - started:.1f} s", flush=True)


def build(url, events: int, organisations: int, lines: int) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    per_org = lines // organisations
    pool = lines // 2  # every person held by two organisations
    with engine.connect() as conn:
        held = conn.scalar(text("SELECT count(*) FROM register_lines"))
        known = conn.scalar(text("SELECT count(*) FROM events WHERE event_date = :d"), {"d": DAY})
    cbes = [cbe(n) for n in range(organisations)]
    if held != per_org * organisations:
        print(f"building {per_org * organisations:,} register lines", flush=True)
        with engine.begin() as conn:
            step(
                "empty",
                conn,
                "TRUNCATE register_lines, events, subscriptions, "
                "flow_authorizations, notification_files, notification_days",
            )
            step(
                "organisations",
                conn,
                "INSERT INTO organisations (cbe_number, name) "
                "SELECT c, 'bench ' || c FROM unnest(CAST(:cbes AS text[])) c "
                "ON CONFLICT DO NOTHING",
                cbes=cbes,
            )
            step(
                "type dossiers",
                conn,
                "INSERT INTO type_dossiers (cbe_number, code, description) "
                "SELECT c, '0', 'bench' FROM unnest(CAST(:cbes AS text[])) c "
                "ON CONFLICT DO NOTHING",
                cbes=cbes,
            )
            conn.execute(text("DROP INDEX IF EXISTS ix_register_lines_ssin"))
            conn.execute(text("ALTER TABLE register_lines DROP CONSTRAINT pk_register_lines"))
            # organisation i holds persons [i * pool / n, i * pool / n + per_org) of the pool
            step(
                "register lines",
                conn,
                """
                INSERT INTO register_lines (cbe_number, ssin, type_dossier, periods)
                SELECT o.c, lpad(((o.i * :stride + k) % :pool)::text, 11, '0'), '0',
                       datemultirange(daterange(date '2000-01-01', NULL))
                FROM unnest(CAST(:cbes AS text[])) WITH ORDINALITY AS o(c, i),
                     generate_series(0, :per_org - 1) AS k
                """,
                cbes=cbes,
                stride=pool // organisations,
                pool=pool,
                per_org=per_org,
            )
            step(
                "primary key",
                conn,
                "ALTER TABLE register_lines ADD CONSTRAINT "
                "pk_register_lines PRIMARY KEY (cbe_number, ssin, type_dossier)",
            )
            step("ssin index", conn, "CREATE INDEX ix_register_lines_ssin ON register_lines (ssin)")
            step("analyze", conn, "ANALYZE register_lines")
        known = 0
    if known != events:
        print(f"recording {events:,} events", flush=True)
        with engine.begin() as conn:
            step(
                "empty",
                conn,
                "TRUNCATE events, subscriptions, flow_authorizations, "
                "notification_files, notification_days",
            )
            step(
                "subscriptions",
                conn,
                "INSERT INTO subscriptions (cbe_number, flow, since) "
                "SELECT c, f, now() - interval '10 days' FROM unnest(CAST(:cbes AS text[])) c, "
                "unnest(CAST(:flows AS text[])) f",
                cbes=cbes,
                flows=list(FLOWS),
            )
            step(
                "authorizations",
                conn,
                "INSERT INTO flow_authorizations "
                "(cbe_number, flow, granted_by) SELECT c, 'DIMONA', 'bench' "
                "FROM unnest(CAST(:cbes AS text[])) c",
                cbes=cbes,
            )
            step(
                "events",
                conn,
                """
                INSERT INTO events (event_date, kind, ssin, payload, recipients)
                SELECT :day, kind, ssin,
                       CASE kind
                         WHEN 'SSIN_REPLACEMENT' THEN jsonb_build_object(
                           'oldSsin', ssin, 'newSsin', '99' || right(ssin, 9),
                           'activeSsin', '99' || right(ssin, 9))
                         WHEN 'IDENTIFICATION_DATA' THEN jsonb_build_object(
                           'lastName', jsonb_build_object('old', 'Peeters', 'new', 'Pieters'))
                         ELSE jsonb_build_object('employer', '0203201340',
                                                 'dimonaDate', CAST(:day AS text))
                       END,
                       ARRAY(SELECT r.cbe_number FROM register_lines r
                             WHERE r.ssin = e.ssin AND r.periods @> CAST(:day AS date)
                             ORDER BY r.cbe_number)
                FROM (SELECT (ARRAY['SSIN_REPLACEMENT', 'IDENTIFICATION_DATA', 'DIMONA'])[g % 3 + 1]
                             AS kind,
                             lpad(((hashint4(g) & 2147483647) % :pool)::text, 11, '0') AS ssin
                      FROM generate_series(1, :events) g) e
                """,
                day=DAY,
                pool=pool,
                events=events,
            )
            step("analyze", conn, "ANALYZE events")
    engine.dispose()


def reset(url) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE notification_files, notification_days"))
        conn.execute(text("UPDATE events SET delivery_date = NULL WHERE delivery_date IS NOT NULL"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE events"))
    engine.dispose()


def floor(url) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    """Seconds and rows for the records query alone, streamed out of PostgreSQL by COPY."""
    from raas.persistence.notifications import _RECORDS

    sql = _RECORDS.replace("%(day)s", f"DATE '{DAY.isoformat()}'")
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    started = time.perf_counter()
    rows = 0
    with psycopg.connect(dsn) as conn, conn.cursor().copy(f"COPY ({sql}) TO STDOUT") as copy:
        for chunk in copy:
            rows += bytes(chunk).count(b"\n")
    return time.perf_counter() - started, rows


def run(url, outbox: Path) -> tuple[float, int, str]:  # type: ignore[no-untyped-def]
    """Seconds, peak resident memory (KiB) and output of one `raas notifications run`."""
    env = {**os.environ, "RAAS_DATABASE_URL": url.render_as_string(hide_password=False)}
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "raas.cli",
            "notifications",
            "run",
            "--date",
            DAY.isoformat(),
            "--outbox",
            str(outbox),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    # the largest resident set of any child waited for: the run is this process's only child
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, peak, done.stdout.strip()


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--organisations", type=int, default=100)
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()

    url = bench_url("raas_bench_notifications")
    migrations.upgrade(url)
    build(url, args.events, args.organisations, args.lines)
    for n in range(args.runs):
        reset(url)
        outbox = Path(tempfile.mkdtemp(prefix="raas-bench-outbox-"))
        try:
            seconds, peak_kib, output = run(url, outbox)
            size = sum(p.stat().st_size for p in outbox.glob("*/*"))
            files = len(list(outbox.glob("*/*.voucher.xml")))
        finally:
            shutil.rmtree(outbox, ignore_errors=True)
        floor_seconds, rows = floor(url)
        print(f"\nrun {n + 1}: {output}")
        print(
            f"{os.cpu_count()} cores; {args.events:,} events, {args.organisations} organisations, "
            f"{args.lines:,} register lines; day {DAY}"
        )
        print(f"{'measure':44} {'seconds':>8} {'records':>10} {'records/s':>10} {'peak MiB':>9}")
        print(
            f"{'database floor (records query, COPY)':44} {floor_seconds:8.1f} {rows:10,} "
            f"{rows / floor_seconds:10,.0f} {'-':>9}"
        )
        print(
            f"{'raas notifications run':44} {seconds:8.1f} {rows:10,} "
            f"{rows / seconds:10,.0f} {peak_kib / 1024:9.0f}"
        )
        print(
            f"files: {files} data files + vouchers, {size / 2**20:,.0f} MiB in the outbox; "
            f"run ÷ floor: {seconds / floor_seconds:.1f}× the time"
        )


if __name__ == "__main__":
    main()
