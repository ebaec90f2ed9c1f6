"""Benchmark of the Identification service on a million persons: phonetic search under load.

    .venv/bin/python bench/identification.py [--persons 1000000] [--seconds 10] [--clients 8]
                                             [--workers N] [--reseed]

Seeds the benchmark database (RAAS_DATABASE_URL, else `raas_bench` on 127.0.0.1:5432) with
`--persons` synthetic persons when it holds another number of them (or with `--reseed`), timing
`raas source seed`'s code path (COPY + phonetic keys). Then starts `raas serve` and loads it with
concurrent clients. Scenarios, in the same run:

- `SearchPersonBySsin` (the baseline: one primary-key lookup behind a full SOAP call);
- `SearchPersonPhonetically` with names and birth dates drawn from the seeded persons: half
  spelled as seeded, half a labelled variant (tests/data/belgian_names.csv) or the name in
  capitals without accents; complete dates with a 2-day tolerance, half with the first name;
- the same with a one-year tolerance (a wider window, more candidates to rank).

Prints throughput, p50/p95/p99 and the ratio of each to the baseline's throughput, and an
in-process breakdown of one search (key lookup, person fetch, ranking) without SOAP.
"""

from __future__ import annotations

import csv
import random
import statistics
import time
import unicodedata
from xml.sax.saxutils import escape

from common import (
    PASSWORD,
    ROOT,
    USER,
    arguments,
    envelope,
    load,
    prepare,
    print_table,
    serve,
    stop,
)

from raas.models.phonetic import PhoneticQuery, make_query, matching_names, rank
from raas.progress import bar
from raas.usecases import sourcefeed

NS = "urn:raas:identification:v1"
SAMPLE = 600


def _variants() -> dict[str, list[str]]:
    """Labelled spelling variants of each name (both directions)."""
    variants: dict[str, list[str]] = {}
    with (ROOT / "tests" / "data" / "belgian_names.csv").open(encoding="utf-8") as lines:
        for row in csv.DictReader(lines):
            variants.setdefault(row["target"], []).append(row["query"])
            variants.setdefault(row["query"], []).append(row["target"])
    return variants


def _plain_capitals(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name)
    return "".join(c for c in folded if not unicodedata.combining(c)).upper()


def _search_body(last: str, first: str | None, born: str, tolerance: int) -> str:
    first_element = f"<i:firstName>{escape(first)}</i:firstName>" if first else ""
    return (
        f'<i:SearchPersonPhonetically xmlns:i="{NS}"><i:lastName>{escape(last)}</i:lastName>'
        f"{first_element}<i:birthDate>{born}</i:birthDate><i:tolerance>{tolerance}</i:tolerance>"
        "</i:SearchPersonPhonetically>"
    )


def _queries(
    persons: list[tuple[str, ...]], tolerance: int, rng: random.Random
) -> list[tuple[str, str | None, str, int]]:
    """(lastName, firstName or None, birthDate, tolerance) for each sampled person."""
    variants = _variants()
    out: list[tuple[str, str | None, str, int]] = []
    for i, (_, last, first, born) in enumerate(persons):
        if i % 2:
            last = rng.choice(variants.get(last, [_plain_capitals(last)]))
        precision_tolerance = tolerance if born[5:] != "00-00" and born[8:] != "00" else 1
        out.append((last, first if i % 4 < 2 else None, born, precision_tolerance))
    return out


def _breakdown(uow, queries) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Median milliseconds of each step of a search, in process, and candidates per search."""
    steps: dict[str, list[float]] = {"keys → spellings": [], "persons": [], "rank": []}
    counts: list[int] = []
    for last, first, born, tolerance in queries:
        query: PhoneticQuery = make_query(last, born, tolerance, first)
        with uow() as tx:
            t0 = time.perf_counter()
            names = matching_names(query, tx.identification.spellings(query.keys))
            t1 = time.perf_counter()
            lo, hi = query.window
            persons = tx.persons.active_named_born_between(names, lo, hi) if names else []
            t2 = time.perf_counter()
            rank(query, persons)
            t3 = time.perf_counter()
        steps["keys → spellings"].append((t1 - t0) * 1000)
        steps["persons"].append((t2 - t1) * 1000)
        steps["rank"].append((t3 - t2) * 1000)
        counts.append(len(persons))
    result = {name: statistics.median(values) for name, values in steps.items()}
    result["candidates (median)"] = statistics.median(counts)
    result["candidates (max)"] = max(counts)
    return result


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()

    url, engine, uow = prepare("raas_bench_identification")
    with uow() as tx:
        count = tx.persons.count()
    if args.reseed or count != args.persons:
        with uow() as tx:
            tx.connection.exec_driver_sql("TRUNCATE source_persons, surname_keys")
            tx.commit()
        started = time.perf_counter()
        with bar("seeding persons", "persons") as progress:
            sourcefeed.seed(uow, args.persons, seed=0, progress=progress)
        print(
            f"seeded {args.persons:,} persons (COPY + phonetic keys) in "
            f"{time.perf_counter() - started:.1f} s"
        )
    else:
        print(f"{count:,} persons already seeded (--reseed to time the seeding)")
    with uow() as tx:
        tx.connection.exec_driver_sql("ANALYZE source_persons; ANALYZE surname_keys")
        tx.commit()
    with uow() as tx:
        sample = [
            tuple(row)
            for row in tx.connection.exec_driver_sql(
                "SELECT ssin, last_name, first_name, birth_date FROM source_persons "
                f"TABLESAMPLE SYSTEM (1) REPEATABLE (7) WHERE status = 'ACTIVE' LIMIT {SAMPLE}"
            )
        ]
    rng = random.Random(7)
    near = _queries(sample, 2, rng)
    wide = [(last, first, born, 1 if born[8:] == "00" else 365) for last, first, born, _ in near]
    breakdown = _breakdown(uow, near[:200])
    breakdown_wide = _breakdown(uow, wide[:200])
    engine.dispose()

    by_ssin = [
        envelope(
            f'<i:SearchPersonBySsin xmlns:i="{NS}"><i:ssin>{ssin}</i:ssin></i:SearchPersonBySsin>',
            USER,
            PASSWORD,
        )
        for ssin, *_ in sample
    ]
    near_bodies = [envelope(_search_body(*q), USER, PASSWORD) for q in near]
    wide_bodies = [envelope(_search_body(*q), USER, PASSWORD) for q in wide]

    def ok(answer: bytes) -> bool:
        return b"<faultcode>" not in answer and (b"MSG00000" in answer or b"MSG00100" in answer)

    found: list[int] = []

    def found_ok(answer: bytes) -> bool:
        found.append(b"DATA_FOUND" in answer)
        return ok(answer)

    server, port = serve(url, args.workers)
    try:
        load(port, "POST", "/Identification", by_ssin, args.clients, 1, "warm-up")
        baseline = load(
            port,
            "POST",
            "/Identification",
            by_ssin,
            args.clients,
            args.seconds,
            "SearchPersonBySsin (baseline)",
            ok,
        )
        near_result = load(
            port,
            "POST",
            "/Identification",
            near_bodies,
            args.clients,
            args.seconds,
            "SearchPersonPhonetically, ±2 days",
            found_ok,
        )
        near_found = sum(found) / len(found)
        found.clear()
        wide_result = load(
            port,
            "POST",
            "/Identification",
            wide_bodies,
            args.clients,
            args.seconds,
            "SearchPersonPhonetically, ±1 year",
            found_ok,
        )
        wide_found = sum(found) / len(found)
    finally:
        stop(server)

    print_table(
        [baseline, near_result, wide_result], baseline, args.clients, args.workers, args.seconds
    )
    print(f"searches that found someone: ±2 days {near_found:.0%}, ±1 year {wide_found:.0%}")
    for label, steps in (("±2 days", breakdown), ("±1 year", breakdown_wide)):
        print(
            f"in-process search, {label} (median ms): "
            + ", ".join(
                f"{name} {value:.2f}" if "candidates" not in name else f"{name} {value:.0f}"
                for name, value in steps.items()
            )
        )


if __name__ == "__main__":
    main()
