"""The SSDN compatibility channel as CPAS applications use it: sendXML with ManageAccess and
IdentifyPerson, sendTestMessage, the caller rules and the reply's prefixes, over real HTTP
against the live app (real PostgreSQL, row-level security on)."""

from __future__ import annotations

import io
from functools import partial

import pytest
import requests
import zeep
from lxml import etree
from sqlalchemy import Engine, text

from raas import usecases
from raas.models.ssin import make_ssin
from raas.persistence.uow import UnitOfWork
from raas.usecases import source, sourcefeed, ssdn
from tests.conftest import ROOT
from tests.contract import ssdn_documents as doc
from tests.contract.conftest import CLIENT_CBE, OTHER_CBE
from tests.contract.test_register import lines, period

DUPONT = make_ssin(1968, 6, 1, 53)
MARTIN = make_ssin(1975, 2, 11, 60)
OLD = make_ssin(1985, 3, 14, 123)
NEW = make_ssin(1985, 3, 14, 125)
CANCELED = make_ssin(1990, 1, 1, 31)
UNKNOWN = make_ssin(1979, 9, 9, 99)
BIS = make_ssin(1980, 5, 5, 11, month_offset=40)
ID_CARD = "591-1234567-89"
SIS_CARD = "1234567890"

CSV = (
    "ssin,lastName,firstName,birthDate,gender,status,replacedBy,identityCardNumber,"
    "sisCardNumber,street,houseNumber,postalCode,municipality,countryCode\n"
    f"{DUPONT},Dupont,Jean,1968-06-01,MALE,ACTIVE,,{ID_CARD},{SIS_CARD},"
    "Rue de la Loi,16,1000,Bruxelles,150\n"
    f"{MARTIN},Martin,Marie,1975-02-11,FEMALE,ACTIVE,,,,,,,,\n"
    f"{OLD},Peeters,Jan,1985-03-14,MALE,ACTIVE,,,,,,,,\n"
    f"{NEW},Peeters,Jan,1985-03-14,MALE,ACTIVE,,,,,,,,\n"
    f"{CANCELED},Janssens,Luc,1990-01-01,MALE,CANCELED,,,,,,,,\n"
    f"{BIS},Öztürk,Ayşe,1980-05-05,FEMALE,ACTIVE,,,,,,,,\n"
)


@pytest.fixture()
def uow(engine: Engine, users) -> partial[UnitOfWork]:  # type: ignore[no-untyped-def]
    factory = partial(UnitOfWork, engine)
    assert sourcefeed.import_csv(factory, io.StringIO(CSV)).errors == ()
    for cbe in (CLIENT_CBE, OTHER_CBE):
        for code in ("1", "902"):
            usecases.define_type_dossier(factory, cbe, code, f"purpose {code}")
    return factory


@pytest.fixture()
def client(uow) -> partial[UnitOfWork]:  # type: ignore[no-untyped-def]
    """CLIENT_CBE registered as Lino's demo AuthorizedUser, from loopback."""
    ssdn.add_client(uow, CLIENT_CBE, ["127.0.0.1/32"], 17, 1, doc.ORG_UNIT)
    return uow


REPLY_SCHEMA = doc.reply_schema()


def send(url: str, document: str, cdata: bool = False) -> etree._Element:
    """The SSDNReply to a document; it is valid against the committed SSDN schemas."""
    reply = doc.parse(doc.reply_text(doc.post(url, doc.envelope(document, cdata))))
    REPLY_SCHEMA.assertValid(reply)
    return reply


def register(
    url: str, ssin: str = DUPONT, start: str = "2026-01-01", end: str | None = None, **proof: str
) -> etree._Element:
    proof = proof or {"last_name": "Dupont", "first_name": "Jean", "birth_date": "1968-06-01"}
    return send(url, doc.wrap(doc.manage_access(ssin, "REGISTER", start, end, **proof)))


# -- the connector and the test service ----------------------------------------------------------


def test_zeep_from_the_committed_wsdl_registers_and_lists(live_url, client):
    connector = zeep.Client(str(ROOT / "wsdl" / "KSZBCSSWebServiceConnector.wsdl"))
    service = connector.create_service(
        "{http://ksz-bcss.fgov.be/connectors/WebServiceConnector}KSZBCSSWebServiceConnectorBinding",
        live_url + doc.CONNECTOR_PATH,
    )
    document = doc.manage_access(
        DUPONT,
        "REGISTER",
        "2026-01-01",
        "2026-03-31",
        last_name="Dupont",
        first_name="Jean",
        birth_date="1968-06-01",
    )
    reply = doc.parse(service.sendXML(doc.wrap(document)))
    assert doc.return_codes(reply) == ("0", "YES", "0", "YES")
    assert doc.registrations(reply) == [("902", "2026-01-01", "2026-03-31")]
    ticket = reply.findtext(
        f"{{{doc.SERVICE}}}ReplyContext/{{{doc.SERVICE}}}Message/{{{doc.SERVICE}}}Ticket"
    )
    with client() as tx:
        audited = tx.connection.execute(
            text(
                "SELECT service, operation, ssins, status_code, cbe_number FROM audit_log "
                "WHERE ticket_cbss = :t"
            ),
            {"t": ticket},
        ).one()
    assert tuple(audited) == ("SSDN", "ManageAccess.REGISTER", [DUPONT], "00000000", CLIENT_CBE)


def test_send_test_message_echoes_to_any_caller_and_its_wsdl_is_served(live_url, engine):
    tester = zeep.Client(str(ROOT / "wsdl" / "TestConnectionService.wsdl"))
    service = tester.create_service(
        "{http://kszbcss.fgov.be/intf/TestConnectionServiceService/v1}"
        "TestConnectionServiceServiceHTTPBinding",
        live_url + doc.TEST_PATH,
    )
    assert service.sendTestMessage(echo="ping 42") == "ping 42"
    for path, name in (
        (doc.CONNECTOR_PATH, "KSZBCSSWebServiceConnector.wsdl"),
        (doc.TEST_PATH, "TestConnectionService.wsdl"),
    ):
        served = requests.get(f"{live_url}{path}?wsdl", timeout=10)
        assert served.content == (ROOT / "wsdl" / name).read_bytes()
    for name in (
        "SSDN-Common.xsd",
        "SSDN-Service.xsd",
        "SSDN-ManageAccess.xsd",
        "SSDN-IdentifyPerson.xsd",
    ):
        served = requests.get(f"{live_url}/xsd/ssdn/{name}", timeout=10)
        assert served.content == (ROOT / "xsd" / "ssdn" / name).read_bytes()


# -- ManageAccess ---------------------------------------------------------------------------------


@pytest.mark.parametrize("cdata", [False, True], ids=["escaped", "cdata"])
@pytest.mark.parametrize("version", ["20050930", "20070509"])
def test_register_in_both_versions_and_forms_with_language(live_url, client, cdata, version):
    document = doc.wrap(
        doc.manage_access(
            DUPONT,
            "REGISTER",
            "2026-01-01",
            "2026-01-01",
            last_name="DUPONT",
            first_name="jean",
            birth_date="1968-06-01",
        ),
        version=version,
        language=True,
    )
    reply = send(live_url, document, cdata)
    assert doc.return_codes(reply) == ("0", "YES", "0", "YES")
    assert doc.registrations(reply) == [("902", "2026-01-01", "2026-01-01")]
    (registration,) = reply.iter(f"{{{doc.MA}}}Registrations")
    assert registration.findtext(f"{{{doc.MA}}}OrgUnit") == doc.ORG_UNIT
    assert registration.findtext(f"{{{doc.MA}}}Register") == "SECONDARY"
    original = reply.find(f".//{{{doc.MA}}}OriginalRequest")
    assert [c.text for c in original.iter() if not len(c)] == [
        DUPONT,
        "902",
        "2026-01-01",
        "2026-01-01",
        "REGISTER",
    ]


def test_register_without_proof_is_refused_and_registers_nothing(live_url, client, soap, users):
    for proof in (True, False):
        document = doc.manage_access(DUPONT, "REGISTER", "2026-01-01", proof=proof)
        reply = send(live_url, doc.wrap(document))
        assert doc.return_codes(reply) == ("10000", "NO", "10000", "NO")
        assert doc.reason_codes(reply) == ["31000007"]
    assert lines(soap("Register", users.client).Consult(ssin=DUPONT)) == []


def test_merge_list_cut_and_consult_see_the_same_lines(live_url, client, soap, users):
    register(live_url, start="2026-01-01", end="2026-03-31")
    merged = register(live_url, start="2026-03-15", end="2026-06-30")
    assert doc.registrations(merged) == [("902", "2026-01-01", "2026-06-30")]
    zeep_register = soap("Register", users.client)
    assert lines(zeep_register.Consult(ssin=DUPONT)) == [
        (DUPONT, "902", "2026-01-01", "2026-06-30")
    ]
    # a line inscribed through the RAAS contract is listed by ManageAccess, whole
    zeep_register.Inscribe(ssin=DUPONT, typeDossier="1", period=period("2025-01-01"))
    listed = send(
        live_url,
        doc.wrap(
            doc.manage_access(DUPONT, "LIST", "2026-02-01", "2026-02-01", purpose=None, proof=False)
        ),
    )
    assert doc.return_codes(listed) == ("0", "YES", "0", "YES")
    assert doc.registrations(listed) == [
        ("1", "2025-01-01", None),
        ("902", "2026-01-01", "2026-06-30"),
    ]
    cut = send(
        live_url,
        doc.wrap(doc.manage_access(DUPONT, "UNREGISTER", "2026-03-01", "2026-03-31", proof=False)),
    )
    assert doc.return_codes(cut) == ("0", "YES", "0", "YES")
    assert doc.registrations(cut) == []
    assert lines(zeep_register.Consult(ssin=DUPONT, typeDossier="902")) == [
        (DUPONT, "902", "2026-01-01", "2026-02-28"),
        (DUPONT, "902", "2026-04-01", "2026-06-30"),
    ]
    listed = send(
        live_url,
        doc.wrap(
            doc.manage_access(
                DUPONT, "LIST", "2026-01-01", "2026-12-31", purpose="0902", proof=False
            )
        ),
    )
    assert doc.registrations(listed) == [
        ("902", "2026-01-01", "2026-02-28"),
        ("902", "2026-04-01", "2026-06-30"),
    ]


def test_card_numbers_the_source_knows_prove_and_others_are_refused(live_url, client, soap, users):
    assert doc.return_codes(register(live_url, id_card="591123456789")) == ("0", "YES", "0", "YES")
    assert doc.return_codes(register(live_url, sis_card=SIS_CARD, start="2026-05-01"))[0] == "0"
    refused = register(live_url, MARTIN, id_card="591123456789")
    assert doc.reason_codes(refused) == ["39000103"]
    refused = register(live_url, id_card="000000000000", start="2027-01-01")
    assert doc.reason_codes(refused) == ["39000103"]
    assert lines(soap("Register", users.client).Consult(ssin=MARTIN)) == []


@pytest.mark.parametrize(
    ("ssin", "proof", "purpose", "start", "end", "reason"),
    [
        (DUPONT, {"last_name": "Durand"}, "902", "2026-01-01", None, "39000102"),
        (DUPONT, {"birth_date": "1968-07-01"}, "902", "2026-01-01", None, "39000102"),
        (UNKNOWN, {"last_name": "X"}, "902", "2026-01-01", None, "39000005"),
        (CANCELED, {"last_name": "Janssens"}, "902", "2026-01-01", None, "39000007"),
        (
            DUPONT[:10] + str((int(DUPONT[10]) + 1) % 10),
            {"last_name": "Dupont"},
            "902",
            "2026-01-01",
            None,
            "39000011",
        ),
        (DUPONT, {"last_name": "Dupont"}, "77", "2026-01-01", None, "39000101"),
        (DUPONT, {"last_name": "Dupont"}, "902", "2026-02-01", "2026-01-01", "39000008"),
        (DUPONT, {"last_name": "Dupont"}, None, "2026-01-01", None, "31000007"),
        (DUPONT, {"last_name": "Dupont"}, "902", "2026-02-30", None, "39000008"),
    ],
    ids=[
        "name",
        "birth-date",
        "unknown",
        "canceled",
        "check-digits",
        "purpose",
        "period",
        "no-purpose",
        "no-such-day",
    ],
)
def test_register_refusals(live_url, client, soap, users, ssin, proof, purpose, start, end, reason):
    document = doc.manage_access(ssin, "REGISTER", start, end, purpose=purpose, **proof)
    reply = send(live_url, doc.wrap(document))
    assert doc.return_codes(reply) == ("10000", "NO", "10000", "NO")
    assert doc.reason_codes(reply) == [reason]
    assert doc.registrations(reply) == []
    with client() as tx:
        assert tx.connection.execute(text("SELECT count(*) FROM register_lines")).scalar() == 0


def test_person_data_mismatch_names_the_fields(live_url, client):
    reply = register(live_url, last_name="Durand", first_name="Jean", birth_date="1968-06-01")
    assert doc.information(reply) == [("lastName", "Durand")]


def test_unregister_of_nothing_and_a_replaced_ssin(live_url, client, soap, users):
    nothing = send(
        live_url, doc.wrap(doc.manage_access(DUPONT, "UNREGISTER", "2026-01-01", proof=False))
    )
    assert doc.reason_codes(nothing) == ["39000012"]
    source.replace(client, OLD, NEW)
    replaced = register(
        live_url, OLD, last_name="Peeters", first_name="Jan", birth_date="1985-03-14"
    )
    assert doc.return_codes(replaced) == ("1", "WARNING", "1", "WARNING")
    assert doc.reason_codes(replaced) == ["29000006"]
    assert doc.information(replaced) == [("replacedBy", NEW)]
    glob = replaced.find(f"{{{doc.SERVICE}}}ReplyContext/{{{doc.COMMON}}}ResultSummary")
    assert glob.findtext(f".//{{{doc.COMMON}}}ReasonCode") == "20000001"
    assert lines(soap("Register", users.client).Consult(ssin=NEW)) == [
        (NEW, "902", "2026-01-01", None)
    ]


def test_an_unknown_service_or_version_is_an_error_reply_naming_it(live_url, client):
    for service_id, version in (
        ("OCMWCPASPerformInvestigation", "20050930"),
        ("OCMWCPASManageAccess", "20990101"),
    ):
        document = doc.wrap(
            doc.manage_access(DUPONT, "LIST", "2026-01-01", proof=False),
            service_id=service_id,
            version=version,
        )
        reply = send(live_url, document)
        assert doc.return_codes(reply) == ("10000", "NO", "10000", "NO")
        assert doc.reason_codes(reply) == ["39000010"]
        assert ("ServiceId", service_id) in doc.information(reply)


def test_a_service_request_outside_its_schema_is_an_error_reply(live_url, client):
    document = doc.manage_access(DUPONT, "DELETE", "2026-01-01", proof=False)
    reply = send(live_url, doc.wrap(document))
    assert doc.reason_codes(reply) == ["39000004"]


# -- IdentifyPerson -----------------------------------------------------------------------------


def identify(url: str, **criteria) -> etree._Element:  # type: ignore[no-untyped-def]
    return send(url, doc.wrap(doc.identify_person(**criteria), service_id="OCMWCPASIdentifyPerson"))


def test_identify_by_ssin_with_matching_verification_data(live_url, client):
    reply = identify(
        live_url,
        ssin=DUPONT,
        last_name="Dupont",
        first_name="Jean",
        birth_date="1968-06-01",
        id_card=ID_CARD,
    )
    # SSIN and (Lino's) phonetic criteria: the warning, and the search by SSIN
    assert doc.reason_codes(reply) == ["21007001", "12007001"]
    assert doc.return_codes(reply) == ("1", "WARNING", "1", "WARNING")
    (person,) = doc.found_persons(reply)
    assert person == {
        "SocialSecurityUser": DUPONT,
        "LastName": "Dupont",
        "FirstName": "Jean",
        "BirthDate": "1968-06-01",
        "Gender": "1",
        "origin": "RN_RR",
        "extended": "True",
        "Address": "150 Bruxelles 1000 Rue de la Loi 16",
    }


def test_identify_by_ssin_alone_validates_and_tells_the_bis_register(live_url, client):
    reply = send(
        live_url,
        doc.wrap(
            f'<ipr:IdentifyPersonRequest xmlns:ipr="{doc.IP}"><ipr:SearchCriteria>'
            f"<ipr:SSIN>{BIS}</ipr:SSIN></ipr:SearchCriteria><ipr:VerificationData><ipr:PersonData>"
            "<ipr:LastName>Ozturk</ipr:LastName><ipr:BirthDate>1980-05-05</ipr:BirthDate>"
            "</ipr:PersonData></ipr:VerificationData></ipr:IdentifyPersonRequest>",
            service_id="OCMWCPASIdentifyPerson",
        ),
    )
    assert doc.reason_codes(reply) == ["12007001"]
    assert doc.return_codes(reply) == ("0", "YES", "0", "YES")
    (person,) = doc.found_persons(reply)
    assert (person["origin"], person["Gender"], "Address" in person) == ("BCSS_KSZ", "2", False)


def test_identify_by_ssin_with_wrong_verification_data_names_each_field(live_url, client):
    reply = identify(
        live_url,
        ssin=DUPONT,
        last_name="Durand",
        first_name="Jean",
        birth_date="1968-06-02",
        id_card="000",
    )
    assert doc.reason_codes(reply) == ["21007001", "22007007"]
    assert doc.information(reply) == [
        ("LastName", "Durand"),
        ("BirthDate", "1968-06-02"),
        ("IdentityCardNumber", "000"),
    ]
    (person,) = doc.found_persons(reply)
    assert person["extended"] == "False"


def test_identify_phonetically(live_url, client):
    found = identify(live_url, last_name="Dupond", first_name="Jean", birth_date="1968-06-01")
    assert doc.return_codes(found) == ("0", "YES", "0", "YES")
    assert [p["SocialSecurityUser"] for p in doc.found_persons(found)] == [DUPONT]
    widened = identify(
        live_url, last_name="Dupont", birth_date="1968-00-00", tolerance=1, gender="1", maximum=5
    )
    assert [p["SocialSecurityUser"] for p in doc.found_persons(widened)] == [DUPONT]
    wrong_gender = identify(live_url, last_name="Dupont", birth_date="1968-06-01", gender="2")
    assert doc.reason_codes(wrong_gender) == ["32007004"]
    no_tolerance = identify(live_url, last_name="Dupont", birth_date="1968-06-00")
    assert doc.reason_codes(no_tolerance) == ["31009001"]
    assert doc.return_codes(no_tolerance) == ("10000", "NO", "10000", "NO")
    nobody = identify(live_url, last_name="Zyxwvut", birth_date="1968-06-01")
    assert doc.reason_codes(nobody) == ["32007004"]
    assert doc.found_persons(nobody) == []


def test_identify_without_criteria_or_with_an_unknown_ssin(live_url, client):
    empty = send(
        live_url,
        doc.wrap(
            f'<ipr:IdentifyPersonRequest xmlns:ipr="{doc.IP}"><ipr:SearchCriteria/>'
            "</ipr:IdentifyPersonRequest>",
            service_id="OCMWCPASIdentifyPerson",
        ),
    )
    assert doc.reason_codes(empty) == ["31000007"]
    unknown = identify(live_url, ssin=UNKNOWN, verify=False)
    assert doc.reason_codes(unknown) == ["21007001", "39000005"]
    assert doc.return_codes(unknown)[2] == "10000"


# -- the caller rules ------------------------------------------------------------------------------


def refused(response: requests.Response) -> str:
    assert response.status_code == 500
    root = etree.fromstring(response.content)
    return root.findtext(".//{*}reasonCode")


def test_the_channel_is_closed_until_a_client_is_registered(live_url, uow, soap, users):
    document = doc.manage_access(DUPONT, "REGISTER", "2026-01-01", last_name="Dupont")
    assert refused(doc.post(live_url, doc.envelope(doc.wrap(document)))) == "MSG00014"
    assert lines(soap("Register", users.client).Consult(ssin=DUPONT)) == []


@pytest.mark.parametrize(
    ("network", "wrap", "note"),
    [
        ("10.0.0.0/8", {}, "no SSDN client is registered for the network"),
        ("127.0.0.0/8", {"org_unit": "9999999999"}, "matches no SSDN client"),
        ("127.0.0.0/8", {"matrix_id": "18"}, "matches no SSDN client"),
        ("127.0.0.0/8", {"matrix_sub_id": "2"}, "matches no SSDN client"),
    ],
    ids=["network", "org-unit", "sector", "sub-sector"],
)
def test_every_refusal_of_the_caller_rules_is_audited_and_changes_nothing(
    live_url, uow, soap, users, network, wrap, note
):
    ssdn.add_client(uow, CLIENT_CBE, [network], 17, 1, doc.ORG_UNIT)
    for ssin in (DUPONT, UNKNOWN):  # the same answer whether the ssin exists or not
        document = doc.wrap(
            doc.manage_access(ssin, "REGISTER", "2026-01-01", last_name="Dupont"), **wrap
        )
        response = doc.post(live_url, doc.envelope(document))
        assert refused(response) == "MSG00014"
        assert "Dupont" not in response.text and ssin not in response.text
    with uow() as tx:
        rows = tx.connection.execute(
            text(
                "SELECT service, status_code, note, cbe_number FROM audit_log "
                "WHERE service = 'SSDN'"
            )
        ).all()
    assert len(rows) == 2
    assert all(
        r.status_code == "MSG00014" and note in r.note and r.cbe_number is None for r in rows
    )
    assert lines(soap("Register", users.client).Consult(ssin=DUPONT)) == []


def test_another_organisations_client_acts_for_its_own_register_only(live_url, uow, soap, users):
    ssdn.add_client(uow, OTHER_CBE, ["127.0.0.1/32"], 17, 1, doc.ORG_UNIT)
    assert doc.return_codes(register(live_url))[0] == "0"
    assert lines(soap("Register", users.client).Consult(ssin=DUPONT)) == []
    assert lines(soap("Register", users.other).Consult(ssin=DUPONT)) == [
        (DUPONT, "902", "2026-01-01", None)
    ]


def test_forwarded_for_is_read_only_from_trusted_proxies(service_engine, uow):
    from raas.config import Settings
    from raas.wsgi import create_app
    from tests.conftest import serving

    ssdn.add_client(uow, CLIENT_CBE, ["192.0.2.0/24"], 17, 1, doc.ORG_UNIT)
    document = doc.envelope(
        doc.wrap(doc.manage_access(DUPONT, "REGISTER", "2026-01-01", last_name="Dupont"))
    )
    forwarded = {"X-Forwarded-For": "192.0.2.7"}
    with serving(create_app(Settings(), engine=service_engine)) as url:
        assert refused(doc.post(url, document, **forwarded)) == "MSG00014"
    trusting = Settings(trusted_proxies=("127.0.0.1",))
    with serving(create_app(trusting, engine=service_engine)) as url:
        assert doc.return_codes(send_to(url, document, forwarded))[0] == "0"
        assert refused(doc.post(url, document)) == "MSG00014"


def send_to(url: str, body: bytes, headers: dict[str, str]) -> etree._Element:
    return doc.parse(doc.reply_text(doc.post(url, body, **headers)))


@pytest.mark.parametrize(
    "body",
    [
        b"not xml",
        doc.envelope("not xml either"),
        doc.envelope(""),
        doc.envelope('<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>'),
        doc.envelope(f'<ssdn:SSDNRequest xmlns:ssdn="{doc.SERVICE}"/>'),
        b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
        b"<soapenv:Body><other/></soapenv:Body></soapenv:Envelope>",
    ],
    ids=["body", "inner", "empty", "entity", "schema", "element"],
)
def test_malformed_requests_are_faults_never_tracebacks(live_url, client, body):
    response = doc.post(live_url, body)
    assert refused(response) == "MSG00004"
    assert "Traceback" not in response.text


# -- prefixes --------------------------------------------------------------------------------------


def test_reply_prefixes_are_those_of_the_real_service(live_url, client):
    raw = doc.reply_text(
        doc.post(
            live_url,
            doc.envelope(
                doc.wrap(
                    doc.manage_access(
                        DUPONT, "REGISTER", "2026-01-01", "2026-01-01", last_name="Dupont"
                    )
                )
            ),
        )
    )
    assert raw.startswith("<?xml version=")
    assert f'<SSDNReply xmlns="{doc.SERVICE}">' in raw
    assert f'<ns1:ResultSummary xmlns:ns1="{doc.COMMON}" ok="YES"><ns1:ReturnCode>0' in raw
    assert f'<ns2:ResultSummary xmlns:ns2="{doc.COMMON}" ok="YES"><ns2:ReturnCode>0' in raw
    assert "<ServiceId>OCMWCPASManageAccess</ServiceId>" in raw
    assert f'<ns3:ManageAccessReply xmlns:ns3="{doc.MA}">' in raw
    assert f'<ns4:StartDate xmlns:ns4="{doc.COMMON}">2026-01-01</ns4:StartDate>' in raw
    assert "<ns3:Registrations>" in raw
    # the first ReturnCode in the document is the global one
    assert raw.index("ReturnCode") < raw.index("ServiceReply")
    ident = doc.reply_text(
        doc.post(
            live_url,
            doc.envelope(
                doc.wrap(
                    doc.identify_person(last_name="Dupont", birth_date="1968-06-01"),
                    service_id="OCMWCPASIdentifyPerson",
                )
            ),
        )
    )
    assert f'<ns3:IdentifyPersonReply xmlns:ns3="{doc.IP}">' in ident
    assert '<ns3:LimitedLegalData origin="RN_RR">' in ident
    error = doc.reply_text(
        doc.post(
            live_url,
            doc.envelope(doc.wrap(doc.manage_access(UNKNOWN, "LIST", "2026-01-01", proof=False))),
        )
    )
    assert '<ns1:ResultSummary xmlns:ns1="' in error and 'ok="NO"' in error
    assert "<ns1:ReasonCode>30000001</ns1:ReasonCode>" in error
    assert "<ns2:ReasonCode>39000005</ns2:ReasonCode>" in error


# -- metrics and logs --------------------------------------------------------------------


def test_metrics_and_the_log_line_cover_ssdn_requests_without_national_numbers(
    live_url, client, caplog
):
    import logging

    from tests.contract.test_metrics import delta, scrape

    caplog.set_level(logging.DEBUG)
    before = scrape(live_url)
    register(live_url)
    send(live_url, doc.wrap(doc.manage_access(DUPONT, "LIST", "2026-01-01", proof=False)))
    identify(live_url, ssin=UNKNOWN, verify=False)
    doc.post(
        live_url,
        doc.envelope(
            doc.wrap(doc.manage_access(DUPONT, "LIST", "2026-01-01", proof=False), org_unit="666")
        ),
    )
    after = scrape(live_url)
    counted = "raas_requests_total"
    assert (
        delta(
            before,
            after,
            counted,
            service="SSDN",
            operation="ManageAccess.REGISTER",
            code="00000000",
        )
        == 1
    )
    assert (
        delta(
            before, after, counted, service="SSDN", operation="ManageAccess.LIST", code="00000000"
        )
        == 1
    )
    assert (
        delta(before, after, counted, service="SSDN", operation="IdentifyPerson", code="39000005")
        == 1
    )
    assert delta(before, after, counted, service="SSDN", operation="sendXML", code="MSG00014") == 1
    request_lines = [r.getMessage() for r in caplog.records if r.name == "raas.request"]
    assert any(
        "service=SSDN operation=ManageAccess.REGISTER status=00000000" in line
        and f"user=ssdn:{doc.ORG_UNIT}" in line
        for line in request_lines
    )
    for record in caplog.records:
        if not record.name.startswith(("zeep", "urllib3")):
            text_ = record.getMessage() + (record.exc_text or "")
            assert DUPONT not in text_ and UNKNOWN not in text_ and "00901234567" not in text_


def test_two_service_requests_in_one_document_each_get_a_reply(live_url, client):
    register(live_url)
    document = doc.wrap(doc.manage_access(DUPONT, "LIST", "2026-01-01", proof=False))
    second = (
        "<ssdn:ServiceRequest><ssdn:ServiceId>OCMWCPASIdentifyPerson</ssdn:ServiceId>"
        f"<ssdn:Version>20050930</ssdn:Version>{doc.identify_person(ssin=UNKNOWN, verify=False)}"
        "</ssdn:ServiceRequest>"
    )
    document = document.replace("</ssdn:SSDNRequest>", second + "</ssdn:SSDNRequest>")
    reply = send(live_url, document)
    summaries = reply.findall(f"{{{doc.SERVICE}}}ServiceReply/{{{doc.COMMON}}}ResultSummary")
    assert [s.findtext(f"{{{doc.COMMON}}}ReturnCode") for s in summaries] == ["0", "10000"]
    assert doc.return_codes(reply)[:2] == ("10000", "NO")  # the global one: the worst
    assert doc.registrations(reply) == [("902", "2026-01-01", None)]
