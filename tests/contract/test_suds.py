"""A second, independent SOAP client: suds-community, from the committed WSDL files.

The zeep tests fix the behaviour; these drive the main operations of every service with suds
(its own WSDL reader, marshaller and WS-Security header) and assert the same statuses and data,
so the WSDL is not tuned to one client. suds loads each WSDL from a file:// URL, exactly as an
integrator would from a checkout of the repository, and is pointed at the live app.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from functools import partial

import pytest
from sqlalchemy import Engine
from suds import WebFault
from suds.client import Client
from suds.wsse import Security, UsernameToken

from raas import usecases
from raas.clock import today
from raas.models.ssin import make_ssin
from raas.persistence.uow import UnitOfWork
from raas.usecases import notifications, sourcefeed
from raas.usecases import source as source_changes
from tests.conftest import ROOT
from tests.contract.conftest import CLIENT_CBE, OTHER_CBE, PASSWORD

ACTIVE = make_ssin(1985, 3, 14, 123)
SUCCESSOR = make_ssin(1985, 3, 14, 125)
REPLACED = make_ssin(1985, 3, 14, 127)
CANCELED = make_ssin(1990, 7, 1, 12)
UNKNOWN = make_ssin(1985, 3, 14, 997)
MALFORMED = ACTIVE[:-1] + str((int(ACTIVE[-1]) + 1) % 10)

SudsFactory = Callable[..., object]


@pytest.fixture()
def suds(live_url: str) -> SudsFactory:
    """`suds("Register", user)`: a suds client from wsdl/<Service>.wsdl on the live app."""

    def make(service: str, username: str | None = None, password: str = PASSWORD):  # type: ignore[no-untyped-def]
        client = Client(
            (ROOT / "wsdl" / f"{service}.wsdl").as_uri(),
            location=f"{live_url}/{service}",
            cache=None,
            timeout=30,
        )
        if username is not None:
            security = Security()
            security.tokens.append(UsernameToken(username, password))
            client.set_options(wsse=security)
        return client

    return make


@pytest.fixture()
def persons(engine: Engine) -> None:
    rows = [
        f"{ACTIVE},Van den Broucke,Jan-Pieter,1985-03-14,MALE,ACTIVE,",
        f"{SUCCESSOR},Peeters,Marie,1985-03-14,FEMALE,ACTIVE,",
        f"{REPLACED},Peeters,Marie,1985-03-14,FEMALE,REPLACED,{SUCCESSOR}",
        f"{CANCELED},Dubois,Luc,1990-07-01,MALE,CANCELED,",
    ]
    csv = "ssin,lastName,firstName,birthDate,gender,status,replacedBy\n" + "\n".join(rows) + "\n"
    uow = partial(UnitOfWork, engine)
    assert sourcefeed.import_csv(uow, io.StringIO(csv)).errors == ()
    for code in ("0", "902"):
        usecases.define_type_dossier(uow, CLIENT_CBE, code, f"type {code}")
    usecases.define_type_dossier(uow, OTHER_CBE, "902", "of the other organisation")


def status(answer) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    return answer.status.value, answer.status.code


def information(answer) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {i.fieldName: i.fieldValue for i in getattr(answer.status, "information", [])}


def period(client, begin: str, end: str | None = None):  # type: ignore[no-untyped-def]
    """A `Period` built from the WSDL's type (suds leaves an unset endDate out)."""
    value = client.factory.create("{urn:raas:common:v1}Period")
    value.beginDate = begin
    value.endDate = end
    return value


def lines(answer) -> list[tuple[str, str, str, str | None]]:  # type: ignore[no-untyped-def]
    held = getattr(answer, "inscriptions", None)
    return [
        (
            i.ssin,
            i.typeDossier,
            str(i.period.beginDate),
            str(i.period.endDate) if getattr(i.period, "endDate", None) else None,
        )
        for i in (held.inscription if held else [])
    ]


def text(value) -> str:  # type: ignore[no-untyped-def]
    """A simple-content element's text: suds gives an object only when attributes are present."""
    return str(getattr(value, "value", value))


def fault_code(call: Callable[[], object]) -> str:
    """The contract reasonCode of the SOAP fault `call` raises."""
    with pytest.raises(WebFault) as info:
        call()
    return info.value.fault.detail.error.reasonCode


# -- Authentication ------------------------------------------------------------------------------


def test_suds_usernametoken_authenticates_and_wrong_passwords_are_refused(
    suds, users, persons
) -> None:
    answer = suds("Register", users.client).service.ListTypeDossiers()
    assert status(answer) == ("DATA_FOUND", "MSG00000")
    assert [(t.code, t.description) for t in answer.typeDossiers.typeDossier] == [
        ("0", "type 0"),
        ("902", "type 902"),
    ]
    assert answer.informationCBSS.ticketCBSS
    assert fault_code(suds("Register", users.client, "wrong").service.ListTypeDossiers) == (
        "MSG00014"
    )
    assert fault_code(suds("Register").service.ListTypeDossiers) == "MSG00014"


def test_a_client_calling_admin_is_refused(suds, users) -> None:
    admin = suds("Admin", users.client).service
    assert fault_code(lambda: admin.DefineKeyType(code="X", description="x")) == "MSG00016"


# -- Register --------------------------------------------------------------------------------


def test_inscribe_merges_consult_and_remove_cut(suds, users, persons) -> None:
    client = suds("Register", users.client)
    register = client.service
    customer = {"ticket": "suds-1"}
    first = register.Inscribe(
        informationCustomer=customer,
        ssin=ACTIVE,
        typeDossier="902",
        period=period(client, "2025-01-01", "2025-06-30"),
    )
    assert status(first) == ("OK", "MSG00000")
    assert first.informationCustomer.ticket == "suds-1"
    assert lines(first) == [(ACTIVE, "902", "2025-01-01", "2025-06-30")]
    touching = register.Inscribe(
        ssin=ACTIVE, typeDossier="902", period=period(client, "2025-07-01")
    )
    assert lines(touching) == [(ACTIVE, "902", "2025-01-01", None)]

    cut = register.Remove(
        ssin=ACTIVE, typeDossier="902", period=period(client, "2025-03-01", "2025-03-31")
    )
    assert status(cut) == ("OK", "MSG00000")
    assert lines(cut) == [
        (ACTIVE, "902", "2025-01-01", "2025-02-28"),
        (ACTIVE, "902", "2025-04-01", None),
    ]
    consulted = register.Consult(ssin=ACTIVE, period=period(client, "2025-05-01", "2025-05-01"))
    assert status(consulted) == ("DATA_FOUND", "MSG00000")
    assert lines(consulted) == [(ACTIVE, "902", "2025-04-01", None)]

    assert status(register.Remove(ssin=ACTIVE, typeDossier="902")) == ("OK", "MSG00000")
    assert status(register.Consult(ssin=ACTIVE)) == ("NO_DATA_FOUND", "MSG00100")
    assert status(register.Remove(ssin=ACTIVE, typeDossier="902")) == ("NOK", "MSG00012")


@pytest.mark.parametrize(
    ("ssin", "type_dossier", "begin", "end", "expected"),
    [
        (MALFORMED, "902", "2025-01-01", None, "MSG00011"),
        (UNKNOWN, "902", "2025-01-01", None, "MSG00005"),
        (CANCELED, "902", "2025-01-01", None, "MSG00007"),
        (ACTIVE, "902", "2025-02-01", "2025-01-31", "MSG00008"),
        (ACTIVE, "UNDEFINED", "2025-01-01", None, "RAAS0001"),
    ],
)
def test_refused_inscriptions_answer_nok_with_the_contract_code(
    suds, users, persons, ssin, type_dossier, begin, end, expected
) -> None:
    client = suds("Register", users.client)
    answer = client.service.Inscribe(
        ssin=ssin, typeDossier=type_dossier, period=period(client, begin, end)
    )
    assert status(answer) == ("NOK", expected)
    assert lines(client.service.Consult(ssin=ACTIVE)) == []


def test_a_replaced_ssin_is_followed_and_person_data_are_checked(suds, users, persons) -> None:
    client = suds("Register", users.client)
    followed = client.service.Inscribe(
        ssin=REPLACED, typeDossier="0", period=period(client, "2025-01-01")
    )
    assert status(followed) == ("OK", "MSG00006")
    assert information(followed) == {"replacedBy": SUCCESSOR}
    assert lines(followed) == [(SUCCESSOR, "0", "2025-01-01", None)]

    data = client.factory.create("{urn:raas:register:v1}PersonData")
    data.lastName, data.firstName, data.birthDate, data.gender = (
        "VAN DEN BROUCKE",
        "Jan",
        "1985-03-14",
        "FEMALE",
    )
    mismatch = client.service.Inscribe(
        ssin=ACTIVE, typeDossier="0", period=period(client, "2025-01-01"), personData=data
    )
    assert status(mismatch) == ("NOK", "RAAS0002")
    assert set(information(mismatch)) == {"firstName", "gender"}


def test_inscribe_batch_answers_each_item_in_order(suds, users, persons) -> None:
    client = suds("Register", users.client)

    def item(ssin: str, begin: str, end: str | None = None):  # type: ignore[no-untyped-def]
        value = client.factory.create("{urn:raas:register:v1}InscriptionItem")
        value.ssin, value.typeDossier, value.period = ssin, "902", period(client, begin, end)
        return value

    answer = client.service.InscribeBatch(
        inscription=[
            item(ACTIVE, "2025-01-01", "2025-01-31"),
            item(MALFORMED, "2025-01-01"),
            item(ACTIVE, "2025-02-01", "2025-02-28"),
        ]
    )
    assert status(answer) == ("OK", "MSG00000")
    results = answer.results.result
    assert [status(r) for r in results] == [
        ("OK", "MSG00000"),
        ("NOK", "MSG00011"),
        ("OK", "MSG00000"),
    ]
    assert lines(results[2]) == [(ACTIVE, "902", "2025-01-01", "2025-02-28")]
    # The other organisation sees none of it.
    other = suds("Register", users.other).service.Consult(ssin=ACTIVE)
    assert status(other) == ("NO_DATA_FOUND", "MSG00100")


def test_subscriptions_and_notification_files(suds, users, persons, engine, tmp_path) -> None:
    register = suds("Register", users.client).service
    assert status(register.Subscribe(flow="SSIN_REPLACEMENT")) == ("OK", "MSG00000")
    assert status(register.Subscribe(flow="DIMONA")) == ("NOK", "RAAS0009")
    subscribed = register.ListSubscriptions()
    assert [s.flow for s in subscribed.subscriptions.subscription] == ["SSIN_REPLACEMENT"]

    uow = partial(UnitOfWork, engine)
    client = suds("Register", users.client)
    client.service.Inscribe(ssin=ACTIVE, typeDossier="0", period=period(client, "2020-01-01"))
    new = make_ssin(1985, 3, 14, 131)
    source_changes.replace(uow, ACTIVE, new)
    notifications.run(uow, today(), tmp_path)

    listed = register.ListNotificationFiles()
    assert status(listed) == ("DATA_FOUND", "MSG00000")
    (made,) = listed.files.file
    assert (made.flow, made.recordCount) == ("SSIN_REPLACEMENT", 1)
    fetched = register.GetNotificationFile(fileId=made.fileId)
    assert status(fetched) == ("DATA_FOUND", "MSG00000")
    content = base64.b64decode(fetched.content)
    assert content == (tmp_path / CLIENT_CBE / made.fileId).read_bytes()
    assert new.encode() in content and b"<sha256>" in base64.b64decode(fetched.voucher)

    assert status(register.Unsubscribe(flow="SSIN_REPLACEMENT")) == ("OK", "MSG00000")
    gone = suds("Register", users.other).service.GetNotificationFile(fileId=made.fileId)
    assert status(gone) == ("NO_DATA_FOUND", "MSG00100")


# -- Identification ----------------------------------------------------------------------------


def test_search_person_by_ssin_and_phonetically(suds, users, persons) -> None:
    identification = suds("Identification", users.client).service
    found = identification.SearchPersonBySsin(ssin=REPLACED)
    assert status(found) == ("DATA_FOUND", "MSG00000")
    person = found.person
    assert (text(person.ssin), person.ssin._replacedBy) == (REPLACED, SUCCESSOR)
    assert (person.lastName, str(person.birthDate), person.register) == (
        "Peeters",
        "1985-03-14",
        "RR",
    )
    assert status(identification.SearchPersonBySsin(ssin=UNKNOWN)) == ("NO_RESULT", "MSG00005")

    variants = identification.SearchPersonPhonetically(
        lastName="Vandenbroucke", birthDate="1985-03-14"
    )
    assert status(variants) == ("DATA_FOUND", "MSG00000")
    best = variants.persons.person[0]
    assert text(best.ssin) == ACTIVE and 0 < best.score <= 1
    nothing = identification.SearchPersonPhonetically(lastName="Xyzzyq", birthDate="1985-03-14")
    assert status(nothing) == ("NO_DATA_FOUND", "MSG00100")


def test_register_person_creates_a_bis_number_then_refuses_the_duplicate(suds, users, persons):  # type: ignore[no-untyped-def]
    identification = suds("Identification", users.client).service
    made = identification.RegisterPerson(
        lastName="Kowalski", firstName="Jan", birthDate="1979-11-02", gender="MALE"
    )
    assert status(made) == ("OK", "MSG00000")
    ssin = made.newlyRegisteredPerson.ssin
    assert ssin[2:4] == "51" and int(ssin[6:9]) % 2 == 1  # month + 40, odd for a man
    again = identification.RegisterPerson(
        lastName="Kowalski", firstName="Jan", birthDate="1979-11-02", gender="MALE"
    )
    assert status(again) == ("NOK", "RAAS0008")
    assert [text(p.ssin) for p in again.existingPersons.person] == [ssin]
    updated = identification.UpdatePerson(ssin=ssin, firstName="Janusz")
    assert status(updated) == ("OK", "MSG00000")
    assert updated.person.firstName == "Janusz"
    assert status(identification.UpdatePerson(ssin=ACTIVE, firstName="X")) == ("NOK", "RAAS0007")


# -- LinkRegister and Admin ------------------------------------------------------------------


def test_links_create_consult_both_ways_update_and_delete(suds, users, persons) -> None:
    client = suds("LinkRegister", users.client)
    links = client.service
    made = links.CreateLink(
        ssin=ACTIVE,
        foreignKey="1112.22.333",
        country="NL",
        keyType="NATIONAL_NUMBER",
        validity=period(client, "2020-01-01", "2024-12-31"),
    )
    assert status(made) == ("OK", "MSG00000")
    link = made.link
    assert (link.ssin, link.foreignKey, link.country, link.keyType) == (
        ACTIVE,
        "111222333",
        "NL",
        "NATIONAL_NUMBER",
    )
    again = links.CreateLink(
        ssin=ACTIVE, foreignKey="111222333", country="NL", keyType="NATIONAL_NUMBER"
    )
    assert status(again) == ("NOK", "RAAS0004")
    wrong = links.CreateLink(
        ssin=ACTIVE, foreignKey="1112.52.333", country="NL", keyType="NATIONAL_NUMBER"
    )
    assert status(wrong) == ("NOK", "RAAS0003")

    other = suds("LinkRegister", users.other).service  # the register is shared
    by_ssin = other.ConsultLinksBySsin(ssin=ACTIVE)
    assert status(by_ssin) == ("DATA_FOUND", "MSG00000")
    assert [x.linkId for x in by_ssin.links.link] == [link.linkId]
    by_key = other.ConsultLinksByForeignKey(foreignKey="1112.22.333", country="NL")
    assert [x.ssin for x in by_key.links.link] == [ACTIVE]
    none = other.ConsultLinksByForeignKey(foreignKey="999999999", country="NL")
    assert status(none) == ("NO_DATA_FOUND", "MSG00100")

    stranger = other.UpdateLink(linkId=link.linkId, validity=period(client, "2021-01-01"))
    assert status(stranger) == ("NOK", "RAAS0010")
    changed = links.UpdateLink(linkId=link.linkId, validity=period(client, "2021-01-01"))
    assert status(changed) == ("OK", "MSG00000")
    assert str(changed.link.validity.beginDate) == "2021-01-01"
    assert getattr(changed.link.validity, "endDate", None) is None
    refused = links.UpdateLink(
        linkId=link.linkId, validity=period(client, "2021-01-01"), country="BE"
    )
    assert status(refused) == ("NOK", "RAAS0006")

    formats = links.ConsultFormats(country="NL")
    assert status(formats) == ("DATA_FOUND", "MSG00000")
    assert ("NL", "NATIONAL_NUMBER") in {(f.country, f.keyType) for f in formats.formats.format}

    admin = suds("Admin", users.admin).service
    assert status(admin.DeleteLink(linkId=link.linkId)) == ("OK", "MSG00000")
    assert status(links.ConsultLinksBySsin(ssin=ACTIVE)) == ("NO_DATA_FOUND", "MSG00100")


def test_admin_defines_type_dossiers_and_reads_the_audit_log(suds, users) -> None:
    admin = suds("Admin", users.admin).service
    assert status(admin.DefineTypeDossier(cbeNumber=CLIENT_CBE, code="SUDS", description="s")) == (
        "OK",
        "MSG00000",
    )
    assert status(admin.DefineTypeDossier(cbeNumber="0203201341", code="X", description="x")) == (
        "NOK",
        "MSG00008",
    )
    listed = suds("Register", users.client).service.ListTypeDossiers()
    assert [t.code for t in listed.typeDossiers.typeDossier] == ["SUDS"]

    audit = admin.ConsultAuditLog(cbeNumber=CLIENT_CBE, fromDate=today().isoformat())
    assert status(audit) == ("DATA_FOUND", "MSG00000")
    assert "ListTypeDossiers" in {e.operation for e in audit.entries.entry}
