"""Contract fixtures: zeep clients built from the committed WSDL files, users of two roles."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import pytest
import zeep
from sqlalchemy import Engine
from zeep.wsse.username import UsernameToken

from raas import usecases
from raas.models.users import Role
from raas.persistence.uow import UnitOfWork
from tests.conftest import ROOT

ADMIN_CBE = "0367302178"
CLIENT_CBE = "0203201340"
OTHER_CBE = "0404616494"
PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Users:
    admin: str = "ksz-admin"
    client: str = "client-a"
    other: str = "client-b"


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
