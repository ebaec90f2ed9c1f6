"""The WSGI gateway in front of the four spyne services.

Everything every request needs happens here, once, before spyne sees it: a body size limit, a
safe XML parse (no DTD, no entities, no network, bounded depth), WS-Security UsernameToken
authentication, the Admin role check and schema validation against the service's XSD. Then spyne
dispatches, and the gateway writes the audit entry and one log line. Refusals are SOAP faults
with the contract's detail; nothing here ever answers an HTML page or a stack trace.
"""

from __future__ import annotations

import logging
import re
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from io import BytesIO
from typing import Any
from uuid import uuid4

from lxml import etree

from raas.client_address import Network, client_address
from raas.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from raas.metrics import Metrics
from raas.models.audit_chain import AuditEntry
from raas.models.errors import AuthenticationFailed, ServiceUnavailable
from raas.models.users import User
from raas.schemas import schemas as file_schemas
from raas.services.documents import ServiceDocuments
from raas.services.faults import FAULT_CODES, SOAP_ENV, ContractFault, fault_envelope
from raas.services.notification_xsd import schemas as notification_schemas
from raas.services.operation import Call
from raas.services.safe_xml import request_parser
from raas.services.ssdn import CONNECTOR_PATH, TEST_PATH, SsdnChannel

log = logging.getLogger("raas.request")

WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
PASSWORD_TEXT = (  # a token type URI, not a password
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"  # noqa: S105
    "#PasswordText"
)
_SSIN = re.compile(r"^[0-9]{11}$")
# Tuples: a server may add to the header list it is given (wsgiref appends Content-Length).
NOTIFICATION_SCHEMAS = notification_schemas()
FILE_SCHEMAS = file_schemas()  # the files clients send (InscriptionFile.xsd)

_XML = (("Content-Type", "text/xml; charset=utf-8"),)
# Operations that carry a whole file: their requests may reach GatewayLimits.max_file_bytes.
FILE_OPERATIONS = frozenset({"SubmitInscriptionFile"})
_TEXT = (("Content-Type", "text/plain; charset=utf-8"),)

StartResponse = Callable[..., Any]


@dataclass(frozen=True)
class Endpoint:
    """One mounted service: its spyne WSGI app, documents, request schema and operations."""

    name: str
    app: Callable[..., Iterable[bytes]]
    documents: ServiceDocuments
    schema: etree.XMLSchema
    namespace: str
    operations: frozenset[str]
    admin_only: bool
    # Operations answered without spyne (services/bulk.py), by name: `(call, payload)` gives
    # the response document, or None to let spyne answer.
    fast: dict[str, Callable[[Call, etree._Element], bytes | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class GatewayLimits:
    max_body_bytes: int
    max_depth: int
    deadline_seconds: float = 0.0  # 0: no limit (tests, one thread per request)
    # Reverse proxies whose X-Forwarded-For names the client (RAAS_TRUSTED_PROXIES), as networks.
    trusted_proxies: tuple[Network, ...] = ()
    # A request whose SOAPAction is one of FILE_OPERATIONS may be this large (0: max_body_bytes).
    max_file_bytes: int = 0


class RequestDeadline(BaseException):  # noqa: N818 - not an error of the caller's
    """The request ran past the service's deadline (a BaseException, so no handler on the way
    - spyne's, a retry loop - mistakes it for an error of its own; `with` blocks still roll back).
    """


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Raise RequestDeadline in this request after `seconds` (gunicorn's sync worker: one
    request per process, in the main thread; elsewhere, e.g. threaded test servers, no limit)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise RequestDeadline

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class Gateway:
    """The WSGI application: routes, guards, dispatches, audits and logs every request."""

    def __init__(
        self,
        endpoints: dict[str, Endpoint],
        limits: GatewayLimits,
        authenticate: Callable[[str, str, str], User],
        audit: Callable[[AuditEntry], None],
        database_ok: Callable[[], str | None],
        uow: Callable[..., Any],
        metrics: Metrics,
        ssdn: SsdnChannel | None = None,
        ssdn_documents: dict[str, bytes] | None = None,
    ) -> None:
        self._endpoints = endpoints
        self._limits = limits
        self._authenticate = authenticate
        self._audit = audit
        self._database_ok = database_ok
        self._uow = uow
        self._metrics = metrics
        self._xsds = {n: x for e in endpoints.values() for n, x in e.documents.xsds.items()}
        self._ssdn = ssdn
        self._ssdn_documents = ssdn_documents or {}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or "/"
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/" and method in ("GET", "HEAD"):
            return self._index(start_response)
        if path == "/health" and method in ("GET", "HEAD"):
            return self._health(start_response)
        if path == "/metrics" and method == "GET":
            body = self._metrics.exposition()
            headers = [("Content-Type", METRICS_CONTENT_TYPE), ("Content-Length", str(len(body)))]
            start_response("200 OK", headers)
            return [body]
        if path.startswith("/xsd/ssdn/") and method == "GET" and self._ssdn is not None:
            name = path.removeprefix("/xsd/ssdn/")
            if name in self._ssdn_documents:
                return _document(start_response, self._ssdn_documents[name])
            return _plain(start_response, "404 Not Found", "no such schema\n")
        if path.startswith("/xsd/notifications/") and method == "GET":
            name = path.removeprefix("/xsd/notifications/")
            if name in NOTIFICATION_SCHEMAS:
                return _document(start_response, NOTIFICATION_SCHEMAS[name])
            return _plain(start_response, "404 Not Found", "no such schema\n")
        if path.startswith("/xsd/files/") and method == "GET":
            name = path.removeprefix("/xsd/files/")
            if name in FILE_SCHEMAS:
                return _document(start_response, FILE_SCHEMAS[name])
            return _plain(start_response, "404 Not Found", "no such schema\n")
        if path.startswith("/xsd/") and method == "GET":
            return self._xsd(path.removeprefix("/xsd/"), start_response)
        if self._ssdn is not None and path.rstrip("/") in (CONNECTOR_PATH, TEST_PATH):
            return self._ssdn_request(path.rstrip("/"), environ, start_response)
        endpoint = self._endpoints.get(path.rstrip("/"))
        if endpoint is None:
            return _plain(start_response, "404 Not Found", "no such service\n")
        if method == "GET" and environ.get("QUERY_STRING", "").lower() == "wsdl":
            return _document(start_response, endpoint.documents.wsdl)
        if method != "POST":
            return _plain(start_response, "405 Method Not Allowed", "POST a SOAP request\n")
        return self._soap(endpoint, environ, start_response)

    # -- SOAP requests -------------------------------------------------------------------------

    def _soap(
        self, endpoint: Endpoint, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        call = Call(uuid4(), datetime.now(UTC), endpoint.name, self._uow)
        return self._answer(call, partial(self._handle, endpoint), environ, start_response)

    def _ssdn_request(
        self, path: str, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        """The classic KSZ channel: its WSDL, or a request answered by the SSDN channel."""
        method = environ.get("REQUEST_METHOD", "GET")
        if method == "GET" and environ.get("QUERY_STRING", "").lower() == "wsdl":
            name = "KSZBCSSWebServiceConnector" if path == CONNECTOR_PATH else "TestConnection"
            return _document(start_response, self._ssdn_documents[name])
        if method != "POST":
            return _plain(start_response, "405 Method Not Allowed", "POST a SOAP request\n")
        service = "SSDN" if path == CONNECTOR_PATH else "TestConnection"
        call = Call(uuid4(), datetime.now(UTC), service, self._uow)
        return self._answer(call, partial(self._handle_ssdn, path), environ, start_response)

    def _handle_ssdn(
        self, path: str, call: Call, environ: dict[str, Any]
    ) -> tuple[str, list[tuple[str, str]], bytes]:
        assert self._ssdn is not None
        raw = self._read_body(environ)
        _, payload = _envelope_parts(self._parse(raw))
        if path == TEST_PATH:
            body = self._ssdn.send_test_message(call, payload)
        else:
            body = self._ssdn.send_xml(call, environ, payload)
        return "200 OK", list(_XML), body

    def _answer(
        self,
        call: Call,
        handle: Callable[[Call, dict[str, Any]], tuple[str, list[tuple[str, str]], bytes]],
        environ: dict[str, Any],
        start_response: StartResponse,
    ) -> Iterable[bytes]:
        started = time.perf_counter()
        try:
            with _deadline(self._limits.deadline_seconds):
                status_line, headers, body = handle(call, environ)
        except RequestDeadline:
            seconds = self._limits.deadline_seconds
            log.warning("ticket=%s the request ran past the %s s deadline", call.ticket, seconds)
            fault = ContractFault(
                "MSG00001", f"the request could not be completed within {seconds:g} s"
            )
            call.status_code = fault.code
            status_line, headers = "500 Internal Server Error", list(_XML)
            body = fault_envelope(fault, str(call.ticket))
        except Exception as error:
            fault = error if isinstance(error, ContractFault) else ContractFault("MSG00003")
            if fault is not error:
                log.exception("ticket=%s unexpected gateway error", call.ticket)
            call.status_code = fault.code
            status_line, headers = "500 Internal Server Error", list(_XML)
            body = fault_envelope(fault, str(call.ticket))
        self._record(call, round((time.perf_counter() - started) * 1000))
        code = call.status_code or "MSG00003"
        # The metric's latency includes the audit entry, which the caller waits for too.
        seconds = time.perf_counter() - started
        self._metrics.observe(call.service, call.operation, code, seconds, code in FAULT_CODES)
        start_response(status_line, [*headers, ("Content-Length", str(len(body)))])
        return [body]

    def _handle(
        self, endpoint: Endpoint, call: Call, environ: dict[str, Any]
    ) -> tuple[str, list[tuple[str, str]], bytes]:
        # The SOAPAction only chooses the size limit: the body decides the operation, and a
        # large body of any other operation is refused below.
        action = environ.get("HTTP_SOAPACTION", "").strip().strip('"').rpartition("/")[2]
        file = action in FILE_OPERATIONS and self._limits.max_file_bytes > 0
        raw = self._read_body(environ, self._limits.max_file_bytes if file else None)
        envelope = self._parse(raw, huge=len(raw) > self._limits.max_body_bytes)
        header, payload = _envelope_parts(envelope)
        name = etree.QName(payload)
        known = name.namespace == endpoint.namespace and name.localname in endpoint.operations
        if known:
            call.operation = name.localname
        if len(raw) > self._limits.max_body_bytes and call.operation not in FILE_OPERATIONS:
            raise ContractFault(
                "MSG00004", f"the request body exceeds {self._limits.max_body_bytes} bytes"
            )
        call.ssins.extend(_ssins_in(payload))
        # Authenticate first: an anonymous caller learns nothing, not even which operations exist.
        # Failed logins count per (username, client address): behind a trusted reverse proxy the
        # client is the one X-Forwarded-For names, or five bad logins would lock out everyone.
        address = client_address(environ, self._limits.trusted_proxies)
        call.user = self._authenticate_header(header, call, address)
        # From here on every transaction tells PostgreSQL whose it is (row-level security).
        call.uow = partial(self._uow, call.user)
        if not known:
            raise ContractFault("MSG00004", f"{endpoint.name} has no operation {name.text}")
        if endpoint.admin_only and not call.user.is_admin:
            raise ContractFault("MSG00016", "this operation is reserved to administrators")
        if not endpoint.schema.validate(payload):
            error = endpoint.schema.error_log.last_error
            assert error is not None  # a failed validation logs why
            raise ContractFault("MSG00004", f"line {error.line}: {error.message}")
        fast = endpoint.fast.get(call.operation)
        if fast is not None and (body := fast(call, payload)) is not None:
            return "200 OK", list(_XML), body
        return self._dispatch(endpoint, call, environ, raw, envelope)

    def _dispatch(
        self,
        endpoint: Endpoint,
        call: Call,
        environ: dict[str, Any],
        raw: bytes,
        envelope: etree._Element,
    ) -> tuple[str, list[tuple[str, str]], bytes]:
        inner = dict(environ)
        inner["wsgi.input"] = BytesIO(raw)
        inner["CONTENT_LENGTH"] = str(len(raw))
        inner["raas.envelope"] = envelope  # spyne reads this, not the bytes (VettedSoap11)
        inner["raas.call"] = call
        captured: dict[str, Any] = {}

        def capture(status_line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            captured["status"], captured["headers"] = status_line, headers

        body = b"".join(endpoint.app(inner, capture))
        if call.status_code is None or (
            not captured["status"].startswith("200") and call.status_code not in FAULT_CODES
        ):
            # spyne failed outside our operation (before it, or writing its answer): never pass
            # its text on, and let the audit log say what the caller really got.
            raise ContractFault("MSG00003")
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        return captured["status"], headers, body

    def _read_body(self, environ: dict[str, Any], limit: int | None = None) -> bytes:
        limit = limit or self._limits.max_body_bytes
        try:
            length = int(environ.get("CONTENT_LENGTH") or -1)
        except ValueError:
            length = -1
        if length > limit:
            raise ContractFault("MSG00004", f"the request body exceeds {limit} bytes")
        if length < 0 and not environ.get("wsgi.input_terminated"):
            # Without a Content-Length only a server that ends the input itself (gunicorn) may be
            # read to the end; on others (wsgiref) the read would wait for the client to hang up.
            raise ContractFault("MSG00004", "the request has no valid Content-Length")
        raw: bytes = environ["wsgi.input"].read(length if length >= 0 else limit + 1)
        if len(raw) > limit:
            raise ContractFault("MSG00004", f"the request body exceeds {limit} bytes")
        return raw

    def _parse(self, raw: bytes, huge: bool = False) -> etree._Element:
        try:
            root = etree.fromstring(raw, request_parser(huge))
        except etree.XMLSyntaxError as error:
            raise ContractFault(
                "MSG00004", f"the request is not well-formed XML: {error.msg}"
            ) from None
        if root.getroottree().docinfo.doctype or root.getroottree().docinfo.internalDTD:
            raise ContractFault("MSG00004", "a DOCTYPE is not allowed in a request")
        depth = 0
        for event, _ in etree.iterwalk(root, events=("start", "end")):
            depth += 1 if event == "start" else -1
            if depth > self._limits.max_depth:
                raise ContractFault(
                    "MSG00004", f"the request is nested deeper than {self._limits.max_depth}"
                )
        return root

    def _authenticate_header(self, header: etree._Element | None, call: Call, address: str) -> User:
        token = (
            None if header is None else header.find(f"{{{WSSE}}}Security/{{{WSSE}}}UsernameToken")
        )
        if token is None:
            raise ContractFault("MSG00014", "a WS-Security UsernameToken is required")
        username = token.findtext(f"{{{WSSE}}}Username") or ""
        password = token.find(f"{{{WSSE}}}Password")
        if password is None or not username:
            raise ContractFault("MSG00014", "the UsernameToken needs a Username and a Password")
        if password.get("Type", PASSWORD_TEXT) != PASSWORD_TEXT:
            raise ContractFault(
                "MSG00014",
                "only PasswordText is accepted: passwords are stored as salted hashes, "
                "so a PasswordDigest cannot be checked (send PasswordText over TLS)",
            )
        try:
            return self._authenticate(username, password.text or "", address)
        except AuthenticationFailed as failure:
            # The same answer for an unknown user, a wrong password and a lockout; the audit
            # entry says which (and from where).
            call.note = failure.note
            raise ContractFault("MSG00014", "unknown user or wrong password") from None
        except ServiceUnavailable:
            raise ContractFault("MSG00001") from None

    # -- audit, logging, health, documents -----------------------------------------------------

    def _record(self, call: Call, duration_ms: int) -> None:
        user = call.user
        entry = AuditEntry(
            at=call.received,
            ticket_cbss=call.ticket,
            cbe_number=user.cbe_number if user else None,
            username=user.username if user else None,
            service=call.service,
            operation=call.operation,
            ssins=tuple(dict.fromkeys(call.ssins)),
            status_code=call.status_code or "MSG00003",
            duration_ms=duration_ms,
            note=call.note,
        )
        try:
            self._audit(entry)
        except ServiceUnavailable:
            log.warning("ticket=%s audit entry not written: database unavailable", call.ticket)
        except Exception:
            log.exception("ticket=%s audit entry could not be written", call.ticket)
        fields = {
            "ticketCBSS": str(call.ticket),
            "user": entry.username or "-",
            "service": call.service,
            "operation": call.operation,
            "status": entry.status_code,
            "duration_ms": duration_ms,
        }
        # The fields also travel as `extra`, for the JSON log format (RAAS_LOG_JSON).
        log.info(" ".join(f"{k}={v}" for k, v in fields.items()), extra={"fields": fields})

    def _health(self, start_response: StartResponse) -> Iterable[bytes]:
        state = self._database_ok()  # `primary HOST:PORT`, `standby HOST:PORT` or None
        if state is not None and state.startswith("primary"):
            return _plain(start_response, "200 OK", f"ok\ndatabase: {state}\n")
        if state is not None:  # reached a standby: writes would fail until a reconnect
            return _plain(start_response, "503 Service Unavailable", f"database: {state}\n")
        return _plain(start_response, "503 Service Unavailable", "database unavailable\n")

    def _index(self, start_response: StartResponse) -> Iterable[bytes]:
        """What a person opening the service's address in a browser needs: where the WSDLs are."""
        services = [name.lstrip("/") for name in self._endpoints if name != "/Benchmark"]
        items = "".join(
            f'<li><a href="{name}?wsdl">{name}?wsdl</a></li>' for name in services
        )
        if self._ssdn is not None:
            items += f'<li><a href="{CONNECTOR_PATH}?wsdl">{CONNECTOR_PATH}?wsdl</a> (SSDN)</li>'
        schemas = "".join(
            f'<li><a href="xsd/notifications/{name}">xsd/notifications/{name}</a></li>'
            for name in NOTIFICATION_SCHEMAS
        )
        page = (
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>RAAS</title></head>"
            "<body><h1>RAAS: Register As A Service and LinkRegister</h1>"
            f"<p>SOAP 1.1 services; generate a client from a WSDL:</p><ul>{items}</ul>"
            f"<p>Notification file schemas:</p><ul>{schemas}</ul>"
            '<p><a href="health">health</a> · <a href="metrics">metrics</a></p></body></html>'
        ).encode()
        headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(page)))]
        start_response("200 OK", headers)
        return [page]

    def _xsd(self, name: str, start_response: StartResponse) -> Iterable[bytes]:
        if name not in self._xsds:
            return _plain(start_response, "404 Not Found", "no such schema\n")
        return _document(start_response, self._xsds[name])


def _plain(start_response: StartResponse, status_line: str, text: str) -> Iterable[bytes]:
    body = text.encode()
    start_response(status_line, [*_TEXT, ("Content-Length", str(len(body)))])
    return [body]


def _document(start_response: StartResponse, body: bytes) -> Iterable[bytes]:
    start_response("200 OK", [*_XML, ("Content-Length", str(len(body)))])
    return [body]


def _envelope_parts(envelope: etree._Element) -> tuple[etree._Element | None, etree._Element]:
    """The SOAP 1.1 Header (if any) and the one element in the Body."""
    if envelope.tag != f"{{{SOAP_ENV}}}Envelope":
        raise ContractFault("MSG00004", "the request is not a SOAP 1.1 envelope")
    header = envelope.find(f"{{{SOAP_ENV}}}Header")
    body = envelope.find(f"{{{SOAP_ENV}}}Body")
    payload = [] if body is None else [child for child in body if isinstance(child.tag, str)]
    if len(payload) != 1:
        raise ContractFault("MSG00004", "the SOAP Body must hold exactly one request element")
    return header, payload[0]


def _ssins_in(payload: etree._Element) -> list[str]:
    """The well-formed ssins a request names (for the audit log)."""
    return [
        text
        for element in payload.iter("{*}ssin")
        if (text := (element.text or "").strip()) and _SSIN.match(text)
    ]
