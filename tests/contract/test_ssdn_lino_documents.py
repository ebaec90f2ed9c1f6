"""The request documents Lino Welfare's own test expects its `cbss` plugin to send, answered by
the SSDN channel: read from the installed `lino_welfare` package when it is present (never
copied into this repository), else the project's own equivalent documents (same structure,
pretty-printed the same way)."""

from __future__ import annotations

import importlib.util
import io
import re
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import Engine

from raas import usecases
from raas.persistence.uow import UnitOfWork
from raas.usecases import sourcefeed, ssdn
from tests.contract import ssdn_documents as doc
from tests.contract.conftest import CLIENT_CBE
from tests.contract.test_register import lines

# The persons Lino's test names (its documents carry these SSINs and names).
LUC = "68060105329"
OTHER = "70100853190"
CSV = (
    "ssin,lastName,firstName,birthDate,gender,status,replacedBy\n"
    f"{LUC},Saffre,Luc Johannes,1968-06-01,MALE,ACTIVE,\n"
    f"{OTHER},Mustermann,Max,1938-06-01,MALE,ACTIVE,\n"
)

S = 'xmlns:ssdn="http://www.ksz-bcss.fgov.be/XSD/SSDN/Service"'
CONTEXT = """<ssdn:RequestContext>
<ssdn:AuthorizedUser>
<ssdn:UserID>00901234567</ssdn:UserID>
<ssdn:Email>info@example.com</ssdn:Email>
<ssdn:OrgUnit>0123456789</ssdn:OrgUnit>
<ssdn:MatrixID>17</ssdn:MatrixID>
<ssdn:MatrixSubID>1</ssdn:MatrixSubID>
</ssdn:AuthorizedUser>
<ssdn:Message>
<ssdn:Reference>{reference}</ssdn:Reference>
<ssdn:TimeRequest>20260511T183101</ssdn:TimeRequest>
</ssdn:Message>
</ssdn:RequestContext>"""
OWN = [
    f"""<ssdn:SSDNRequest {S}>
{CONTEXT.format(reference="IdentifyPersonRequest # 1")}
<ssdn:ServiceRequest>
<ssdn:ServiceId>OCMWCPASIdentifyPerson</ssdn:ServiceId>
<ssdn:Version>20050930</ssdn:Version>
<ipr:IdentifyPersonRequest xmlns:ipr="{doc.IP}">
<ipr:SearchCriteria>
<ipr:SSIN>{OTHER}</ipr:SSIN>
<ipr:PhoneticCriteria>
<ipr:LastName></ipr:LastName>
<ipr:FirstName></ipr:FirstName>
<ipr:MiddleName></ipr:MiddleName>
<ipr:BirthDate>1938-00-00</ipr:BirthDate>
</ipr:PhoneticCriteria>
</ipr:SearchCriteria>
<ipr:VerificationData>
<ipr:PersonData>
<ipr:LastName></ipr:LastName>
<ipr:FirstName></ipr:FirstName>
<ipr:MiddleName></ipr:MiddleName>
<ipr:BirthDate>1938-00-00</ipr:BirthDate>
</ipr:PersonData>
</ipr:VerificationData>
</ipr:IdentifyPersonRequest>
</ssdn:ServiceRequest>
</ssdn:SSDNRequest>""",
    f"""<ssdn:SSDNRequest {S}>
{CONTEXT.format(reference="IdentifyPersonRequest # 2")}
<ssdn:ServiceRequest>
<ssdn:ServiceId>OCMWCPASIdentifyPerson</ssdn:ServiceId>
<ssdn:Version>20050930</ssdn:Version>
<ipr:IdentifyPersonRequest xmlns:ipr="{doc.IP}">
<ipr:SearchCriteria>
<ipr:PhoneticCriteria>
<ipr:LastName>MUSTERMANN</ipr:LastName>
<ipr:FirstName>Max</ipr:FirstName>
<ipr:MiddleName></ipr:MiddleName>
<ipr:BirthDate>1938-06-01</ipr:BirthDate>
</ipr:PhoneticCriteria>
</ipr:SearchCriteria>
</ipr:IdentifyPersonRequest>
</ssdn:ServiceRequest>
</ssdn:SSDNRequest>""",
    f"""<ssdn:SSDNRequest {S}>
{CONTEXT.format(reference="ManageAccessRequest # 1")}
<ssdn:ServiceRequest>
<ssdn:ServiceId>OCMWCPASManageAccess</ssdn:ServiceId>
<ssdn:Version>20050930</ssdn:Version>
<mar:ManageAccessRequest xmlns:mar="{doc.MA}">
<mar:SSIN>{LUC}</mar:SSIN>
<mar:Purpose>10</mar:Purpose>
<mar:Period>
<common:StartDate xmlns:common="{doc.COMMON}">2012-05-24</common:StartDate>
<common:EndDate xmlns:common="{doc.COMMON}">2012-05-24</common:EndDate>
</mar:Period>
<mar:Action>REGISTER</mar:Action>
<mar:Sector>17</mar:Sector>
<mar:QueryRegister>SECONDARY</mar:QueryRegister>
<mar:ProofOfAuthentication>
<mar:PersonData>
<mar:LastName>SAFFRE</mar:LastName>
<mar:FirstName>LUC JOHANNES</mar:FirstName>
<mar:BirthDate>1968-06-01</mar:BirthDate>
</mar:PersonData>
</mar:ProofOfAuthentication>
</mar:ManageAccessRequest>
</ssdn:ServiceRequest>
</ssdn:SSDNRequest>""",
]


def lino_documents() -> list[str]:
    """The SSDNRequest documents of Lino Welfare's installed test_cbss.py, or [] without it."""
    spec = importlib.util.find_spec("lino_welfare")
    if spec is None or not spec.submodule_search_locations:
        return []
    test = Path(next(iter(spec.submodule_search_locations))) / "projects/gerd/tests/test_cbss.py"
    if not test.exists():
        return []
    found = re.findall(
        r'"""\\?\n?(<ssdn:SSDNRequest .*?</ssdn:SSDNRequest>)', test.read_text(), re.S
    )
    return [text.replace("20150511T183101", "20260511T183101") for text in found]


DOCUMENTS = lino_documents() or OWN
# What each document gets: (ServiceReply ReturnCode, reason codes).
EXPECTED = {
    "IdentifyPersonRequest # 1": ("1", ["21007001", "12007001"]),
    "IdentifyPersonRequest # 2": ("0", []),
    "ManageAccessRequest # 1": ("0", []),
}


@pytest.fixture()
def lino_client(engine: Engine, users) -> partial[UnitOfWork]:  # type: ignore[no-untyped-def]
    uow = partial(UnitOfWork, engine)
    assert sourcefeed.import_csv(uow, io.StringIO(CSV)).errors == ()
    usecases.define_type_dossier(uow, CLIENT_CBE, "10", "dossier in onderzoek")
    ssdn.add_client(uow, CLIENT_CBE, ["127.0.0.0/8"], 17, 1, doc.ORG_UNIT)
    return uow


def test_the_documents_are_the_three_of_lino_s_test():
    assert [re.search(r"<ssdn:Reference>(.*?)<", d).group(1) for d in DOCUMENTS] == list(EXPECTED)


@pytest.mark.parametrize("cdata", [False, True], ids=["escaped", "cdata"])
@pytest.mark.parametrize("index", range(len(DOCUMENTS)), ids=list(EXPECTED))
def test_each_document_lino_sends_is_answered(live_url, lino_client, soap, users, index, cdata):
    document = DOCUMENTS[index]
    reference = re.search(r"<ssdn:Reference>(.*?)<", document).group(1)
    reply = doc.parse(doc.reply_text(doc.post(live_url, doc.envelope(document, cdata))))
    return_code, reasons = EXPECTED[reference]
    assert doc.return_codes(reply)[2] == return_code
    assert doc.reason_codes(reply) == reasons
    if reference.startswith("ManageAccess"):
        assert doc.registrations(reply) == [("10", "2012-05-24", "2012-05-24")]
        assert lines(soap("Register", users.client).Consult(ssin=LUC)) == [
            (LUC, "10", "2012-05-24", "2012-05-24")
        ]
    else:
        (person,) = doc.found_persons(reply)
        assert person["SocialSecurityUser"] == OTHER
        assert (person["LastName"], person["BirthDate"]) == ("Mustermann", "1938-06-01")


def test_suds_sends_them_as_lino_does(live_url, lino_client) -> None:
    """suds (Lino's SOAP library) from the committed WSDL: sendTestMessage, then sendXML."""
    from suds.client import Client

    from tests.conftest import ROOT

    tester = Client(
        (ROOT / "wsdl" / "TestConnectionService.wsdl").as_uri(),
        location=live_url + doc.TEST_PATH,
        cache=None,
        timeout=30,
    )
    assert tester.service.sendTestMessage("are you there?") == "are you there?"
    connector = Client(
        (ROOT / "wsdl" / "KSZBCSSWebServiceConnector.wsdl").as_uri(),
        location=live_url + doc.CONNECTOR_PATH,
        cache=None,
        timeout=30,
    )
    reply = doc.parse(str(connector.service.sendXML(DOCUMENTS[-1])))
    assert doc.return_codes(reply) == ("0", "YES", "0", "YES")
    assert doc.registrations(reply) == [("10", "2012-05-24", "2012-05-24")]
