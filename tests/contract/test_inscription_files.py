"""SubmitInscriptionFile and GetInscriptionFileResult through zeep; the background worker.

The worker runs in the test's process (`run_waiting`, as `raas register worker` does each
round), or as a real `raas register worker` process that is killed mid-file.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
import signal
import subprocess
import sys
import time
from functools import partial

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from raas.persistence.uow import UnitOfWork
from raas.services.inscription_files import result_rendering
from raas.usecases import sourcefeed
from raas.usecases.inscription_files import run_waiting
from tests.contract.support import BULK_SSINS as SSINS
from tests.contract.support import code, information, lines
from tests.world import (
    ACTIVE,
    CANCELED,
    CLIENT_CBE,
    MALFORMED,
    OTHER_CBE,
    OTHER_PERSON,
    SUCCESSOR,
    UNKNOWN,
)
from tests.world import REPLACED_TWICE as REPLACED

HEADER = "ssin,typeDossier,beginDate,endDate,lastName\n"


def submit(service, content: bytes, mode: str = "LINE", format: str = "CSV", sha256=None):  # type: ignore[no-untyped-def]  # noqa: A002
    return service.SubmitInscriptionFile(
        format=format,
        mode=mode,
        sha256=sha256 or hashlib.sha256(content).hexdigest(),
        content=content,
        fileName="test.csv",
    )


def results(answer) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    return list(csv.DictReader(io.StringIO(gzip.decompress(answer.result).decode())))


def work(service_engine: Engine) -> None:
    """One round of the background worker."""
    run_waiting(service_engine, result_rendering())


def _events(engine: Engine, cbe: str) -> list[tuple]:
    with engine.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                text(
                    "SELECT kind, ssin, payload FROM events WHERE cbe_number = :cbe ORDER BY id"
                ),
                {"cbe": cbe},
            )
        ]


def test_a_file_is_answered_at_once_and_its_lines_each_as_inscribe_would(
    register, service_engine, engine  # noqa: F811
) -> None:
    content = gzip.compress(
        (
            HEADER
            + f"{ACTIVE},902,2024-01-01,2024-06-30,\n"
            + f"{ACTIVE},UNDEFINED,2024-01-01,,\n"
            + f"{REPLACED},902,2024-01-01,,\n"
            + f"{CANCELED},902,2024-01-01,,\n"
            + f"{UNKNOWN},902,2024-01-01,,\n"
            + f"{MALFORMED},902,2024-01-01,,\n"
            + f"{ACTIVE},902,2024-07-01,2024-07-31,Van den Broucke\n"
            + f"{ACTIVE},902,2024-09-01,2024-08-01,\n"
            + f"{OTHER_PERSON},0,2024-01-01,,Somebody\n"
            + f"{ACTIVE},902,2024-13-01,,\n"
        ).encode()
    )
    answer = submit(register, content)
    assert code(answer) == ("OK", "MSG00000")
    batch = answer.batchId
    waiting = register.GetInscriptionFileResult(batchId=batch)
    assert code(waiting) == ("DATA_FOUND", "MSG00000")
    assert waiting.file.state == "RECEIVED" and waiting.result is None

    work(service_engine)

    done = register.GetInscriptionFileResult(batchId=batch)
    assert (done.file.state, done.file.lineCount, done.file.linesDone) == ("DONE", 10, 10)
    assert (done.file.accepted, done.file.refused) == (3, 7)
    rows = results(done)
    assert [(r["line"], r["value"], r["code"], r["applied"]) for r in rows] == [
        ("2", "OK", "MSG00000", "true"),
        ("3", "NOK", "RAAS0001", "false"),
        ("4", "OK", "MSG00006", "true"),
        ("5", "NOK", "MSG00007", "false"),
        ("6", "NOK", "MSG00005", "false"),
        ("7", "NOK", "MSG00011", "false"),
        ("8", "OK", "MSG00000", "true"),
        ("9", "NOK", "MSG00008", "false"),
        ("10", "NOK", "RAAS0002", "false"),
        ("11", "NOK", "MSG00004", "false"),
    ]
    assert rows[2]["information"] == f"replacedBy={SUCCESSOR};"
    assert rows[8]["information"] == "lastName=Somebody;"
    assert rows[9]["information"].startswith("line=beginDate")
    assert lines(register.Consult(ssin=ACTIVE)) == [
        (ACTIVE, "902", "2024-01-01", "2024-07-31")
    ]
    assert lines(register.Consult(ssin=SUCCESSOR)) == [(SUCCESSOR, "902", "2024-01-01", None)]
    assert [e[:2] for e in _events(engine, CLIENT_CBE)] == [
        ("INSCRIPTION", ACTIVE),
        ("INSCRIPTION", SUCCESSOR),
        ("INSCRIPTION", ACTIVE),
    ]


def test_a_file_whose_checksum_does_not_match_is_refused(register, engine) -> None:  # noqa: F811
    content = (HEADER + f"{ACTIVE},902,2024-01-01,,\n").encode()
    answer = submit(register, content, sha256=hashlib.sha256(b"another file").hexdigest())
    assert code(answer) == ("NOK", "MSG00008")
    assert answer.batchId is None
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM inscription_files")) == 0


def test_a_file_sent_twice_is_applied_once(register, service_engine, engine) -> None:  # noqa: F811
    content = (HEADER + f"{ACTIVE},902,2024-01-01,2024-01-31,\n").encode()
    first = submit(register, content)
    work(service_engine)
    again = submit(register, content, mode="FILE")
    assert code(again) == ("OK", "MSG00000")
    assert information(again) == {"alreadySubmitted": "true"}
    assert again.batchId == first.batchId
    work(service_engine)
    assert len(_events(engine, CLIENT_CBE)) == 1
    assert register.GetInscriptionFileResult(batchId=first.batchId).file.state == "DONE"


def test_an_organisation_neither_sees_nor_applies_another_ones_file(
    both, service_engine, engine  # noqa: F811
) -> None:
    mine, theirs = both
    content = (HEADER + f"{ACTIVE},902,2024-01-01,2024-01-31,\n").encode()
    batch = submit(mine, content).batchId
    unknown = theirs.GetInscriptionFileResult(batchId=batch)
    assert code(unknown) == ("NO_DATA_FOUND", "MSG00100") and unknown.file is None
    their_batch = submit(theirs, content).batchId  # the same file: their own batch
    assert their_batch != batch
    work(service_engine)
    assert lines(mine.Consult(ssin=ACTIVE)) == lines(theirs.Consult(ssin=ACTIVE)) == [
        (ACTIVE, "902", "2024-01-01", "2024-01-31")
    ]
    assert len(_events(engine, CLIENT_CBE)) == len(_events(engine, OTHER_CBE)) == 1


def test_all_or_none_applies_nothing_when_a_line_is_refused(
    register, service_engine, engine  # noqa: F811
) -> None:
    content = (
        HEADER + f"{ACTIVE},902,2024-01-01,2024-01-31,\n" + f"{CANCELED},902,2024-01-01,,\n"
    ).encode()
    batch = submit(register, content, mode="FILE").batchId
    work(service_engine)
    done = register.GetInscriptionFileResult(batchId=batch)
    assert done.file.state == "REFUSED" and "no line" in done.file.problem
    assert (done.file.accepted, done.file.refused) == (0, 1)
    assert [(r["code"], r["applied"]) for r in results(done)] == [
        ("MSG00000", "false"),
        ("MSG00007", "false"),
    ]
    assert register.Consult(ssin=ACTIVE).inscriptions is None
    assert _events(engine, CLIENT_CBE) == []
    accepted = (HEADER + f"{ACTIVE},902,2024-01-01,2024-01-31,\n").encode()
    batch = submit(register, accepted, mode="FILE").batchId
    work(service_engine)
    assert register.GetInscriptionFileResult(batchId=batch).file.state == "DONE"
    assert len(_events(engine, CLIENT_CBE)) == 1


def test_an_xml_file_and_one_that_does_not_match_its_schema(register, service_engine) -> None:  # noqa: F811
    def document(begin: str) -> bytes:
        return (
            '<inscriptions xmlns="urn:raas:inscriptionfile:v1"><inscription>'
            f"<ssin>{ACTIVE}</ssin><typeDossier>902</typeDossier>"
            f"<period><beginDate>{begin}</beginDate></period>"
            "<personData><lastName>van den broucke</lastName></personData>"
            "</inscription></inscriptions>"
        ).encode()

    good = submit(register, document("2024-01-01"), format="XML").batchId
    bad = submit(register, document("2024-01-01+01:00"), format="XML").batchId
    work(service_engine)
    done = register.GetInscriptionFileResult(batchId=good)
    assert [(r["line"], r["code"]) for r in results(done)] == [("1", "MSG00000")]
    refused = register.GetInscriptionFileResult(batchId=bad)
    assert refused.file.state == "REFUSED" and "InscriptionFile.xsd" in refused.file.problem
    assert lines(register.Consult(ssin=ACTIVE)) == [(ACTIVE, "902", "2024-01-01", None)]


@settings(max_examples=10, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(SSINS),
            st.sampled_from(["0", "902", "UNDEFINED"]),
            st.integers(0, 40),
            st.one_of(st.none(), st.integers(-2, 10)),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_a_file_does_what_its_lines_do_as_single_inscribes(
    both, service_engine, engine, rows  # noqa: F811
) -> None:
    files, singles = both
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE register_lines, events, inscription_files CASCADE"))
    day = partial(lambda n: f"2024-01-{1 + n:02d}" if n < 31 else f"2024-02-{n - 30:02d}")
    content = HEADER + "".join(
        f"{s},{t},{day(b)},{'' if length is None else day(max(0, b + length))},\n"
        for s, t, b, length in rows
    )
    batch = submit(files, content.encode()).batchId
    work(service_engine)
    one_by_one = [
        singles.Inscribe(
            ssin=s,
            typeDossier=t,
            period={
                "beginDate": day(b),
                "endDate": None if length is None else day(max(0, b + length)),
            },
        )
        for s, t, b, length in rows
    ]
    got = results(files.GetInscriptionFileResult(batchId=batch))
    assert [(r["value"], r["code"]) for r in got] == [code(a) for a in one_by_one]
    with engine.connect() as conn:
        stored = conn.execute(
            text(
                "SELECT cbe_number, ssin, type_dossier, periods::text FROM register_lines "
                "ORDER BY ssin, type_dossier, cbe_number"
            )
        ).all()
    mine = [row[1:] for row in stored if row[0] == CLIENT_CBE]
    assert mine == [row[1:] for row in stored if row[0] == OTHER_CBE]
    assert _events(engine, CLIENT_CBE) == _events(engine, OTHER_CBE)


# -- a worker killed mid-file ------------------------------------------------------------------


@pytest.fixture()
def big_file(register, engine):  # type: ignore[no-untyped-def]  # noqa: F811
    """3000 persons in the source, and a file inscribing each of them; the ssins in order."""
    uow = partial(UnitOfWork, engine)
    sourcefeed.seed(uow, 3000, seed=20)
    ssins = sourcefeed.sample_ssins(uow, 3000)
    content = (HEADER + "".join(f"{s},902,2024-01-01,2024-12-31,\n" for s in ssins)).encode()
    return register, content, ssins


def _worker(database_url) -> subprocess.Popen[bytes]:  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "RAAS_DATABASE_URL": database_url.render_as_string(hide_password=False),
        "RAAS_FILE_CHUNK_LINES": "100",
        "RAAS_LOCK_TIMEOUT_SECONDS": "120",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "raas.cli", "register", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _state(engine: Engine, batch: str) -> tuple[str, int]:
    with engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(
                text("SELECT state, lines_done FROM inscription_files WHERE batch_id = :b"),
                {"b": batch},
            ).one()
        )


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.scalar(
            text(f"SELECT count(*) FROM {table} WHERE cbe_number = :c"), {"c": CLIENT_CBE}
        )


def _waiting_for_a_lock(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(
            conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                )
            )
        )


def _wait(condition, seconds: float = 180) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("waited in vain")
        time.sleep(0.05)


@pytest.mark.parametrize("mode", ["LINE", "FILE"])
def test_a_worker_killed_mid_file_leaves_it_to_be_completed_never_half_applied(
    big_file, engine, database_url, mode
) -> None:
    """The worker is stopped at line 1502 by a lock held on its person (a replacement under
    way), then killed there: whole chunks were applied (LINE: at least the 15 before it, and
    those the other job got through) or none (FILE: one transaction). A new worker takes the
    file up and completes it."""
    service, content, ssins = big_file
    count = len(ssins)
    batch = submit(service, content, mode=mode).batchId
    holder = engine.connect()
    blocking = holder.begin()
    holder.execute(
        text("SELECT 1 FROM source_persons WHERE ssin = :s FOR UPDATE"), {"s": ssins[1500]}
    )
    first = _worker(database_url)
    try:
        _wait(lambda: _waiting_for_a_lock(engine))
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        blocking.rollback()
        holder.close()
    state, done = _state(engine, batch)
    assert state == "PROCESSING"
    if mode == "LINE":
        assert 1500 <= done < count and done % 100 == 0
    else:
        assert done == 0
    assert _count(engine, "events") == _count(engine, "register_lines") == done
    second = _worker(database_url)
    try:
        _wait(lambda: _state(engine, batch)[0] == "DONE")
    finally:
        second.terminate()
        second.wait(10)
    # each line applied exactly once
    assert (_count(engine, "events"), _count(engine, "register_lines")) == (count, count)
    answer = service.GetInscriptionFileResult(batchId=batch)
    assert (answer.file.linesDone, answer.file.accepted) == (count, count)
    assert [int(r["line"]) for r in results(answer)] == list(range(2, count + 2))
