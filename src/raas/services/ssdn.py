"""The classic KSZ channel (SSDN): `sendXML` with ManageAccess and IdentifyPerson, and
`sendTestMessage`, at KSZ's own paths.

The gateway reads the body and parses the SOAP envelope safely; this module takes the SSDN
document out of `xmlString` (escaped text or CDATA), parses it as safely, admits the caller (its
network, then its AuthorizedUser), validates each service request against RAAS's own schema,
runs the shared use cases and writes the SSDNReply with the namespace prefixes the real service
writes (some production clients read them literally). No spyne here: the SSDN document travels
as text, so spyne's binding would add nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from importlib import resources
from itertools import count
from typing import TYPE_CHECKING, Any

from lxml import etree

from raas.client_address import Network, client_address
from raas.models import ssdn
from raas.models.errors import InvalidData, ServiceUnavailable
from raas.models.inscriptions import PersonData
from raas.models.persons import Person, PersonDetails
from raas.models.ssdn import AuthorizedUser, Detail, Severity
from raas.models.ssin import Register
from raas.models.users import User
from raas.services.faults import SOAP_ENV, ContractFault
from raas.services.operation import Call
from raas.services.safe_xml import request_parser
from raas.usecases import ssdn as usecases

if TYPE_CHECKING:  # lxml's opaque result of Resolver.resolve_*, named only by its stubs
    from lxml.etree._docloader import _InputDocument

CONNECTOR_PATH = "/connectors/webservice/KSZBCSSWebServiceConnectorPort"
TEST_PATH = "/SOA4520/TestConnectionServiceService/sendTestMessage"
CONNECTOR_NS = "http://ksz-bcss.fgov.be/connectors/WebServiceConnector"
TEST_NS = "http://kszbcss.fgov.be/intf/TestConnectionServiceService/v1"
SERVICE_NS = "http://www.ksz-bcss.fgov.be/XSD/SSDN/Service"
COMMON_NS = "http://www.ksz-bcss.fgov.be/XSD/SSDN/Common"
MANAGE_ACCESS_NS = "http://www.ksz-bcss.fgov.be/XSD/SSDN/OCMW_CPAS/ManageAccess"
IDENTIFY_PERSON_NS = "http://www.ksz-bcss.fgov.be/XSD/SSDN/OCMW_CPAS/IdentifyPerson"

WSDLS = {CONNECTOR_PATH: "KSZBCSSWebServiceConnector.wsdl", TEST_PATH: "TestConnectionService.wsdl"}
XSDS = ("SSDN-Common.xsd", "SSDN-Service.xsd", "SSDN-ManageAccess.xsd", "SSDN-IdentifyPerson.xsd")
# (ServiceId, Version) → the service body's schema file and element.
SERVICES = {
    ("OCMWCPASManageAccess", "20050930"): ("SSDN-ManageAccess.xsd", "ManageAccessRequest"),
    ("OCMWCPASManageAccess", "20070509"): ("SSDN-ManageAccess.xsd", "ManageAccessRequest"),
    ("OCMWCPASIdentifyPerson", "20050930"): ("SSDN-IdentifyPerson.xsd", "IdentifyPersonRequest"),
}
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_SSIN = re.compile(r"^[0-9]{11}$")
_TIME = "%Y%m%dT%H%M%S"


def _resource(name: str) -> bytes:
    return resources.files("raas.services.ssdn_xsd").joinpath(name).read_bytes()


def documents(public_url: str) -> dict[str, bytes]:
    """The two WSDLs (by file name), addressed at `public_url` (what `make wsdl` commits)."""
    return {
        name: _resource(name).replace(b"{public_url}", public_url.encode())
        for name in WSDLS.values()
    }


def schemas() -> dict[str, bytes]:
    """The SSDN schemas, by file name (served under /xsd/ssdn/, committed under xsd/ssdn/)."""
    return {name: _resource(name) for name in XSDS}


class _Resolver(etree.Resolver):
    def resolve(
        self, url: str | None, pubid: str | None, context: object
    ) -> _InputDocument | None:
        name = (url or "").rsplit("/", 1)[-1]
        if name in XSDS:
            return self.resolve_string(_resource(name), context)
        return None


def _schema(name: str) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(_Resolver())
    root = etree.fromstring(_resource(name), parser, base_url=f"memory:///{name}")
    return etree.XMLSchema(root)


@dataclass(frozen=True)
class Reply:
    """One ServiceReply: its ServiceId, Version, details and body (None: no body)."""

    service_id: str
    version: str
    details: list[Detail]
    write_body: Callable[[etree._Element, count[int]], None] | None = None


class SsdnChannel:
    """Answers the two SSDN endpoints; the gateway around it audits, logs and counts."""

    def __init__(
        self, uow: Callable[..., Any], trusted_proxies: tuple[Network, ...], max_depth: int
    ) -> None:
        self._uow = uow
        self._trusted = trusted_proxies
        self._max_depth = max_depth
        self._envelope_schema = _schema("SSDN-Service.xsd")
        self._service_schemas = {name: _schema(name) for name, _ in set(SERVICES.values())}

    # -- sendTestMessage -----------------------------------------------------------------------

    def send_test_message(self, call: Call, payload: etree._Element) -> bytes:
        """Echo `echo` back; any caller, no data touched."""
        call.operation = "sendTestMessage"
        if etree.QName(payload).localname != "sendTestMessageRequest":
            raise ContractFault("MSG00004", "expected a sendTestMessageRequest")
        echo = next((e for e in payload.iter() if etree.QName(e).localname == "echo"), None)
        if echo is None:
            raise ContractFault("MSG00004", "sendTestMessageRequest needs an echo element")
        response = etree.Element(f"{{{TEST_NS}}}sendTestMessageResponse", nsmap={"ns2": TEST_NS})
        etree.SubElement(response, "echo").text = echo.text or ""
        call.status_code = "MSG00000"
        return _envelope(response)

    # -- sendXML ---------------------------------------------------------------------------------

    def send_xml(self, call: Call, environ: Mapping[str, Any], payload: etree._Element) -> bytes:
        """Answer one SSDNRequest carried in `xmlString` with an SSDNReply carried the same way."""
        call.operation = "sendXML"
        if etree.QName(payload).text != f"{{{CONNECTOR_NS}}}xmlString":
            raise ContractFault("MSG00004", "sendXML takes one xmlString element")
        address = client_address(environ, self._trusted)
        # The network first: from an unregistered network, nothing is even read.
        try:
            found = usecases.registrations_for(self._uow, address)
        except usecases.Refused as refusal:
            raise self._refused(call, refusal) from None
        except ServiceUnavailable:
            raise ContractFault("MSG00001") from None
        document = self._document(payload)
        call.ssins.extend(_ssins_in(document))
        if not self._envelope_schema.validate(document):
            error = self._envelope_schema.error_log.last_error
            assert error is not None  # a failed validation logs why
            raise ContractFault("MSG00004", f"SSDNRequest, line {error.line}: {error.message}")
        context = document.find(f"{{{SERVICE_NS}}}RequestContext")
        assert context is not None  # the schema requires it
        user = _authorized_user(context.find(f"{{{SERVICE_NS}}}AuthorizedUser"))
        try:
            caller = usecases.admit(found, user, address)
        except usecases.Refused as refusal:
            raise self._refused(call, refusal) from None
        call.user = caller
        # From here on every transaction tells PostgreSQL whose it is (row-level security).
        call.uow = partial(self._uow, caller)
        org_unit = caller.username.removeprefix("ssdn:")
        replies: list[Reply] = []
        try:
            for request in document.iterfind(f"{{{SERVICE_NS}}}ServiceRequest"):
                replies.append(self._service(call, caller, org_unit, request))
        except ServiceUnavailable:
            raise ContractFault("MSG00001") from None
        details = [d for reply in replies for d in reply.details]
        call.status_code = _status_code(details)
        return _envelope(_connector_reply(_ssdn_reply(call, context, replies)))

    def _refused(self, call: Call, refusal: usecases.Refused) -> ContractFault:
        call.note = refusal.note
        return ContractFault(
            "MSG00014",
            "the caller is not registered for the SSDN channel (network or AuthorizedUser)",
        )

    def _document(self, payload: etree._Element) -> etree._Element:
        """The SSDN document inside xmlString: escaped text, CDATA, or (tolerated) inline XML."""
        children = [child for child in payload if isinstance(child.tag, str)]
        if children and not (payload.text or "").strip():
            if len(children) != 1:
                raise ContractFault("MSG00004", "xmlString holds one SSDN document")
            return children[0]
        text = _XML_DECLARATION.sub("", payload.text or "", count=1).strip()
        if not text:
            raise ContractFault("MSG00004", "xmlString is empty")
        try:
            root = etree.fromstring(text, request_parser())
        except (etree.XMLSyntaxError, ValueError) as error:
            raise ContractFault(
                "MSG00004", f"the SSDN document is not well-formed XML: {error}"
            ) from None
        tree = root.getroottree()
        if tree.docinfo.doctype or tree.docinfo.internalDTD:
            raise ContractFault("MSG00004", "a DOCTYPE is not allowed in an SSDN document")
        depth = 0
        for event, _ in etree.iterwalk(root, events=("start", "end")):
            depth += 1 if event == "start" else -1
            if depth > self._max_depth:
                raise ContractFault(
                    "MSG00004", f"the SSDN document is nested deeper than {self._max_depth}"
                )
        return root

    def _service(self, call: Call, caller: User, org_unit: str, request: etree._Element) -> Reply:
        service_id = (request.findtext(f"{{{SERVICE_NS}}}ServiceId") or "").strip()
        version = (request.findtext(f"{{{SERVICE_NS}}}Version") or "").strip()
        body = request[-1]
        known = SERVICES.get((service_id, version))
        if known is None:
            call.operation = "unknown"
            diagnostic = f"Unknown service: ServiceId {service_id[:64]!r}, Version {version[:16]!r}"
            return Reply(
                service_id,
                version,
                [
                    Detail(
                        ssdn.UNKNOWN_SERVICE,
                        diagnostic,
                        (("ServiceId", service_id[:64]), ("Version", version[:16])),
                    )
                ],
            )
        schema_name, element = known
        schema = self._service_schemas[schema_name]
        if etree.QName(body).localname != element or not schema.validate(body):
            error = schema.error_log.last_error
            where = f"line {error.line}: {error.message}" if error else f"expected {element}"
            call.operation = element.removesuffix("Request")
            return Reply(
                service_id,
                version,
                [
                    Detail(
                        ssdn.INVALID_SERVICE_REQUEST,
                        f"The service request does not match its schema ({where})"[:1000],
                    )
                ],
            )
        if element == "ManageAccessRequest":
            return self._manage_access(call, caller, org_unit, service_id, version, body)
        return self._identify_person(call, service_id, version, body)

    def _manage_access(
        self,
        call: Call,
        caller: User,
        org_unit: str,
        service_id: str,
        version: str,
        body: etree._Element,
    ) -> Reply:
        call.operation = f"ManageAccess.{_text(body, 'Action', MANAGE_ACCESS_NS)}"
        try:
            request = _manage_access_request(body)
        except InvalidData as error:  # a date the calendar does not have (2026-02-30)
            return Reply(service_id, version, [usecases.refusal(error)])
        answer = usecases.manage_access(call.uow, caller, request)

        def write(parent: etree._Element, numbers: count[int]) -> None:
            reply = _sub(parent, MANAGE_ACCESS_NS, "ManageAccessReply", numbers)
            original = _sub(reply, MANAGE_ACCESS_NS, "OriginalRequest")
            _sub(original, MANAGE_ACCESS_NS, "SSIN").text = request.ssin
            if request.purpose is not None:
                _sub(original, MANAGE_ACCESS_NS, "Purpose").text = request.purpose
            _period(original, request.start, request.end, numbers)
            _sub(original, MANAGE_ACCESS_NS, "Action").text = request.action
            for line in answer.lines:
                registration = _sub(reply, MANAGE_ACCESS_NS, "Registrations")
                _sub(registration, MANAGE_ACCESS_NS, "Purpose").text = line.type_dossier
                _period(registration, line.period.begin, line.period.end, numbers)
                _sub(registration, MANAGE_ACCESS_NS, "OrgUnit").text = org_unit
                _sub(registration, MANAGE_ACCESS_NS, "Register").text = "SECONDARY"

        return Reply(service_id, version, answer.details, write)

    def _identify_person(
        self, call: Call, service_id: str, version: str, body: etree._Element
    ) -> Reply:
        call.operation = "IdentifyPerson"
        answer = usecases.identify_person(call.uow, _identify_person_request(body))

        def write(parent: etree._Element, numbers: count[int]) -> None:
            reply = _sub(parent, IDENTIFY_PERSON_NS, "IdentifyPersonReply", numbers)
            if not answer.persons:
                return
            results = _sub(reply, IDENTIFY_PERSON_NS, "SearchResults")
            for person, details in answer.persons:
                _limited_legal_data(results, person, details, answer.validated)

        return Reply(service_id, version, answer.details, write)


# -- reading ---------------------------------------------------------------------------------


def _text(element: etree._Element | None, path: str, ns: str) -> str | None:
    """The stripped text at `path` (local names in namespace `ns`), None when absent."""
    if element is None:
        return None
    found = element.find("/".join(f"{{{ns}}}{step}" for step in path.split("/")))
    return None if found is None else (found.text or "").strip()


def _authorized_user(element: etree._Element | None) -> AuthorizedUser:
    def field(name: str) -> str:
        return _text(element, name, SERVICE_NS) or ""

    return AuthorizedUser(
        field("UserID"), field("Email"), field("OrgUnit"), field("MatrixID"), field("MatrixSubID")
    )


def _date(text: str) -> date:
    """A schema-valid t_Date (maybe with a time zone) as a date; InvalidData when impossible."""
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise InvalidData("not a date", date=text[:32]) from None


def _person_data(element: etree._Element | None, ns: str) -> PersonData | None:
    if element is None:
        return None
    values = {
        name: _text(element, name, ns) or None for name in ("LastName", "FirstName", "BirthDate")
    }
    if not any(values.values()):
        return None
    return PersonData(values["LastName"], values["FirstName"], values["BirthDate"])


def _manage_access_request(body: etree._Element) -> usecases.ManageAccessRequest:
    ns = MANAGE_ACCESS_NS
    period = body.find(f"{{{ns}}}Period")
    start = _text(period, "StartDate", COMMON_NS) or ""
    end = _text(period, "EndDate", COMMON_NS)
    proof = body.find(f"{{{ns}}}ProofOfAuthentication")
    cards = tuple(
        number
        for name in ("SISCardNumber", "IdentityCardNumber")
        if (number := _text(proof, name, ns))
    )
    return usecases.ManageAccessRequest(
        ssin=_text(body, "SSIN", ns) or "",
        action=_text(body, "Action", ns) or "",
        start=_date(start),
        end=_date(end) if end else None,
        purpose=_text(body, "Purpose", ns) or None,
        person_data=_person_data(
            proof.find(f"{{{ns}}}PersonData") if proof is not None else None, ns
        ),
        cards=cards,
    )


def _identify_person_request(body: etree._Element) -> usecases.IdentifyPersonRequest:
    ns = IDENTIFY_PERSON_NS
    criteria = body.find(f"{{{ns}}}SearchCriteria")
    phonetic_element = criteria.find(f"{{{ns}}}PhoneticCriteria") if criteria is not None else None
    phonetic = None
    if phonetic_element is not None:
        tolerance = _text(phonetic_element, "Tolerance", ns)
        maximum = _text(phonetic_element, "Maximum", ns)
        phonetic = usecases.PhoneticCriteria(
            last_name=_text(phonetic_element, "LastName", ns) or "",
            first_name=_text(phonetic_element, "FirstName", ns) or "",
            birth_date=_text(phonetic_element, "BirthDate", ns) or "",
            gender=_text(phonetic_element, "Gender", ns) or None,
            tolerance=int(tolerance) if tolerance else None,
            maximum=int(maximum) if maximum else None,
        )
    verification = body.find(f"{{{ns}}}VerificationData")
    cards = tuple(
        (name, number)
        for name in ("SISCardNumber", "IdentityCardNumber")
        if (number := _text(verification, name, ns))
    )
    person_data = None
    if verification is not None:
        person_data = _person_data(verification.find(f"{{{ns}}}PersonData"), ns)
    return usecases.IdentifyPersonRequest(
        ssin=_text(criteria, "SSIN", ns) or None,
        phonetic=phonetic,
        verification=person_data,
        cards=cards,
    )


def _ssins_in(document: etree._Element) -> list[str]:
    """The well-formed ssins the document names (for the audit log; never AuthorizedUser's)."""
    return [
        text
        for element in document.iter("{*}SSIN")
        if (text := (element.text or "").strip()) and _SSIN.match(text)
    ]


# -- writing ---------------------------------------------------------------------------------


def _sub(
    parent: etree._Element, ns: str, name: str, numbers: count[int] | None = None
) -> etree._Element:
    """A child element; with `numbers`, its namespace declared on it as the next `nsN`."""
    nsmap = None if numbers is None else {f"ns{next(numbers)}": ns}
    return etree.SubElement(parent, f"{{{ns}}}{name}", nsmap=nsmap)


def _period(parent: etree._Element, start: date, end: date | None, numbers: count[int]) -> None:
    period = _sub(parent, etree.QName(parent).namespace or "", "Period")
    _sub(period, COMMON_NS, "StartDate", numbers).text = start.isoformat()
    if end is not None:
        _sub(period, COMMON_NS, "EndDate", numbers).text = end.isoformat()


def _limited_legal_data(
    results: etree._Element, person: Person, details: PersonDetails | None, validated: bool
) -> None:
    ns = IDENTIFY_PERSON_NS
    data = _sub(results, ns, "LimitedLegalData")
    data.set("origin", "RN_RR" if person.register is Register.RR else "BCSS_KSZ")
    basic = _sub(data, ns, "Basic")
    _sub(basic, ns, "SocialSecurityUser").text = person.ssin
    _sub(basic, ns, "LastName").text = person.last_name
    _sub(basic, ns, "FirstName").text = person.first_name
    _sub(basic, ns, "BirthDate").text = str(person.birth_date)
    _sub(basic, ns, "Gender").text = ssdn.CODE_OF_GENDER[person.gender]
    address = details.address if details is not None else None
    if address is not None:
        element = _sub(basic, ns, "Address")
        _sub(element, ns, "CountryCode").text = address.country_code
        for name, value in (
            ("Municipality", address.municipality),
            ("PostalCode", address.postal_code),
            ("Street", address.street),
            ("HouseNumber", address.house_number),
        ):
            if value:
                _sub(element, ns, name).text = value
    if validated:
        extended = _sub(data, ns, "Extended")
        if person.decease_date is not None:
            _sub(extended, ns, "DeceaseDate").text = person.decease_date.isoformat()


def _result_summary(
    parent: etree._Element, prefix: str, details: list[Detail], with_details: bool = True
) -> None:
    summary = etree.SubElement(parent, f"{{{COMMON_NS}}}ResultSummary", nsmap={prefix: COMMON_NS})
    return_code, ok = ssdn.RETURN_CODES[ssdn.worst(details)]
    summary.set("ok", ok)
    etree.SubElement(summary, f"{{{COMMON_NS}}}ReturnCode").text = return_code
    for detail in details if with_details else []:
        element = etree.SubElement(summary, f"{{{COMMON_NS}}}Detail")
        etree.SubElement(element, f"{{{COMMON_NS}}}Severity").text = detail.severity.name
        etree.SubElement(element, f"{{{COMMON_NS}}}ReasonCode").text = detail.reason_code
        etree.SubElement(element, f"{{{COMMON_NS}}}Diagnostic").text = detail.diagnostic
        author = "RAAS" if detail.reason_code[1:3] == "90" else "CBSS"
        etree.SubElement(element, f"{{{COMMON_NS}}}AuthorCodeList").text = author
        for name, value in detail.information:
            information = etree.SubElement(element, f"{{{COMMON_NS}}}Information")
            etree.SubElement(information, f"{{{COMMON_NS}}}FieldName").text = name
            etree.SubElement(information, f"{{{COMMON_NS}}}FieldValue").text = value


def _ssdn_reply(call: Call, context: etree._Element, replies: list[Reply]) -> etree._Element:
    root = etree.Element(f"{{{SERVICE_NS}}}SSDNReply", nsmap={None: SERVICE_NS})
    reply_context = etree.SubElement(root, f"{{{SERVICE_NS}}}ReplyContext")
    worst = ssdn.worst([d for reply in replies for d in reply.details])
    global_details = {
        Severity.WARNING: [ssdn.GLOBAL_WARNING],
        Severity.ERROR: [ssdn.GLOBAL_ERROR],
    }.get(worst, [])
    _result_summary(reply_context, "ns1", global_details)
    user = context.find(f"{{{SERVICE_NS}}}AuthorizedUser")
    if user is not None:
        echo = etree.SubElement(reply_context, f"{{{SERVICE_NS}}}AuthorizedUser")
        for child in user:
            if isinstance(child.tag, str) and etree.QName(child).namespace == SERVICE_NS:
                etree.SubElement(echo, child.tag).text = (child.text or "").strip()
    message = etree.SubElement(reply_context, f"{{{SERVICE_NS}}}Message")
    reference = context.findtext(f"{{{SERVICE_NS}}}Message/{{{SERVICE_NS}}}Reference")
    if reference is not None:
        etree.SubElement(message, f"{{{SERVICE_NS}}}Reference").text = reference.strip()
    etree.SubElement(message, f"{{{SERVICE_NS}}}Ticket").text = str(call.ticket)
    sent = context.findtext(f"{{{SERVICE_NS}}}Message/{{{SERVICE_NS}}}TimeRequest")
    if sent is not None:
        etree.SubElement(message, f"{{{SERVICE_NS}}}TimeRequest").text = sent.strip()
    etree.SubElement(message, f"{{{SERVICE_NS}}}TimeReceive").text = call.received.strftime(_TIME)
    etree.SubElement(message, f"{{{SERVICE_NS}}}TimeResponse").text = datetime.now(UTC).strftime(
        _TIME
    )
    numbers = count(2)
    for reply in replies:
        service_reply = etree.SubElement(root, f"{{{SERVICE_NS}}}ServiceReply")
        _result_summary(service_reply, f"ns{next(numbers)}", reply.details)
        etree.SubElement(service_reply, f"{{{SERVICE_NS}}}ServiceId").text = reply.service_id
        etree.SubElement(service_reply, f"{{{SERVICE_NS}}}Version").text = reply.version
        if reply.write_body is not None:
            reply.write_body(service_reply, numbers)
    return root


def _connector_reply(document: etree._Element) -> etree._Element:
    text = etree.tostring(document, xml_declaration=True, encoding="UTF-8").decode()
    element = etree.Element(f"{{{CONNECTOR_NS}}}xmlString", nsmap={"ns1": CONNECTOR_NS})
    element.text = text
    return element


def _envelope(payload: etree._Element) -> bytes:
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soapenv": SOAP_ENV})
    etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body").append(payload)
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def _status_code(details: list[Detail]) -> str:
    """What the audit log and the metrics record: the worst detail's reason code, or 00000000."""
    if not details:
        return "00000000"
    return max(details, key=lambda d: d.severity).reason_code
