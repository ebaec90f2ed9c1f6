"""LinkRegister through zeep: links, formats and their normalisation, eIDAS, ssins, concurrency."""

from __future__ import annotations

import threading
from datetime import date
from functools import partial

import pytest
from sqlalchemy import Engine, select

from raas.models.ssin import make_ssin
from raas.persistence.audit import audit_log
from raas.persistence.links import links
from raas.persistence.uow import UnitOfWork
from tests import world
from tests.contract.support import code as outcome
from tests.contract.support import create, information, listed
from tests.world import ACTIVE, CANCELED, MALFORMED, REPLACED, SUCCESSOR, UNKNOWN
from tests.world import OTHER_PERSON as OTHER

CROWD = [make_ssin(1960, 1, 1 + i, 1) for i in range(10)]  # for the concurrency test

# A valid and an invalid key for every format seeded with a python-stdnum validator.
EXAMPLES = {
    ("AT", "SOCIAL_SECURITY"): ("1237 010180", "2237 010180"),
    ("BG", "NATIONAL_NUMBER"): ("8032056031", "8032056030"),
    ("CH", "SOCIAL_SECURITY"): ("756.9217.0769.85", "756.9217.0769.84"),
    ("CZ", "NATIONAL_NUMBER"): ("710319/2745", "710319/2746"),
    ("DE", "TAX_NUMBER"): ("36 574 261 809", "36574261890"),
    ("DK", "NATIONAL_NUMBER"): ("211062-5629", "2110525629"),
    ("EE", "NATIONAL_NUMBER"): ("36805280109", "36805280108"),
    ("ES", "IDENTITY_CARD"): ("54362315-K", "54362315-Z"),
    ("ES", "NATIONAL_NUMBER"): ("x-2482300w", "X2482300A"),
    ("ES", "TAX_NUMBER"): ("54362315K", "B64717838"),  # a company's NIF is no person's
    ("FI", "NATIONAL_NUMBER"): ("131052-308T", "131052-308U"),
    ("FR", "SOCIAL_SECURITY"): ("2 95 10 99 126 111 93", "2 95 10 99 126 111 94"),
    ("FR", "TAX_NUMBER"): ("3023217600053", "3023217600054"),
    ("IE", "SOCIAL_SECURITY"): ("6433435OA", "6433435E"),
    ("IE", "TAX_NUMBER"): ("6433435F", "6433435VH"),
    ("IT", "TAX_NUMBER"): ("RCCMNL83S18D969H", "RCCMNL83S18D969A"),
    ("LT", "NATIONAL_NUMBER"): ("33309240064", "33309240164"),
    ("NL", "NATIONAL_NUMBER"): ("1112.22.333", "1112.52.333"),
    ("NL", "TAX_NUMBER"): ("111222333", "111222334"),
    ("NO", "NATIONAL_NUMBER"): ("151086 95088", "15108695077"),
    ("PL", "NATIONAL_NUMBER"): ("44051401359", "44051401358"),
    ("PT", "IDENTITY_CARD"): ("00000000 0 ZZ4", "00000000 0 ZZ3"),
    ("PT", "TAX_NUMBER"): ("501 964 843", "501 964 842"),
    ("RO", "NATIONAL_NUMBER"): ("1630615123457", "1630615123458"),
    ("SE", "NATIONAL_NUMBER"): ("19880320-0016", "19880320-0018"),
    ("SI", "NATIONAL_NUMBER"): ("0101006500006", "0101006500007"),
    ("SK", "NATIONAL_NUMBER"): ("7103192745", "7103192744"),
}


@pytest.fixture()
def persons(engine: Engine) -> None:
    crowd = [world.Person(s, "Crowd", "Member", f"1960-01-{n:02d}") for n, s in enumerate(CROWD, 1)]
    world.load(partial(UnitOfWork, engine), ACTIVE, OTHER, SUCCESSOR, REPLACED, CANCELED, *crowd)


# -- CreateLink and the two consultations ------------------------------------------------------


def test_create_then_consult_by_ssin_and_by_foreign_key(soap, users, persons) -> None:
    register = soap("LinkRegister", users.client)
    made = create(register, begin=date(2020, 1, 1), end=date(2024, 12, 31))
    assert outcome(made) == ("OK", "MSG00000")
    link = made.link
    assert (link.ssin, link.foreignKey, link.country, link.keyType) == (
        ACTIVE,
        "AB123456",
        "FR",
        "PASSPORT",
    )
    assert (link.validity.beginDate, link.validity.endDate) == (
        date(2020, 1, 1),
        date(2024, 12, 31),
    )

    by_ssin = register.ConsultLinksBySsin(ssin=ACTIVE)
    assert outcome(by_ssin) == ("DATA_FOUND", "MSG00000")
    assert [x.linkId for x in listed(by_ssin)] == [link.linkId]
    by_key = register.ConsultLinksByForeignKey(foreignKey="AB123456", country="FR")
    assert outcome(by_key) == ("DATA_FOUND", "MSG00000")
    assert [x.ssin for x in listed(by_key)] == [ACTIVE]


def test_a_link_without_validity_has_none(soap, users, persons) -> None:
    link = create(soap("LinkRegister", users.client)).link
    assert link.validity is None


def test_consult_by_ssin_filters_by_country_and_key_type(soap, users, persons) -> None:
    register = soap("LinkRegister", users.client)
    create(register, key="AB123456", country="FR", key_type="PASSPORT")
    create(register, key="3023217600053", country="FR", key_type="TAX_NUMBER")
    create(register, key="NL1234567", country="NL", key_type="PASSPORT")

    def keys(**criteria) -> list[str]:  # type: ignore[no-untyped-def]
        return [x.foreignKey for x in listed(register.ConsultLinksBySsin(ssin=ACTIVE, **criteria))]

    assert keys() == ["AB123456", "3023217600053", "NL1234567"]  # by country, then keyType
    assert keys(country="FR") == ["AB123456", "3023217600053"]
    assert keys(keyType="PASSPORT") == ["AB123456", "NL1234567"]
    assert keys(country="NL", keyType="TAX_NUMBER") == []


def test_nothing_found_is_msg00100(soap, users, persons) -> None:
    register = soap("LinkRegister", users.client)
    assert outcome(register.ConsultLinksBySsin(ssin=ACTIVE)) == ("NO_DATA_FOUND", "MSG00100")
    answer = register.ConsultLinksByForeignKey(foreignKey="AB123456", country="FR")
    assert outcome(answer) == ("NO_DATA_FOUND", "MSG00100")
    assert answer.links is None


def test_links_are_shared_by_every_organisation(soap, users, persons) -> None:
    made = create(soap("LinkRegister", users.client)).link
    theirs = soap("LinkRegister", users.other)
    assert [x.linkId for x in listed(theirs.ConsultLinksBySsin(ssin=ACTIVE))] == [made.linkId]
    found = theirs.ConsultLinksByForeignKey(foreignKey="ab 123 456", country="FR")
    assert [x.linkId for x in listed(found)] == [made.linkId]
    refused = theirs.UpdateLink(linkId=made.linkId, validity={"beginDate": date(2021, 1, 1)})
    assert outcome(refused) == ("NOK", "RAAS0010")
    assert listed(theirs.ConsultLinksBySsin(ssin=ACTIVE))[0].validity is None  # unchanged


# -- ssins -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ssin", "code"), [(MALFORMED, "MSG00011"), (UNKNOWN, "MSG00005"), (CANCELED, "MSG00007")]
)
def test_ssin_refusals(soap, users, persons, ssin: str, code: str) -> None:
    register = soap("LinkRegister", users.client)
    refused = create(register, ssin=ssin)
    assert (outcome(refused), refused.link) == (("NOK", code), None)
    consulted = register.ConsultLinksBySsin(ssin=ssin)
    assert (outcome(consulted), consulted.links) == (("NO_RESULT", code), None)


def test_a_replaced_ssin_is_followed_to_its_successor(soap, users, persons) -> None:
    register = soap("LinkRegister", users.client)
    made = create(register, ssin=REPLACED)
    assert outcome(made) == ("OK", "MSG00006")
    assert information(made) == {"replacedBy": SUCCESSOR}
    assert made.link.ssin == SUCCESSOR

    consulted = register.ConsultLinksBySsin(ssin=REPLACED)
    assert outcome(consulted) == ("DATA_FOUND", "MSG00006")
    assert information(consulted) == {"replacedBy": SUCCESSOR}
    assert [x.ssin for x in listed(consulted)] == [SUCCESSOR]
    assert outcome(register.ConsultLinksBySsin(ssin=SUCCESSOR)) == ("DATA_FOUND", "MSG00000")


# -- invalid data (MSG00008) -------------------------------------------------------------------


def test_end_before_begin_is_invalid_data(soap, users, persons) -> None:
    refused = create(
        soap("LinkRegister", users.client), begin=date(2024, 1, 2), end=date(2024, 1, 1)
    )
    assert outcome(refused) == ("NOK", "MSG00008")


@pytest.mark.parametrize(("country", "key_type"), [("XX", "PASSPORT"), ("FR", "NO_SUCH_TYPE")])
def test_unknown_country_or_key_type_is_invalid_data(soap, users, persons, country, key_type):
    register = soap("LinkRegister", users.client)
    assert outcome(create(register, country=country, key_type=key_type)) == ("NOK", "MSG00008")
    answer = register.ConsultLinksByForeignKey(
        foreignKey="AB123", country=country, keyType=key_type
    )
    assert outcome(answer) == ("NO_RESULT", "MSG00008")


# -- formats: the seeded validators, the default, normalisation --------------------------------


@pytest.mark.parametrize(("scope", "keys"), sorted(EXAMPLES.items()), ids=lambda v: str(v))
def test_seeded_validators(soap, users, persons, scope, keys) -> None:
    (country, key_type), (valid, invalid) = scope, keys
    register = soap("LinkRegister", users.client)
    refused = create(register, key=invalid, country=country, key_type=key_type)
    assert outcome(refused) == ("NOK", "RAAS0003")
    assert information(refused)["keyType"] == key_type
    made = create(register, key=valid, country=country, key_type=key_type)
    assert outcome(made) == ("OK", "MSG00000")
    found = register.ConsultLinksByForeignKey(foreignKey=valid, country=country, keyType=key_type)
    assert [x.linkId for x in listed(found)] == [made.link.linkId]


def test_every_seeded_validator_has_examples(soap, users) -> None:
    formats = soap("LinkRegister", users.client).ConsultFormats().formats.format
    stdnum = {(f.country, f.keyType) for f in formats if f.validator and f.validator != "eidas"}
    assert stdnum == set(EXAMPLES)


@pytest.mark.parametrize(
    ("key", "code"),
    [
        ("AB123", "MSG00000"),
        ("  x 1 y 2 z  ", "MSG00000"),
        ("ABCDE", "RAAS0003"),
        ("1234", "RAAS0003"),
    ],
)
def test_the_default_format(soap, users, persons, key: str, code: str) -> None:
    answer = create(soap("LinkRegister", users.client), key=key, country="LU", key_type="PASSPORT")
    assert answer.status.code == code


def test_normalisation_applies_when_storing_and_when_searching(soap, users, persons) -> None:
    register = soap("LinkRegister", users.client)
    made = create(register, key="1112.22.333", country="NL", key_type="NATIONAL_NUMBER")
    assert made.link.foreignKey == "111222333"
    for asked in ("111222333", "1112.22.333", " 1112-22-333 ", "111 222 333"):
        for key_type in ("NATIONAL_NUMBER", None):
            found = register.ConsultLinksByForeignKey(
                foreignKey=asked, country="NL", keyType=key_type
            )
            assert [x.linkId for x in listed(found)] == [made.link.linkId], (asked, key_type)
    again = create(register, ssin=OTHER, key="111222333", country="NL", key_type="NATIONAL_NUMBER")
    assert outcome(again) == ("NOK", "RAAS0004")  # the same key, written another way
    assert information(again) == {"linkId": str(made.link.linkId)}
    # The same digits are another key in another country or under another key type.
    assert listed(register.ConsultLinksByForeignKey(foreignKey="111222333", country="BE")) == []
    elsewhere = register.ConsultLinksByForeignKey(
        foreignKey="111222333", country="NL", keyType="PASSPORT"
    )
    assert listed(elsewhere) == []


def test_case_is_folded_by_the_default_format(soap, users, persons) -> None:
    register = soap("LinkRegister", users.client)
    made = create(register, key="ab 12 cd", country="LU", key_type="DRIVING_LICENCE")
    assert made.link.foreignKey == "AB12CD"
    found = register.ConsultLinksByForeignKey(foreignKey="Ab12Cd", country="LU")
    assert [x.linkId for x in listed(found)] == [made.link.linkId]


def test_consult_formats(soap, users) -> None:
    register = soap("LinkRegister", users.client)
    answer = register.ConsultFormats(country="NL")
    assert outcome(answer) == ("DATA_FOUND", "MSG00000")
    scopes = [(f.country, f.keyType) for f in answer.formats.format]
    assert scopes == [("*", "*"), ("*", "EIDAS"), ("NL", "NATIONAL_NUMBER"), ("NL", "TAX_NUMBER")]
    bsn = answer.formats.format[2]
    assert (bsn.validator, bsn.pattern, bsn.removeCharacters) == ("nl.bsn", "[0-9]{9}", " .-/")
    everything = [(f.country, f.keyType) for f in register.ConsultFormats().formats.format]
    assert len(everything) == len(EXAMPLES) + 2 and ("SE", "NATIONAL_NUMBER") in everything
    assert outcome(register.ConsultFormats(country="XX")) == ("NO_RESULT", "MSG00008")


# -- eIDAS -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "country", "code"),
    [
        ("BE/BE/0123456789abcdef", "BE", "MSG00000"),
        ("NL/BE/s00012345-Ab_c", "NL", "MSG00000"),
        ("EL/BE/GR-123", "GR", "MSG00000"),  # Greece is EL in eIDAS, GR in ISO 3166
        ("NO/DE/" + "x" * 256, "NO", "MSG00000"),  # EEA, and the longest identifier
        ("NO/DE/" + "x" * 257, "NO", "RAAS0003"),
        ("NL/BE/12345", "BE", "RAAS0003"),  # XX is not the link's country
        ("GR/BE/12345", "GR", "RAAS0003"),
        ("GB/BE/12345", "GB", "RAAS0003"),  # not EU/EEA
        ("BE/US/12345", "BE", "RAAS0003"),
        ("be/be/12345", "BE", "RAAS0003"),
        ("BE/BE/12 345", "BE", "RAAS0003"),
        ("BE/BE/", "BE", "RAAS0003"),
        ("BE-BE-12345", "BE", "RAAS0003"),
    ],
)
def test_eidas_keys(soap, users, persons, key: str, country: str, code: str) -> None:
    answer = create(soap("LinkRegister", users.client), key=key, country=country, key_type="EIDAS")
    assert answer.status.code == code
    if code == "MSG00000":
        assert answer.link.foreignKey == key  # identifiers are case-sensitive: kept as given


# -- uniqueness (RAAS0004) ---------------------------------------------------------------------


def test_one_foreign_key_per_person_at_a_time(soap, users, persons) -> None:
    register = soap("LinkRegister", users.client)
    first = create(register, begin=date(2020, 1, 1), end=date(2020, 12, 31))
    assert first.status.code == "MSG00000"
    overlapping = create(register, ssin=OTHER, begin=date(2020, 12, 31))
    assert outcome(overlapping) == ("NOK", "RAAS0004")
    assert information(overlapping) == {"linkId": str(first.link.linkId)}
    assert outcome(create(register, ssin=OTHER)) == ("NOK", "RAAS0004")  # open = always
    after = create(register, ssin=OTHER, begin=date(2021, 1, 1))
    assert outcome(after) == ("OK", "MSG00000")  # the key went to another person later
    twice = create(register, begin=date(2030, 1, 1))  # not overlapping, but the same person
    assert outcome(twice) == ("NOK", "RAAS0004")
    by_key = register.ConsultLinksByForeignKey(foreignKey="AB123456", country="FR")
    assert [x.ssin for x in listed(by_key)] == [ACTIVE, OTHER]


def test_concurrent_writers_of_one_key_leave_one_link(soap, users, persons, engine) -> None:
    clients = [soap("LinkRegister", users.client) for _ in CROWD]
    start = threading.Barrier(len(CROWD))
    codes: list[str] = []

    def write(client, ssin: str) -> None:  # type: ignore[no-untyped-def]
        start.wait()
        codes.append(create(client, ssin=ssin, key="RACE-0001", country="DE").status.code)

    threads = [
        threading.Thread(target=write, args=pair) for pair in zip(clients, CROWD, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == ["MSG00000"] + ["RAAS0004"] * (len(CROWD) - 1)
    with engine.connect() as conn:
        rows = list(conn.execute(select(links.c.id).where(links.c.foreign_key == "RACE-0001")))
    assert len(rows) == 1


# -- UpdateLink --------------------------------------------------------------------------------


def test_update_link_changes_the_validity_only(soap, users, persons) -> None:
    register = soap("LinkRegister", users.client)
    made = create(register, key="1112.22.333", country="NL", key_type="NATIONAL_NUMBER").link
    answer = register.UpdateLink(
        linkId=made.linkId,
        validity={"beginDate": date(2022, 1, 1), "endDate": date(2022, 6, 30)},
        ssin=ACTIVE,
        foreignKey="1112 22 333",  # the same key, once normalised
        country="NL",
        keyType="NATIONAL_NUMBER",
    )
    assert outcome(answer) == ("OK", "MSG00000")
    assert (answer.link.validity.beginDate, answer.link.validity.endDate) == (
        date(2022, 1, 1),
        date(2022, 6, 30),
    )
    (stored,) = listed(register.ConsultLinksBySsin(ssin=ACTIVE))
    assert stored.validity.endDate == date(2022, 6, 30)
    open_ended = register.UpdateLink(linkId=made.linkId, validity={"beginDate": date(2023, 1, 1)})
    assert open_ended.link.validity.endDate is None


@pytest.mark.parametrize(
    ("field", "value"),
    [("ssin", OTHER), ("foreignKey", "111222334"), ("country", "BE"), ("keyType", "TAX_NUMBER")],
)
def test_update_link_refuses_other_changes(soap, users, persons, field: str, value: str) -> None:
    register = soap("LinkRegister", users.client)
    made = create(register, key="111222333", country="NL", key_type="NATIONAL_NUMBER").link
    answer = register.UpdateLink(
        linkId=made.linkId, validity={"beginDate": date(2022, 1, 1)}, **{field: value}
    )
    assert outcome(answer) == ("NOK", "RAAS0006")
    assert information(answer) == {"fieldName": field}
    assert listed(register.ConsultLinksBySsin(ssin=ACTIVE))[0].validity is None


def test_update_link_refusals(soap, users, persons) -> None:
    register = soap("LinkRegister", users.client)
    made = create(register, begin=date(2020, 1, 1), end=date(2020, 12, 31)).link
    create(register, ssin=OTHER, begin=date(2021, 1, 1))
    unknown = register.UpdateLink(
        linkId=made.linkId + 1000, validity={"beginDate": date(2020, 1, 1)}
    )
    assert outcome(unknown) == ("NOK", "RAAS0005")
    backwards = register.UpdateLink(
        linkId=made.linkId, validity={"beginDate": date(2020, 2, 1), "endDate": date(2020, 1, 1)}
    )
    assert outcome(backwards) == ("NOK", "MSG00008")
    overlap = register.UpdateLink(linkId=made.linkId, validity={"beginDate": date(2020, 1, 1)})
    assert outcome(overlap) == ("NOK", "RAAS0004")  # would overlap the other person's link
    (kept,) = [x for x in listed(register.ConsultLinksBySsin(ssin=ACTIVE))]
    assert kept.validity.endDate == date(2020, 12, 31)


def test_an_admin_may_update_any_link_and_a_replaced_ssin_is_followed(soap, users, persons):
    made = create(soap("LinkRegister", users.client), ssin=SUCCESSOR).link
    answer = soap("LinkRegister", users.admin).UpdateLink(
        linkId=made.linkId, validity={"beginDate": date(2019, 1, 1)}, ssin=REPLACED
    )
    assert outcome(answer) == ("OK", "MSG00006")
    assert information(answer) == {"replacedBy": SUCCESSOR}


# -- the audit log -----------------------------------------------------------------------------


def test_the_audit_names_the_persons_a_consultation_found(soap, users, persons, engine) -> None:
    register = soap("LinkRegister", users.client)
    create(register)
    answer = register.ConsultLinksByForeignKey(foreignKey="AB123456", country="FR")
    with engine.connect() as conn:
        row = conn.execute(
            select(audit_log).where(audit_log.c.ticket_cbss == answer.informationCBSS.ticketCBSS)
        ).one()
    assert (row.operation, row.ssins) == ("ConsultLinksByForeignKey", [ACTIVE])


@pytest.mark.usefixtures("registry")
def test_whitespace_uncovered_by_a_removed_character_is_stripped_too(soap, users, persons) -> None:
    """`.\t111222333`: the dot is layout, the tab surrounding whitespace: a valid Dutch BSN."""
    register = soap("LinkRegister", users.client)
    made = create(register, key=".\t111222333", country="NL", key_type="NATIONAL_NUMBER")
    assert (outcome(made), made.link.foreignKey) == (("OK", "MSG00000"), "111222333")
    found = register.ConsultLinksByForeignKey(foreignKey="111222333", country="NL")
    assert outcome(found) == ("DATA_FOUND", "MSG00000")
