"""SSDN request documents as CPAS applications send them, and helpers to read the replies.

The documents are the project's own equivalents of what Lino Welfare's `cbss` plugin builds
(element names, namespaces and order as on the wire); `lino_documents` reads Lino's own
expected requests from its installed test when the package is present.
"""

from __future__ import annotations

import html
from xml.sax.saxutils import escape

import requests
from lxml import etree

SERVICE = "http://www.ksz-bcss.fgov.be/XSD/SSDN/Service"
COMMON = "http://www.ksz-bcss.fgov.be/XSD/SSDN/Common"
MA = "http://www.ksz-bcss.fgov.be/XSD/SSDN/OCMW_CPAS/ManageAccess"
IP = "http://www.ksz-bcss.fgov.be/XSD/SSDN/OCMW_CPAS/IdentifyPerson"
CONNECTOR = "http://ksz-bcss.fgov.be/connectors/WebServiceConnector"
CONNECTOR_PATH = "/connectors/webservice/KSZBCSSWebServiceConnectorPort"
TEST_PATH = "/SOA4520/TestConnectionServiceService/sendTestMessage"
SOAP_ACTION = "http://ksz-bcss.fgov.be/connectors/WebServiceConnector/sendXML"

# What Lino Welfare's demo site sends as AuthorizedUser.
ORG_UNIT = "0123456789"
MATRIX_ID = "17"
MATRIX_SUB_ID = "1"


def wrap(
    service_request: str,
    service_id: str = "OCMWCPASManageAccess",
    version: str = "20050930",
    org_unit: str = ORG_UNIT,
    matrix_id: str = MATRIX_ID,
    matrix_sub_id: str = MATRIX_SUB_ID,
    language: bool = False,
) -> str:
    """An SSDNRequest around one service request, as Lino's wrap_ssdn_request writes it."""
    extra = "<ssdn:Language>fr</ssdn:Language>" if language else ""
    return (
        f'<ssdn:SSDNRequest xmlns:ssdn="{SERVICE}">'
        "<ssdn:RequestContext><ssdn:AuthorizedUser>"
        "<ssdn:UserID>00901234567</ssdn:UserID><ssdn:Email>info@example.com</ssdn:Email>"
        f"<ssdn:OrgUnit>{org_unit}</ssdn:OrgUnit><ssdn:MatrixID>{matrix_id}</ssdn:MatrixID>"
        f"<ssdn:MatrixSubID>{matrix_sub_id}</ssdn:MatrixSubID></ssdn:AuthorizedUser>"
        "<ssdn:Message><ssdn:Reference>ManageAccessRequest # 1</ssdn:Reference>"
        f"<ssdn:TimeRequest>20260101T101010</ssdn:TimeRequest>{extra}</ssdn:Message>"
        "</ssdn:RequestContext>"
        f"<ssdn:ServiceRequest><ssdn:ServiceId>{service_id}</ssdn:ServiceId>"
        f"<ssdn:Version>{version}</ssdn:Version>{service_request}</ssdn:ServiceRequest>"
        "</ssdn:SSDNRequest>"
    )


def manage_access(
    ssin: str,
    action: str,
    start: str,
    end: str | None = None,
    purpose: str | None = "902",
    last_name: str | None = None,
    first_name: str | None = None,
    birth_date: str | None = None,
    id_card: str | None = None,
    sis_card: str | None = None,
    proof: bool = True,
) -> str:
    """A ManageAccessRequest as Lino's ManageAccessRequest.build_request writes it."""
    parts = [f'<mar:ManageAccessRequest xmlns:mar="{MA}" xmlns:common="{COMMON}">']
    parts.append(f"<mar:SSIN>{ssin}</mar:SSIN>")
    if purpose is not None:
        parts.append(f"<mar:Purpose>{purpose}</mar:Purpose>")
    parts.append(f"<mar:Period><common:StartDate>{start}</common:StartDate>")
    if end:
        parts.append(f"<common:EndDate>{end}</common:EndDate>")
    parts.append(f"</mar:Period><mar:Action>{action}</mar:Action>")
    if proof:
        parts.append("<mar:ProofOfAuthentication>")
        if sis_card:
            parts.append(f"<mar:SISCardNumber>{sis_card}</mar:SISCardNumber>")
        if id_card:
            parts.append(f"<mar:IdentityCardNumber>{id_card}</mar:IdentityCardNumber>")
        if last_name or first_name or birth_date:
            parts.append(
                f"<mar:PersonData><mar:LastName>{escape(last_name or '')}</mar:LastName>"
                f"<mar:FirstName>{escape(first_name or '')}</mar:FirstName>"
                f"<mar:BirthDate>{birth_date or ''}</mar:BirthDate></mar:PersonData>"
            )
        parts.append("</mar:ProofOfAuthentication>")
    parts.append("</mar:ManageAccessRequest>")
    return "".join(parts)


def identify_person(
    ssin: str | None = None,
    last_name: str = "",
    first_name: str = "",
    birth_date: str = "",
    gender: str | None = None,
    tolerance: int | None = None,
    maximum: int | None = None,
    verify: bool = True,
    id_card: str | None = None,
) -> str:
    """An IdentifyPersonRequest as Lino's IdentifyPersonRequest.build_request writes it
    (with an SSIN: VerificationData with what it knows, and always PhoneticCriteria)."""
    parts = [f'<ipr:IdentifyPersonRequest xmlns:ipr="{IP}"><ipr:SearchCriteria>']
    if ssin:
        parts.append(f"<ipr:SSIN>{ssin}</ipr:SSIN>")
    parts.append(
        f"<ipr:PhoneticCriteria><ipr:LastName>{escape(last_name)}</ipr:LastName>"
        f"<ipr:FirstName>{escape(first_name)}</ipr:FirstName><ipr:MiddleName></ipr:MiddleName>"
        f"<ipr:BirthDate>{birth_date}</ipr:BirthDate>"
    )
    if gender is not None:
        parts.append(f"<ipr:Gender>{gender}</ipr:Gender>")
    if tolerance is not None:
        parts.append(f"<ipr:Tolerance>{tolerance}</ipr:Tolerance>")
    if maximum is not None:
        parts.append(f"<ipr:Maximum>{maximum}</ipr:Maximum>")
    parts.append("</ipr:PhoneticCriteria></ipr:SearchCriteria>")
    if ssin and verify:
        parts.append("<ipr:VerificationData>")
        if id_card:
            parts.append(f"<ipr:IdentityCardNumber>{id_card}</ipr:IdentityCardNumber>")
        parts.append(
            f"<ipr:PersonData><ipr:LastName>{escape(last_name)}</ipr:LastName>"
            f"<ipr:FirstName>{escape(first_name)}</ipr:FirstName>"
            f"<ipr:MiddleName></ipr:MiddleName><ipr:BirthDate>{birth_date}</ipr:BirthDate>"
            "</ipr:PersonData></ipr:VerificationData>"
        )
    parts.append("</ipr:IdentifyPersonRequest>")
    return "".join(parts)


def envelope(document: str, cdata: bool = False) -> bytes:
    """A sendXML SOAP envelope carrying the document escaped (as suds does) or in CDATA."""
    inner = f"<![CDATA[{document}]]>" if cdata else escape(document)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
        f'<soapenv:Body><xmlString xmlns="{CONNECTOR}">{inner}</xmlString></soapenv:Body>'
        "</soapenv:Envelope>"
    ).encode()


def post(url: str, body: bytes, **headers: str) -> requests.Response:
    return requests.post(
        url + CONNECTOR_PATH,
        data=body,
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": SOAP_ACTION, **headers},
        timeout=30,
    )


def reply_text(response: requests.Response) -> str:
    """The SSDNReply text inside the SOAP answer's xmlString."""
    assert response.status_code == 200, response.text
    root = etree.fromstring(response.content)
    (element,) = root.iter(f"{{{CONNECTOR}}}xmlString")
    return element.text


def parse(reply: str) -> etree._Element:
    return etree.fromstring(reply.encode())


def return_codes(reply: etree._Element) -> tuple[str, str, str, str]:
    """(global ReturnCode, global ok, service ReturnCode, service ok)."""
    glob = reply.find(f"{{{SERVICE}}}ReplyContext/{{{COMMON}}}ResultSummary")
    service = reply.find(f"{{{SERVICE}}}ServiceReply/{{{COMMON}}}ResultSummary")
    return (
        glob.findtext(f"{{{COMMON}}}ReturnCode"),
        glob.get("ok"),
        service.findtext(f"{{{COMMON}}}ReturnCode"),
        service.get("ok"),
    )


def reason_codes(reply: etree._Element) -> list[str]:
    """The ServiceReply's detail reason codes."""
    service = reply.find(f"{{{SERVICE}}}ServiceReply/{{{COMMON}}}ResultSummary")
    return [d.findtext(f"{{{COMMON}}}ReasonCode") for d in service.iter(f"{{{COMMON}}}Detail")]


def information(reply: etree._Element) -> list[tuple[str, str]]:
    service = reply.find(f"{{{SERVICE}}}ServiceReply/{{{COMMON}}}ResultSummary")
    return [
        (i.findtext(f"{{{COMMON}}}FieldName"), i.findtext(f"{{{COMMON}}}FieldValue"))
        for i in service.iter(f"{{{COMMON}}}Information")
    ]


def registrations(reply: etree._Element) -> list[tuple[str, str, str | None]]:
    """(Purpose, StartDate, EndDate) of each Registrations."""
    return [
        (
            r.findtext(f"{{{MA}}}Purpose"),
            r.findtext(f"{{{MA}}}Period/{{{COMMON}}}StartDate"),
            r.findtext(f"{{{MA}}}Period/{{{COMMON}}}EndDate"),
        )
        for r in reply.iter(f"{{{MA}}}Registrations")
    ]


def found_persons(reply: etree._Element) -> list[dict[str, str]]:
    rows = []
    for data in reply.iter(f"{{{IP}}}LimitedLegalData"):
        basic = data.find(f"{{{IP}}}Basic")
        row = {child.tag.rpartition("}")[2]: (child.text or "") for child in basic}
        row["origin"] = data.get("origin")
        row["extended"] = str(data.find(f"{{{IP}}}Extended") is not None)
        address = basic.find(f"{{{IP}}}Address")
        if address is not None:
            row["Address"] = " ".join(c.text for c in address)
        rows.append(row)
    return rows


def unescape(text: str) -> str:
    return html.unescape(text)


def reply_schema() -> etree.XMLSchema:
    """The committed SSDN schemas, together: an SSDNReply is validated with its service body."""
    from tests.conftest import ROOT

    folder = ROOT / "xsd" / "ssdn"
    imports = "".join(
        f'<xs:import namespace="{ns}" schemaLocation="{(folder / name).as_uri()}"/>'
        for ns, name in (
            (SERVICE, "SSDN-Service.xsd"),
            (MA, "SSDN-ManageAccess.xsd"),
            (IP, "SSDN-IdentifyPerson.xsd"),
        )
    )
    wrapper = (
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        f'targetNamespace="urn:raas:test:ssdn">{imports}</xs:schema>'
    )
    return etree.XMLSchema(etree.fromstring(wrapper, base_url=folder.as_uri() + "/"))
