"""SOAP 1.1 faults with the contract's detail (severity, reasonCode, diagnostic), never a trace."""

from __future__ import annotations

from lxml import etree

from raas.services.status import DESCRIPTIONS
from raas.services.types import COMMON_NS

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"

CLIENT_CODES = {"MSG00004", "MSG00014", "MSG00016"}
FAULT_CODES = CLIENT_CODES | {"MSG00001", "MSG00003"}


class ContractFault(Exception):
    """A request answered by a SOAP fault with one of the contract's fault codes."""

    def __init__(self, code: str, diagnostic: str | None = None) -> None:
        super().__init__(diagnostic or DESCRIPTIONS[code])
        self.code = code
        self.diagnostic = diagnostic or DESCRIPTIONS[code]

    @property
    def faultcode(self) -> str:
        return "Client" if self.code in CLIENT_CODES else "Server"


def fault_detail(fault: ContractFault, ticket_cbss: str) -> etree._Element:
    """The `<detail>` content: one `error` element in the common namespace."""
    error = etree.Element(f"{{{COMMON_NS}}}error", nsmap={"raas": COMMON_NS})
    for name, value in (
        ("severity", "FATAL" if fault.faultcode == "Server" else "ERROR"),
        ("reasonCode", fault.code),
        ("diagnostic", fault.diagnostic),
        ("ticketCBSS", ticket_cbss),
    ):
        etree.SubElement(error, f"{{{COMMON_NS}}}{name}").text = value
    return error


def fault_envelope(fault: ContractFault, ticket_cbss: str) -> bytes:
    """A whole SOAP 1.1 envelope carrying the fault (for refusals before spyne sees a request)."""
    env = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap11env": SOAP_ENV})
    body = etree.SubElement(env, f"{{{SOAP_ENV}}}Body")
    node = etree.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(node, "faultcode").text = f"soap11env:{fault.faultcode}"
    etree.SubElement(node, "faultstring").text = DESCRIPTIONS[fault.code]
    etree.SubElement(node, "detail").append(fault_detail(fault, ticket_cbss))
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")
