"""Subscriptions, flow authorizations and the daily notification files (issue 6).

Events are put in the outbox the way the writers do (`EventRepository.record`, recipients fixed
at write time); the run is `usecases.notifications.run_day`, the same function the CLI calls;
the files are read back from the outbox folder and over SOAP with zeep.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from functools import partial
from pathlib import Path

import pytest
import zeep
from lxml import etree
from sqlalchemy import Engine, func, select, text

from raas.clock import today
from raas.models.errors import InvalidData
from raas.models.events import Event
from raas.persistence.notifications import notification_files
from raas.persistence.uow import UnitOfWork
from raas.usecases import notifications
from raas.usecases.notifications import RunRefused, run_day
from tests.conftest import ROOT
from tests.world import ADMIN_CBE, CLIENT_CBE, OTHER_CBE

NS = {"n": "urn:raas:notifications:v1", "v": "urn:raas:notifications:voucher:v1"}
DATA_XSD = etree.XMLSchema(file=str(ROOT / "xsd" / "notifications" / "NotificationFile.xsd"))
VOUCHER_XSD = etree.XMLSchema(file=str(ROOT / "xsd" / "notifications" / "Voucher.xsd"))

A, B = CLIENT_CBE, OTHER_CBE
P1, P2, P3 = "85073003328", "79110210159", "90020199914"
DAY1, DAY2, DAY3 = (today() - timedelta(days=n) for n in (3, 2, 1))


def _uow(engine: Engine):  # type: ignore[no-untyped-def]
    return partial(UnitOfWork, engine)


def _record(engine: Engine, *events: Event) -> None:
    with UnitOfWork(engine) as tx:
        tx.events.record(*events)
        tx.commit()


def _replacement(old: str, new: str, day: date, *recipients: str) -> Event:
    payload = {"oldSsin": old, "newSsin": new, "activeSsin": new}
    return Event("SSIN_REPLACEMENT", old, day, payload=payload, recipients=recipients)


def _identification(ssin: str, day: date, *recipients: str) -> Event:
    payload = {"lastName": {"old": "Peeters", "new": "Pieters"}}
    return Event("IDENTIFICATION_DATA", ssin, day, payload=payload, recipients=recipients)


def _dimona(ssin: str, day: date, *recipients: str) -> Event:
    payload = {"employer": "0203201340", "dimonaDate": day.isoformat()}
    return Event("DIMONA", ssin, day, payload=payload, recipients=recipients)


def _subscribe(soap, user: str, *flows: str) -> None:  # type: ignore[no-untyped-def]
    register = soap("Register", user)
    for flow in flows:
        assert register.Subscribe(flow=flow).status.code == "MSG00000"


def _files(outbox: Path, cbe: str) -> dict[str, bytes]:
    folder = outbox / cbe
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


def _data(outbox: Path, cbe: str, flow: str, day: date) -> etree._Element:
    """The data file of (cbe, flow, day), checked against its voucher and both XSDs."""
    (name,) = [
        n for n in _files(outbox, cbe) if f"_{flow}_{day:%Y%m%d}_" in n and "voucher" not in n
    ]
    content = (outbox / cbe / name).read_bytes()
    voucher_bytes = (outbox / cbe / name.replace(".xml", ".voucher.xml")).read_bytes()
    data, voucher = etree.fromstring(content), etree.fromstring(voucher_bytes)
    DATA_XSD.assertValid(data)
    VOUCHER_XSD.assertValid(voucher)
    records = data.findall("n:records/n:record", NS)
    assert voucher.findtext("v:fileName", namespaces=NS) == name
    assert voucher.findtext("v:cbeNumber", namespaces=NS) == cbe
    assert voucher.findtext("v:flow", namespaces=NS) == flow
    assert voucher.findtext("v:date", namespaces=NS) == day.isoformat()
    assert voucher.findtext("v:sha256", namespaces=NS) == hashlib.sha256(content).hexdigest()
    assert int(voucher.findtext("v:recordCount", namespaces=NS)) == len(records)
    assert int(data.findtext("n:trailer/n:recordCount", namespaces=NS)) == len(records)
    assert data.findtext("n:header/n:sequenceNumber", namespaces=NS) == voucher.findtext(
        "v:sequenceNumber", namespaces=NS
    )
    return data


def _ssins(data: etree._Element) -> list[str]:
    return [r.findtext("n:ssin", namespaces=NS) for r in data.findall("n:records/n:record", NS)]


def _sequence(data: etree._Element) -> int:
    return int(data.findtext("n:header/n:sequenceNumber", namespaces=NS))


# -- subscriptions and authorizations ------------------------------------------------------------


def test_subscribe_list_and_unsubscribe(soap, users) -> None:
    register = soap("Register", users.client)
    assert register.ListSubscriptions().status.code == "MSG00100"
    assert register.Subscribe(flow="SSIN_REPLACEMENT").status.value == "OK"
    assert register.Subscribe(flow="IDENTIFICATION_DATA").status.value == "OK"
    first = register.ListSubscriptions()
    again = register.Subscribe(flow="SSIN_REPLACEMENT")
    assert again.status.information[0].fieldValue == "true"  # alreadySubscribed
    listed = register.ListSubscriptions()
    assert listed.status.value == "DATA_FOUND"
    assert [s.flow for s in listed.subscriptions.subscription] == [
        "IDENTIFICATION_DATA",
        "SSIN_REPLACEMENT",
    ]
    # subscribing again keeps the first `since`
    assert listed.subscriptions.subscription == first.subscriptions.subscription
    # another organisation sees none of them
    assert soap("Register", users.other).ListSubscriptions().status.code == "MSG00100"
    gone = register.Unsubscribe(flow="SSIN_REPLACEMENT")
    assert (gone.status.value, gone.status.information[0].fieldValue) == ("OK", "true")
    assert [s.flow for s in register.ListSubscriptions().subscriptions.subscription] == [
        "IDENTIFICATION_DATA"
    ]
    twice = register.Unsubscribe(flow="SSIN_REPLACEMENT")
    assert (twice.status.value, twice.status.information[0].fieldValue) == ("OK", "false")


def test_an_unknown_flow_is_a_schema_fault(soap, users) -> None:
    with pytest.raises(zeep.exceptions.Fault) as raised:
        soap("Register", users.client).Subscribe(flow="PENSIONS")
    assert raised.value.detail.findtext(".//{*}reasonCode") == "MSG00004"


def test_dimona_needs_an_admin_authorization(soap, users) -> None:
    register, admin = soap("Register", users.client), soap("Admin", users.admin)
    refused = register.Subscribe(flow="DIMONA")
    assert (refused.status.value, refused.status.code) == ("NOK", "RAAS0009")
    assert register.ListSubscriptions().status.code == "MSG00100"
    # a client cannot grant itself the flow
    with pytest.raises(zeep.exceptions.Fault) as raised:
        soap("Admin", users.client).GrantFlowAuthorization(cbeNumber=A, flow="DIMONA")
    assert raised.value.detail.findtext(".//{*}reasonCode") == "MSG00016"
    assert admin.GrantFlowAuthorization(cbeNumber=A, flow="DIMONA").status.value == "OK"
    assert register.Subscribe(flow="DIMONA").status.code == "MSG00000"
    # the authorization is the organisation's: B still may not
    assert soap("Register", users.other).Subscribe(flow="DIMONA").status.code == "RAAS0009"
    # revoking ends the subscription; subscribing again is refused
    assert admin.RevokeFlowAuthorization(cbeNumber=A, flow="DIMONA").status.value == "OK"
    assert register.ListSubscriptions().status.code == "MSG00100"
    assert register.Subscribe(flow="DIMONA").status.code == "RAAS0009"
    bad = admin.GrantFlowAuthorization(cbeNumber="0203201341", flow="DIMONA")
    assert (bad.status.value, bad.status.code) == ("NOK", "MSG00008")


# -- the daily run -------------------------------------------------------------------------------


def test_each_flow_goes_only_to_subscribed_organisations_holding_the_person(
    soap, users, engine, tmp_path
) -> None:
    soap("Admin", users.admin).GrantFlowAuthorization(cbeNumber=A, flow="DIMONA")
    _subscribe(soap, users.client, "SSIN_REPLACEMENT", "IDENTIFICATION_DATA", "DIMONA")
    _subscribe(soap, users.other, "SSIN_REPLACEMENT", "IDENTIFICATION_DATA")
    _record(
        engine,
        _replacement(P1, P2, DAY1, A, B),
        _identification(P3, DAY1, A),
        _identification(P2, DAY1, B),
        _dimona(P1, DAY1, A),
        _dimona(P2, DAY1, B),  # B holds P2 but is not authorized for DIMONA
        _identification(P1, DAY1),  # nobody holds P1 on that day
        _dimona(P3, DAY1, ADMIN_CBE),  # the admin organisation did not subscribe
    )
    report = run_day(_uow(engine), DAY1, tmp_path)
    assert (report.claimed, report.built, report.records) == (7, 5, 5)

    assert _ssins(_data(tmp_path, A, "SSIN_REPLACEMENT", DAY1)) == [P1]
    assert _ssins(_data(tmp_path, A, "IDENTIFICATION_DATA", DAY1)) == [P3]
    dimona = _data(tmp_path, A, "DIMONA", DAY1)
    assert _ssins(dimona) == [P1]
    assert dimona.findtext("n:records/n:record/n:dimona/n:employer", namespaces=NS) == A
    assert _ssins(_data(tmp_path, B, "SSIN_REPLACEMENT", DAY1)) == [P1]
    change = _data(tmp_path, B, "IDENTIFICATION_DATA", DAY1).find(".//n:change", NS)
    assert [c.text for c in change] == ["lastName", "Peeters", "Pieters"]
    replaced = _data(tmp_path, B, "SSIN_REPLACEMENT", DAY1).find(".//n:ssinReplacement", NS)
    assert [c.text for c in replaced] == [P1, P2, P2]
    assert len(_files(tmp_path, B)) == 4  # two data files and their vouchers, no DIMONA
    assert not (tmp_path / ADMIN_CBE).exists()


def test_a_day_without_events_gives_an_empty_file_and_sequences_have_no_gaps(
    soap, users, engine, tmp_path
) -> None:
    _subscribe(soap, users.client, "IDENTIFICATION_DATA")
    _record(engine, _identification(P1, DAY1, A), _identification(P2, DAY3, A))
    for day in (DAY1, DAY2, DAY3):
        run_day(_uow(engine), day, tmp_path)
    files = [_data(tmp_path, A, "IDENTIFICATION_DATA", day) for day in (DAY1, DAY2, DAY3)]
    assert [_sequence(f) for f in files] == [1, 2, 3]
    assert [_ssins(f) for f in files] == [[P1], [], [P2]]
    assert len(_files(tmp_path, A)) == 6


def test_running_a_day_again_gives_the_same_bytes_and_no_new_sequence(
    soap, users, engine, tmp_path
) -> None:
    _subscribe(soap, users.client, "SSIN_REPLACEMENT", "IDENTIFICATION_DATA")
    _record(engine, _replacement(P1, P2, DAY1, A), _identification(P3, DAY1, A))
    run_day(_uow(engine), DAY1, tmp_path)
    before = _files(tmp_path, A)
    again = run_day(_uow(engine), DAY1, tmp_path)
    assert (again.claimed, again.built, again.kept, again.restored) == (None, 0, 2, 0)
    assert _files(tmp_path, A) == before
    # a lost outbox copy is written again, byte for byte, from the stored file
    data = sorted(n for n in before if not n.endswith(".voucher.xml"))
    (tmp_path / A / data[0]).unlink()
    (tmp_path / A / data[1].replace(".xml", ".voucher.xml")).write_bytes(b"tampered")
    assert run_day(_uow(engine), DAY1, tmp_path).restored == 2
    assert _files(tmp_path, A) == before
    with UnitOfWork(engine) as tx:
        count = tx.connection.scalar(select(func.count()).select_from(notification_files))
    assert count == 2


def test_an_event_committed_after_its_days_run_comes_in_the_next_file_once(
    soap, users, engine, tmp_path
) -> None:
    _subscribe(soap, users.client, "IDENTIFICATION_DATA")
    _record(engine, _identification(P1, DAY1, A))
    run_day(_uow(engine), DAY1, tmp_path)
    _record(engine, _identification(P2, DAY1, A))  # late: dated a day already run
    assert _ssins(_data(tmp_path, A, "IDENTIFICATION_DATA", DAY1)) == [P1]  # rerun unchanged
    run_day(_uow(engine), DAY1, tmp_path)
    assert _ssins(_data(tmp_path, A, "IDENTIFICATION_DATA", DAY1)) == [P1]
    run_day(_uow(engine), DAY2, tmp_path)
    run_day(_uow(engine), DAY3, tmp_path)
    assert _ssins(_data(tmp_path, A, "IDENTIFICATION_DATA", DAY2)) == [P2]
    assert _ssins(_data(tmp_path, A, "IDENTIFICATION_DATA", DAY3)) == []


def test_events_before_a_subscription_are_not_delivered(soap, users, engine, tmp_path) -> None:
    _record(engine, _identification(P1, DAY1, A))
    _subscribe(soap, users.client, "IDENTIFICATION_DATA")
    _record(engine, _identification(P2, DAY1, A))
    run_day(_uow(engine), DAY1, tmp_path)
    assert _ssins(_data(tmp_path, A, "IDENTIFICATION_DATA", DAY1)) == [P2]


def test_a_subscription_made_after_a_days_run_starts_with_the_next_day(
    soap, users, engine, tmp_path
) -> None:
    _subscribe(soap, users.client, "IDENTIFICATION_DATA")
    run_day(_uow(engine), DAY1, tmp_path)
    _subscribe(soap, users.other, "IDENTIFICATION_DATA")
    _record(engine, _identification(P1, DAY1, A, B))  # late for DAY1: goes with DAY2
    assert run_day(_uow(engine), DAY1, tmp_path).built == 0
    assert not (tmp_path / B).exists()
    run_day(_uow(engine), DAY2, tmp_path)
    assert _ssins(_data(tmp_path, A, "IDENTIFICATION_DATA", DAY2)) == [P1]
    late = _data(tmp_path, B, "IDENTIFICATION_DATA", DAY2)
    assert (_ssins(late), _sequence(late)) == ([P1], 1)


def test_revoking_an_authorization_stops_delivery(soap, users, engine, tmp_path) -> None:
    admin = soap("Admin", users.admin)
    admin.GrantFlowAuthorization(cbeNumber=A, flow="DIMONA")
    _subscribe(soap, users.client, "DIMONA")
    _record(engine, _dimona(P1, DAY1, A))
    run_day(_uow(engine), DAY1, tmp_path)
    assert _ssins(_data(tmp_path, A, "DIMONA", DAY1)) == [P1]
    admin.RevokeFlowAuthorization(cbeNumber=A, flow="DIMONA")
    _record(engine, _dimona(P2, DAY2, A))
    run_day(_uow(engine), DAY2, tmp_path)
    assert len(_files(tmp_path, A)) == 2  # only the first day's file and voucher


def test_a_run_killed_after_any_file_completes_when_started_again(
    soap, users, engine, tmp_path, monkeypatch
) -> None:
    """Interrupt the run after its first file, then between a commit and the outbox copy."""
    _subscribe(soap, users.client, "SSIN_REPLACEMENT", "IDENTIFICATION_DATA")
    _subscribe(soap, users.other, "SSIN_REPLACEMENT", "IDENTIFICATION_DATA")
    _record(
        engine,
        _replacement(P1, P2, DAY1, A, B),
        _identification(P3, DAY1, A, B),
        _identification(P2, DAY1, B),
    )
    reference = tmp_path / "reference"
    run_day(_uow(engine), DAY1, reference)
    expected = {cbe: _files(reference, cbe) for cbe in (A, B)}
    with engine.begin() as conn:  # forget that run: same events, unclaimed again
        conn.execute(text("TRUNCATE notification_files, notification_days"))
        conn.execute(text("UPDATE events SET delivery_date = NULL"))

    class Killed(BaseException):
        pass

    def die_after_first(done: int, total: int) -> None:
        raise Killed

    outbox = tmp_path / "outbox"
    with pytest.raises(Killed):
        run_day(_uow(engine), DAY1, outbox, progress=die_after_first)
    # killed between the commit of the next file and its publication in the outbox
    from raas import outbox as outbox_module

    real_publish = outbox_module.Outbox.publish

    def publish_then_die(self, temporary):  # type: ignore[no-untyped-def]
        temporary.close()
        raise Killed

    monkeypatch.setattr(outbox_module.Outbox, "publish", publish_then_die)
    with pytest.raises(Killed):
        run_day(_uow(engine), DAY1, outbox)
    monkeypatch.setattr(outbox_module.Outbox, "publish", real_publish)
    assert any(p.name.endswith(".part") for p in (outbox).glob("*/*"))

    report = run_day(_uow(engine), DAY1, outbox)
    assert report.claimed is None and report.kept == 2 and report.built == 2
    assert {cbe: _files(outbox, cbe) for cbe in (A, B)} == expected
    assert not any(p.name.endswith(".part") for p in outbox.glob("*/*"))


def test_a_killed_day_is_finished_before_the_next_day_is_claimed(
    soap, users, engine, tmp_path
) -> None:
    _subscribe(soap, users.client, "IDENTIFICATION_DATA")
    _subscribe(soap, users.other, "IDENTIFICATION_DATA")
    _record(engine, _identification(P1, DAY1, A, B), _identification(P2, DAY2, A, B))

    def die(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_day(_uow(engine), DAY1, tmp_path, progress=die)  # A's file made, B's not
    reports = notifications.run(_uow(engine), DAY2, tmp_path)
    assert [(r.day, r.built, r.kept) for r in reports] == [(DAY1, 1, 1), (DAY2, 2, 0)]
    for cbe in (A, B):
        first, second = (_data(tmp_path, cbe, "IDENTIFICATION_DATA", d) for d in (DAY1, DAY2))
        assert (_ssins(first), _sequence(first)) == ([P1], 1)
        assert (_ssins(second), _sequence(second)) == ([P2], 2)


def test_a_committed_file_reaches_the_outbox_even_after_an_unsubscribe(
    soap, users, engine, tmp_path, monkeypatch
) -> None:
    """Killed between the commit of a file and its outbox copy; the subscription ends meanwhile."""
    _subscribe(soap, users.client, "IDENTIFICATION_DATA")
    _record(engine, _identification(P1, DAY1, A))
    from raas import outbox as outbox_module

    def die(self, temporary):  # type: ignore[no-untyped-def]
        temporary.close()
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(outbox_module.Outbox, "publish", die)
        with pytest.raises(KeyboardInterrupt):
            run_day(_uow(engine), DAY1, tmp_path)
    soap("Register", users.client).Unsubscribe(flow="IDENTIFICATION_DATA")
    report = run_day(_uow(engine), DAY1, tmp_path)
    assert (report.built, report.kept, report.restored) == (0, 1, 1)
    assert _ssins(_data(tmp_path, A, "IDENTIFICATION_DATA", DAY1)) == [P1]


def test_an_unusable_outbox_is_refused_before_anything_is_claimed(
    soap, users, engine, tmp_path
) -> None:
    _subscribe(soap, users.client, "IDENTIFICATION_DATA")
    _record(engine, _identification(P1, DAY1, A))
    blocked = tmp_path / "a-file"
    blocked.write_bytes(b"")
    with pytest.raises(OSError):
        run_day(_uow(engine), DAY1, blocked / "outbox")
    with UnitOfWork(engine) as tx:
        assert tx.notifications.claimed_at(DAY1) is None
    run_day(_uow(engine), DAY1, tmp_path / "outbox")
    assert _ssins(_data(tmp_path / "outbox", A, "IDENTIFICATION_DATA", DAY1)) == [P1]


def test_runs_are_refused_for_future_days_out_of_order_and_while_another_runs(
    soap, users, engine, tmp_path
) -> None:
    with pytest.raises(InvalidData):
        run_day(_uow(engine), today() + timedelta(days=1), tmp_path)
    run_day(_uow(engine), DAY2, tmp_path)
    with pytest.raises(RunRefused, match="in order"):
        run_day(_uow(engine), DAY1, tmp_path)
    with UnitOfWork(engine) as other_run:
        assert other_run.notifications.lock_runs()
        with pytest.raises(RunRefused, match="in progress"):
            run_day(_uow(engine), DAY3, tmp_path)
    run_day(_uow(engine), DAY3, tmp_path)  # the lock went with the other run's transaction


# -- files over SOAP -----------------------------------------------------------------------------


def test_files_over_soap_are_the_callers_own_only(soap, users, engine, tmp_path) -> None:
    _subscribe(soap, users.client, "SSIN_REPLACEMENT", "IDENTIFICATION_DATA")
    _subscribe(soap, users.other, "SSIN_REPLACEMENT")
    _record(engine, _replacement(P1, P2, DAY1, A, B), _identification(P3, DAY2, A))
    run_day(_uow(engine), DAY1, tmp_path)
    run_day(_uow(engine), DAY2, tmp_path)
    mine, theirs = soap("Register", users.client), soap("Register", users.other)

    listed = mine.ListNotificationFiles()
    assert listed.status.value == "DATA_FOUND"
    files = listed.files.file
    assert [(f.flow, f.date, f.recordCount, f.sequenceNumber) for f in files] == [
        ("IDENTIFICATION_DATA", DAY1, 0, 1),
        ("SSIN_REPLACEMENT", DAY1, 1, 1),
        ("IDENTIFICATION_DATA", DAY2, 1, 2),
        ("SSIN_REPLACEMENT", DAY2, 0, 2),
    ]
    assert {f.cbeNumber for f in files} == {A}
    window = mine.ListNotificationFiles(fromDate=DAY2, toDate=DAY2).files.file
    assert [f.date for f in window] == [DAY2, DAY2]
    assert mine.ListNotificationFiles(fromDate=DAY3).status.code == "MSG00100"
    bad = mine.ListNotificationFiles(fromDate=DAY2, toDate=DAY1)
    assert (bad.status.value, bad.status.code) == ("NO_RESULT", "MSG00008")

    wanted = files[1]
    got = mine.GetNotificationFile(fileId=wanted.fileId)
    assert got.status.value == "DATA_FOUND"
    assert got.content == (tmp_path / A / wanted.fileId).read_bytes()
    assert (
        got.voucher == (tmp_path / A / wanted.fileId.replace(".xml", ".voucher.xml")).read_bytes()
    )
    assert hashlib.sha256(got.content).hexdigest() == wanted.sha256

    # B's files are B's: A can neither list nor fetch them, even by their exact name
    their_files = theirs.ListNotificationFiles().files.file
    assert {f.cbeNumber for f in their_files} == {B} and len(their_files) == 2
    stolen = mine.GetNotificationFile(fileId=their_files[0].fileId)
    assert (stolen.status.value, stolen.status.code) == ("NO_DATA_FOUND", "MSG00100")
    assert stolen.content is None and stolen.voucher is None
    assert mine.GetNotificationFile(fileId="nothing.xml").status.code == "MSG00100"
