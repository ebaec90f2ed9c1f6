"""Ways to break a SOAP request: in its tree, in its bytes and in its HTTP headers.

Each mutation is a hypothesis strategy of a function; the test draws one and applies it to a
valid request. Tree mutations work on the lxml payload (wrong values, missing, duplicated or
unknown elements, wrong namespaces); byte mutations on the serialised envelope (truncation,
DTDs and entities, characters XML cannot carry, wrong encodings, oversized bodies); header
mutations on the WSGI environ (SOAPAction, Content-Type, Content-Length).
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from hypothesis import strategies as st
from lxml import etree

from tests.fuzz.schema import XML_TEXT

XSI = "http://www.w3.org/2001/XMLSchema-instance"

# Values of the wrong type, out of range, huge or in odd Unicode (all XML-encodable).
WEIRD_TEXT = st.one_of(
    st.sampled_from([
        "", " ", "\n", "abc", "-1", "0", "1e999", "NaN", "-0", "+1", "１２３", "٣",
        "2025-13-45", "0000-00-00", "2025-02-29", "2024-02-30", "10000-01-01", "-0001-01-01",
        "0001-01-01", "9999-12-31", "2025-01-01T00:00:00", "2025-01-01+25:00",
        "99999999999999999999999999999", "-9223372036854775809", "9223372036854775808",
        "true", "maybe", "<![CDATA[x]]>", "]]>", "&amp;", "'; DROP TABLE users; --",
        "%s%n%x", "{0}", "../../etc/passwd", "\u202eRTL override", "\u05e9\u05dc\u05d5\u05dd",
        "e\u0301" * 50, "\U0001d518\U0001d52b\U0001d526", "\U0001f469\u200d\U0001f4bb",
        "\ufeffBOM", "\ufdd0", "\u00a0", "\u2028\u2029", "\t\r\n", "Z\u0336\u0337" * 30,
    ]),
    st.text(XML_TEXT, max_size=300),
    st.integers().map(str),
    st.integers(1, 9).map(lambda n: "9" * (10**n // 10 + n)),  # up to ~100k digits
    st.integers(1, 5).map(lambda n: "\u0640" * 10**n),  # kashida (RTL filler), up to 100k
)

Mutation = Callable[[etree._Element], None]


def _elements(payload: etree._Element) -> list[etree._Element]:
    return [e for e in payload.iter() if isinstance(e.tag, str)]


def _pick(index: int, items: list):  # type: ignore[no-untyped-def]
    return items[index % len(items)]


@st.composite
def tree_mutation(draw) -> tuple[str, Mutation]:  # type: ignore[no-untyped-def]
    """A named change to the request payload (the operation element and its descendants)."""
    index = draw(st.integers(0, 1000))
    kind = draw(st.sampled_from([
        "text", "text", "text", "delete", "duplicate", "unknown-element", "unknown-attribute",
        "nil", "namespace", "no-namespace", "reverse", "wrap", "mixed", "rename",
    ]))
    text = draw(WEIRD_TEXT)
    namespace = draw(st.sampled_from([
        "urn:raas:common:v1", "urn:raas:register:v1", "urn:raas:admin:v1", "urn:raas:v2",
        "http://schemas.xmlsoap.org/soap/envelope/", "",
    ]))
    name = draw(st.sampled_from([
        "Inscribe", "Consult", "DeleteLink", "DefineFormat", "SearchPersonBySsin", "CreateLink",
        "Nope", "inscribe", "ssin", "Envelope",
    ]))

    def mutate(payload: etree._Element) -> None:
        elements = _elements(payload)
        target = _pick(index, elements)
        leaves = [e for e in elements if len(e) == 0] or elements
        leaf = _pick(index, leaves)
        parent = target.getparent()
        if kind == "text":
            for child in list(leaf):
                leaf.remove(child)
            leaf.text = text
        elif kind == "delete" and parent is not None:
            parent.remove(target)
        elif kind == "duplicate" and parent is not None:
            target.addnext(copy.deepcopy(target))
        elif kind == "unknown-element":
            etree.SubElement(target, f"{{{etree.QName(target).namespace}}}extra").text = text
        elif kind == "unknown-attribute":
            target.set("extra", text)
        elif kind == "nil":
            leaf.set(f"{{{XSI}}}nil", "true")
            leaf.text = None
        elif kind == "namespace":
            target.tag = f"{{{namespace}}}{etree.QName(target).localname}" if namespace else (
                etree.QName(target).localname
            )
        elif kind == "no-namespace":
            target.tag = etree.QName(target).localname
        elif kind == "reverse":
            target[:] = list(reversed(target))
        elif kind == "wrap" and parent is not None:
            wrapper = etree.Element(target.tag)
            target.addprevious(wrapper)
            wrapper.append(target)
        elif kind == "mixed":
            target.text = text
        elif kind == "rename":
            target.tag = f"{{{etree.QName(target).namespace}}}{name}"

    return kind, mutate


BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)
DOCTYPES = [
    BILLION_LAUGHS,
    '<!DOCTYPE e [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    '<!DOCTYPE e [<!ENTITY % xxe SYSTEM "file:///etc/passwd"> %xxe;]>',
    '<!DOCTYPE e SYSTEM "http://192.0.2.1/evil.dtd">',  # TEST-NET: fetching it would hang
    "<!DOCTYPE soap:Envelope>",
    '<!DOCTYPE e [<!ENTITY a "aaaaaaaaaa"><!ATTLIST e x CDATA "&a;">]>',
]
BAD_BYTES = [
    b"\x00", b"\x01", b"\x08", b"\x0b", b"\x1f", b"\x7f", b"\xff", b"\xfe", b"\xc0\x80",
    b"\xed\xa0\x80",  # a lone surrogate in (CESU-style) UTF-8
    b"&#0;", b"&#xD800;", b"&#xDFFF;", b"&#xFFFE;", b"&#x110000;", b"&#1;", b"&undefined;",
    b"&lt;", b"<", b"&", b"]]>", b"<![CDATA[", b"<!--", b"<?pi?>", b"\xef\xbb\xbf",
]


@st.composite
def byte_mutation(draw) -> tuple[str, Callable[[bytes], bytes]]:  # type: ignore[no-untyped-def]
    """A named change to the serialised envelope."""
    kind = draw(st.sampled_from([
        "truncate", "truncate", "doctype", "entity-in-text", "bad-bytes", "bad-bytes",
        "encoding", "utf-16", "utf-16-lone-surrogate", "bom", "flip", "oversized",
        "prefix-garbage", "suffix-garbage", "empty",
    ]))
    position = draw(st.floats(0, 1))
    doctype = draw(st.sampled_from(DOCTYPES))
    bad = draw(st.sampled_from(BAD_BYTES))
    encoding = draw(st.sampled_from(["UTF-16", "latin-1", "ASCII", "EBCDIC", "nope", "UTF-32"]))
    flip = draw(st.integers(1, 255))
    limit = 2 * 1024 * 1024

    def mutate(body: bytes) -> bytes:
        at = int(len(body) * position)
        root_at = body.index(b"<soap:Envelope") if b"<soap:Envelope" in body else 0
        if kind == "truncate":
            return body[:at]
        if kind == "doctype":
            return body[:root_at] + doctype.encode() + b"\n" + body[root_at:]
        if kind == "entity-in-text":
            return body[:root_at] + doctype.encode() + body[root_at:].replace(
                b"</", b"&lol9;&xxe;&a;</", 1)
        if kind == "bad-bytes":
            # inside some element text: just before a closing tag
            close = body.find(b"</", max(at, root_at))
            close = close if close >= 0 else at
            return body[:close] + bad + body[close:]
        if kind == "encoding":
            return body.replace(b'encoding="UTF-8"', f'encoding="{encoding}"'.encode(), 1)
        if kind == "utf-16":
            return body.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
        if kind == "utf-16-lone-surrogate":
            text = body.decode(errors="replace").replace('encoding="UTF-8"', 'encoding="UTF-16"')
            close = text.find("</", max(int(len(text) * position), 0))
            close = close if close >= 0 else len(text)
            return (text[:close] + "\ud800" + text[close:]).encode("utf-16", "surrogatepass")
        if kind == "bom":
            return b"\xef\xbb\xbf" + body
        if kind == "flip":
            return body[:at] + bytes([body[at] ^ flip]) + body[at + 1:] if at < len(body) else body
        if kind == "oversized":
            return body[:root_at] + b"<!--" + b"x" * limit + b"-->" + body[root_at:]
        if kind == "prefix-garbage":
            return b"garbage" + body
        if kind == "suffix-garbage":
            return body + b"<soap:Envelope/>"
        return b""

    return kind, mutate


CONTENT_TYPES = [
    "text/xml; charset=utf-8", "text/xml", "application/soap+xml; charset=utf-8",
    "application/json", "text/html", "multipart/related; boundary=x", "text/xml; charset=latin-1",
    "text/xml; charset=nope", "", "\x7f", "a" * 5000,
]
SOAP_ACTIONS = [
    None, '""', "", '"Inscribe"', '"DeleteLink"', "urn:nope", "Inscribe", '"' + "x" * 5000 + '"',
    "\u202e", '"http://evil/"',
]


@st.composite
def headers(draw) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The WSGI environ keys of a request's headers (Content-Length stays honest here)."""
    environ = {"CONTENT_TYPE": draw(st.sampled_from(CONTENT_TYPES))}
    action = draw(st.sampled_from(SOAP_ACTIONS))
    if action is not None:
        environ["HTTP_SOAPACTION"] = action
    return environ
