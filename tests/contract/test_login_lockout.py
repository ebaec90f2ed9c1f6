"""Repeated failed logins: a username is refused from one address for a while, not elsewhere.

The service runs with a short lock window; clients connect from different loopback addresses
(127.0.0.2, 127.0.0.3, …), which the gateway sees as the request's REMOTE_ADDR.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
import requests
import zeep
from sqlalchemy import Engine, text
from zeep.transports import Transport
from zeep.wsse.username import UsernameToken

from raas.config import Settings
from raas.wsgi import create_app
from tests.conftest import ROOT, serving
from tests.support import FromAddress
from tests.world import PASSWORD, Users

MAX_FAILURES = 3
LOCK_SECONDS = 2.0


@pytest.fixture()
def strict_url(service_engine: Engine) -> Iterator[str]:
    settings = Settings(auth_max_failures=MAX_FAILURES, auth_lock_seconds=LOCK_SECONDS)
    with serving(create_app(settings, engine=service_engine)) as url:
        yield url


Call = Callable[[str, str, str], str]


@pytest.fixture()
def list_type_dossiers(strict_url: str) -> Call:
    """`call(username, password, from_address)`: ListTypeDossiers' status code or fault code."""

    def call(username: str, password: str, address: str) -> str:
        session = requests.Session()
        session.mount("http://", FromAddress(address))
        client = zeep.Client(
            str(ROOT / "wsdl" / "Register.wsdl"),
            wsse=UsernameToken(username, password),
            transport=Transport(session=session),
        )
        proxy = client.create_service(next(iter(client.wsdl.bindings)), f"{strict_url}/Register")
        try:
            return str(proxy.ListTypeDossiers().status.code)
        except zeep.exceptions.Fault as fault:
            assert fault.message == "Authentication failed"
            return str(fault.detail.find(".//{urn:raas:common:v1}reasonCode").text)
        finally:
            session.close()

    return call


def notes(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.scalars(
                text("SELECT note FROM audit_log WHERE note IS NOT NULL ORDER BY chain_seq")
            )
        )


def test_failures_lock_a_username_from_one_address_for_a_while(
    list_type_dossiers: Call, users: Users, engine: Engine
) -> None:
    attacker, elsewhere = "127.0.0.2", "127.0.0.3"
    for _ in range(MAX_FAILURES):
        assert list_type_dossiers(users.client, "wrong password!", attacker) == "MSG00014"
    locked_at = time.monotonic()
    # Even the right password is refused from there …
    assert list_type_dossiers(users.client, PASSWORD, attacker) == "MSG00014"
    # … but not from another address.
    assert list_type_dossiers(users.client, PASSWORD, elsewhere) == "MSG00100"
    audited = notes(engine)
    assert audited[0] == f"login of '{users.client}' from {attacker} failed (1 of {MAX_FAILURES})"
    assert audited[MAX_FAILURES - 1].startswith(
        f"login of '{users.client}' from {attacker} failed ({MAX_FAILURES} of {MAX_FAILURES}), "
        "locked until "
    )
    assert audited[MAX_FAILURES].startswith(
        f"login of '{users.client}' from {attacker} refused: locked until "
    )
    time.sleep(max(0.0, LOCK_SECONDS + 0.2 - (time.monotonic() - locked_at)))
    # The lock ends by itself.
    assert list_type_dossiers(users.client, PASSWORD, attacker) == "MSG00100"
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM login_failures")) == 0


def test_an_unknown_user_is_locked_like_a_known_one(
    list_type_dossiers: Call, users: Users, engine: Engine
) -> None:
    answers = [list_type_dossiers("nobody-here", "any password", "127.0.0.4") for _ in range(5)]
    assert answers == ["MSG00014"] * 5
    assert notes(engine)[-1].startswith("login of 'nobody-here' from 127.0.0.4 refused: locked")


def test_old_failures_are_purged(list_type_dossiers: Call, users: Users, engine: Engine) -> None:
    for name in ("someone-1", "someone-2"):
        assert list_type_dossiers(name, "wrong password!", "127.0.0.5") == "MSG00014"
    time.sleep(LOCK_SECONDS + 0.2)
    assert list_type_dossiers("someone-3", "wrong password!", "127.0.0.5") == "MSG00014"
    with engine.connect() as conn:
        kept = conn.scalars(text("SELECT username FROM login_failures")).all()
    assert kept == ["someone-3"]


@pytest.fixture()
def behind_proxy(service_engine: Engine) -> Iterator[Callable[[str, str, str, str], str]]:
    """`call(username, password, peer, forwarded_for)` against a service trusting 127.0.0.9."""
    settings = Settings(
        auth_max_failures=MAX_FAILURES,
        auth_lock_seconds=LOCK_SECONDS,
        trusted_proxies=("127.0.0.9",),
    )
    with serving(create_app(settings, engine=service_engine)) as url:

        def call(username: str, password: str, peer: str, forwarded_for: str) -> str:
            session = requests.Session()
            session.mount("http://", FromAddress(peer))
            session.headers["X-Forwarded-For"] = forwarded_for
            client = zeep.Client(
                str(ROOT / "wsdl" / "Register.wsdl"),
                wsse=UsernameToken(username, password),
                transport=Transport(session=session),
            )
            proxy = client.create_service(next(iter(client.wsdl.bindings)), f"{url}/Register")
            try:
                return str(proxy.ListTypeDossiers().status.code)
            except zeep.exceptions.Fault as fault:
                return str(fault.detail.find(".//{urn:raas:common:v1}reasonCode").text)
            finally:
                session.close()

        yield call


def test_behind_a_trusted_proxy_one_clients_failures_do_not_lock_out_the_others(
    behind_proxy, users: Users, engine: Engine
) -> None:
    proxy = "127.0.0.9"
    for _ in range(MAX_FAILURES):
        assert behind_proxy(users.client, "wrong password!", proxy, "198.51.100.7") == "MSG00014"
    # That client is locked out …
    assert behind_proxy(users.client, PASSWORD, proxy, "198.51.100.7") == "MSG00014"
    # … the username's other users, behind the same proxy, are not.
    assert behind_proxy(users.client, PASSWORD, proxy, "203.0.113.20") == "MSG00100"
    assert "from 198.51.100.7 refused: locked" in notes(engine)[-1]


def test_the_forwarded_header_of_an_untrusted_peer_is_ignored(
    behind_proxy, users: Users, engine: Engine
) -> None:
    peer = "127.0.0.10"  # not a trusted proxy: its X-Forwarded-For is anyone's invention
    for n in range(MAX_FAILURES):
        forged = f"198.51.100.{n + 1}"
        assert behind_proxy(users.client, "wrong password!", peer, forged) == "MSG00014"
    assert behind_proxy(users.client, PASSWORD, peer, "198.51.100.99") == "MSG00014"
    assert notes(engine)[-1].startswith(f"login of '{users.client}' from {peer} refused")
