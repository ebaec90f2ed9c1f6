"""InscribeBatch's set-based path (services/bulk.py) against single Inscribes, through zeep.

Two organisations with the same type dossiers get the same random items: one as a batch, the
other one Inscribe at a time. Each item's status, information and lines, the lines stored and
the events recorded must be the same.
"""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from raas.services import bulk
from tests.contract.raw_soap import envelope, post
from tests.contract.support import BULK_SSINS as SSINS
from tests.contract.support import code, information, lines
from tests.world import (
    ACTIVE,
    CLIENT_CBE,
    OTHER_CBE,
    OTHER_PERSON,
    SUCCESSOR,
)

ORIGIN = date(2024, 1, 1)
CODES = ["0", "902", "LIVING_WAGE", "UNDEFINED"]


def _period(begin: int, end: int | None) -> dict[str, date | None]:
    return {
        "beginDate": ORIGIN + timedelta(days=begin),
        "endDate": None if end is None else date.max if end > 900 else ORIGIN + timedelta(days=end),
    }


person_data = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {},
        optional={
            "lastName": st.sampled_from(["Van den Broucke", "vandenbroucke", "Peeters", "X & <y>"]),
            "firstName": st.sampled_from(["Jan-Pieter", "Marie", "Élodie"]),
            "birthDate": st.sampled_from(["1985-03-14", "1985-03-00", "1962-11-02", "1985-13-00"]),
            "gender": st.sampled_from(["MALE", "FEMALE", "UNKNOWN"]),
        },
    ),
)
items = st.lists(
    st.builds(
        lambda ssin, type_dossier, begin, length, data: {
            "ssin": ssin,
            "typeDossier": type_dossier,
            "period": _period(begin, None if length is None else begin + length),
            "personData": data,
        },
        st.sampled_from(SSINS),
        st.sampled_from(CODES),
        st.integers(0, 60),
        st.one_of(st.none(), st.integers(-3, 20), st.just(1000)),
        person_data,
    ),
    min_size=1,
    max_size=14,
)


def _stored(engine: Engine, cbe: str) -> list[tuple]:
    with engine.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                text(
                    "SELECT ssin, type_dossier, periods::text FROM register_lines "
                    "WHERE cbe_number = :cbe ORDER BY ssin, type_dossier"
                ),
                {"cbe": cbe},
            )
        ]


def _events(engine: Engine, cbe: str) -> list[tuple]:
    with engine.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                text(
                    "SELECT kind, ssin, event_date, payload FROM events "
                    "WHERE cbe_number = :cbe ORDER BY id"
                ),
                {"cbe": cbe},
            )
        ]


def _outcome(answer) -> tuple:  # type: ignore[no-untyped-def]
    return code(answer), information(answer), lines(answer)


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=items, batch=items)
def test_a_batch_does_what_its_items_do_one_by_one(both, engine, monkeypatch, before, batch):
    batches, singles = both
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE register_lines, events"))
    for item in before:  # lines already held, the same for both organisations
        for service in (batches, singles):
            service.Inscribe(**item)
    handled = []
    answer_of = bulk.FastInscribeBatch.__call__
    monkeypatch.setattr(
        bulk.FastInscribeBatch,
        "__call__",
        lambda self, call, payload: handled.append(answer_of(self, call, payload))
        or handled[-1],
    )
    answer = batches.InscribeBatch(inscription=batch)
    monkeypatch.undo()
    assert handled and handled[-1] is not None  # the set-based path answered, not spyne
    one_by_one = [singles.Inscribe(**item) for item in batch]
    results = answer.results.result
    assert [(r.ssin, r.typeDossier) for r in results] == [
        (i["ssin"], i["typeDossier"]) for i in batch
    ]
    assert [_outcome(r) for r in results] == [_outcome(a) for a in one_by_one]
    refused = sum(1 for a in one_by_one if a.status.value == "NOK")
    assert information(answer) == {"accepted": str(len(batch) - refused), "refused": str(refused)}
    assert _stored(engine, CLIENT_CBE) == _stored(engine, OTHER_CBE)
    assert _events(engine, CLIENT_CBE) == _events(engine, OTHER_CBE)


def test_a_person_replaced_while_the_batch_waits_is_followed_to_its_replacement(
    both, engine
) -> None:
    """The batch reads ACTIVE, then waits for its lock while a replacement commits: it must
    lock the replacement too and inscribe it (MSG00006), never the replaced ssin."""
    batches, _ = both
    replacement = engine.connect()
    transaction = replacement.begin()
    replacement.execute(
        text("SELECT 1 FROM source_persons WHERE ssin IN (:a, :b) FOR UPDATE"),
        {"a": OTHER_PERSON, "b": SUCCESSOR},
    )
    replacement.execute(
        text("UPDATE source_persons SET status = 'REPLACED', replaced_by = :b WHERE ssin = :a"),
        {"a": OTHER_PERSON, "b": SUCCESSOR},
    )
    answers = []
    item = {"ssin": OTHER_PERSON, "typeDossier": "902", "period": _period(0, 9)}
    batch = threading.Thread(
        target=lambda: answers.append(batches.InscribeBatch(inscription=[item]))
    )
    batch.start()
    _until_a_lock_is_awaited(engine)
    transaction.commit()
    replacement.close()
    batch.join(30)
    (result,) = answers[0].results.result
    assert code(result) == ("OK", "MSG00006")
    assert information(result) == {"replacedBy": SUCCESSOR}
    assert lines(result) == [(SUCCESSOR, "902", "2024-01-01", "2024-01-10")]
    assert [row[:2] for row in _stored(engine, CLIENT_CBE)] == [(SUCCESSOR, "902")]


def _until_a_lock_is_awaited(engine: Engine) -> None:
    waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' " \
        "AND datname = current_database()"
    for _ in range(600):
        with engine.connect() as conn:
            if conn.scalar(text(waiting)):
                return
        time.sleep(0.05)
    raise AssertionError("the batch never waited for the person's lock")


def test_a_batch_with_dates_spyne_reads_its_own_way_is_answered_by_spyne(both, live_url) -> None:
    """A date with a time zone: spyne's reading of it stands (the set-based path declines)."""
    items = (
        f"<r:inscription><r:ssin>{ACTIVE}</r:ssin><r:typeDossier>0</r:typeDossier><r:period>"
        "<c:beginDate>2024-01-01+01:00</c:beginDate></r:period></r:inscription>"
    )
    body = (
        '<r:InscribeBatch xmlns:r="urn:raas:register:v1" xmlns:c="urn:raas:common:v1">'
        f"{items}</r:InscribeBatch>"
    )
    answer = post(live_url, "Register", envelope(body))
    single = post(live_url, "Register", envelope(body.replace("InscribeBatch", "Inscribe")
                                                 .replace("<r:inscription>", "")
                                                 .replace("</r:inscription>", "")))
    assert answer.status == single.status
