"""A replacement by the authentic source, as clients see it through zeep afterwards."""

from __future__ import annotations

import io
from datetime import date
from functools import partial

import pytest
from sqlalchemy import Engine

from raas import usecases
from raas.models.ssin import make_ssin
from raas.persistence.uow import UnitOfWork
from raas.usecases import source, sourcefeed
from tests.contract.conftest import CLIENT_CBE, OTHER_CBE
from tests.contract.test_linkregister import listed, outcome
from tests.contract.test_register import code, information, lines, period

OLD = make_ssin(1985, 3, 14, 123)
NEW = make_ssin(1985, 3, 14, 125)


@pytest.fixture()
def uow(engine: Engine, users) -> partial[UnitOfWork]:  # type: ignore[no-untyped-def]
    factory = partial(UnitOfWork, engine)
    csv = (
        "ssin,lastName,firstName,birthDate,gender,status,replacedBy\n"
        f"{OLD},Peeters,Jan,1985-03-14,MALE,ACTIVE,\n"
        f"{NEW},Peeters,Jan,1985-03-14,MALE,ACTIVE,\n"
    )
    assert sourcefeed.import_csv(factory, io.StringIO(csv)).errors == ()
    for cbe in (CLIENT_CBE, OTHER_CBE):
        for type_dossier in ("0", "902"):
            usecases.define_type_dossier(factory, cbe, type_dossier, type_dossier)
    return factory


def test_consult_on_the_old_ssin_answers_the_merged_lines_of_the_new_one(soap, users, uow):
    register = soap("Register", users.client)
    register.Inscribe(ssin=OLD, typeDossier="902", period=period("2024-01-01", "2024-06-30"))
    register.Inscribe(ssin=NEW, typeDossier="902", period=period("2024-07-01", "2024-09-30"))
    register.Inscribe(ssin=OLD, typeDossier="0", period=period("2025-01-01"))
    theirs = soap("Register", users.other)
    theirs.Inscribe(ssin=OLD, typeDossier="902", period=period("2023-01-01", "2023-12-31"))

    source.replace(uow, OLD, NEW)

    consulted = register.Consult(ssin=OLD)
    assert code(consulted) == ("DATA_FOUND", "MSG00006")
    assert information(consulted) == {"replacedBy": NEW}
    assert lines(consulted) == [
        (NEW, "0", "2025-01-01", None),
        (NEW, "902", "2024-01-01", "2024-09-30"),
    ]
    assert lines(register.Consult(ssin=NEW)) == lines(consulted)
    assert lines(theirs.Consult(ssin=OLD)) == [(NEW, "902", "2023-01-01", "2023-12-31")]
    # writes on the old ssin land on the new one
    added = register.Inscribe(ssin=OLD, typeDossier="0", period=period("2024-12-01"))
    assert code(added) == ("OK", "MSG00006")
    assert lines(added) == [(NEW, "0", "2024-12-01", None)]


def test_the_links_of_the_old_ssin_are_found_under_the_new_one(soap, users, uow):
    links = soap("LinkRegister", users.client)
    made = links.CreateLink(ssin=OLD, foreignKey="AB123456", country="FR", keyType="PASSPORT")
    theirs = soap("LinkRegister", users.other).CreateLink(
        ssin=OLD,
        foreignKey="CD654321",
        country="FR",
        keyType="PASSPORT",
        validity={"beginDate": date(2020, 1, 1)},
    )

    assert source.replace(uow, OLD, NEW).links == 2

    for asked in (OLD, NEW):
        found = links.ConsultLinksBySsin(ssin=asked)
        assert outcome(found)[0] == "DATA_FOUND"
        assert sorted((x.linkId, x.ssin) for x in listed(found)) == [
            (made.link.linkId, NEW),
            (theirs.link.linkId, NEW),
        ]
    assert outcome(links.ConsultLinksBySsin(ssin=OLD)) == ("DATA_FOUND", "MSG00006")
    by_key = links.ConsultLinksByForeignKey(foreignKey="AB123456", country="FR")
    assert [x.ssin for x in listed(by_key)] == [NEW]
    # the creating organisation still owns its moved link
    updated = links.UpdateLink(linkId=made.link.linkId, validity={"beginDate": date(2019, 1, 1)})
    assert outcome(updated) == ("OK", "MSG00000")


def test_a_long_replacement_chain_still_resolves_to_its_end(soap, users, uow):
    chain = [make_ssin(1985, 3, 14, 301 + 2 * n) for n in range(41)]
    sourcefeed.import_csv(
        uow,
        io.StringIO(
            "ssin,lastName,firstName,birthDate,gender,status,replacedBy\n"
            f"{chain[0]},Peeters,Jan,1985-03-14,MALE,ACTIVE,\n"
        ),
    )
    register = soap("Register", users.client)
    register.Inscribe(ssin=chain[0], typeDossier="0", period=period("2024-01-01"))
    for old, new in zip(chain, chain[1:], strict=False):
        assert source.replace(uow, old, new).lines == 1  # NEW created as a copy of OLD
    consulted = register.Consult(ssin=chain[0])
    assert code(consulted) == ("DATA_FOUND", "MSG00006")
    assert information(consulted) == {"replacedBy": chain[-1]}
    assert lines(consulted) == [(chain[-1], "0", "2024-01-01", None)]
