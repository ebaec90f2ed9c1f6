"""The whole notification path as users meet it: clients inscribe over SOAP, the authentic source
changes through `raas source …`, an operator runs `raas notifications run`, clients fetch their
files over SOAP. Each record reaches exactly the subscribed organisations holding the person."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from functools import partial

import pytest
from lxml import etree
from sqlalchemy import Engine

from raas import usecases
from raas.clock import today
from raas.models.ssin import make_ssin
from raas.persistence.uow import UnitOfWork
from raas.usecases import sourcefeed
from tests.conftest import ROOT
from tests.contract.conftest import CLIENT_CBE, OTHER_CBE
from tests.contract.test_register import period

OLD = make_ssin(1985, 3, 14, 123)
NEW = make_ssin(1985, 3, 14, 125)
RENAMED = make_ssin(1990, 7, 1, 31)
EMPLOYED = make_ssin(1979, 11, 2, 15)
NS = {"n": "urn:raas:notifications:v1", "v": "urn:raas:notifications:voucher:v1"}
DATA_XSD = etree.XMLSchema(file=str(ROOT / "xsd" / "notifications" / "NotificationFile.xsd"))
VOUCHER_XSD = etree.XMLSchema(file=str(ROOT / "xsd" / "notifications" / "Voucher.xsd"))


@pytest.fixture()
def raas(database_url, engine: Engine, tmp_path):  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAAS_")}
    env["RAAS_DATABASE_URL"] = database_url.render_as_string(hide_password=False)
    env["RAAS_OUTBOX"] = str(tmp_path / "outbox")

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "raas.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    return run


@pytest.fixture()
def persons(engine: Engine, users) -> None:  # type: ignore[no-untyped-def]
    uow = partial(UnitOfWork, engine)
    csv = "ssin,lastName,firstName,birthDate,gender,status,replacedBy\n" + "".join(
        f"{ssin},Peeters,Jan,{born},MALE,ACTIVE,\n"
        for ssin, born in (
            (OLD, "1985-03-14"),
            (NEW, "1985-03-14"),
            (RENAMED, "1990-07-01"),
            (EMPLOYED, "1979-11-02"),
        )
    )
    assert sourcefeed.import_csv(uow, io.StringIO(csv)).errors == ()
    for cbe in (CLIENT_CBE, OTHER_CBE):
        usecases.define_type_dossier(uow, cbe, "0", "definitive")


def _records(register, flow: str) -> list[etree._Element]:  # type: ignore[no-untyped-def]
    """The records of the caller's file of `flow` for today, fetched and checked over SOAP."""
    listed = register.ListNotificationFiles(fromDate=today(), toDate=today()).files.file
    (info,) = [f for f in listed if f.flow == flow]
    got = register.GetNotificationFile(fileId=info.fileId)
    data, voucher = etree.fromstring(got.content), etree.fromstring(got.voucher)
    DATA_XSD.assertValid(data)
    VOUCHER_XSD.assertValid(voucher)
    assert voucher.findtext("v:recordCount", namespaces=NS) == str(info.recordCount)
    return data.findall("n:records/n:record", NS)


def test_changes_of_the_source_reach_the_subscribers_that_hold_the_person(
    soap, users, persons, raas
) -> None:
    mine, theirs = soap("Register", users.client), soap("Register", users.other)
    for ssin in (OLD, RENAMED, EMPLOYED):
        assert (
            mine.Inscribe(ssin=ssin, typeDossier="0", period=period("2020-01-01")).status.value
            == "OK"
        )
    theirs.Inscribe(ssin=NEW, typeDossier="0", period=period("2024-01-01"))  # holds NEW today
    theirs.Inscribe(ssin=RENAMED, typeDossier="0", period=period("2019-01-01", "2021-12-31"))
    theirs.Inscribe(ssin=EMPLOYED, typeDossier="0", period=period("2019-01-01"))
    soap("Admin", users.admin).GrantFlowAuthorization(cbeNumber=CLIENT_CBE, flow="DIMONA")
    for flow in ("SSIN_REPLACEMENT", "IDENTIFICATION_DATA", "DIMONA"):
        assert mine.Subscribe(flow=flow).status.code == "MSG00000"
    for flow in ("SSIN_REPLACEMENT", "IDENTIFICATION_DATA"):
        theirs.Subscribe(flow=flow)
    assert theirs.Subscribe(flow="DIMONA").status.code == "RAAS0009"

    raas("source", "replace", OLD, NEW)
    raas("source", "update", RENAMED, "--last-name", "Pieters", "--first-name", "Jean")
    raas("source", "dimona", EMPLOYED, "--employer", "0404616494")
    assert "3 events claimed; 5 files built (4 records)" in raas("notifications", "run")

    (replaced,) = _records(mine, "SSIN_REPLACEMENT")
    assert [e.text for e in replaced.find("n:ssinReplacement", NS)] == [OLD, NEW, NEW]
    (renamed,) = _records(mine, "IDENTIFICATION_DATA")
    assert renamed.findtext("n:ssin", namespaces=NS) == RENAMED
    changes = {
        c.findtext("n:fieldName", namespaces=NS): (
            c.findtext("n:oldValue", namespaces=NS),
            c.findtext("n:newValue", namespaces=NS),
        )
        for c in renamed.findall(".//n:change", NS)
    }
    assert changes == {"firstName": ("Jan", "Jean"), "lastName": ("Peeters", "Pieters")}
    (employed,) = _records(mine, "DIMONA")
    assert employed.findtext("n:dimona/n:employer", namespaces=NS) == "0404616494"
    assert employed.findtext("n:dimona/n:dimonaDate", namespaces=NS) == today().isoformat()

    # B held NEW (so it hears of the replacement), held RENAMED only until 2021 (so it does
    # not hear of the new name), and holds EMPLOYED but has no DIMONA authorization
    (heard,) = _records(theirs, "SSIN_REPLACEMENT")
    assert heard.findtext("n:ssin", namespaces=NS) == OLD
    assert _records(theirs, "IDENTIFICATION_DATA") == []
    assert len(theirs.ListNotificationFiles().files.file) == 2
    # the lines followed the replacement
    assert mine.Consult(ssin=OLD).inscriptions.inscription[0].ssin == NEW
