"""Contract fixtures: zeep clients built from the committed WSDL files, users of two roles, the
Register of a client with the world's people, and LinkRegister's key types and formats restored."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterator
from functools import partial

import pytest
import zeep
from sqlalchemy import Engine, delete, insert, select
from zeep.wsse.username import UsernameToken

from raas import usecases
from raas.client.cli import main
from raas.models.users import Role
from raas.persistence.link_formats import link_formats, link_key_types
from raas.persistence.links import links
from raas.persistence.uow import UnitOfWork
from tests import world
from tests.conftest import ROOT
from tests.world import ADMIN_CBE, CLIENT_CBE, OTHER_CBE, PASSWORD, Users


@pytest.fixture(scope="session")
def session_users(session_engine: Engine) -> Users:
    """An admin and two clients of different organisations, all with PASSWORD."""
    uow = partial(UnitOfWork, session_engine)
    names = Users()
    usecases.create_user(uow, names.admin, ADMIN_CBE, Role.ADMIN, PASSWORD, "KSZ")
    usecases.create_user(uow, names.client, CLIENT_CBE, Role.CLIENT, PASSWORD, "Client A")
    usecases.create_user(uow, names.other, OTHER_CBE, Role.CLIENT, PASSWORD, "Client B")
    return names


@pytest.fixture()
def users(engine: Engine, session_users: Users) -> Users:
    """The session's users, in an otherwise emptied database."""
    return session_users


SoapFactory = Callable[..., zeep.proxy.ServiceProxy]


@pytest.fixture()
def soap(live_url: str) -> SoapFactory:
    """`soap("Register", user)`: a zeep service proxy from wsdl/<Service>.wsdl on the live app."""

    def make(
        service: str,
        username: str | None = None,
        password: str = PASSWORD,
        wsse: object | None = None,
    ) -> zeep.proxy.ServiceProxy:
        if wsse is None and username is not None:
            wsse = UsernameToken(username, password)
        client = zeep.Client(str(ROOT / "wsdl" / f"{service}.wsdl"), wsse=wsse)
        proxy = client.create_service(_binding_name(client), f"{live_url}/{service}")
        proxy._client = client  # keep the client (and its transport) alive with the proxy
        return proxy

    return make


def _binding_name(client: zeep.Client) -> str:
    (binding,) = client.wsdl.bindings.keys()
    return binding


@pytest.fixture()
def register(engine: Engine, soap, users):  # type: ignore[no-untyped-def]
    """The world's people in the source, its type dossiers; the first client's Register."""
    uow = partial(UnitOfWork, engine)
    # REPLACED_TWICE → MIDDLE → SUCCESSOR: a replacement is followed to its end.
    world.load(
        uow,
        world.ACTIVE,
        world.OTHER_PERSON,
        world.SUCCESSOR,
        world.MIDDLE,
        world.REPLACED_TWICE,
        world.CANCELED,
    )
    world.define_type_dossiers(uow)
    return soap("Register", users.client)


@pytest.fixture()
def registry(engine: Engine) -> Iterator[None]:
    """Key types and formats are kept between tests: put back what a test changed."""
    with engine.connect() as conn:
        kept = {t: list(conn.execute(select(t)).mappings()) for t in (link_key_types, link_formats)}
    yield
    with engine.begin() as conn:
        conn.execute(delete(links))  # emptied before the next test anyway
        conn.execute(delete(link_formats))
        conn.execute(delete(link_key_types))
        conn.execute(insert(link_key_types), [dict(row) for row in kept[link_key_types]])
        conn.execute(insert(link_formats), [dict(row) for row in kept[link_formats]])


@pytest.fixture()
def both(register, soap, users, engine):  # type: ignore[no-untyped-def]
    """The first client's Register (batches) and the second's (single Inscribes), with the
    same type dossiers."""
    uow = partial(UnitOfWork, engine)
    for type_dossier in ("0", "LIVING_WAGE"):
        usecases.define_type_dossier(uow, OTHER_CBE, type_dossier, type_dossier)
    return register, soap("Register", users.other)


@pytest.fixture()
def client(engine: Engine, users, live_url, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    """`client(user, "Operation --option value …")`: (exit code, printed text)."""
    uow = partial(UnitOfWork, engine)
    world.load(uow, world.JAN_PEETERS)
    usecases.define_type_dossier(uow, CLIENT_CBE, "902", "work incapacity")
    monkeypatch.setenv("RAAS_URL", live_url)
    monkeypatch.setenv("RAAS_PASSWORD", PASSWORD)

    def run(user: str, command: str) -> tuple[int, str]:
        monkeypatch.setenv("RAAS_USER", user)
        code = main(shlex.split(command))
        return code, capsys.readouterr().out

    return run
