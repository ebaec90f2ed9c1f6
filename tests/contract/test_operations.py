"""The first vertical slices, through zeep and the whole stack: type dossiers, persons, formats."""

from __future__ import annotations

import io
from functools import partial
from uuid import UUID

import pytest
from sqlalchemy import Engine

from raas.models.ssin import make_ssin
from raas.persistence.uow import UnitOfWork
from raas.usecases import sourcefeed
from tests.contract.conftest import CLIENT_CBE, OTHER_CBE


def test_define_then_list_type_dossiers(soap, users) -> None:
    admin = soap("Admin", users.admin)
    answer = admin.DefineTypeDossier(cbeNumber=CLIENT_CBE, code="902", description="Provisional")
    assert (answer.status.value, answer.status.code) == ("OK", "MSG00000")
    admin.DefineTypeDossier(cbeNumber=CLIENT_CBE, code="0", description="Definitive")

    listed = soap("Register", users.client).ListTypeDossiers()
    assert (listed.status.value, listed.status.code) == ("DATA_FOUND", "MSG00000")
    assert [(t.code, t.description) for t in listed.typeDossiers.typeDossier] == [
        ("0", "Definitive"),
        ("902", "Provisional"),
    ]
    UUID(listed.informationCBSS.ticketCBSS)


def test_redefining_a_type_dossier_changes_its_description(soap, users) -> None:
    admin = soap("Admin", users.admin)
    admin.DefineTypeDossier(cbeNumber=CLIENT_CBE, code="902", description="old")
    admin.DefineTypeDossier(cbeNumber=CLIENT_CBE, code="902", description="new")
    listed = soap("Register", users.client).ListTypeDossiers()
    assert [(t.code, t.description) for t in listed.typeDossiers.typeDossier] == [("902", "new")]


def test_type_dossiers_belong_to_one_organisation(soap, users) -> None:
    admin = soap("Admin", users.admin)
    admin.DefineTypeDossier(cbeNumber=CLIENT_CBE, code="SHARED", description="of client A")
    admin.DefineTypeDossier(cbeNumber=OTHER_CBE, code="SHARED", description="of client B")
    admin.DefineTypeDossier(cbeNumber=CLIENT_CBE, code="ONLY_A", description="of client A")

    mine = soap("Register", users.client).ListTypeDossiers().typeDossiers.typeDossier
    theirs = soap("Register", users.other).ListTypeDossiers().typeDossiers.typeDossier
    assert [(t.code, t.description) for t in mine] == [
        ("ONLY_A", "of client A"),
        ("SHARED", "of client A"),
    ]
    assert [(t.code, t.description) for t in theirs] == [("SHARED", "of client B")]


def test_no_type_dossiers_is_no_data_found(soap, users) -> None:
    listed = soap("Register", users.client).ListTypeDossiers()
    assert (listed.status.value, listed.status.code) == ("NO_DATA_FOUND", "MSG00100")
    assert listed.typeDossiers is None


def test_an_invalid_cbe_number_is_refused_and_changes_nothing(soap, users) -> None:
    answer = soap("Admin", users.admin).DefineTypeDossier(
        cbeNumber="0203201341", code="902", description="x"
    )
    assert (answer.status.value, answer.status.code) == ("NOK", "MSG00008")
    assert [(i.fieldName, i.fieldValue) for i in answer.status.information] == [
        ("cbeNumber", "0203201341")
    ]
    assert soap("Register", users.client).ListTypeDossiers().status.code == "MSG00100"


# -- Identification.SearchPersonBySsin ---------------------------------------------------------

ACTIVE = make_ssin(1985, 3, 14, 123)
SUCCESSOR = make_ssin(1985, 3, 14, 125)
REPLACED = make_ssin(1985, 3, 14, 127)
CANCELED = make_ssin(1990, 7, 0, 12)
BIS_PERSON = make_ssin(1979, 11, 2, 44, month_offset=40)


@pytest.fixture()
def persons(engine: Engine) -> None:
    csv = (
        "ssin,lastName,firstName,birthDate,gender,status,replacedBy\n"
        f"{ACTIVE},Van den Broucke,Jan,1985-03-14,MALE,ACTIVE,\n"
        f"{SUCCESSOR},Peeters,Marie-Claire,1985-03-14,FEMALE,ACTIVE,\n"
        f"{REPLACED},Peeters,Marie-Claire,1985-03-14,FEMALE,REPLACED,{SUCCESSOR}\n"
        f"{CANCELED},Dubois,Luc,1990-07-00,MALE,CANCELED,\n"
        f"{BIS_PERSON},Müller,Jürgen,1979-11-02,MALE,ACTIVE,\n"
    )
    done = sourcefeed.import_csv(partial(UnitOfWork, engine), io.StringIO(csv))
    assert (done.added, done.errors) == (5, ())


def test_search_person_by_ssin(soap, users, persons) -> None:
    answer = soap("Identification", users.client).SearchPersonBySsin(ssin=ACTIVE)
    assert (answer.status.value, answer.status.code) == ("DATA_FOUND", "MSG00000")
    person = answer.person
    assert (
        person.ssin._value_1,
        person.lastName,
        person.firstName,
        person.birthDate,
        person.gender,
        person.register,
    ) == (ACTIVE, "Van den Broucke", "Jan", "1985-03-14", "MALE", "RR")
    assert person.ssin.canceled is None and person.ssin.replacedBy is None


def test_search_person_by_ssin_shows_replacement_cancellation_and_bis(soap, users, persons) -> None:
    identification = soap("Identification", users.client)
    replaced = identification.SearchPersonBySsin(ssin=REPLACED).person
    assert replaced.ssin.replacedBy == SUCCESSOR
    canceled = identification.SearchPersonBySsin(ssin=CANCELED).person
    assert canceled.ssin.canceled is True and canceled.birthDate == "1990-07-00"
    bis = identification.SearchPersonBySsin(ssin=BIS_PERSON).person
    assert (bis.register, bis.lastName) == ("BIS", "Müller")


@pytest.mark.parametrize(
    ("ssin", "code"),
    [
        (make_ssin(1985, 3, 14, 999 - 2), "MSG00005"),  # valid, but not in the source
        (ACTIVE[:-1] + str((int(ACTIVE[-1]) + 1) % 10), "MSG00011"),  # wrong check digits
    ],
)
def test_search_person_by_ssin_refusals(soap, users, persons, ssin: str, code: str) -> None:
    answer = soap("Identification", users.client).SearchPersonBySsin(ssin=ssin)
    assert (answer.status.value, answer.status.code, answer.person) == ("NO_RESULT", code, None)


# -- LinkRegister.ConsultFormats ---------------------------------------------------------------


def test_consult_formats_gives_the_default_rule_first(soap, users) -> None:
    answer = soap("LinkRegister", users.client).ConsultFormats(country="NL")
    assert answer.status.value == "DATA_FOUND"
    rule = answer.formats.format[0]
    assert (rule.country, rule.keyType) == ("*", "*")
    assert "5 characters" in rule.description
