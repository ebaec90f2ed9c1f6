"""Benchmark of the LinkRegister on 1,000,000 links: the two consultations under load.

    .venv/bin/python bench/links.py [--links 1000000] [--seconds 10] [--clients 8] [--workers N]
                                    [--rebuild]

Against the benchmark database (RAAS_DATABASE_URL, else `raas_bench` on 127.0.0.1:5432):

1. seeds synthetic persons in the stub authentic source (COPY) until there is one per two links;
2. builds the links set-based, in batches of INSERT … SELECT from the persons (two links per
   person: a passport in one of ten countries, a social-security number; a third of them with a
   validity period), with progress — kept for the next run unless `--rebuild`;
3. starts `raas serve` (gunicorn sync workers) and loads it with concurrent clients sending
   pre-built raw SOAP requests over random keys and ssins: ConsultLinksByForeignKey (by key and
   country), ConsultLinksBySsin, and the baselines `GET /health` and ListTypeDossiers.

Prints throughput, p50/p95/p99 and each scenario's throughput divided by ListTypeDossiers'.
"""

from __future__ import annotations

import random
import time
from functools import partial

from common import CBE, PASSWORD, USER, arguments, envelope, load, prepare, print_table, serve, stop
from sqlalchemy import text

from raas import usecases
from raas.persistence.uow import UnitOfWork
from raas.progress import bar
from raas.usecases import sourcefeed

COUNTRIES = ["FR", "NL", "DE", "ES", "IT", "PL", "PT", "RO", "LU", "GB"]
BATCH = 100_000
SAMPLE = 2_000
LR = "urn:raas:linkregister:v1"

# Person n (1-based, in ssin order among the active persons) holds two links.
_INSERT = """
    INSERT INTO links (ssin, country, key_type, foreign_key, key_as_given, validity, cbe_number)
    SELECT p.ssin, l.country, l.key_type, l.key, l.key,
           CASE WHEN p.n % 3 = 0
                THEN daterange(DATE '2015-01-01' + (p.n % 2000)::int, NULL, '[)')
                ELSE '(,)'::daterange END,
           :cbe
    FROM bench_numbered_persons AS p
    CROSS JOIN LATERAL (VALUES
        ((ARRAY[{countries}])[1 + p.n % 10], 'PASSPORT', 'P' || lpad(p.n::text, 9, '0')),
        ('DE', 'SOCIAL_SECURITY', 'S' || lpad(p.n::text, 11, '0'))
    ) AS l(country, key_type, key)
    WHERE p.n > :first AND p.n <= :last
""".format(countries=", ".join(f"'{c}'" for c in COUNTRIES))


_NUMBER = """
    CREATE UNLOGGED TABLE bench_numbered_persons AS
    SELECT ssin, row_number() OVER (ORDER BY ssin) AS n
    FROM source_persons WHERE status = 'ACTIVE';
    CREATE INDEX ON bench_numbered_persons (n);
"""


def _drop_secondary_indexes(conn) -> list[str]:  # type: ignore[no-untyped-def]
    """Drop the links table's constraints and indexes but its primary key; their DDL."""
    constraints = list(conn.execute(text(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'links'::regclass AND contype IN ('u', 'x')")))
    indexes = list(conn.execute(text(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = 'links'::regclass AND NOT i.indisprimary AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)")))
    for name, _ in constraints:
        conn.execute(text(f'ALTER TABLE links DROP CONSTRAINT "{name}"'))
    for name, _ in indexes:
        conn.execute(text(f"DROP INDEX {name}"))
    return [f'ALTER TABLE links ADD CONSTRAINT "{name}" {ddl}' for name, ddl in constraints] + [
        ddl for _, ddl in indexes
    ]


def build(engine, links: int, rebuild: bool) -> None:  # type: ignore[no-untyped-def]
    """Persons and links, made once and kept for the next runs."""
    uow = partial(UnitOfWork, engine)
    people = (links + 1) // 2
    with engine.connect() as conn:
        active = conn.scalar(text("SELECT count(*) FROM source_persons WHERE status = 'ACTIVE'"))
        existing = conn.scalar(text("SELECT count(*) FROM links"))
    if rebuild or existing != links:
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE links, link_reports, deleted_links"))
        existing = 0
    if active < people:
        started = time.perf_counter()
        wanted = int((people - active) * 1.15) + 1000  # some synthetic persons are not active
        print(f"seeding {wanted:,} persons in the stub source (COPY)")
        with bar("seeding persons", "persons") as progress:
            sourcefeed.seed(uow, wanted, seed=int(time.time()), progress=progress)
        print(f"  done in {time.perf_counter() - started:.1f} s")
    if existing == links:
        print(f"{links:,} links already built (use --rebuild to build them again)")
        return
    started = time.perf_counter()
    print(f"building {links:,} links, {BATCH:,} per INSERT … SELECT")
    with engine.begin() as conn:
        # Number the persons once, not again for every batch.
        conn.execute(text("DROP TABLE IF EXISTS bench_numbered_persons"))
        conn.execute(text(_NUMBER))
    # Inserting row by row into the GiST exclusion index runs at ~2,000 links/s: drop the
    # secondary indexes and constraints, insert, and build them again in bulk.
    with engine.begin() as conn:
        kept = _drop_secondary_indexes(conn)
    for first in range(0, people, BATCH // 2):
        last = min(first + BATCH // 2, people)
        with engine.begin() as conn:
            conn.execute(text(_INSERT), {"cbe": CBE, "first": first, "last": last})
        made = 2 * last
        rate = made / (time.perf_counter() - started)
        print(f"\r  links: {made:>9,}/{links:,}  ({rate:,.0f} links/s)", end="", flush=True)
    print(f"\n  rebuilding {len(kept)} indexes and constraints")
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
        for statement in kept:
            conn.execute(text(statement))
        conn.execute(text("DROP TABLE bench_numbered_persons"))
        conn.execute(text("ANALYZE links"))
    print(f"\n  done in {time.perf_counter() - started:.1f} s")


def requests(engine) -> tuple[list[bytes], list[bytes]]:  # type: ignore[no-untyped-def]
    """Pre-built ConsultLinksByForeignKey and ConsultLinksBySsin requests over random links."""
    with engine.connect() as conn:
        total = conn.scalar(text("SELECT max(id) FROM links"))
        ids = random.Random(7).sample(range(1, total + 1), min(SAMPLE * 2, total))
        rows = list(
            conn.execute(
                text("SELECT ssin, country, foreign_key FROM links WHERE id = ANY(:ids)"),
                {"ids": ids},
            )
        )
    by_key = [
        envelope(
            f'<l:ConsultLinksByForeignKey xmlns:l="{LR}"><l:foreignKey>{r.foreign_key}'
            f"</l:foreignKey><l:country>{r.country}</l:country></l:ConsultLinksByForeignKey>",
            USER,
            PASSWORD,
        )
        for r in rows[:SAMPLE]
    ]
    by_ssin = [
        envelope(
            f'<l:ConsultLinksBySsin xmlns:l="{LR}"><l:ssin>{r.ssin}</l:ssin>'
            "</l:ConsultLinksBySsin>",
            USER,
            PASSWORD,
        )
        for r in rows[SAMPLE:] or rows
    ]
    return by_key, by_ssin


def found(body: bytes) -> bool:
    return b"DATA_FOUND" in body and b"MSG00000" in body


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--links", type=int, default=1_000_000)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()

    url, engine, uow = prepare("raas_bench_links")
    usecases.define_type_dossier(uow, CBE, "902", "bench")
    build(engine, args.links, args.rebuild)
    by_key, by_ssin = requests(engine)
    engine.dispose()
    baseline = envelope('<r:ListTypeDossiers xmlns:r="urn:raas:register:v1"/>', USER, PASSWORD)

    server, port = serve(url, args.workers)
    try:
        load(port, "POST", "/LinkRegister", by_key, args.clients, 1, "warm-up")
        results = [
            load(port, "GET", "/health", [None], args.clients, args.seconds, "GET /health"),
            load(
                port,
                "POST",
                "/Register",
                [baseline],
                args.clients,
                args.seconds,
                "ListTypeDossiers (baseline)",
            ),
            load(
                port,
                "POST",
                "/LinkRegister",
                by_key,
                args.clients,
                args.seconds,
                "ConsultLinksByForeignKey (random keys)",
                check=found,
            ),
            load(
                port,
                "POST",
                "/LinkRegister",
                by_ssin,
                args.clients,
                args.seconds,
                "ConsultLinksBySsin (random ssins)",
                check=found,
            ),
        ]
    finally:
        stop(server)
    print(
        f"\n{args.links:,} links; requests over {len(by_key):,} random keys and "
        f"{len(by_ssin):,} random ssins"
    )
    print_table(results, results[1], args.clients, args.workers, args.seconds)


if __name__ == "__main__":
    main()
