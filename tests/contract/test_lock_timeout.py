"""A request stuck behind a long operator job waits `lock_timeout`, then gets a clear MSG00001."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import zeep
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL
from zeep.wsse.username import UsernameToken

from raas.config import Settings
from raas.persistence.database import SERVICE_ROLE, make_engine
from raas.wsgi import create_app
from tests.conftest import ROOT, serving
from tests.world import PASSWORD, Users

LOCK_TIMEOUT = 0.5


@pytest.fixture()
def impatient_url(service_url: URL) -> Iterator[str]:
    engine = make_engine(service_url, role=SERVICE_ROLE, lock_timeout=LOCK_TIMEOUT)
    with serving(create_app(Settings(), engine=engine)) as url:
        yield url
    engine.dispose()


def test_a_lock_held_by_an_operator_job_gives_msg00001_after_the_lock_timeout(
    users: Users, engine: Engine, impatient_url: str
) -> None:
    client = zeep.Client(
        str(ROOT / "wsdl" / "Register.wsdl"), wsse=UsernameToken(users.client, PASSWORD)
    )
    register = client.create_service(next(iter(client.wsdl.bindings)), f"{impatient_url}/Register")
    with engine.connect() as owner:
        owner.execute(text("LOCK TABLE type_dossiers IN ACCESS EXCLUSIVE MODE"))
        started = time.monotonic()
        with pytest.raises(zeep.exceptions.Fault) as raised:
            register.ListTypeDossiers()
        waited = time.monotonic() - started
        owner.rollback()
    assert raised.value.code.endswith("Server")
    assert raised.value.detail.find(".//{urn:raas:common:v1}reasonCode").text == "MSG00001"
    assert LOCK_TIMEOUT <= waited < LOCK_TIMEOUT + 5
    # Once the job is done, the same service answers again.
    assert register.ListTypeDossiers().status.code == "MSG00100"  # none defined: no fault
