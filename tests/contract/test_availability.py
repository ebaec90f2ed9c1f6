"""When the database cannot be reached: /health says so and calls get a clear MSG00001 fault."""

from __future__ import annotations

import re

import pytest
import requests
import zeep
from sqlalchemy import make_url
from zeep.wsse.username import UsernameToken

from raas.config import Settings
from raas.persistence.database import make_engine
from raas.wsgi import create_app
from tests.conftest import ROOT, serving


@pytest.fixture(scope="module")
def unreachable_database_url():  # type: ignore[no-untyped-def]
    # Port 1 on loopback: nothing listens there, so every connection is refused at once.
    engine = make_engine(make_url("postgresql+psycopg://raas@127.0.0.1:1/raas"))
    with serving(create_app(Settings(), engine=engine)) as url:
        yield url
    engine.dispose()


def test_health_is_503_without_database(unreachable_database_url: str) -> None:
    response = requests.get(f"{unreachable_database_url}/health", timeout=10)
    assert response.status_code == 503
    assert "database" in response.text


def test_health_is_200_with_database_and_names_the_primary(live_url: str) -> None:
    response = requests.get(f"{live_url}/health", timeout=10)
    assert response.status_code == 200
    assert re.fullmatch(r"ok\ndatabase: primary \S+:\d+\n", response.text), response.text


def test_calls_without_database_get_msg00001(unreachable_database_url: str) -> None:
    client = zeep.Client(str(ROOT / "wsdl" / "Register.wsdl"), wsse=UsernameToken("u", "p"))
    proxy = client.create_service(
        next(iter(client.wsdl.bindings)), f"{unreachable_database_url}/Register"
    )
    with pytest.raises(zeep.exceptions.Fault) as raised:
        proxy.ListTypeDossiers()
    assert raised.value.code.endswith("Server")
    assert raised.value.detail.find(".//{urn:raas:common:v1}reasonCode").text == "MSG00001"
