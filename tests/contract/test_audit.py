"""The ticket every answer carries, and the audit entry every request leaves, accepted or not."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

import pytest
import requests
from sqlalchemy import RowMapping, select
from zeep.exceptions import Fault

from raas import usecases
from raas.models.ssin import is_valid, make_ssin
from raas.persistence.audit import audit_log
from raas.services.types import COMMON_NS
from tests.world import ADMIN_CBE, CLIENT_CBE

UNKNOWN_SSIN = make_ssin(1985, 3, 14, 123)
GOOD = make_ssin(1990, 7, 1, 42)
BAD_CHECK_DIGITS = GOOD[:-2] + f"{(int(GOOD[-2:]) + 1) % 100:02d}"


def audit_rows(engine) -> list[RowMapping]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return list(conn.execute(select(audit_log).order_by(audit_log.c.id)).mappings())


def only_row(engine) -> RowMapping:  # type: ignore[no-untyped-def]
    (row,) = audit_rows(engine)
    return row


def refusal(call) -> Fault:  # type: ignore[no-untyped-def]
    with pytest.raises(Fault) as info:
        call()
    return info.value


def detail(fault: Fault, name: str) -> str:
    return fault.detail.find(f".//{{{COMMON_NS}}}{name}").text


def ticket(answer) -> UUID:  # type: ignore[no-untyped-def]
    return UUID(answer.informationCBSS.ticketCBSS)


# -- informationCustomer and informationCBSS ---------------------------------------------------

def test_the_customer_ticket_and_timestamp_are_echoed(soap, users):
    sent = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    answer = soap("Register", users.client).ListTypeDossiers(
        informationCustomer={"ticket": "my-ref-42", "timestampSent": sent})
    assert answer.informationCustomer.ticket == "my-ref-42"
    assert answer.informationCustomer.timestampSent == sent


def test_the_customer_ticket_is_echoed_on_a_business_refusal(soap, users):
    answer = soap("Identification", users.client).SearchPersonBySsin(
        informationCustomer={"ticket": "t" * 36}, ssin=UNKNOWN_SSIN)
    assert answer.status.code == "MSG00005"
    assert answer.informationCustomer.ticket == "t" * 36


def test_no_customer_information_is_echoed_when_none_was_sent(soap, users):
    assert soap("Register", users.client).ListTypeDossiers().informationCustomer is None


def test_a_customer_ticket_over_36_characters_is_refused(soap, users):
    fault = refusal(lambda: soap("Register", users.client).ListTypeDossiers(
        informationCustomer={"ticket": "t" * 37}))
    assert detail(fault, "reasonCode") == "MSG00004"


def test_every_answer_has_a_fresh_uuid_ticket_and_ordered_timestamps(soap, users):
    register = soap("Register", users.client)
    before = datetime.now(UTC)
    answers = [register.ListTypeDossiers() for _ in range(3)]
    after = datetime.now(UTC)
    tickets = [ticket(a) for a in answers]
    assert len(set(tickets)) == 3
    assert all(t.version == 4 for t in tickets)
    for answer in answers:
        cbss = answer.informationCBSS
        assert before <= cbss.timestampReceive <= cbss.timestampReply <= after


# -- accepted requests -------------------------------------------------------------------------

def test_an_accepted_call_is_audited_under_its_ticket(soap, users, engine):
    answer = soap("Admin", users.admin).DefineTypeDossier(
        cbeNumber=CLIENT_CBE, code="902", description="Provisional")
    assert answer.status.code == "MSG00000"
    row = only_row(engine)
    assert row["ticket_cbss"] == ticket(answer)
    assert row["at"] == answer.informationCBSS.timestampReceive
    assert (row["username"], row["cbe_number"]) == (users.admin, ADMIN_CBE)
    assert (row["service"], row["operation"]) == ("Admin", "DefineTypeDossier")
    assert row["status_code"] == "MSG00000"
    assert row["ssins"] == []
    assert row["duration_ms"] >= 0


@pytest.mark.parametrize(("ssin", "code"), [(UNKNOWN_SSIN, "MSG00005"),
                                            (BAD_CHECK_DIGITS, "MSG00011")])
def test_the_ssin_asked_for_is_audited_whatever_the_answer(soap, users, engine, ssin, code):
    assert is_valid(ssin) == (code != "MSG00011")
    answer = soap("Identification", users.client).SearchPersonBySsin(ssin=ssin)
    assert (answer.status.value, answer.status.code) == ("NO_RESULT", code)
    row = only_row(engine)
    assert row["ticket_cbss"] == ticket(answer)
    assert (row["username"], row["cbe_number"]) == (users.client, CLIENT_CBE)
    assert (row["operation"], row["status_code"], row["ssins"]) == (
        "SearchPersonBySsin", code, [ssin])


# -- refused requests --------------------------------------------------------------------------

def test_a_failed_authentication_is_audited_without_a_user(soap, users, engine):
    fault = refusal(lambda: soap("Register").ListTypeDossiers())
    row = only_row(engine)
    assert row["ticket_cbss"] == UUID(detail(fault, "ticketCBSS"))
    assert (row["username"], row["cbe_number"]) == (None, None)
    assert (row["service"], row["operation"], row["status_code"]) == (
        "Register", "ListTypeDossiers", "MSG00014")


def test_a_refused_admin_call_is_audited_with_the_caller(soap, users, engine):
    fault = refusal(lambda: soap("Admin", users.client).DefineTypeDossier(
        cbeNumber=CLIENT_CBE, code="902", description="Provisional"))
    row = only_row(engine)
    assert row["ticket_cbss"] == UUID(detail(fault, "ticketCBSS"))
    assert (row["username"], row["cbe_number"]) == (users.client, CLIENT_CBE)
    assert (row["operation"], row["status_code"]) == ("DefineTypeDossier", "MSG00016")


def test_a_schema_invalid_request_is_audited_with_the_caller(soap, users, engine):
    fault = refusal(lambda: soap("Identification", users.client).SearchPersonBySsin(ssin="123"))
    assert detail(fault, "reasonCode") == "MSG00004"
    row = only_row(engine)
    assert row["ticket_cbss"] == UUID(detail(fault, "ticketCBSS"))
    assert (row["username"], row["operation"], row["status_code"]) == (
        users.client, "SearchPersonBySsin", "MSG00004")
    assert row["ssins"] == []  # "123" is no ssin


def test_malformed_xml_is_audited_without_a_user_or_operation(live_url, users, engine):
    response = requests.post(f"{live_url}/Identification", data=b"<not-soap", timeout=10,
                             headers={"Content-Type": "text/xml"})
    assert response.status_code == 500
    row = only_row(engine)
    assert (row["service"], row["operation"], row["status_code"]) == (
        "Identification", "-", "MSG00004")
    assert (row["username"], row["cbe_number"], row["ssins"]) == (None, None, [])


def test_an_unexpected_error_is_audited(soap, users, engine, monkeypatch):
    def explode(*args: object) -> None:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(usecases, "list_type_dossiers", explode)
    fault = refusal(lambda: soap("Register", users.client).ListTypeDossiers())
    assert fault.code.endswith("Server")
    row = only_row(engine)
    assert row["ticket_cbss"] == UUID(detail(fault, "ticketCBSS"))
    assert (row["username"], row["operation"], row["status_code"]) == (
        users.client, "ListTypeDossiers", "MSG00003")


# -- ConsultAuditLog ----------------------------------------------------------------------------

def test_admins_consult_the_audit_log_by_organisation_ssin_and_day(soap, users, engine):
    from raas.clock import today
    from tests.world import OTHER_CBE

    mine = soap("Identification", users.client)
    first = mine.SearchPersonBySsin(ssin=UNKNOWN_SSIN)
    mine.SearchPersonBySsin(ssin=GOOD)
    soap("Identification", users.other).SearchPersonBySsin(ssin=UNKNOWN_SSIN)
    admin = soap("Admin", users.admin)

    by_ssin = admin.ConsultAuditLog(ssin=UNKNOWN_SSIN).entries.entry
    assert [(e.cbeNumber, e.operation, e.ssins.ssin) for e in by_ssin] == [
        (OTHER_CBE, "SearchPersonBySsin", [UNKNOWN_SSIN]),  # newest first
        (CLIENT_CBE, "SearchPersonBySsin", [UNKNOWN_SSIN]),
    ]
    assert by_ssin[1].ticketCBSS == str(ticket(first))
    assert (by_ssin[1].username, by_ssin[1].statusCode) == (users.client, "MSG00005")
    assert by_ssin[1].at == first.informationCBSS.timestampReceive

    assert len(admin.ConsultAuditLog(cbeNumber=CLIENT_CBE).entries.entry) == 2
    both = admin.ConsultAuditLog(cbeNumber=CLIENT_CBE, ssin=GOOD).entries.entry
    assert [e.ssins.ssin for e in both] == [[GOOD]]
    assert len(admin.ConsultAuditLog(fromDate=today(), toDate=today()).entries.entry) >= 5
    nothing = admin.ConsultAuditLog(toDate=date(2020, 1, 1))
    assert (nothing.status.value, nothing.status.code) == ("NO_DATA_FOUND", "MSG00100")

    page = admin.ConsultAuditLog(maximumResultCount=2)
    assert len(page.entries.entry) == 2
    assert [(i.fieldName, i.fieldValue) for i in page.status.information] == [("truncated", "true")]
    everything = admin.ConsultAuditLog(maximumResultCount=1000).entries.entry
    pages, older_than = [], None
    while True:
        page = admin.ConsultAuditLog(maximumResultCount=2, olderThan=older_than)
        pages.extend(page.entries.entry)
        if not page.status.information:
            break
        older_than = page.entries.entry[-1].ticketCBSS
    # the pages hold every entry once, newest first (each call adds one more entry on top)
    tickets = [e.ticketCBSS for e in pages]
    assert len(tickets) == len(set(tickets)) and {e.ticketCBSS for e in everything} <= set(tickets)
    assert [e.at for e in pages] == sorted((e.at for e in pages), reverse=True)
    assert len(admin.ConsultAuditLog(toDate=date.max).entries.entry) >= 5
    unknown = admin.ConsultAuditLog(olderThan="00000000-0000-0000-0000-000000000000")
    assert (unknown.status.value, unknown.status.code) == ("NO_RESULT", "MSG00008")
    bad = admin.ConsultAuditLog(fromDate=today(), toDate=date(2020, 1, 1))
    assert (bad.status.value, bad.status.code) == ("NO_RESULT", "MSG00008")


def test_clients_cannot_consult_the_audit_log(soap, users):
    fault = refusal(lambda: soap("Admin", users.client).ConsultAuditLog())
    assert detail(fault, "reasonCode") == "MSG00016"
