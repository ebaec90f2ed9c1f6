"""Benchmark of the Register on 1,000,000 lines: Consult, Inscribe and InscribeBatch.

    .venv/bin/python bench/register.py [--lines 1000000] [--seconds 10] [--clients 8] [--workers 2]

Builds the data set once in its own database (RAAS_DATABASE_URL, else `raas_bench_register` on
127.0.0.1:5432): persons in the stub authentic source (COPY) and register lines for one
organisation (one set-based INSERT … SELECT), half of the persons in two typeDossiers each.
Then starts `raas serve` (gunicorn, sync workers) and loads it from this process with concurrent
clients sending pre-built raw SOAP requests on random persons. Scenarios, measured in the same run:

- `ListTypeDossiers`: the baseline, a full authenticated call with one trivial query;
- `Consult` of a random ssin (two lines);
- `Inscribe` of a random period for a random ssin (merged with the lines it holds);
- `InscribeBatch` of 1000 items: lines per second end to end.

Prints throughput, p50/p95/p99 and the ratio of each to the baseline's throughput.
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta

from common import CBE, PASSWORD, USER, arguments, envelope, load, prepare, print_table, serve, stop
from sqlalchemy import text

from raas import usecases
from raas.progress import bar
from raas.usecases import sourcefeed

TYPE_DOSSIERS = ("0", "902")
REGISTER = 'xmlns:r="urn:raas:register:v1" xmlns:c="urn:raas:common:v1"'


def build(lines: int):  # type: ignore[no-untyped-def]
    """Persons and lines, made once; the database URL and the ssins that hold lines."""
    url, engine, uow = prepare("raas_bench_register")
    for code in TYPE_DOSSIERS:
        usecases.define_type_dossier(uow, CBE, code, f"bench {code}")
    persons = lines // len(TYPE_DOSSIERS)
    with engine.connect() as conn:
        known = conn.scalar(text("SELECT count(*) FROM source_persons"))
        held = conn.scalar(
            text("SELECT count(*) FROM register_lines WHERE cbe_number = :cbe"), {"cbe": CBE}
        )
    if known < persons:
        started = time.perf_counter()
        with bar("seeding persons", "persons") as progress:
            added = sourcefeed.seed(uow, persons, seed=1, progress=progress)
        print(f"seeded {added:,} persons in {time.perf_counter() - started:.1f} s")
    if held != lines:
        started = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM register_lines WHERE cbe_number = :cbe"), {"cbe": CBE})
            conn.execute(
                text(
                    "INSERT INTO register_lines (cbe_number, ssin, type_dossier, periods) "
                    "SELECT :cbe, p.ssin, t.code, datemultirange(daterange("
                    "  date '2010-01-01' + (hashtext(p.ssin || t.code) & 4095), NULL)) "
                    "FROM (SELECT ssin FROM source_persons WHERE status = 'ACTIVE' "
                    "      ORDER BY ssin LIMIT :persons) p "
                    "CROSS JOIN unnest(CAST(:codes AS text[])) AS t(code)"
                ),
                {"cbe": CBE, "persons": persons, "codes": list(TYPE_DOSSIERS)},
            )
            conn.execute(text("ANALYZE register_lines"))
        print(f"inserted register lines in {time.perf_counter() - started:.1f} s")
    with engine.connect() as conn:
        held = conn.scalar(
            text("SELECT count(*) FROM register_lines WHERE cbe_number = :cbe"), {"cbe": CBE}
        )
        if held != lines:
            raise SystemExit(f"{held:,} lines instead of {lines:,}: not enough persons?")
        ssins = list(
            conn.scalars(
                text("SELECT DISTINCT ssin FROM register_lines WHERE cbe_number = :cbe"),
                {"cbe": CBE},
            )
        )
    engine.dispose()
    return url, ssins


def period(rng: random.Random) -> str:
    begin = date(2010, 1, 1) + timedelta(days=rng.randrange(0, 5000))
    end = begin + timedelta(days=rng.randrange(0, 400))
    return f"<r:period><c:beginDate>{begin}</c:beginDate><c:endDate>{end}</c:endDate></r:period>"


def requests(ssins: list[str], rng: random.Random) -> dict[str, list[bytes]]:
    """Pre-built request bodies per scenario (random persons, random periods)."""

    def inscription(ssin: str) -> str:
        code = rng.choice(TYPE_DOSSIERS)
        return f"<r:ssin>{ssin}</r:ssin><r:typeDossier>{code}</r:typeDossier>{period(rng)}"

    def call(body: str) -> bytes:
        return envelope(body, USER, PASSWORD)

    sample = rng.sample(ssins, 4000)
    return {
        "list": [call(f"<r:ListTypeDossiers {REGISTER}/>")],
        "consult": [
            call(f"<r:Consult {REGISTER}><r:ssin>{s}</r:ssin></r:Consult>") for s in sample
        ],
        "inscribe": [
            call(f"<r:Inscribe {REGISTER}>{inscription(s)}</r:Inscribe>") for s in sample
        ],
        "batch": [
            call(
                f"<r:InscribeBatch {REGISTER}>"
                + "".join(
                    f"<r:inscription>{inscription(s)}</r:inscription>"
                    for s in rng.sample(ssins, 1000)
                )
                + "</r:InscribeBatch>"
            )
            for _ in range(40)
        ],
    }


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()

    url, ssins = build(args.lines)
    bodies = requests(ssins, random.Random(42))
    print(f"{args.lines:,} lines for {len(ssins):,} persons; requests built")

    server, port = serve(url, args.workers)
    try:
        load(port, "POST", "/Register", bodies["consult"], args.clients, 2, "warm-up")
        scenarios = [
            ("list", "ListTypeDossiers (baseline)", b">MSG00000<"),
            ("consult", "Consult (random ssin, DATA_FOUND)", b">DATA_FOUND<"),
            ("inscribe", "Inscribe (random ssin and period)", b">OK<"),
            ("batch", "InscribeBatch (1000 items per request)", b">OK<"),
        ]
        results = [
            load(port, "POST", "/Register", bodies[key], args.clients, args.seconds, name,
                 check=lambda answer, expected=expected: expected in answer)
            for key, name, expected in scenarios
        ]
    finally:
        stop(server)
    print_table(results, results[0], args.clients, args.workers, args.seconds)
    batch = results[-1]
    print(f"InscribeBatch: {batch.throughput * 1000:,.0f} lines per second end to end")


if __name__ == "__main__":
    main()
