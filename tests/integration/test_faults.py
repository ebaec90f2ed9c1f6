"""Faults under load, on real gunicorn (`raas serve`) and real PostgreSQL.

- The database restarted in the middle of a load of Inscribe requests: calls during the outage get
  a SOAP fault MSG00001 (never MSG00003, never an HTML page), the service recovers by itself once
  the database is back, and every write it answered OK is stored exactly once.
- A worker killed with SIGKILL while its transaction is writing: nothing half-applied (a batch of
  1000 lines is all there or not at all, a split line is split or whole), gunicorn starts another
  worker and the service keeps answering.
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import random
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

import psutil
import pytest
from lxml import etree
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL

from raas import usecases
from raas.models.users import Role
from raas.persistence import migrations
from raas.persistence.database import make_engine
from raas.persistence.uow import UnitOfWork
from raas.usecases import sourcefeed
from tests.integration.cluster import Cluster
from tests.support import Served
from tests.world import CLIENT_CBE

pytestmark = pytest.mark.slow

USER, PASSWORD, CBE = "fault-client", "a password for faults 1234", CLIENT_CBE
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
TEXT = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
REGISTER = 'xmlns:r="urn:raas:register:v1" xmlns:c="urn:raas:common:v1"'
COMMON = "{urn:raas:common:v1}"


def envelope(body: str) -> bytes:
    """A SOAP 1.1 request of the fault client (WS-Security PasswordText) around `body`."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>'
        f'<w:Security xmlns:w="{WSSE}"><w:UsernameToken><w:Username>{USER}</w:Username>'
        f'<w:Password Type="{TEXT}#PasswordText">{PASSWORD}</w:Password></w:UsernameToken>'
        f"</w:Security></s:Header><s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


def inscription(ssin: str, code: str, begin: str, end: str) -> str:
    return (f"<r:ssin>{ssin}</r:ssin><r:typeDossier>{code}</r:typeDossier>"
            f"<r:period><c:beginDate>{begin}</c:beginDate><c:endDate>{end}</c:endDate></r:period>")


@dataclass(frozen=True)
class Outcome:
    """One request: when it was sent and answered, and what came back.

    kind: OK / NOK (a status), FAULT (a SOAP fault; code = its reasonCode), HTTP (anything
    else that came back: code = HTTP status and content type), NO_ANSWER (the connection broke).
    """

    index: int
    sent: float
    answered: float
    kind: str
    code: str


def post(port: int, path: str, body: bytes, index: int = 0) -> Outcome:
    sent = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("POST", path, body=body, headers={"Content-Type": "text/xml"})
        response = connection.getresponse()
        content, status = response.read(), response.status
        content_type = response.getheader("Content-Type", "")
    except (OSError, http.client.HTTPException) as error:
        return Outcome(index, sent, time.monotonic(), "NO_ANSWER", type(error).__name__)
    finally:
        connection.close()
    answered = time.monotonic()
    try:
        root = etree.fromstring(content) if content_type.startswith("text/xml") else None
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        return Outcome(index, sent, answered, "HTTP", f"{status} {content_type}")
    fault = root.find(".//{http://schemas.xmlsoap.org/soap/envelope/}Fault")
    if fault is not None:
        return Outcome(index, sent, answered, "FAULT", fault.findtext(f".//{COMMON}reasonCode"))
    value = root.findtext(".//{*}status/{*}value")  # the first: the response's own status
    code = root.findtext(".//{*}status/{*}code")
    return Outcome(index, sent, answered, "OK" if value == "OK" else "NOK", f"{value} {code}")


class Load:
    """`threads` clients sending `bodies` in order (each body once) until told to stop.

    A client waits 50 ms after an answer that is not OK, as real clients back off.
    """

    def __init__(self, port: int, path: str, bodies: list[bytes], threads: int) -> None:
        self._port, self._path, self._bodies = port, path, bodies
        self._next = itertools.count()
        self._stopped = threading.Event()
        self.outcomes: list[Outcome] = []
        self._threads = [threading.Thread(target=self._client) for _ in range(threads)]

    def _client(self) -> None:
        while not self._stopped.is_set():
            index = next(self._next)
            if index >= len(self._bodies):
                return
            outcome = post(self._port, self._path, self._bodies[index], index)
            self.outcomes.append(outcome)
            if outcome.kind != "OK":
                time.sleep(0.05)  # a client backs off a little after a failure

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopped.set()
        for thread in self._threads:
            thread.join(90)

    def wait_for(self, predicate, timeout: float) -> Outcome:  # type: ignore[no-untyped-def]
        """The first outcome that satisfies `predicate`, waiting for it at most `timeout` s."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [o for o in list(self.outcomes) if predicate(o)]
            if found:
                return min(found, key=lambda o: o.answered)
            time.sleep(0.02)
        raise AssertionError(f"no such outcome within {timeout} s: {Counter(self.kinds())}")

    def kinds(self) -> list[str]:
        return [o.kind if o.kind in ("OK", "NO_ANSWER") else f"{o.kind} {o.code}"
                for o in self.outcomes]


def _prepare(engine: Engine, persons: int, codes: list[str]) -> list[str]:
    """The fault client, its type dossiers, `persons` synthetic persons: their ssins."""
    uow = partial(UnitOfWork, engine)
    usecases.create_user(uow, USER, CBE, Role.CLIENT, PASSWORD, "Fault client")
    for code in codes:
        usecases.define_type_dossier(uow, CBE, code, f"faults {code}")
    sourcefeed.seed(uow, persons, seed=8)
    with engine.connect() as conn:
        return list(conn.scalars(text(
            "SELECT ssin FROM source_persons WHERE status = 'ACTIVE' ORDER BY ssin LIMIT :n"
        ), {"n": persons}))


# -- the database restarted in the middle of a load ------------------------------------------


@pytest.fixture(scope="module")
def cluster() -> Iterator[tuple[Cluster, Engine, list[str]]]:
    """A PostgreSQL of this module's own, migrated, with 3000 persons."""
    own = Cluster()
    try:
        own.start()
        migrations.upgrade(own.url())
        engine = make_engine(own.url())
        ssins = _prepare(engine, 3000, ["FAST", "IMMEDIATE"])
        yield own, engine, ssins
        engine.dispose()
    finally:
        own.remove()


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_database_restarted_under_load(cluster, serve, mode: str) -> None:  # type: ignore[no-untyped-def]
    own, engine, ssins = cluster
    code = mode.upper()
    period = ("2020-01-01", "2020-12-31")
    bodies = [envelope(f"<r:Inscribe {REGISTER}>{inscription(s, code, *period)}</r:Inscribe>")
              for s in ssins]
    served = serve(own.url(), workers=2)
    workers = {w.pid for w in served.workers()}

    with Load(served.port, "/Register", bodies, threads=4) as load:
        load.wait_for(lambda o: o.kind == "OK", timeout=30)
        time.sleep(1.5)
        stopping = time.monotonic()
        down = own.stop(mode)
        time.sleep(2)  # the outage: requests keep coming
        up = own.start()
        recovered = load.wait_for(lambda o: o.kind == "OK" and o.sent >= up, timeout=30)
        time.sleep(2)  # and the load goes on after the recovery
    outcomes = load.outcomes
    # The workers recovered in place (their pools reconnect): gunicorn restarted none.
    assert {w.pid for w in served.workers()} == workers

    recovery = recovered.answered - up
    kinds = Counter(load.kinds())
    in_flight = Counter(k for o, k in zip(outcomes, load.kinds(), strict=True)
                        if o.sent < stopping < o.answered)
    print(f"\n[{mode}] in flight when the stop began: {dict(in_flight)}")
    print(f"[{mode}] {len(outcomes)} requests: {dict(kinds)}; stop took {down - stopping:.2f} s, "
          f"database down {up - down:.2f} s; first OK {recovery:.2f} s after it was back")

    # Every answer during the outage is a clear MSG00001 fault: nothing else, no HTML, no MSG00003.
    assert set(kinds) <= {"OK", "FAULT MSG00001"}, kinds
    assert kinds["FAULT MSG00001"] > 0, "the load did not reach the outage"
    faulted = [o for o in outcomes if o.kind == "FAULT"]
    assert all(o.answered >= stopping and o.sent <= recovered.answered for o in faulted)
    # Recovery by itself within seconds, and for good: every later request is OK.
    assert recovery < 5
    assert all(o.kind == "OK" for o in outcomes if o.sent > recovered.answered)

    # Every request answered OK is stored exactly once (line and event); a faulted one at most
    # once (its commit may have happened just before the connection broke).
    with engine.connect() as conn:
        lines = dict(conn.execute(text(
            "SELECT ssin, periods::text FROM register_lines WHERE type_dossier = :code"
        ), {"code": code}).all())
        events = Counter(conn.scalars(text(
            "SELECT ssin FROM events WHERE kind = 'INSCRIPTION' AND payload->>'typeDossier' = :c"
        ), {"c": code}))
    ok = {ssins[o.index] for o in outcomes if o.kind == "OK"}
    refused = {ssins[o.index] for o in outcomes if o.kind == "FAULT"}
    assert ok <= set(lines) and all(lines[s] == "{[2020-01-01,2021-01-01)}" for s in lines)
    assert set(lines) <= ok | refused, "a line nobody asked for"
    assert set(events) == set(lines) and set(events.values()) == {1}
    print(f"[{mode}] {len(ok)} OK, all stored once; {len(refused)} faulted: "
          f"{len(refused & set(lines))} of them committed before the connection broke")


# -- a worker killed with SIGKILL in the middle of writes ------------------------------------

BATCHES = 120
WHOLE, SPLIT = "{[2020-01-01,2021-01-01)}", "{[2020-01-01,2020-06-01),[2020-07-01,2021-01-01)}"

# Backends of an open transaction (it holds a transaction id) whose last statement wrote
# register lines (not the audit entry each request also writes, in its own transaction).
_WRITING = text(
    "SELECT client_port, backend_xid::text, state || ': ' || left(query, 40) "
    "FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL "
    # Remove's UPDATE, or one of InscribeBatch's two set-based statements (the person locks,
    # then the merge), known by their start: pg_stat_activity keeps only their first kilobyte.
    "AND (query ~* '^\\s*(UPDATE|DELETE FROM) register_lines' "
    "OR query ~* '^\\s*WITH RECURSIVE\\s+items AS')"
)


def _ports(served: Served) -> dict[int, psutil.Process]:
    """Each worker's local ports of its database connections."""
    found = {}
    for worker in served.workers():
        try:
            found.update({c.laddr.port: worker for c in worker.net_connections("tcp") if c.raddr})
        except psutil.Error:  # a worker that just ended
            continue
    return found


def _kill_a_writing_worker(
    served: Served, watcher: Engine, timeout: float = 30
) -> tuple[int, str, str]:
    """SIGKILL a worker whose open transaction is writing or has written: its pid, what it ran
    and what became of that transaction (`aborted`, or `committed` if it won the race)."""
    deadline = time.monotonic() + timeout
    ports = _ports(served)  # looked up beforehand: the kill follows the sighting at once
    with watcher.connect() as conn:
        while time.monotonic() < deadline:
            writing = {port: (xid, query) for port, xid, query in conn.execute(_WRITING)}
            conn.rollback()
            if set(writing) - set(ports):  # a connection opened since
                ports = _ports(served)
            for port, (xid, query) in writing.items():
                if port in ports:
                    ports[port].send_signal(signal.SIGKILL)
                    return ports[port].pid, query, _outcome(conn, xid)
            time.sleep(0.002)
    raise AssertionError("no worker was caught writing")


def _outcome(conn, xid: str) -> str:  # type: ignore[no-untyped-def]
    """What became of transaction `xid` once its backend noticed the client had gone."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        # A 32-bit xid is its xid8 in a cluster that has not wrapped around (epoch 0).
        status = conn.scalar(text("SELECT pg_xact_status(CAST(:xid AS xid8))"), {"xid": xid})
        conn.rollback()
        if status != "in progress":
            return str(status)
        time.sleep(0.01)
    raise AssertionError(f"transaction {xid} still in progress")


def _wait_for_workers(served: Served, count: int, gone: set[int]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        live = set()
        for worker in served.workers():
            with contextlib.suppress(psutil.Error):
                if worker.status() != psutil.STATUS_ZOMBIE:
                    live.add(worker.pid)
        if len(live) == count and not live & gone:
            return
        time.sleep(0.05)
    raise AssertionError("gunicorn did not replace the killed worker")


def test_a_worker_killed_mid_write_leaves_nothing_half_applied(
    database_url: URL, engine: Engine, serve
) -> None:  # type: ignore[no-untyped-def]
    codes = [f"B{k:03d}" for k in range(BATCHES)]
    ssins = _prepare(engine, 1000, ["R", *codes])
    served = serve(database_url, workers=2)
    whole = "".join(f"<r:inscription>{inscription(s, 'R', '2020-01-01', '2020-12-31')}"
                    "</r:inscription>" for s in ssins)
    assert post(served.port, "/Register",
                envelope(f"<r:InscribeBatch {REGISTER}>{whole}</r:InscribeBatch>")).kind == "OK"

    batches = [
        envelope(f"<r:InscribeBatch {REGISTER}>" + "".join(
            f"<r:inscription>{inscription(s, code, '2021-01-01', '2021-12-31')}</r:inscription>"
            for s in ssins) + "</r:InscribeBatch>")
        for code in codes
    ]
    cut = "<r:period><c:beginDate>2020-06-01</c:beginDate><c:endDate>2020-06-30</c:endDate>"
    removes = [envelope(f"<r:Remove {REGISTER}><r:ssin>{s}</r:ssin><r:typeDossier>R"
                        f"</r:typeDossier>{cut}</r:period></r:Remove>") for s in ssins]
    rng = random.Random(8)
    watcher = make_engine(database_url, pool_size=1)
    killed = []
    try:
        with Load(served.port, "/Register", batches, threads=2) as batch_load, \
                Load(served.port, "/Register", removes, threads=2) as remove_load:
            batch_load.wait_for(lambda o: o.kind == "OK", timeout=60)
            # Kill until three kills landed before a commit (at most ten kills): a worker may
            # have sent its COMMIT just before it died, and PostgreSQL still reads it.
            while sum(fate == "aborted" for _, fate in killed) < 3 and len(killed) < 10:
                pid, query, fate = _kill_a_writing_worker(served, watcher)
                killed.append((query, fate))
                _wait_for_workers(served, 2, {pid})
                time.sleep(rng.uniform(0.2, 1.0))
            # the service keeps answering after the kills
            last_kill = time.monotonic()
            batch_load.wait_for(lambda o: o.kind == "OK" and o.sent > last_kill, timeout=60)
            remove_load.wait_for(lambda o: o.kind == "OK" and o.sent > last_kill, timeout=60)
    finally:
        watcher.dispose()
    print(f"\nkilled {len(killed)} workers while they ran (statement, fate of the "
          f"transaction): {killed}")
    # The kills landed in the middle of writes: PostgreSQL rolled those transactions back.
    assert sum(fate == "aborted" for _, fate in killed) >= 3, killed
    print(f"batches: {dict(Counter(batch_load.kinds()))}; "
          f"removes: {dict(Counter(remove_load.kinds()))}")
    listing = post(served.port, "/Register", envelope(f"<r:ListTypeDossiers {REGISTER}/>"))
    assert listing.kind == "NOK" and listing.code == "DATA_FOUND MSG00000"  # not a write
    assert len(served.workers()) == 2

    # Only answers and broken connections of killed workers: no fault, no HTML.
    for load in (batch_load, remove_load):
        assert set(load.kinds()) <= {"OK", "NO_ANSWER"}, Counter(load.kinds())
    cut_off = [o for load in (batch_load, remove_load) for o in load.outcomes
               if o.kind == "NO_ANSWER"]
    assert 1 <= len(cut_off) <= len(killed)  # a sync worker holds one request at a time

    with engine.connect() as conn:
        per_batch = dict(conn.execute(text(
            "SELECT type_dossier, count(*) FILTER (WHERE periods = '{[2021-01-01,2022-01-01)}') "
            "FROM register_lines WHERE type_dossier LIKE 'B%' GROUP BY type_dossier")).all())
        events_per_batch = dict(conn.execute(text(
            "SELECT payload->>'typeDossier', count(*) FROM events "
            "WHERE kind = 'INSCRIPTION' AND payload->>'typeDossier' LIKE 'B%' GROUP BY 1")).all())
        r_lines = dict(conn.execute(text(
            "SELECT ssin, periods::text FROM register_lines WHERE type_dossier = 'R'")).all())
        removals = Counter(conn.scalars(text("SELECT ssin FROM events WHERE kind = 'REMOVAL'")))
        empty = conn.scalar(text("SELECT count(*) FROM register_lines WHERE isempty(periods)"))
        keys = conn.scalar(text("SELECT count(*) - count(DISTINCT (cbe_number, ssin, "
                                "type_dossier)) FROM register_lines"))

    # Each batch all or nothing (lines and their events); every batch answered OK is whole.
    assert set(per_batch.values()) <= {1000} and events_per_batch == per_batch
    answered = {codes[o.index] for o in batch_load.outcomes if o.kind == "OK"}
    assert answered <= set(per_batch)
    lost = {codes[o.index] for o in batch_load.outcomes if o.kind == "NO_ANSWER"}
    # Each cut applied whole or not at all (with its event); every Remove answered OK applied.
    assert set(r_lines) == set(ssins) and set(r_lines.values()) <= {WHOLE, SPLIT}
    assert {s for s, p in r_lines.items() if p == SPLIT} == set(removals)
    assert set(removals.values()) <= {1}
    assert {ssins[o.index] for o in remove_load.outcomes if o.kind == "OK"} <= set(removals)
    assert (empty, keys) == (0, 0)
    print(f"{len(per_batch)} batches stored whole ({len(answered)} answered OK), "
          f"{len(lost)} cut off by a kill ({len(lost & set(per_batch))} of them committed "
          f"before it); {len(removals)} lines split, none half-cut")
