"""The committed WSDL/XSD files read as data: operations, and a hypothesis strategy per request.

`operations()` lists every operation of every `wsdl/*.wsdl`, so a new operation is fuzzed (and
must get a spec in test_fuzz_soap.py) without anyone editing this module. `RequestSchema` walks
the XSD of a service and draws schema-valid request payloads: each element of a request type's
sequence with its occurrences, each simple type from its facets (enumeration, pattern, lengths,
bounds). `hints` replace the values of elements by name (an ssin the source knows, a typeDossier
that is defined) so that many requests reach the business logic, not only the schema check.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

from hypothesis import strategies as st
from lxml import etree

from tests.conftest import ROOT

XS = "http://www.w3.org/2001/XMLSchema"
WSDL = "http://schemas.xmlsoap.org/wsdl/"

# A payload: (namespace, local name, text or children).
Node = tuple[str, str, "str | list[Node]"]


@dataclass(frozen=True)
class Operation:
    service: str
    name: str

    def __str__(self) -> str:
        return f"{self.service}.{self.name}"


# The SSDN channel's WSDLs carry an SSDN document as text: tests/fuzz/test_fuzz_ssdn.py fuzzes
# them with SSDN documents.
SSDN_WSDLS = {"KSZBCSSWebServiceConnector", "TestConnectionService"}


def operations(wsdl_dir: Path = ROOT / "wsdl") -> list[Operation]:
    """Every operation of every committed WSDL of the contract's services (from its portType),
    by service then name."""
    found = []
    for path in sorted(p for p in wsdl_dir.glob("*.wsdl") if p.stem not in SSDN_WSDLS):
        root = etree.parse(str(path)).getroot()
        for op in root.iterfind(f"{{{WSDL}}}portType/{{{WSDL}}}operation"):
            found.append(Operation(path.stem, op.get("name")))
    return sorted(found, key=str)


# Characters XML 1.0 can carry (no C0 controls but tab/newline/carriage return, no surrogates,
# no U+FFFE/U+FFFF): anything a schema-valid string may hold.
XML_TEXT = st.characters(
    codec="utf-8",
    exclude_categories=("Cs",),
    exclude_characters="".join(map(chr, [*range(0, 9), 11, 12, *range(14, 32), 0xFFFE, 0xFFFF])),
)


@dataclass(frozen=True)
class Field:
    namespace: str
    name: str
    type: tuple[str, str]
    min_occurs: int
    max_occurs: int


def _qname(node: etree._Element, value: str) -> tuple[str, str]:
    prefix, _, local = value.rpartition(":")
    return node.nsmap.get(prefix or None, ""), local


class RequestSchema:
    """One service's request elements and types, from xsd/<Service>.xsd and its common XSD."""

    def __init__(self, service: str, xsd_dir: Path = ROOT / "xsd") -> None:
        self.complex: dict[tuple[str, str], list[Field]] = {}
        self.simple: dict[tuple[str, str], etree._Element] = {}
        self.elements: dict[tuple[str, str], tuple[str, str]] = {}
        for path in (xsd_dir / f"{service}.xsd", xsd_dir / f"{service}-common.xsd"):
            root = etree.parse(str(path)).getroot()
            tns = root.get("targetNamespace")
            for node in root.iterfind(f"{{{XS}}}complexType"):
                fields = [
                    Field(
                        tns,
                        e.get("name"),
                        _qname(e, e.get("type")),
                        int(e.get("minOccurs", "1")),
                        int(e.get("maxOccurs", "1").replace("unbounded", "3")),
                    )
                    for e in node.iterfind(f"{{{XS}}}sequence/{{{XS}}}element")
                ]
                self.complex[(tns, node.get("name"))] = fields
            for node in root.iterfind(f"{{{XS}}}simpleType"):
                self.simple[(tns, node.get("name"))] = node
            for node in root.iterfind(f"{{{XS}}}element"):
                self.elements[(tns, node.get("name"))] = _qname(node, node.get("type"))
            if path.stem == service:
                self.namespace = tns

    def request(
        self, operation: str, hints: Mapping[str, st.SearchStrategy] | None = None
    ) -> st.SearchStrategy[Node]:
        """Schema-valid payloads of `operation`; `hints` draw the value of elements by name."""
        type_name = self.elements[(self.namespace, operation)]
        return self._complex(type_name, dict(hints or {})).map(
            lambda children: (self.namespace, operation, children)
        )

    def _complex(self, name: tuple[str, str], hints: dict) -> st.SearchStrategy[list[Node]]:
        parts = [self._field(f, hints) for f in self.complex[name]]
        return st.tuples(*parts).map(lambda groups: [n for group in groups for n in group])

    def _field(self, field: Field, hints: dict) -> st.SearchStrategy[list[Node]]:
        if field.name in hints:
            # A hint draws a value (str or children) or None: the element is left out.
            value = hints[field.name]
            if field.min_occurs:
                value = value.filter(lambda v: v is not None)
            return value.map(lambda v: [] if v is None else [(field.namespace, field.name, v)])
        if field.type in self.complex:
            value = self._complex(field.type, hints)
        else:
            value = self.simple_value(field.type)
        node = value.map(lambda v: (field.namespace, field.name, v))
        return st.lists(node, min_size=field.min_occurs, max_size=min(field.max_occurs, 3))

    @cache  # noqa: B019 - a handful of schemas live for the whole run
    def simple_value(self, name: tuple[str, str]) -> st.SearchStrategy[str]:
        """Schema-valid text of a simple type (a named one, or a built-in xs: type)."""
        if name[0] == XS:
            return BUILTIN[name[1]]
        restriction = self.simple[name].find(f"{{{XS}}}restriction")
        facets = {child.tag.rpartition("}")[2]: child.get("value") for child in restriction}
        values = [e.get("value") for e in restriction.iterfind(f"{{{XS}}}enumeration")]
        base = _qname(restriction, restriction.get("base"))
        if values:
            return st.sampled_from(values)
        if "pattern" in facets:
            return st.from_regex(f"(?:{facets['pattern']})", fullmatch=True, alphabet=XML_TEXT)
        if base[1] in ("integer", "long"):
            low = int(facets.get("minInclusive", -(2**63)))
            high = int(facets.get("maxInclusive", 2**63 - 1))
            return st.integers(low, high).map(str)
        return st.text(
            XML_TEXT,
            min_size=int(facets.get("minLength", 0)),
            max_size=int(facets.get("maxLength", 50)),
        )


def _xs_date(day: date) -> str:
    return day.isoformat()


# Lexical forms the XSD accepts that lie outside what Python's date and datetime can hold.
FAR_YEARS = st.integers(10_000, 10**12) | st.integers(-(10**12), -1)
FAR_DATES = FAR_YEARS.map(lambda y: f"{'-' if y < 0 else ''}{abs(y):04d}-01-01")
ODD_DATETIMES = st.sampled_from([
    "2000-01-01T24:00:00", "1999-12-31T23:59:60Z", "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00", "2000-01-01T00:00:00.123456789012", "2000-01-01T00:00:00-00:00",
]) | FAR_DATES.map(lambda d: f"{d}T00:00:00")

BUILTIN: dict[str, st.SearchStrategy[str]] = {
    "string": st.text(XML_TEXT, max_size=50),
    "date": st.one_of(
        st.dates().map(_xs_date),
        st.dates(date(1900, 1, 1), date(2100, 12, 31)).map(_xs_date),
        # xs:date allows a time zone; Python's date does not.
        st.tuples(st.dates(), st.sampled_from(["Z", "+14:00", "-12:00"])).map(
            lambda d: _xs_date(d[0]) + d[1]
        ),
        FAR_DATES,
    ),
    "dateTime": st.datetimes(timezones=st.just(UTC)).map(datetime.isoformat) | ODD_DATETIMES,
    "boolean": st.sampled_from(["true", "false", "1", "0"]),
    "integer": st.integers().map(str) | st.integers(10**18, 10**40).map(str),
    "long": st.integers(-(2**63), 2**63 - 1).map(str),
    "double": st.floats(allow_nan=False).map(repr),
    "base64Binary": st.binary(max_size=30).map(lambda b: base64.b64encode(b).decode()),
}


def to_element(node: Node, nsmap: dict[str | None, str] | None = None) -> etree._Element:
    """The lxml element of a payload node."""
    namespace, name, value = node
    element = etree.Element(f"{{{namespace}}}{name}", nsmap=nsmap)
    if isinstance(value, str):
        element.text = value
    else:
        element.extend(to_element(child) for child in value)
    return element


def period(begin: date, end: date | None) -> list[Node]:
    """A common `period` value (endDate left out when None)."""
    from raas.services.types import COMMON_NS

    children: list[Node] = [(COMMON_NS, "beginDate", begin.isoformat())]
    if end is not None:
        children.append((COMMON_NS, "endDate", end.isoformat()))
    return children
