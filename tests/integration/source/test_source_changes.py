"""The authentic source's changes (`raas source replace | update | dimona`) on real PostgreSQL.

The commands are parsed and run in-process on the test database (one test runs the real
`raas` process for the exit codes); the state is read back through the repositories.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import URL

from raas.clock import today
from raas.models.events import Event
from raas.models.periods import Period
from raas.models.persons import PersonStatus
from raas.models.phonetic import surname_keys
from raas.models.ssin import Register
from raas.persistence.links import deleted_links
from raas.persistence.persons import StubAuthenticSource
from raas.usecases import source
from raas.usecases.ssins import resolve
from tests.integration.source.support import (
    ORG_1,
    ORG_2,
    ORG_3,
    ORG_4,
    OTHER,
    UNKNOWN_BIS,
    A,
    B,
    C,
    D,
    _events,
    _inscribe,
    _lines,
    _link,
    _person,
    _snapshot,
)
from tests.world import CANCELED, MALFORMED

# -- source replace --------------------------------------------------------------------------


def test_replace_moves_every_organisations_lines_merged_on_the_successor(uow, raas) -> None:
    _inscribe(uow, ORG_1, A, "902", D("2024-01-01"), D("2024-06-30"))
    _inscribe(uow, ORG_1, B, "902", D("2024-07-01"), D("2024-12-31"))  # touches: one line
    _inscribe(uow, ORG_1, A, "0", D("2024-01-01"), D("2024-03-31"))
    _inscribe(uow, ORG_1, B, "0", D("2024-03-01"), D("2024-05-31"))  # overlaps: one line
    _inscribe(uow, ORG_1, A, "0", D("2025-01-01"))  # apart: stays a line of its own
    _inscribe(uow, ORG_2, A, "902", D("2024-02-01"), D("2024-02-29"))
    _inscribe(uow, ORG_2, OTHER, "902", D("2024-02-01"))

    done = raas("source", "replace", A, B)

    assert done.code == 0, done.out
    assert f"{A} replaced by {B}: 3 register lines and 0 links moved to {B};" in done.out
    assert _lines(uow, A) == []
    assert _lines(uow, B) == [
        (ORG_1, "0", "2024-01-01", "2024-05-31"),
        (ORG_1, "0", "2025-01-01", None),
        (ORG_1, "902", "2024-01-01", "2024-12-31"),
        (ORG_2, "902", "2024-02-01", "2024-02-29"),
    ]
    assert _lines(uow, OTHER) == [(ORG_2, "902", "2024-02-01", None)]
    person = _person(uow, A)
    assert (person.status, person.replaced_by) == (PersonStatus.REPLACED, B)


def test_a_chain_ends_at_the_active_ssin(uow, raas) -> None:
    _inscribe(uow, ORG_1, A, "902", D("2024-01-01"), D("2024-01-31"))
    _inscribe(uow, ORG_1, B, "902", D("2024-03-01"), D("2024-03-31"))
    _inscribe(uow, ORG_1, C, "902", D("2024-02-01"), D("2024-02-29"))
    assert raas("source", "replace", B, C).code == 0
    done = raas("source", "replace", A, B)
    assert done.code == 0 and f"{A} replaced by {B} (active end {C})" in done.out
    assert _lines(uow, C) == [(ORG_1, "902", "2024-01-01", "2024-03-31")]
    assert _lines(uow, A) == _lines(uow, B) == []
    # A is stored as replaced by B, as given; the chain resolves to C
    assert _person(uow, A).replaced_by == B
    with uow() as tx:
        assert resolve(StubAuthenticSource(tx.persons), A).active == C
    (_, event) = _events(uow, "SSIN_REPLACEMENT")
    assert event.payload == {"oldSsin": A, "newSsin": B, "activeSsin": C}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ((A, A), "cannot replace itself"),
        ((MALFORMED, B), "structure"),
        ((A, MALFORMED), "structure"),
        ((CANCELED, B), f"{CANCELED} is canceled"),
        ((A, CANCELED), f"{CANCELED} is canceled"),
        ((UNKNOWN_BIS, A), f"{UNKNOWN_BIS} does not exist"),
    ],
)
def test_replace_refusals_change_nothing(uow, raas, engine, argv, message) -> None:
    _inscribe(uow, ORG_1, A, "902", D("2024-01-01"))
    _inscribe(uow, ORG_1, B, "902", D("2024-06-01"))
    _link(uow, ORG_1, A, "AB12345", "2020-01-01")
    before = _snapshot(engine)
    done = raas("source", "replace", *argv)
    assert done.code == 2 and message in done.out
    assert _snapshot(engine) == before


def test_a_cycle_is_refused(uow, raas, engine) -> None:
    _inscribe(uow, ORG_1, A, "902", D("2024-01-01"))
    assert raas("source", "replace", A, B).code == 0
    before = _snapshot(engine)
    done = raas("source", "replace", B, A)
    assert done.code == 2 and "cycle" in done.out
    assert _snapshot(engine) == before
    assert raas("source", "replace", B, C).code == 0
    done = raas("source", "replace", C, A)  # A → B → C: back to C
    assert done.code == 2 and "cycle" in done.out


def test_an_old_ssin_already_replaced(uow, raas, engine) -> None:
    assert raas("source", "replace", A, B).code == 0
    before = _snapshot(engine)
    again = raas("source", "replace", A, B)
    assert again.code == 0 and "nothing changed" in again.out
    other = raas("source", "replace", A, C)
    assert other.code == 2 and f"already replaced by {B}" in other.out
    assert _snapshot(engine) == before


def test_an_unknown_new_ssin_is_created_from_the_old_ones_data(uow, raas) -> None:
    _inscribe(uow, ORG_1, A, "902", D("2024-01-01"))
    done = raas("source", "replace", A, UNKNOWN_BIS)
    assert done.code == 0 and f"created as a copy of {A}" in done.out
    new = _person(uow, UNKNOWN_BIS)
    old = _person(uow, A)
    assert (new.register, new.status, new.replaced_by) == (Register.BIS, PersonStatus.ACTIVE, None)
    assert (new.last_name, new.first_name, new.birth_date, new.gender) == (
        old.last_name,
        old.first_name,
        old.birth_date,
        old.gender,
    )
    assert _lines(uow, UNKNOWN_BIS) == [(ORG_1, "902", "2024-01-01", None)]


def test_links_move_and_a_key_the_successor_holds_is_deleted(uow, raas, engine) -> None:
    moved = _link(uow, ORG_1, A, "AB12345", "2020-01-01")
    twin = _link(uow, ORG_2, A, "CD67890", "2020-01-01", "2020-12-31")
    kept = _link(uow, ORG_1, B, "CD67890", "2021-01-01")

    done = raas("source", "replace", A, B)

    assert done.code == 0
    assert "1 links moved" in done.out and "1 links deleted" in done.out
    with uow() as tx:
        on_b = tx.links.by_ssins([B], None, None)
        assert tx.links.by_ssins([A], None, None) == []
    assert sorted(link.link_id for link in on_b) == sorted([moved.link_id, kept.link_id])
    with engine.connect() as conn:
        (gone,) = conn.execute(select(deleted_links)).all()
    assert (gone.link_id, gone.ssin, gone.foreign_key, gone.cbe_number) == (
        twin.link_id,
        A,
        "CD67890",
        ORG_2,
    )
    assert (gone.deleted_by, gone.deleted_by_cbe_number) == ("authentic-source", ORG_2)
    assert gone.ticket_cbss is not None


def test_the_event_goes_to_every_organisation_holding_a_line_of_either_ssin(uow, raas) -> None:
    """The move rewrites every line of A, whatever its period: every holder is told."""
    day = today()
    _inscribe(uow, ORG_1, A, "902", day - timedelta(days=10))  # holds A today
    _inscribe(uow, ORG_2, B, "0", day + timedelta(days=30), day + timedelta(days=40))  # future B
    _inscribe(uow, ORG_3, A, "902", D("2020-01-01"), day - timedelta(days=1))  # ended yesterday
    _inscribe(uow, ORG_4, OTHER, "902", D("2020-01-01"))  # holds neither
    done = raas("source", "replace", A, B)
    assert done.code == 0 and "event for 3 organisations" in done.out
    assert _events(uow, "SSIN_REPLACEMENT") == [
        Event(
            kind="SSIN_REPLACEMENT",
            ssin=A,
            event_date=day,
            payload={"oldSsin": A, "newSsin": B, "activeSsin": B},
            recipients=tuple(sorted((ORG_1, ORG_2, ORG_3))),
        )
    ]
    # Identification data keep the rule "a line on the event's day": ORG_3's ended yesterday.
    assert raas("source", "update", B, "--first-name", "Renamed").code == 0
    (update,) = _events(uow, "IDENTIFICATION_DATA")
    assert update.recipients == (ORG_1,)


def test_replacing_waits_for_a_writer_holding_the_person(uow) -> None:
    """A register write that read A before the replacement commits first; its line moves."""
    with uow() as writer:
        assert writer.persons.get_many([A], lock="share")[A].status is PersonStatus.ACTIVE
        writer.register.add(ORG_1, {(A, "902"): [Period.of(D("2024-01-01"), D("2024-01-31"))]})
        replacing = threading.Thread(target=source.replace, args=(uow, A, B))
        replacing.start()
        replacing.join(timeout=1)
        assert replacing.is_alive()  # waiting for the writer's lock on A
        writer.commit()
    replacing.join(timeout=30)
    assert not replacing.is_alive()
    assert _lines(uow, A) == []
    assert _lines(uow, B) == [(ORG_1, "902", "2024-01-01", "2024-01-31")]


def test_writers_racing_a_replacement_leave_no_line_on_the_old_ssin(uow) -> None:
    days = [D("2024-01-01") + timedelta(days=2 * i) for i in range(400)]  # never touching
    start, replaced = threading.Barrier(9), threading.Event()

    def write(share: list[date]) -> None:
        start.wait()
        for day in share[:-5]:
            _inscribe(uow, ORG_1, A, "902", day, day)
        # Writers holding A FOR SHARE back to back can keep the replacement waiting until they
        # are done: the last few writes wait for it, so some surely come after.
        replaced.wait(timeout=60)
        for day in share[-5:]:
            _inscribe(uow, ORG_1, A, "902", day, day)

    writers = [threading.Thread(target=write, args=(days[i::8],)) for i in range(8)]
    for thread in writers:
        thread.start()
    start.wait()
    while len(_lines(uow, A)) < 40:  # replace in the thick of it
        pass
    done = source.replace(uow, A, B)
    replaced.set()
    for thread in writers:
        thread.join(timeout=60)
    assert done.lines == 1 and _lines(uow, A) == []
    assert _lines(uow, B) == [(ORG_1, "902", d.isoformat(), d.isoformat()) for d in days]
    followed = [e for e in _events(uow, "INSCRIPTION") if e.payload.get("requestedSsin") == A]
    assert len(followed) >= 40  # the writes after the replacement followed A to B


# -- source update ---------------------------------------------------------------------------


def test_update_changes_a_national_register_person_and_notifies_its_holders(uow, raas) -> None:
    day = today()
    _inscribe(uow, ORG_1, A, "902", day - timedelta(days=1))
    _inscribe(uow, ORG_2, A, "902", D("2020-01-01"), day - timedelta(days=1))  # not any more
    _inscribe(uow, ORG_3, OTHER, "902", D("2020-01-01"))
    done = raas("source", "update", A, "--last-name", "Peeters", "--decease-date", "2025-01-02")
    assert done.code == 0, done.out
    assert "lastName, deceaseDate changed" in done.out and "for 1 organisation" in done.out
    person = _person(uow, A)
    assert (person.register, person.last_name, person.decease_date) == (
        Register.RR,
        "Peeters",
        D("2025-01-02"),
    )
    assert _events(uow, "IDENTIFICATION_DATA") == [
        Event(
            kind="IDENTIFICATION_DATA",
            ssin=A,
            event_date=day,
            payload={
                "lastName": {"old": "Van den Broucke", "new": "Peeters"},
                "deceaseDate": {"old": None, "new": "2025-01-02"},
            },
            recipients=(ORG_1,),
        )
    ]
    with uow() as tx:  # the new surname has its phonetic keys
        assert "Peeters" in tx.identification.spellings(surname_keys("Pieters"))


def test_update_without_a_change_records_nothing(uow, raas) -> None:
    same = raas("source", "update", A, "--last-name", "Van den Broucke", "--gender", "MALE")
    assert same.code == 0 and "nothing changed" in same.out
    nothing = raas("source", "update", A)
    assert nothing.code == 0 and "no field given" in nothing.out
    assert _events(uow, "IDENTIFICATION_DATA") == []


def test_update_follows_a_replaced_ssin(uow, raas) -> None:
    assert raas("source", "replace", A, B).code == 0
    done = raas("source", "update", A, "--birth-date", "1985-03-00")
    assert done.code == 0 and f"{B} (replacing {A})" in done.out
    assert (str(_person(uow, B).birth_date), str(_person(uow, A).birth_date)) == (
        "1985-03-00",
        "1985-03-14",
    )
    (event,) = _events(uow, "IDENTIFICATION_DATA")
    assert (event.ssin, event.payload) == (
        B,
        {"birthDate": {"old": "1985-03-14", "new": "1985-03-00"}},
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ((CANCELED, "--first-name", "X"), "canceled"),
        ((UNKNOWN_BIS, "--first-name", "X"), "does not exist"),
        ((MALFORMED, "--first-name", "X"), "structure"),
        ((A, "--birth-date", "1985-02-30"), "not a valid"),
        ((A, "--last-name=12"), "letter"),
        ((A, "--last-name", "Dupont\x01"), "control"),
        ((A, "--last-name", "Dupont\u202etnoP"), "invisible formatting"),  # right-to-left override
        ((A, "--first-name", "Jan\u200b"), "U+200B"),  # zero-width space
        ((A, "--first-name", "J" * 201), "at most 200"),
        ((A, "--nationality", "Belgian"), "alpha-2"),
    ],
)
def test_update_refusals(uow, raas, engine, argv, message) -> None:
    before = _snapshot(engine)
    done = raas("source", "update", *argv)
    assert done.code == 2 and message in done.out
    assert _snapshot(engine) == before


# -- source dimona ---------------------------------------------------------------------------


def test_dimona_goes_to_the_organisations_holding_the_person_on_its_date(uow, raas) -> None:
    day = today() - timedelta(days=60)
    _inscribe(uow, ORG_1, A, "902", day - timedelta(days=30), day)  # holds A on the date
    _inscribe(uow, ORG_2, A, "902", day + timedelta(days=1))  # only later
    _inscribe(uow, ORG_3, OTHER, "902", day - timedelta(days=30))  # holds someone else
    done = raas("source", "dimona", A, "--employer", "0207.451.227", "--date", day.isoformat())
    assert done.code == 0 and "event for 1 organisation" in done.out
    assert _events(uow, "DIMONA", day) == [
        Event(
            kind="DIMONA",
            ssin=A,
            event_date=day,
            payload={"employer": ORG_4, "dimonaDate": day.isoformat()},
            recipients=(ORG_1,),
        )
    ]


@pytest.mark.parametrize("days", [-1, 367])
def test_dimona_is_dated_today_or_within_the_last_year(uow, raas, engine, days) -> None:
    before = _snapshot(engine)
    day = today() - timedelta(days=days)
    done = raas("source", "dimona", A, "--employer", ORG_4, "--date", day.isoformat())
    assert done.code == 2 and "within the last year" in done.out
    assert _snapshot(engine) == before


def test_dimona_defaults_to_today_and_follows_a_replaced_ssin(uow, raas) -> None:
    _inscribe(uow, ORG_2, A, "0", today())
    assert raas("source", "replace", A, B).code == 0
    done = raas("source", "dimona", A, "--employer", ORG_4)
    assert done.code == 0 and f"{B} (replacing {A})" in done.out
    (event,) = _events(uow, "DIMONA")
    assert (event.ssin, event.recipients) == (B, (ORG_2,))
    assert event.payload == {
        "employer": ORG_4,
        "dimonaDate": today().isoformat(),
        "requestedSsin": A,
    }


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ((A, "--employer", "0207451228"), "KBO/CBE"),
        ((CANCELED, "--employer", ORG_4), "canceled"),
        ((UNKNOWN_BIS, "--employer", ORG_4), "does not exist"),
        ((MALFORMED, "--employer", ORG_4), "structure"),
    ],
)
def test_dimona_refusals(uow, raas, engine, argv, message) -> None:
    before = _snapshot(engine)
    done = raas("source", "dimona", *argv)
    assert done.code == 2 and message in done.out
    assert _snapshot(engine) == before


# -- the real command ------------------------------------------------------------------------


@pytest.fixture()
def command(database_url: URL, uow) -> Iterator[object]:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAAS_")}
    env["RAAS_DATABASE_URL"] = database_url.render_as_string(hide_password=False)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "raas.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    yield run


def test_the_commands_exit_codes(command, uow) -> None:
    done = command("source", "replace", A, B)
    assert done.returncode == 0 and f"{A} replaced by {B}" in done.stdout, done.stderr
    refused = command("source", "replace", B, A)
    assert refused.returncode == 2 and "cycle" in refused.stderr
    bad_date = command("source", "dimona", A, "--employer", ORG_4, "--date", "2024-02-30")
    assert bad_date.returncode == 2 and "not a date" in bad_date.stderr
    assert _events(uow, "DIMONA", D("2024-02-29")) == []
