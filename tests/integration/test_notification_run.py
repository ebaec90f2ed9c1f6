"""`raas notifications run` as an operator runs it, killed with SIGKILL and started again."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL

from raas.clock import today
from raas.models.events import Event
from raas.models.flows import Flow
from raas.models.users import normalise_cbe_number
from raas.persistence.schema import metadata
from raas.persistence.uow import UnitOfWork
from tests.conftest import KEPT_TABLES, ROOT

NS = {"n": "urn:raas:notifications:v1", "v": "urn:raas:notifications:voucher:v1"}
DATA_XSD = etree.XMLSchema(file=str(ROOT / "xsd" / "notifications" / "NotificationFile.xsd"))
VOUCHER_XSD = etree.XMLSchema(file=str(ROOT / "xsd" / "notifications" / "Voucher.xsd"))
DAY = today() - timedelta(days=1)
ORGANISATIONS = 120


def _cbe(n: int) -> str:
    """The n-th valid enterprise number from 0200000000 on (mod 97 check)."""
    base = 2_000_000 + n
    return normalise_cbe_number(f"0{base:07d}{97 - base % 97:02d}")


def _command(database_url: URL):  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAAS_")}
    env["RAAS_DATABASE_URL"] = database_url.render_as_string(hide_password=False)
    return lambda *args: subprocess.Popen(
        [sys.executable, "-m", "raas.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture()
def populated(engine: Engine) -> dict[tuple[str, str], list[str]]:
    """120 organisations subscribed to two flows, 3 events each: the expected ssins per file."""
    return _populate(engine)


def _populate(
    engine: Engine, organisations: int = ORGANISATIONS
) -> dict[tuple[str, str], list[str]]:
    cbes = [_cbe(n) for n in range(organisations)]
    expected: dict[tuple[str, str], list[str]] = {}
    events = []
    for n, cbe in enumerate(cbes):
        neighbour = cbes[(n + 1) % len(cbes)]
        ssin = f"{n:011d}"
        events.append(
            Event(
                "IDENTIFICATION_DATA",
                ssin,
                DAY,
                payload={"gender": {"old": "MALE", "new": "FEMALE"}},
                recipients=(cbe, neighbour),
            )  # noqa: E501
        )
        payload = {"oldSsin": ssin, "newSsin": f"{n + 500:011d}"}
        events.append(Event("SSIN_REPLACEMENT", ssin, DAY, payload=payload, recipients=(cbe,)))
    for cbe in cbes:
        expected[(cbe, "IDENTIFICATION_DATA")] = []
        expected[(cbe, "SSIN_REPLACEMENT")] = []
    for event in events:  # in recording order, as the files hold them
        for cbe in event.recipients or ():
            expected[(cbe, event.kind)].append(event.ssin)
    with UnitOfWork(engine) as tx:
        for cbe in cbes:
            tx.users.ensure_organisation(cbe)
            tx.notifications.subscribe(cbe, Flow.IDENTIFICATION_DATA)
            tx.notifications.subscribe(cbe, Flow.SSIN_REPLACEMENT)
        tx.commit()
    with UnitOfWork(engine) as tx:  # recorded after the subscriptions
        tx.events.record(*events)
        tx.commit()
    return expected


def _delivered(outbox: Path) -> dict[tuple[str, str], list[str]]:
    """Every data file of the outbox, checked against its voucher and the XSDs: ssins per file."""
    found: dict[tuple[str, str], list[str]] = {}
    for path in sorted(outbox.glob("*/*.xml")):
        if path.name.endswith(".voucher.xml"):
            continue
        data = etree.fromstring(path.read_bytes())
        voucher = etree.fromstring(path.with_name(path.name[:-4] + ".voucher.xml").read_bytes())
        DATA_XSD.assertValid(data)
        VOUCHER_XSD.assertValid(voucher)
        assert voucher.findtext("v:sequenceNumber", namespaces=NS) == "1"
        records = data.findall("n:records/n:record", NS)
        assert voucher.findtext("v:recordCount", namespaces=NS) == str(len(records))
        key = (
            data.findtext("n:header/n:cbeNumber", namespaces=NS),
            data.findtext("n:header/n:flow", namespaces=NS),
        )
        assert key not in found, f"two files for {key}"
        found[key] = [r.findtext("n:ssin", namespaces=NS) for r in records]
    return found


def test_a_run_killed_with_sigkill_and_started_again_loses_and_repeats_nothing(
    database_url, populated, tmp_path
) -> None:
    raas = _command(database_url)
    outbox = tmp_path / "outbox"
    first = raas("notifications", "run", "--date", DAY.isoformat(), "--outbox", str(outbox))
    deadline = time.monotonic() + 60
    while len(list(outbox.glob("*/*.voucher.xml"))) < 10 and first.poll() is None:
        assert time.monotonic() < deadline, "the run made no files"
        time.sleep(0.005)
    first.send_signal(signal.SIGKILL)
    first.communicate()
    assert first.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    made_before = len(list(outbox.glob("*/*.voucher.xml")))
    assert made_before < 2 * ORGANISATIONS

    second = raas("notifications", "run", "--date", DAY.isoformat(), "--outbox", str(outbox))
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert "events claimed by an earlier run" in out
    assert _delivered(outbox) == populated
    assert not list(outbox.glob("*/*.part"))

    # and once more: nothing changes
    before = {p: p.read_bytes() for p in outbox.glob("*/*")}
    third = raas("notifications", "run", "--date", DAY.isoformat(), "--outbox", str(outbox))
    out, err = third.communicate(timeout=120)
    assert third.returncode == 0, err
    assert f"0 files built (0 records), {2 * ORGANISATIONS} already made (0 restored" in out
    assert {p: p.read_bytes() for p in outbox.glob("*/*")} == before


def test_the_command_refuses_a_day_not_begun(database_url, engine, tmp_path) -> None:
    run = _command(database_url)(
        "notifications",
        "run",
        "--date",
        (today() + timedelta(days=1)).isoformat(),
        "--outbox",
        str(tmp_path),
    )
    out, err = run.communicate(timeout=60)
    assert run.returncode == 2 and "has not begun" in err


def _outbox_files(outbox: Path) -> dict[str, bytes]:
    return {str(p.relative_to(outbox)): p.read_bytes() for p in sorted(outbox.glob("**/*"))
            if p.is_file()}


def _empty(engine: Engine) -> None:
    """The database as the `engine` fixture leaves it (identities restarted: same event ids)."""
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables if t.name not in KEPT_TABLES)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.mark.slow
def test_runs_killed_at_random_points_give_the_files_of_an_uninterrupted_run(
    database_url, engine, tmp_path
) -> None:
    """Datasets identical to the reference's (2, or RAAS_KILL_TRIALS), each run killed twice at a
    random point (seeded, between the start of the process and the reference run's duration),
    then run to the end: the same file names, bytes and vouchers as the uninterrupted run."""
    raas = _command(database_url)
    day = ("notifications", "run", "--date", DAY.isoformat(), "--outbox")

    organisations = 60  # half the data of the test above: three runs per dataset
    expected_ssins = _populate(engine, organisations)
    started = time.monotonic()
    reference = raas(*day, str(tmp_path / "reference"))
    _, err = reference.communicate(timeout=120)
    duration = time.monotonic() - started
    assert reference.returncode == 0, err
    expected = _outbox_files(tmp_path / "reference")
    assert len(expected) == 4 * organisations
    assert _delivered(tmp_path / "reference") == expected_ssins

    rng = random.Random(20261123)
    interrupted = []
    for trial in range(int(os.environ.get("RAAS_KILL_TRIALS", "2"))):
        _empty(engine)
        _populate(engine, organisations)
        outbox = tmp_path / f"trial-{trial}"
        for _ in range(2):
            delay = rng.uniform(0, duration)
            run = raas(*day, str(outbox))
            time.sleep(delay)
            run.send_signal(signal.SIGKILL)
            run.communicate()
            made = len(list(outbox.glob("*/*.voucher.xml")))
            interrupted.append((round(delay, 2), run.returncode == -signal.SIGKILL, made))
        last = raas(*day, str(outbox))
        _, err = last.communicate(timeout=120)
        assert last.returncode == 0, err
        assert _outbox_files(outbox) == expected, f"trial {trial}: the files differ"
    print(f"\nreference run {duration:.2f} s; kills (delay s, killed, vouchers by then): "
          f"{interrupted}")
    assert any(killed for _, killed, _ in interrupted), "every run ended before its kill"
