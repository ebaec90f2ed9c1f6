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

import statistics
from functools import partial

from common import (
    CBE,
    PASSWORD,
    USER,
    arguments,
    envelope,
    load,
    prepare,
    print_table,
    serve,
    stop,
    timed,
)

from raas import usecases
from raas.passwords import hash_password, verify_password

REQUEST = envelope(
    '<r:ListTypeDossiers xmlns:r="urn:raas:register:v1"><r:informationCustomer>'
    '<c:ticket xmlns:c="urn:raas:common:v1">bench</c:ticket></r:informationCustomer>'
    "</r:ListTypeDossiers>",
    USER,
    PASSWORD,
)


def main() -> None:
    parser = arguments(__doc__)
    args = parser.parse_args()

    url, engine, uow = prepare("raas_bench")
    for code in ("0", "902", "SOCIAL_INQUIRY", "LIVING_WAGE"):
        usecases.define_type_dossier(uow, CBE, code, f"bench {code}")
    stored = hash_password(PASSWORD)
    argon2 = [timed(partial(verify_password, stored, PASSWORD)) for _ in range(20)]
    engine.dispose()

    results = []
    for cache_seconds, scenarios in ((60, ("health", "cached")), (0, ("uncached",))):
        server, port = serve(url, args.workers, RAAS_AUTH_CACHE_SECONDS=str(cache_seconds))
        try:
            for scenario in scenarios:
                load(port, "POST", "/Register", [REQUEST], args.clients, 1, "warm-up")
                if scenario == "health":
                    results.append(load(port, "GET", "/health", [None], args.clients,
                                        args.seconds, "GET /health (floor)"))
                else:
                    results.append(load(port, "POST", "/Register", [REQUEST], args.clients,
                                        args.seconds, f"ListTypeDossiers, auth cache "
                                        f"{'on' if cache_seconds else 'off'}"))
        finally:
            stop(server)

    print(f"argon2id verification alone: median {statistics.median(argon2):.1f} ms")
    print_table(results, results[0], args.clients, args.workers, args.seconds)


if __name__ == "__main__":
    main()
