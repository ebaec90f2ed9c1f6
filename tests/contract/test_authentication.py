"""WS-Security UsernameToken authentication and the Admin role, as a zeep client meets them."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest
from zeep.exceptions import Fault
from zeep.wsse.username import UsernameToken

from raas import usecases
from raas.config import Settings
from raas.models.ssin import make_ssin
from raas.models.users import Role
from raas.persistence.uow import UnitOfWork
from raas.services.status import DESCRIPTIONS
from raas.services.types import COMMON_NS
from tests.world import CLIENT_CBE, PASSWORD, Users

NEW_PASSWORD = "a brand new password, longer"
CLIENT = Users().client

# One harmless call per service, so every service is shown to require authentication.
CALLS: dict[str, Callable[..., object]] = {
    "Register": lambda proxy: proxy.ListTypeDossiers(),
    "Identification": lambda proxy: proxy.SearchPersonBySsin(ssin=make_ssin(1985, 3, 14, 123)),
    "LinkRegister": lambda proxy: proxy.ConsultFormats(),
    "Admin": lambda proxy: proxy.DefineTypeDossier(
        cbeNumber=CLIENT_CBE, code="902", description="Provisional"),
}


def refusal(call: Callable[[], object]) -> Fault:
    """The zeep Fault that `call` raises."""
    with pytest.raises(Fault) as info:
        call()
    return info.value


def detail(fault: Fault, name: str) -> str:
    """A field of the fault's detail (reasonCode, diagnostic, ...)."""
    return fault.detail.find(f".//{{{COMMON_NS}}}{name}").text


def assert_client_fault(fault: Fault, code: str) -> None:
    assert fault.code.endswith("Client")
    assert fault.message == DESCRIPTIONS[code]
    assert detail(fault, "reasonCode") == code


@pytest.mark.parametrize("service", CALLS)
def test_a_request_without_a_security_header_is_refused(soap, users, service):
    fault = refusal(lambda: CALLS[service](soap(service)))
    assert_client_fault(fault, "MSG00014")


@pytest.mark.parametrize(
    ("username", "password"),
    [("nobody", PASSWORD), (CLIENT, "not the right password"), (CLIENT, "")],
    ids=["unknown user", "wrong password", "empty password"],
)
@pytest.mark.parametrize("service", ["Register", "Admin"])
def test_wrong_credentials_are_refused(soap, users, service, username, password):
    fault = refusal(lambda: CALLS[service](soap(service, username, password)))
    assert_client_fault(fault, "MSG00014")


def test_an_unknown_user_and_a_wrong_password_look_the_same(soap, users):
    unknown = refusal(lambda: soap("Register", "nobody").ListTypeDossiers())
    wrong = refusal(lambda: soap("Register", users.client, "not the right password")
                    .ListTypeDossiers())
    assert (unknown.message, detail(unknown, "diagnostic")) == (
        wrong.message, detail(wrong, "diagnostic"))


def test_a_password_digest_is_refused_with_a_hint_to_send_password_text(soap, users):
    token = UsernameToken(users.client, PASSWORD, use_digest=True)
    fault = refusal(lambda: soap("Register", wsse=token).ListTypeDossiers())
    assert_client_fault(fault, "MSG00014")
    assert "PasswordText" in detail(fault, "diagnostic")


def test_a_client_calling_admin_is_refused_and_changes_nothing(soap, users):
    fault = refusal(lambda: CALLS["Admin"](soap("Admin", users.client)))
    assert_client_fault(fault, "MSG00016")
    assert soap("Register", users.client).ListTypeDossiers().status.code == "MSG00100"


def test_an_admin_calling_admin_is_served(soap, users):
    answer = CALLS["Admin"](soap("Admin", users.admin))
    assert (answer.status.value, answer.status.code) == ("OK", "MSG00000")


@pytest.mark.parametrize("service", CALLS)
def test_an_admin_is_authenticated_on_every_service(soap, users, service):
    assert CALLS[service](soap(service, users.admin)).status.code


def test_a_changed_password_refuses_the_old_one_at_once(soap, users, engine):
    assert Settings().auth_cache_seconds > 0  # the live app remembers successful checks
    for _ in range(2):  # the second call is answered from the verification cache
        assert soap("Register", users.client).ListTypeDossiers().status.code == "MSG00100"
    uow = partial(UnitOfWork, engine)
    usecases.create_user(uow, users.client, CLIENT_CBE, Role.CLIENT, NEW_PASSWORD, "Client A")
    try:
        fault = refusal(lambda: soap("Register", users.client).ListTypeDossiers())
        assert_client_fault(fault, "MSG00014")
        answer = soap("Register", users.client, NEW_PASSWORD).ListTypeDossiers()
        assert answer.status.code == "MSG00100"
    finally:  # the users are shared by the whole run
        usecases.create_user(uow, users.client, CLIENT_CBE, Role.CLIENT, PASSWORD, "Client A")
