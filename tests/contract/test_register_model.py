"""The Register against an independent model: random sequences and concurrent clients.

The model of a key is a plain set of days (open-ended lines run to HORIZON); the service's
answers must always be that set cut into normalised lines.
"""

from __future__ import annotations

import random
import threading
from datetime import date, timedelta

import pytest

from tests.contract.support import code, lines
from tests.world import ACTIVE, OTHER_PERSON

ORIGIN = date(2024, 1, 1)
HORIZON = 400  # days after ORIGIN that stand for "open-ended"; random periods end well before


def day(offset: int) -> date:
    return ORIGIN + timedelta(days=offset)


def as_days(begin: int, end: int | None) -> set[int]:
    return set(range(begin, (HORIZON if end is None else end) + 1))


def as_lines(ssin: str, type_dossier: str, days: set[int]) -> list[tuple]:
    """The normalised lines covering `days`, as `lines()` gives them."""
    result = []
    ordered = sorted(days)
    start = previous = None
    for d in [*ordered, None]:
        if d is not None and previous is not None and d == previous + 1:
            previous = d
            continue
        if start is not None:
            end = None if previous == HORIZON else day(previous).isoformat()
            result.append((ssin, type_dossier, day(start).isoformat(), end))
        start = previous = d
    return result


def wire(begin: int, end: int | None) -> dict[str, date | None]:
    return {"beginDate": day(begin), "endDate": None if end is None else day(end)}


@pytest.mark.parametrize("seed", [1, 2])
def test_random_inscribe_and_remove_sequences_match_a_set_of_days_model(register, seed) -> None:  # noqa: F811
    rng = random.Random(seed)
    keys = [(ACTIVE, "0"), (ACTIVE, "902"), (OTHER_PERSON, "0"), (OTHER_PERSON, "LIVING_WAGE")]
    model: dict[tuple[str, str], set[int]] = {key: set() for key in keys}
    for _ in range(150):
        ssin, type_dossier = key = rng.choice(keys)
        begin = rng.randrange(0, 120)
        end = None if rng.random() < 0.15 else begin + rng.randrange(0, 15)
        action = rng.random()
        if action < 0.55:
            answer = register.Inscribe(ssin=ssin, typeDossier=type_dossier, period=wire(begin, end))
            model[key] |= as_days(begin, end)
            expected = ("OK", "MSG00000")
        elif action < 0.9:
            answer = register.Remove(ssin=ssin, typeDossier=type_dossier, period=wire(begin, end))
            hit = model[key] & as_days(begin, end)
            model[key] -= as_days(begin, end)
            expected = ("OK", "MSG00000") if hit else ("NOK", "MSG00012")
        else:
            answer = register.Remove(ssin=ssin, typeDossier=type_dossier)
            expected = ("OK", "MSG00000") if model[key] else ("NOK", "MSG00012")
            model[key] = set()
        assert code(answer) == expected
        if expected[0] == "OK":
            assert lines(answer) == as_lines(ssin, type_dossier, model[key])
        consulted = register.Consult(ssin=ssin, typeDossier=type_dossier)
        assert lines(consulted) == as_lines(ssin, type_dossier, model[key])
    for ssin in (ACTIVE, OTHER_PERSON):
        everything = [line for key in keys if key[0] == ssin for line in as_lines(*key, model[key])]
        assert lines(register.Consult(ssin=ssin)) == sorted(
            everything, key=lambda line: (line[1], line[2])
        )


def test_concurrent_clients_on_one_key_keep_every_change(register, soap, users) -> None:  # noqa: F811
    """Threads inscribe overlapping periods in one region and cut disjoint holes in another,
    on the same key at once; batches touch two keys in opposite orders. The end state does not
    depend on the order, so it must equal the model, and no request may fail."""
    register.Inscribe(ssin=ACTIVE, typeDossier="0", period=wire(200, 360))  # the region to cut
    cuts = [(202 + 5 * k, 203 + 5 * k) for k in range(24)]  # disjoint, each inside the region
    rng = random.Random(7)
    starts = [rng.randrange(0, 180) for _ in range(48)]
    inscribed = [(b, min(199, b + rng.randrange(0, 25))) for b in starts]  # never into a cut
    inscribed.append((150, 199))  # touches the region: the lines merge
    batches = [[(10, 20), (30, 40)], [(35, 60), (5, 12)]]

    threads = 8
    failures: list[str] = []
    barrier = threading.Barrier(threads)

    def client(index: int) -> None:
        service = soap("Register", users.client)
        barrier.wait()
        try:
            for k in range(index, len(inscribed), threads):
                answer = service.Inscribe(ssin=ACTIVE, typeDossier="0", period=wire(*inscribed[k]))
                if code(answer) != ("OK", "MSG00000"):
                    failures.append(f"Inscribe {inscribed[k]}: {code(answer)}")
            for k in range(index, len(cuts), threads):
                answer = service.Remove(ssin=ACTIVE, typeDossier="0", period=wire(*cuts[k]))
                if code(answer) != ("OK", "MSG00000"):
                    failures.append(f"Remove {cuts[k]}: {code(answer)}")
            order = ("0", "902") if index % 2 else ("902", "0")
            periods = batches[index % 2]
            items = [
                {"ssin": ACTIVE, "typeDossier": t, "period": wire(*p)}
                for t in order
                for p in periods
            ]
            answer = service.InscribeBatch(inscription=items)
            failures.extend(
                f"batch item: {r.status.code}"
                for r in answer.results.result
                if r.status.value != "OK"
            )
        except Exception as error:  # a fault or a transport error fails the test
            failures.append(repr(error))

    workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []

    batch_days = set().union(*(as_days(*p) for batch in batches for p in batch))
    expected_0 = set().union(*(as_days(*p) for p in inscribed), as_days(200, 360), batch_days)
    expected_0 -= set().union(*(as_days(*c) for c in cuts))
    consulted = lines(register.Consult(ssin=ACTIVE))
    assert consulted == as_lines(ACTIVE, "0", expected_0) + as_lines(ACTIVE, "902", batch_days)
    for before, after in zip(consulted, consulted[1:], strict=False):
        if before[1] == after[1]:  # no two lines of one key overlap or touch
            assert date.fromisoformat(before[3]) + timedelta(days=1) < date.fromisoformat(after[2])
