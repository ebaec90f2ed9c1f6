"""The SSDN channel under real concurrency: `raas serve` with 8 gunicorn workers, 12 clients
registering the days of one month through ManageAccess in random order while others list and
Consult; the register ends with one merged line, every reply saw its own day."""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from functools import partial

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL

from raas import usecases
from raas.models.ssin import make_ssin
from raas.persistence.uow import UnitOfWork
from raas.usecases import sourcefeed, ssdn
from tests.contract import ssdn_documents as doc
from tests.contract.conftest import CLIENT_CBE
from tests.integration.test_end_to_end import _free_port, _wait_healthy

pytestmark = pytest.mark.slow

SSIN = make_ssin(1968, 6, 1, 53)
DAYS = [date(2026, 3, 1) + timedelta(days=n) for n in range(31)]


def test_parallel_registers_merge_into_one_line(database_url: URL, engine: Engine) -> None:
    uow = partial(UnitOfWork, engine)
    csv = (
        f"ssin,lastName,firstName,birthDate,gender,status,replacedBy\n"
        f"{SSIN},Dupont,Jean,1968-06-01,MALE,ACTIVE,\n"
    )
    assert sourcefeed.import_csv(uow, io.StringIO(csv)).errors == ()
    usecases.define_type_dossier(uow, CLIENT_CBE, "902", "902")
    ssdn.add_client(uow, CLIENT_CBE, ["127.0.0.1/32"], 17, 1, doc.ORG_UNIT)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAAS_", "PROMETHEUS_"))}
    env["RAAS_DATABASE_URL"] = database_url.render_as_string(hide_password=False)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "raas.cli", "serve", "--port", str(port), "--workers", "8"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    days = random.Random(7).sample(DAYS, len(DAYS))
    try:
        _wait_healthy(base, server)

        def register(day: date) -> tuple[date, list[tuple[str, str, str | None]]]:
            document = doc.wrap(
                doc.manage_access(
                    SSIN,
                    "REGISTER",
                    day.isoformat(),
                    day.isoformat(),
                    last_name="Dupont",
                    first_name="Jean",
                    birth_date="1968-06-01",
                )
            )
            reply = doc.parse(doc.reply_text(doc.post(base, doc.envelope(document))))
            assert doc.return_codes(reply) == ("0", "YES", "0", "YES")
            return day, doc.registrations(reply)

        def listing(_: int) -> None:
            document = doc.wrap(doc.manage_access(SSIN, "LIST", "2026-01-01", proof=False))
            reply = doc.parse(doc.reply_text(doc.post(base, doc.envelope(document))))
            assert doc.return_codes(reply)[0] == "0"
            for _purpose, start, end in doc.registrations(reply):
                assert start <= end  # whole lines, never half-written

        with ThreadPoolExecutor(12) as pool:
            lists = pool.map(listing, range(20), timeout=120)
            answers = list(pool.map(register, days, timeout=120))
            list(lists)
    finally:
        server.terminate()
        server.communicate(timeout=30)
    for day, registrations in answers:
        (line,) = registrations  # the one line overlapping the day, after the change
        assert line[1] <= day.isoformat() <= line[2]
    with engine.connect() as conn:
        periods = conn.execute(
            text("SELECT periods::text FROM register_lines WHERE ssin = :s"), {"s": SSIN}
        ).scalar_one()
        audited = conn.execute(
            text(
                "SELECT count(*) FROM audit_log WHERE service = 'SSDN' "
                "AND operation = 'ManageAccess.REGISTER' AND status_code = '00000000'"
            )
        ).scalar_one()
    assert periods == "{[2026-03-01,2026-04-01)}"
    assert audited == len(DAYS)
