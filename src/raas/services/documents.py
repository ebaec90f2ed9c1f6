"""The WSDL and XSD documents of each service, built once at start-up from configuration.

The `soap:address` comes from the configured public URL, never from a request's Host header.
The schemas inside a WSDL are also written as separate XSD files (`xsd/`), and the same
schemas validate every request before any business logic runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lxml import etree
from spyne import Application
from spyne.interface.wsdl import Wsdl11

if TYPE_CHECKING:  # lxml's opaque result of Resolver.resolve_*, named only by its stubs
    from lxml.etree._docloader import _InputDocument

XS = "http://www.w3.org/2001/XMLSchema"
WSDL = "http://schemas.xmlsoap.org/wsdl/"

_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@dataclass(frozen=True)
class ServiceDocuments:
    """A service's WSDL and its schemas as separate files, by file name."""

    wsdl: bytes
    xsds: dict[str, bytes]
    main_xsd: str


def _xsd_name(service: str, namespace: str, own_namespace: str) -> str:
    if namespace == own_namespace:
        return f"{service}.xsd"
    return f"{service}-{namespace.rsplit(':', 2)[-2]}.xsd"  # urn:raas:common:v1 -> common


def build_documents(app: Application, endpoint_url: str) -> ServiceDocuments:
    """The WSDL with `endpoint_url` as address, and each of its schemas as an XSD file."""
    app.transport = "http://schemas.xmlsoap.org/soap/http"  # spyne sets it late, from the server
    wsdl = Wsdl11(app.interface)
    wsdl.build_interface_document(endpoint_url)
    wsdl_bytes = wsdl.get_interface_document()
    root = etree.fromstring(wsdl_bytes, _SAFE_PARSER)
    schemas = root.findall(f"{{{WSDL}}}types/{{{XS}}}schema")
    for schema in schemas:
        _sort_definitions(schema)
    wsdl_bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    # Every schema spyne writes has a targetNamespace; every import names one of them.
    names = {
        s.attrib["targetNamespace"]: _xsd_name(app.name, s.attrib["targetNamespace"], app.tns)
        for s in schemas
    }
    xsds = {}
    for schema in schemas:
        schema = etree.fromstring(etree.tostring(schema), _SAFE_PARSER)  # a copy, own nsmap
        for imported in schema.findall(f"{{{XS}}}import"):
            imported.set("schemaLocation", names[imported.attrib["namespace"]])
        etree.cleanup_namespaces(schema, keep_ns_prefixes=_qname_prefixes(schema))
        xsds[names[schema.attrib["targetNamespace"]]] = etree.tostring(
            schema, xml_declaration=True, encoding="UTF-8", pretty_print=True
        )
    return ServiceDocuments(wsdl_bytes, xsds, names[app.tns])


def _sort_definitions(schema: etree._Element) -> None:
    """Imports first, then definitions by kind and name: spyne's order depends on hash seeds."""
    children = list(schema)
    for child in children:
        schema.remove(child)
    kinds = {f"{{{XS}}}import": 0}
    children.sort(key=lambda c: (kinds.get(str(c.tag), 1), str(c.tag), c.get("name", "")))
    schema.extend(children)


def _qname_prefixes(schema: etree._Element) -> list[str]:
    """Prefixes used inside attribute values (type="s0:Status"), which lxml cannot see."""
    return sorted(
        {
            value.split(":", 1)[0]
            for element in schema.iter()
            for name in ("type", "base", "ref", "itemType")
            if ":" in (value := element.get(name, ""))
        }
    )


class _MemoryResolver(etree.Resolver):
    def __init__(self, files: dict[str, bytes]) -> None:
        super().__init__()
        self._files = files

    def resolve(
        self, url: str | None, pubid: str | None, context: object
    ) -> _InputDocument | None:
        name = (url or "").rsplit("/", 1)[-1]
        if name in self._files:
            return self.resolve_string(self._files[name], context)
        return None  # anything else is not loaded (and no network is used)


def request_schema(documents: ServiceDocuments) -> etree.XMLSchema:
    """An lxml schema for the service's elements, imports resolved from memory only."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    parser.resolvers.add(_MemoryResolver(documents.xsds))
    doc = etree.fromstring(
        documents.xsds[documents.main_xsd], parser, base_url=f"memory:///{documents.main_xsd}"
    )
    return etree.XMLSchema(etree.ElementTree(doc))
