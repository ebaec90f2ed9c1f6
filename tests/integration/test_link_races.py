"""CreateLink and UpdateLink raced by 16 clients against `raas serve` with 12 workers.

PostgreSQL checks the exclusion constraint of "links" (one key, one person at a time) while
other transactions insert or widen the same key: two of them can deadlock there. The loser is
run again, and then meets the business conflict: exactly one client gets OK for each key, every
other one RAAS0004, none a SOAP fault MSG00003.
"""

from __future__ import annotations

import io
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from functools import partial
from pathlib import Path

import pytest
import zeep
from sqlalchemy import Engine
from sqlalchemy.engine import URL
from zeep.wsse.username import UsernameToken

from raas import usecases
from raas.models.ssin import make_ssin
from raas.models.users import Role
from raas.persistence.uow import UnitOfWork
from raas.usecases import sourcefeed
from tests.conftest import ROOT
from tests.integration.test_faults import serve  # noqa: F401 - the fixture

pytestmark = pytest.mark.slow

USER, PASSWORD, CBE = "race-client", "a password for races 1234", "0203201340"
CLIENTS = 16
WORKERS = 12
SSINS = [make_ssin(1961, 1 + i // 28, 1 + i % 28, 1) for i in range(CLIENTS)]
SECONDS = 45.0  # each race runs rounds for this long (at least MIN_ROUNDS)
MIN_ROUNDS = 5


def _prepare(engine: Engine) -> None:
    uow = partial(UnitOfWork, engine)
    usecases.create_user(uow, USER, CBE, Role.CLIENT, PASSWORD, "Race client")
    rows = [f"{s},Race,Member{i},1961-01-01,MALE,ACTIVE," for i, s in enumerate(SSINS)]
    csv = "ssin,lastName,firstName,birthDate,gender,status,replacedBy\n" + "\n".join(rows) + "\n"
    assert sourcefeed.import_csv(uow, io.StringIO(csv)).errors == ()


def _clients(port: int) -> list[zeep.proxy.ServiceProxy]:
    proxies = []
    for _ in range(CLIENTS):
        client = zeep.Client(
            str(ROOT / "wsdl" / "LinkRegister.wsdl"), wsse=UsernameToken(USER, PASSWORD)
        )
        (binding,) = client.wsdl.bindings.keys()
        proxy = client.create_service(binding, f"http://127.0.0.1:{port}/LinkRegister")
        proxy._client = client
        proxies.append(proxy)
    return proxies


def _race(
    one_round: Callable[[int], list[Callable[[], str]]], oks: int = 1
) -> tuple[int, Counter[str], list[tuple[int, list[str]]]]:
    """Run rounds until SECONDS have passed: the rounds, every answer, the rounds gone wrong."""
    rounds, answers, wrong = 0, Counter[str](), []
    started = time.monotonic()
    with ThreadPoolExecutor(CLIENTS) as pool:
        while rounds < MIN_ROUNDS or time.monotonic() - started < SECONDS:
            calls = one_round(rounds)
            barrier = threading.Barrier(len(calls))

            def run(call: Callable[[], str], barrier: threading.Barrier = barrier) -> str:
                barrier.wait()
                try:
                    return call()
                except zeep.exceptions.Fault as fault:
                    reason = fault.detail.find(".//{urn:raas:common:v1}reasonCode")
                    return f"fault {reason.text if reason is not None else fault.message}"

            codes = sorted(pool.map(run, calls))
            answers.update(codes)
            if codes != ["MSG00000"] * oks + ["RAAS0004"] * (len(calls) - oks):
                wrong.append((rounds, codes))
            rounds += 1
    return rounds, answers, wrong


def _assert_no_key_logged(log_dir: Path, prefix: str) -> None:
    """The server's log (tracebacks included) names none of the raced foreign keys."""
    (log,) = log_dir.glob("serve-*.log")
    written = log.read_text(errors="replace")
    assert f"{prefix}0" not in written
    assert not any(ssin in written for ssin in SSINS)


def _report(name: str, rounds: int, answers: Counter[str], wrong: list) -> str:  # type: ignore[type-arg]
    faults = sum(n for code, n in answers.items() if code.startswith("fault"))
    line = f"{name}: {rounds} rounds, {faults} faults, {len(wrong)} rounds wrong, {dict(answers)}"
    print(line)
    return line


@pytest.mark.xfail(
    strict=False,
    reason="open defect: in about one run in two, every worker's INSERT of one round waits on "
    "another transaction's lock (pg_stat_activity: Lock/transactionid) until the deadline and "
    "answers MSG00001; no MSG00003, one OK per key otherwise (see the stop note of 2026-12-04)",
)
def test_parallel_create_link_of_one_key_gives_one_ok_and_no_fault(
    database_url: URL,
    engine: Engine,
    serve,  # noqa: F811
    tmp_path: Path,
) -> None:
    _prepare(engine)
    # Sixteen writers of one key queue behind each other's locks: on a loaded 2-core machine
    # the wait can pass the default 5 s lock timeout (a MSG00001 by design, not what is tested).
    served = serve(database_url, workers=WORKERS, RAAS_LOCK_TIMEOUT_SECONDS="20")
    clients = _clients(served.port)

    def one_round(n: int) -> list[Callable[[], str]]:
        key = f"RACE{n:05d}"
        # Everyone links the key to the same person, or each to its own, or to one of two.
        ssins = [[SSINS[0]] * CLIENTS, SSINS, SSINS[:2] * (CLIENTS // 2)][n % 3]
        return [
            partial(
                lambda c, s: (
                    c.CreateLink(
                        ssin=s, foreignKey=key, country="DE", keyType="PASSPORT"
                    ).status.code
                ),
                client,
                ssin,
            )
            for client, ssin in zip(clients, ssins, strict=True)
        ]

    rounds, answers, wrong = _race(one_round)
    line = _report("CreateLink", rounds, answers, wrong)
    assert wrong == [], line
    _assert_no_key_logged(tmp_path, "RACE")


def test_parallel_update_link_to_overlapping_validities_gives_one_ok_and_no_fault(
    database_url: URL,
    engine: Engine,
    serve,  # noqa: F811
    tmp_path: Path,
) -> None:
    _prepare(engine)
    # Sixteen writers of one key queue behind each other's locks: on a loaded 2-core machine
    # the wait can pass the default 5 s lock timeout (a MSG00001 by design, not what is tested).
    served = serve(database_url, workers=WORKERS, RAAS_LOCK_TIMEOUT_SECONDS="20")
    clients = _clients(served.port)

    def one_round(n: int) -> list[Callable[[], str]]:
        # One key, one link per person, in pairs of years two apart (2000 and 2002, 2004 and
        # 2006, …); then both links of each pair are widened at once over the year between
        # them: in each pair only one can have it.
        key = f"WIDE{n:05d}"
        calls = []
        for i, (client, ssin) in enumerate(zip(clients, SSINS, strict=True)):
            year = 2000 + 2 * i
            made = client.CreateLink(
                ssin=ssin,
                foreignKey=key,
                country="DE",
                keyType="PASSPORT",
                validity={"beginDate": date(year, 1, 1), "endDate": date(year, 12, 31)},
            )
            assert made.status.code == "MSG00000"
            if i % 2 == 0:  # the first of a pair reaches into the next year
                wide = {"beginDate": date(year, 1, 1), "endDate": date(year + 1, 12, 31)}
            else:  # the second reaches back into the year before
                wide = {"beginDate": date(year - 1, 1, 1), "endDate": date(year, 12, 31)}
            calls.append(
                partial(
                    lambda c, i, v: c.UpdateLink(linkId=i, validity=v).status.code,
                    client,
                    made.link.linkId,
                    wide,
                )
            )
        return calls

    rounds, answers, wrong = _race(one_round, oks=CLIENTS // 2)
    line = _report("UpdateLink", rounds, answers, wrong)
    assert wrong == [], line
    _assert_no_key_logged(tmp_path, "WIDE")
