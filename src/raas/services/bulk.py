"""InscribeBatch without Python work per item: the request's items go to PostgreSQL as one text,
the results come back as the response's XML.

spyne reads a request element by element and writes a response the same way, about 20 µs per
element: for 1000 items, most of a batch's time. After the gateway's checks (parse, WS-Security,
schema validation), `FastInscribeBatch` turns the validated items into tab-separated text with an
XSLT (libxslt, in C), lets `usecases/bulk.py` apply them in SQL, and splices the results, written
by PostgreSQL from the templates below, into the response frame that `fast_xml` writes from the
same spyne types. The document is the one spyne would write: with `fast_xml.VERIFY` on (the
tests), every response is read back with spyne and written again, and must not change.

A request with values spyne would read otherwise than their text (dates with a time zone or
spaces, years beyond 9999) goes through spyne (`None`: not handled here).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from lxml import etree
from spyne import Application

from raas.models import errors
from raas.models.errors import DomainError, ServiceUnavailable
from raas.models.inscriptions import PersonData
from raas.models.persons import Gender
from raas.persistence.register_bulk import Rendering
from raas.services import fast_xml
from raas.services.faults import SOAP_ENV, ContractFault
from raas.services.operation import Call, status
from raas.services.register import NS, InscribeBatchResponse
from raas.services.status import DESCRIPTIONS, ERROR_CODES
from raas.services.types import COMMON_NS, InformationCBSS, InformationCustomer
from raas.usecases import bulk

log = logging.getLogger("raas.service")

_NAMESPACES = {"r": NS, "c": COMMON_NS, "s": SOAP_ENV}

# ssin, typeDossier, beginDate, endDate, and 1 when the item sends person data: one item a line.
# Every value is pattern- or date-typed in the schema the request was validated against: none
# holds a tab or a line break.
_ITEMS = etree.XSLT(
    etree.XML(
        f"""<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
            xmlns:r="{NS}" xmlns:c="{COMMON_NS}" xmlns:s="{SOAP_ENV}">
          <xsl:output method="text" encoding="UTF-8"/>
          <xsl:template match="/">
            <xsl:for-each select="s:Envelope/s:Body/r:InscribeBatch/r:inscription">
              <xsl:value-of select="r:ssin"/><xsl:text>&#9;</xsl:text>
              <xsl:value-of select="r:typeDossier"/><xsl:text>&#9;</xsl:text>
              <xsl:value-of select="r:period/c:beginDate"/><xsl:text>&#9;</xsl:text>
              <xsl:value-of select="r:period/c:endDate"/><xsl:text>&#9;</xsl:text>
              <xsl:if test="r:personData">1</xsl:if><xsl:text>&#10;</xsl:text>
            </xsl:for-each>
          </xsl:template>
        </xsl:stylesheet>""".encode()
    )
)
# spyne reads a date from its text (time zones, spaces, big years): only plain dates come here.
_UNUSUAL_DATES = etree.XPath(
    "count(r:inscription/r:period/*[string-length() != 10 or starts-with(., '0000')])",
    namespaces=_NAMESPACES,
)
_PERSON_DATA = etree.XPath("r:inscription/r:personData", namespaces=_NAMESPACES)
_CUSTOMER = etree.XPath("r:informationCustomer", namespaces=_NAMESPACES)

# The outcomes SQL tells apart, by domain error name, with their status value and code.
_REFUSALS = (
    errors.InvalidSsin,
    errors.InvalidData,
    errors.UnknownTypeDossier,
    errors.UnknownSsin,
    errors.CanceledSsin,
    errors.PersonDataMismatch,
)


class FastInscribeBatch:
    """The Register's InscribeBatch, answered from the validated request element."""

    def __init__(self, app: Application) -> None:
        self._in = app.in_protocol
        self._out = app.out_protocol
        self._nsmap = app.interface.nsmap
        prefix = {ns: p for p, ns in self._nsmap.items()}
        self._rendering = _rendering(prefix[NS], prefix[COMMON_NS])
        self._closing = f"</{prefix[NS]}:InscribeBatchResponse>".encode()
        self._results = (f"<{prefix[NS]}:results>".encode(), f"</{prefix[NS]}:results>".encode())
        self._tag = f"{{{NS}}}InscribeBatchResponse"

    def __call__(self, call: Call, payload: etree._Element) -> bytes | None:
        """The whole response document, or None when spyne must answer this request."""
        if _UNUSUAL_DATES(payload):
            return None
        try:
            customer = self._customer(payload)
        except Exception:  # spyne refuses it in its own words (MSG00004)
            return None
        person_data = _PERSON_DATA(payload)
        try:
            applied = bulk.inscribe_items(
                call.uow,
                call.caller,
                {"items": str(_ITEMS(payload.getroottree()))},
                self._rendering,
                given=(lambda n, rank: _person_data(person_data[rank - 1]))
                if person_data
                else None,
            )
        except ServiceUnavailable:
            log.warning("ticket=%s database unavailable", call.ticket)
            raise ContractFault("MSG00001") from None
        except DomainError:  # only items are refused, each in its result
            log.exception("ticket=%s unexpected refusal in %s", call.ticket, call.operation)
            raise ContractFault("MSG00003") from None
        except Exception:
            log.exception("ticket=%s unexpected error in %s", call.ticket, call.operation)
            raise ContractFault("MSG00003") from None
        call.ssins.extend(applied.replaced)  # the audit log names the ssins acted on
        response = InscribeBatchResponse(
            informationCustomer=customer,
            informationCBSS=InformationCBSS(
                ticketCBSS=str(call.ticket),
                timestampReceive=call.received,
                timestampReply=datetime.now(UTC),
            ),
            status=status("OK", accepted=str(applied.accepted), refused=str(applied.refused)),
        )
        call.status_code = response.status.code
        frame = self._frame(response)
        head, closing, tail = frame.rpartition(self._closing)
        body = b"".join(
            (head, self._results[0], applied.results.encode(), self._results[1], closing, tail)
        )
        if fast_xml.VERIFY:
            self._verify(body)
        return body

    def _customer(self, payload: etree._Element) -> Any:
        element = _CUSTOMER(payload)
        if not element:
            return None
        return self._in.from_element(None, InformationCustomer, element[0])

    def _frame(self, response: InscribeBatchResponse) -> bytes:
        """The response without its results, as spyne and fast_xml write it."""
        envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap=self._nsmap)
        body = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
        self._out._write(InscribeBatchResponse, response, body, self._tag)
        etree.cleanup_namespaces(envelope)
        return etree.tostring(envelope, encoding="UTF-8", xml_declaration=True)

    def _verify(self, document: bytes) -> None:
        """The document is what spyne's types make of it: read with spyne, written again."""
        element = etree.fromstring(document).find(f"{{{SOAP_ENV}}}Body/{self._tag}")
        again = self._frame(self._in.from_element(None, InscribeBatchResponse, element))
        if again != document:
            raise AssertionError(f"FastInscribeBatch and spyne disagree:\n{document!r}\n{again!r}")


def _person_data(element: etree._Element) -> PersonData:
    def text(name: str) -> str | None:
        return element.findtext(f"{{{NS}}}{name}")

    gender = text("gender")
    return PersonData(
        last_name=text("lastName"),
        first_name=text("firstName"),
        birth_date=text("birthDate"),
        gender=None if gender is None else Gender(gender),
    )


def _rendering(r: str, c: str) -> Rendering:
    """The results as `InscriptionResult` elements (prefixes `r` and `c` of the response)."""

    def head(value: str, code: str) -> str:
        return (
            f"<{r}:status><{c}:value>{value}</{c}:value><{c}:code>{code}</{c}:code>"
            f"<{c}:description>{escape(DESCRIPTIONS[code])}</{c}:description>"
        )

    heads = {"Done": head("OK", "MSG00000"), "Replaced": head("OK", "MSG00006")}
    heads.update({e.__name__: head("NOK", ERROR_CODES[e]) for e in _REFUSALS})
    return Rendering(
        result=(
            f"<{r}:result><{r}:ssin>%s</{r}:ssin><{r}:typeDossier>%s</{r}:typeDossier>"
            f"%s%s</{r}:status>%s</{r}:result>"
        ),
        heads=heads,
        information=(
            f"<{c}:information><{c}:fieldName>%s</{c}:fieldName>"
            f"<{c}:fieldValue>%s</{c}:fieldValue></{c}:information>"
        ),
        lines=f"<{r}:inscriptions>%s</{r}:inscriptions>",
        line=(
            f"<{r}:inscription><{r}:ssin>%s</{r}:ssin><{r}:typeDossier>%s</{r}:typeDossier>"
            f"<{r}:period><{c}:beginDate>%s</{c}:beginDate>%s</{r}:period></{r}:inscription>"
        ),
        end=f"<{c}:endDate>%s</{c}:endDate>",
        escape=_escape_text,
    )


def _escape_text(value: str) -> str:
    """Text as lxml writes it in an element (a carriage return too, or a reader loses it)."""
    return escape(value, {"\r": "&#13;"})


FastOperation = Callable[[Call, etree._Element], bytes | None]


def fast_operations(app: Application) -> dict[str, FastOperation]:
    """The operations of the Register answered here, by name."""
    return {"InscribeBatch": FastInscribeBatch(app)}
