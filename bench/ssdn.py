"""The SSDN channel's requests for `make bench`: ManageAccess REGISTER and LIST as a CPAS
application sends them (an SSDN document, escaped, in sendXML's xmlString).

The benchmark client is registered as an SSDN client for loopback (MatrixID 17, MatrixSubID 1,
OrgUnit BENCH); Purpose 902 is one of its type dossiers.
"""

from __future__ import annotations

import random
from datetime import date
from functools import partial
from xml.sax.saxutils import escape

from common import CBE
from sqlalchemy import text
from sqlalchemy.engine import URL

from raas.persistence.database import make_engine
from raas.persistence.uow import UnitOfWork
from raas.usecases import ssdn

PATH = "/connectors/webservice/KSZBCSSWebServiceConnectorPort"
ORG_UNIT = "BENCH"
# Both ReturnCodes 0, as they appear escaped inside xmlString.
OK = (b"ns2:ReturnCode&gt;0&lt;",)
_SERVICE = "http://www.ksz-bcss.fgov.be/XSD/SSDN/Service"
_MA = "http://www.ksz-bcss.fgov.be/XSD/SSDN/OCMW_CPAS/ManageAccess"
_COMMON = "http://www.ksz-bcss.fgov.be/XSD/SSDN/Common"
_SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
_CONNECTOR = "http://ksz-bcss.fgov.be/connectors/WebServiceConnector"


def _request(body: str) -> bytes:
    document = (
        f'<ssdn:SSDNRequest xmlns:ssdn="{_SERVICE}"><ssdn:RequestContext><ssdn:AuthorizedUser>'
        "<ssdn:UserID>00901234567</ssdn:UserID><ssdn:Email>bench@example.com</ssdn:Email>"
        f"<ssdn:OrgUnit>{ORG_UNIT}</ssdn:OrgUnit><ssdn:MatrixID>17</ssdn:MatrixID>"
        "<ssdn:MatrixSubID>1</ssdn:MatrixSubID></ssdn:AuthorizedUser><ssdn:Message>"
        "<ssdn:Reference>bench</ssdn:Reference><ssdn:TimeRequest>20260101T000000"
        "</ssdn:TimeRequest></ssdn:Message></ssdn:RequestContext><ssdn:ServiceRequest>"
        "<ssdn:ServiceId>OCMWCPASManageAccess</ssdn:ServiceId><ssdn:Version>20050930"
        f"</ssdn:Version>{body}</ssdn:ServiceRequest></ssdn:SSDNRequest>"
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{_SOAP}">'
        f'<soapenv:Body><xmlString xmlns="{_CONNECTOR}">{escape(document)}</xmlString>'
        "</soapenv:Body></soapenv:Envelope>"
    ).encode()


def _manage_access(ssin: str, action: str, start: date, end: date, proof: str = "",
                   purpose: str = "") -> str:
    return (
        f'<mar:ManageAccessRequest xmlns:mar="{_MA}" xmlns:common="{_COMMON}">'
        f"<mar:SSIN>{ssin}</mar:SSIN>{purpose}<mar:Period>"
        f"<common:StartDate>{start}</common:StartDate><common:EndDate>{end}</common:EndDate>"
        f"</mar:Period><mar:Action>{action}</mar:Action>{proof}</mar:ManageAccessRequest>"
    )


def requests(url: URL, ssins: list[str], rng: random.Random) -> tuple[list[bytes], list[bytes]]:
    """(REGISTER bodies, LIST bodies) for persons the benchmark client holds lines of."""
    engine = make_engine(url)
    ssdn.add_client(partial(UnitOfWork, engine), CBE, ["127.0.0.0/8"], 17, 1, ORG_UNIT)
    with engine.connect() as conn:
        people = conn.execute(
            text("SELECT ssin, last_name, first_name, birth_date FROM source_persons "
                 "WHERE ssin = ANY(:s) ORDER BY ssin"),
            {"s": rng.sample(ssins, min(4000, len(ssins)))},
        ).all()
    engine.dispose()
    register, listing = [], []
    for ssin, last, first, born in people:
        begin = date.fromordinal(date(2010, 1, 1).toordinal() + rng.randrange(0, 5000))
        end = date.fromordinal(begin.toordinal() + rng.randrange(0, 400))
        proof = (
            "<mar:ProofOfAuthentication><mar:PersonData>"
            f"<mar:LastName>{escape(last)}</mar:LastName>"
            f"<mar:FirstName>{escape(first)}</mar:FirstName>"
            f"<mar:BirthDate>{born}</mar:BirthDate></mar:PersonData></mar:ProofOfAuthentication>"
        )
        register.append(_request(_manage_access(ssin, "REGISTER", begin, end, proof,
                                                "<mar:Purpose>902</mar:Purpose>")))
        listing.append(_request(_manage_access(ssin, "LIST", date(2010, 1, 1),
                                               date(2030, 12, 31))))
    return register, listing
