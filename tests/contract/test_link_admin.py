"""The LinkRegister's admin side through zeep: deletion, reports, key types and formats."""

from __future__ import annotations

import time
from datetime import date
from functools import partial

import pytest
from sqlalchemy import Engine, select
from zeep.exceptions import Fault

from raas.persistence.audit import audit_log
from raas.persistence.links import deleted_links
from raas.persistence.uow import UnitOfWork
from tests import world
from tests.contract.support import code as outcome
from tests.contract.support import create, information, listed
from tests.world import ACTIVE, ADMIN_CBE, CLIENT_CBE
from tests.world import OTHER_PERSON as OTHER

pytestmark = pytest.mark.usefixtures("persons")


@pytest.fixture()
def persons(engine: Engine) -> None:
    world.load(partial(UnitOfWork, engine), ACTIVE, OTHER)


def fault_code(call) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(Fault) as info:
        call()
    return info.value.detail.find(".//{*}reasonCode").text


def audit_of(engine, answer):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(
            select(audit_log).where(audit_log.c.ticket_cbss == answer.informationCBSS.ticketCBSS)
        ).one()


# -- DeleteLink --------------------------------------------------------------------------------


def test_an_admin_deletes_a_link_everywhere_and_the_deletion_is_kept(soap, users, engine) -> None:
    register = soap("LinkRegister", users.client)
    made = create(register).link
    deleted = soap("Admin", users.admin).DeleteLink(linkId=made.linkId)
    assert outcome(deleted) == ("OK", "MSG00000")

    assert outcome(register.ConsultLinksBySsin(ssin=ACTIVE)) == ("NO_DATA_FOUND", "MSG00100")
    gone = register.ConsultLinksByForeignKey(foreignKey="AB123456", country="FR")
    assert outcome(gone) == ("NO_DATA_FOUND", "MSG00100")
    assert outcome(register.ReportLink(linkId=made.linkId, reason="x")) == ("NOK", "RAAS0005")
    update = register.UpdateLink(linkId=made.linkId, validity={"beginDate": date(2020, 1, 1)})
    assert outcome(update) == ("NOK", "RAAS0005")

    entry = audit_of(engine, deleted)
    assert (entry.username, entry.cbe_number, entry.operation, entry.ssins) == (
        users.admin,
        ADMIN_CBE,
        "DeleteLink",
        [ACTIVE],
    )
    with engine.connect() as conn:
        kept = conn.execute(select(deleted_links)).one()
    assert (kept.link_id, kept.ssin, kept.foreign_key, kept.deleted_by) == (
        made.linkId,
        ACTIVE,
        "AB123456",
        users.admin,
    )
    assert (kept.cbe_number, str(kept.ticket_cbss)) == (CLIENT_CBE, entry.ticket_cbss.__str__())
    # The key is free again once its link is gone.
    assert outcome(create(register, ssin=OTHER)) == ("OK", "MSG00000")


def test_deleting_an_unknown_link_is_raas0005(soap, users) -> None:
    assert outcome(soap("Admin", users.admin).DeleteLink(linkId=424242)) == ("NOK", "RAAS0005")


@pytest.mark.parametrize(
    ("operation", "arguments"),
    [
        ("DeleteLink", {"linkId": 1}),
        ("DefineKeyType", {"code": "X", "description": "x"}),
        (
            "DefineFormat",
            {"country": "BE", "keyType": "PASSPORT", "pattern": ".+", "description": "x"},
        ),
        ("ListLinkReports", {}),
        ("CloseLinkReport", {"reportId": 1}),
    ],
)
def test_clients_may_not_call_the_admin_operations(soap, users, operation, arguments):
    register = soap("LinkRegister", users.client)
    made = create(register).link
    admin_as_client = soap("Admin", users.client)
    assert fault_code(lambda: getattr(admin_as_client, operation)(**arguments)) == "MSG00016"
    assert [x.linkId for x in listed(register.ConsultLinksBySsin(ssin=ACTIVE))] == [made.linkId]


# -- ReportLink, ListLinkReports, CloseLinkReport ----------------------------------------------


def test_report_list_and_close_without_deleting(soap, users, engine) -> None:
    made = create(soap("LinkRegister", users.client)).link
    reported = soap("LinkRegister", users.other).ReportLink(
        linkId=made.linkId, reason="This passport belongs to somebody else"
    )
    assert outcome(reported) == ("OK", "MSG00000")
    assert audit_of(engine, reported).ssins == [ACTIVE]

    admin = soap("Admin", users.admin)
    answer = admin.ListLinkReports(open=True)
    assert outcome(answer) == ("DATA_FOUND", "MSG00000")
    (report,) = answer.reports.report
    assert (report.reportId, report.linkId, report.reason, report.closed) == (
        reported.reportId,
        made.linkId,
        "This passport belongs to somebody else",
        False,
    )
    assert report.cbeNumber == "0404616494"  # the reporting organisation
    assert report.reportedAt is not None

    assert outcome(admin.CloseLinkReport(reportId=report.reportId)) == ("OK", "MSG00000")
    assert outcome(admin.ListLinkReports(open=True)) == ("NO_DATA_FOUND", "MSG00100")
    (closed,) = admin.ListLinkReports(open=False).reports.report
    assert (closed.closed, closed.linkDeleted) == (True, False)
    assert len(admin.ListLinkReports().reports.report) == 1
    still = soap("LinkRegister", users.client).ConsultLinksBySsin(ssin=ACTIVE)
    assert [x.linkId for x in listed(still)] == [made.linkId]

    again = admin.CloseLinkReport(reportId=report.reportId, deleteLink=True)
    assert outcome(again) == ("NOK", "MSG00008")  # already closed; the link stays
    assert listed(soap("LinkRegister", users.client).ConsultLinksBySsin(ssin=ACTIVE))


def test_close_a_report_deleting_the_link(soap, users, engine) -> None:
    register = soap("LinkRegister", users.client)
    made = create(register).link
    first = register.ReportLink(linkId=made.linkId, reason="wrong person").reportId
    second = register.ReportLink(linkId=made.linkId, reason="really wrong").reportId

    admin = soap("Admin", users.admin)
    closing = admin.CloseLinkReport(reportId=first, deleteLink=True)
    assert outcome(closing) == ("OK", "MSG00000")
    assert audit_of(engine, closing).ssins == [ACTIVE]
    assert outcome(register.ConsultLinksBySsin(ssin=ACTIVE)) == ("NO_DATA_FOUND", "MSG00100")
    with engine.connect() as conn:
        assert conn.execute(select(deleted_links.c.report_id)).scalar_one() == first

    # The other report on the same link: deleting again finds no link; closing alone works.
    assert outcome(admin.CloseLinkReport(reportId=second, deleteLink=True)) == ("NOK", "RAAS0005")
    assert outcome(admin.CloseLinkReport(reportId=second, deleteLink=False)) == ("OK", "MSG00000")
    reports = admin.ListLinkReports().reports.report
    assert [(r.reportId, r.closed, r.linkDeleted) for r in reports] == [
        (first, True, True),
        (second, True, False),
    ]


def test_report_refusals(soap, users) -> None:
    register = soap("LinkRegister", users.client)
    made = create(register).link
    assert outcome(register.ReportLink(linkId=made.linkId + 99, reason="x")) == ("NOK", "RAAS0005")
    assert outcome(register.ReportLink(linkId=made.linkId, reason="   ")) == ("NOK", "MSG00008")
    too_long = "x" * 1001  # refused by the schema
    assert (
        fault_code(lambda: register.ReportLink(linkId=made.linkId, reason=too_long)) == "MSG00004"
    )
    unknown = soap("Admin", users.admin).CloseLinkReport(reportId=99999)
    assert outcome(unknown) == ("NOK", "MSG00008")
    assert information(unknown) == {"reportId": "99999"}


# -- DefineKeyType and DefineFormat: the registry is data --------------------------------------


@pytest.mark.usefixtures("registry")
def test_define_key_type_adds_a_key_type(soap, users) -> None:
    register = soap("LinkRegister", users.client)
    before = create(register, key="RP-12345", country="DE", key_type="RESIDENCE_PERMIT")
    assert outcome(before) == ("NOK", "MSG00008")
    answer = soap("Admin", users.admin).DefineKeyType(
        code="RESIDENCE_PERMIT", description="Residence permit number"
    )
    assert outcome(answer) == ("OK", "MSG00000")
    after = create(register, key="RP-12345", country="DE", key_type="RESIDENCE_PERMIT")
    assert outcome(after) == ("OK", "MSG00000")
    found = register.ConsultLinksBySsin(ssin=ACTIVE, keyType="RESIDENCE_PERMIT")
    assert [x.foreignKey for x in listed(found)] == ["RP-12345"]


@pytest.mark.usefixtures("registry")
def test_define_format_changes_what_is_accepted_without_a_release(soap, users):
    register = soap("LinkRegister", users.client)
    assert (
        create(register, key="12345X", country="BE", key_type="PASSPORT").status.code == "MSG00000"
    )
    admin = soap("Admin", users.admin)
    answer = admin.DefineFormat(
        country="BE",
        keyType="PASSPORT",
        pattern="[A-Z]{2}[0-9]{6}",
        description="Belgian passport: 2 letters, 6 digits",
    )
    assert outcome(answer) == ("OK", "MSG00000")
    refused = create(register, ssin=OTHER, key="54321X", country="BE", key_type="PASSPORT")
    assert outcome(refused) == ("NOK", "RAAS0003")
    accepted = create(register, ssin=OTHER, key="eh 123456", country="BE", key_type="PASSPORT")
    assert (outcome(accepted), accepted.link.foreignKey) == (("OK", "MSG00000"), "EH123456")
    (defined,) = [
        f for f in register.ConsultFormats(country="BE").formats.format if f.keyType == "PASSPORT"
    ]
    assert (defined.pattern, defined.validator, defined.removeCharacters, defined.caseFolding) == (
        "[A-Z]{2}[0-9]{6}",
        None,
        " ",
        "UPPER",
    )


@pytest.mark.usefixtures("registry")
def test_a_catastrophic_pattern_cannot_pin_a_worker(soap, users):
    """`(A+)+B` backtracks for minutes in Python's re on 'A'*34+'C'; RE2 answers at once."""
    admin = soap("Admin", users.admin)
    answer = admin.DefineFormat(
        country="LU", keyType="PASSPORT", pattern="(A+)+B", description="hostile"
    )
    assert outcome(answer) == ("OK", "MSG00000")
    register = soap("LinkRegister", users.client)
    started = time.perf_counter()
    refused = create(register, key="A" * 34 + "C", country="LU", key_type="PASSPORT")
    seconds = time.perf_counter() - started
    assert outcome(refused) == ("NOK", "RAAS0003")
    assert seconds < 5, f"the hostile key took {seconds:.1f} s"  # re: far beyond gunicorn's 30 s
    accepted = create(register, key="AAAB", country="LU", key_type="PASSPORT")
    assert outcome(accepted) == ("OK", "MSG00000")


@pytest.mark.usefixtures("registry")
def test_define_format_with_a_validator_and_normalisation_renormalises_stored_keys(
    soap, users
) -> None:
    register = soap("LinkRegister", users.client)
    made = create(register, key="ab-123.456", country="LU", key_type="SOCIAL_SECURITY").link
    assert made.foreignKey == "AB-123.456"  # the default removes spaces only
    answer = soap("Admin", users.admin).DefineFormat(
        country="LU",
        keyType="SOCIAL_SECURITY",
        pattern="[A-Z0-9]{5,20}",
        description="letters and digits, layout removed",
        removeCharacters=" .-/",
    )
    assert outcome(answer) == ("OK", "MSG00000")
    assert information(answer) == {"renormalisedKeys": "1"}
    found = register.ConsultLinksByForeignKey(foreignKey="AB123456", country="LU")
    assert [(x.linkId, x.foreignKey) for x in listed(found)] == [(made.linkId, "AB123456")]

    # A redefinition that leaves the optional fields out keeps them; "" removes a validator.
    admin = soap("Admin", users.admin)

    def define(**optional) -> None:  # type: ignore[no-untyped-def]
        answer = admin.DefineFormat(
            country="LU",
            keyType="SOCIAL_SECURITY",
            pattern="[0-9]{11}",
            description="x",
            **optional,
        )
        assert outcome(answer) == ("OK", "MSG00000")

    def accepted(key: str) -> bool:
        made = create(register, ssin=OTHER, key=key, country="LU", key_type="SOCIAL_SECURITY")
        return made.status.code == "MSG00000"

    define(validator="pl.pesel")
    define()
    (kept,) = [f for f in register.ConsultFormats(country="LU").formats.format if f.country == "LU"]
    assert (kept.validator, kept.removeCharacters) == ("pl.pesel", " .-/")
    assert not accepted("44051401358")
    define(validator="")
    assert accepted("44051401358")


@pytest.mark.usefixtures("registry")
def test_renormalising_into_a_collision_is_refused(soap, users) -> None:
    register = soap("LinkRegister", users.client)
    create(register, key="AB-12345", country="LU", key_type="PASSPORT")
    create(register, ssin=OTHER, key="AB12345", country="LU", key_type="PASSPORT")
    answer = soap("Admin", users.admin).DefineFormat(
        country="LU", keyType="PASSPORT", pattern=".{5,}", description="x", removeCharacters="-"
    )
    assert outcome(answer) == ("NOK", "RAAS0004")
    assert not [
        f for f in register.ConsultFormats(country="LU").formats.format if f.keyType == "PASSPORT"
    ]


@pytest.mark.parametrize(
    ("country", "key_type", "pattern", "validator"),
    [
        ("BE", "PASSPORT", "[A-Z", None),  # not a regular expression
        ("BE", "PASSPORT", "(?=[A-Z]{2})[A-Z0-9]{8}", None),  # look-ahead: RE2 cannot, refused
        ("BE", "PASSPORT", "([A-Z])\\1[0-9]{6}", None),  # a back-reference: the same
        ("BE", "PASSPORT", ".+", "os.path"),  # not a stdnum module: never imported
        ("BE", "PASSPORT", ".+", "../../etc"),
        ("BE", "PASSPORT", ".+", "nl.nonexistent"),
        ("BE", "NO_SUCH_TYPE", ".+", None),
        ("XX", "PASSPORT", ".+", None),
        ("*", "*", ".+", None),  # the default is the contract's
    ],
)
@pytest.mark.usefixtures("registry")
def test_define_format_refusals(soap, users, country, key_type, pattern, validator):
    answer = soap("Admin", users.admin).DefineFormat(
        country=country, keyType=key_type, pattern=pattern, description="x", validator=validator
    )
    assert outcome(answer) == ("NOK", "MSG00008")
