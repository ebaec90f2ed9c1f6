"""The integrators' end-to-end example, run as a user runs it against the live service."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from functools import partial
from pathlib import Path

from lxml import etree
from sqlalchemy import Engine

from raas import usecases
from raas.models.ssin import make_ssin
from raas.persistence.uow import UnitOfWork
from raas.usecases import sourcefeed
from tests.conftest import ROOT
from tests.contract.conftest import CLIENT_CBE, PASSWORD

PERSON = make_ssin(1990, 7, 1, 31)


def test_the_notifications_example_inscribes_fetches_and_checks_the_files(
    database_url, engine: Engine, users, live_url: str, tmp_path: Path
) -> None:
    uow = partial(UnitOfWork, engine)
    csv = "ssin,lastName,firstName,birthDate,gender,status,replacedBy\n"
    csv += f"{PERSON},Peeters,Jan,1990-07-01,MALE,ACTIVE,\n"
    assert sourcefeed.import_csv(uow, io.StringIO(csv)).errors == ()
    usecases.define_type_dossier(uow, CLIENT_CBE, "902", "work incapacity")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAAS_")}
    env |= {
        "RAAS_URL": live_url,
        "RAAS_USER": users.client,
        "RAAS_PASSWORD": PASSWORD,
        "RAAS_DATABASE_URL": database_url.render_as_string(hide_password=False),
        "RAAS_OUTBOX": str(tmp_path / "outbox"),
    }
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "notifications_end_to_end.py"),
            PERSON,
            "--out",
            str(tmp_path / "files"),
            "--operator",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(rf"record \d+ {PERSON} firstName: Jan -> Alex", done.stdout)
    assert "voucher matches the file" in done.stdout
    saved = sorted(p.name for p in (tmp_path / "files").iterdir())
    name = f"{CLIENT_CBE}_IDENTIFICATION_DATA_"
    assert [n[: len(name)] for n in saved] == [name, name]
    schemas = ROOT / "xsd" / "notifications"
    data_file, voucher = (tmp_path / "files" / n for n in sorted(saved, key=len))
    etree.XMLSchema(file=str(schemas / "NotificationFile.xsd")).assertValid(etree.parse(data_file))
    etree.XMLSchema(file=str(schemas / "Voucher.xsd")).assertValid(etree.parse(voucher))
    lines = done.stdout.splitlines()
    assert lines[-2].split()[:3] == ["Consult", "NO_DATA_FOUND", "MSG00100"]  # cleaned up


def test_the_fault_example_prints_the_reason_code(users, live_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAAS_")}
    env |= {"RAAS_URL": live_url, "RAAS_USER": users.client, "RAAS_PASSWORD": "not the password"}
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "read_a_fault.py"), PERSON],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 3, done.stderr
    assert re.fullmatch(r"FAULT MSG00014 .+ ticketCBSS=[0-9a-f-]{36}\n", done.stdout)
    env["RAAS_PASSWORD"] = PASSWORD
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "read_a_fault.py"), PERSON],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and done.stdout.startswith("NO_RESULT MSG00005"), done.stdout
