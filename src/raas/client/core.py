"""Call one operation with zeep and show the answer: the generic part of every client command."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import requests
import zeep
from zeep.helpers import serialize_object
from zeep.wsse.username import UsernameToken

from raas.client.operations import Operation

DEFAULT_URL = "http://127.0.0.1:8080"
SUCCESS = {"OK", "DATA_FOUND", "NO_DATA_FOUND"}
META = {"informationCustomer", "informationCBSS", "status"}

# Exit codes of `raas client`: 0 the status value is OK, DATA_FOUND or NO_DATA_FOUND.
REFUSED, USAGE, FAULT, UNREACHABLE = 1, 2, 3, 4


@dataclass
class Answer:
    """One call's outcome: the response as plain data, or the SOAP fault's fields."""

    operation: str
    response: dict[str, Any] | None = None
    fault: dict[str, str] = field(default_factory=dict)

    @property
    def status(self) -> dict[str, Any]:
        return (self.response or {}).get("status") or {}

    @property
    def exit_code(self) -> int:
        if self.fault:
            return FAULT
        return 0 if self.status.get("value") in SUCCESS else REFUSED


def connect(
    service: str,
    url: str,
    user: str | None,
    password: str | None,
    plugins: Iterable[zeep.Plugin] = (),
) -> zeep.proxy.ServiceProxy:
    """A zeep proxy for `service`, WSDL from `{url}/{service}?wsdl`, calls sent to `url` itself.

    The endpoint is taken from `url`, not from the WSDL's soap:address, so the client also
    works through a proxy or port forward that the server's public URL does not name.
    """
    base = url.rstrip("/")
    wsse = UsernameToken(user, password) if user else None
    client = zeep.Client(f"{base}/{service}?wsdl", wsse=wsse, plugins=list(plugins))
    (binding,) = client.wsdl.bindings
    proxy: zeep.proxy.ServiceProxy = client.create_service(binding, f"{base}/{service}")
    proxy._client = client  # keep the client (and its transport) alive with the proxy
    return proxy


def request_of(operation: Operation, values: Mapping[str, Any]) -> dict[str, Any]:
    """The nested request from wire paths (`period.beginDate`) to values; None is left out."""
    request: dict[str, Any] = {}
    for path, _ in operation.paths():
        value = values.get(path)
        if value is None:
            continue
        *parents, leaf = path.split(".")
        node = request
        for name in parents:
            node = node.setdefault(name, {})
        node[leaf] = value
    return request


def call(proxy: zeep.proxy.ServiceProxy, operation: str, request: Mapping[str, Any]) -> Answer:
    """Send one request; a SOAP fault becomes an Answer with its contract fields."""
    try:
        response = getattr(proxy, operation)(**request)
    except zeep.exceptions.Fault as fault:
        return Answer(operation, fault=fault_fields(fault))
    return Answer(operation, response=plain(serialize_object(response, dict)))


def fault_fields(fault: zeep.exceptions.Fault) -> dict[str, str]:
    """faultcode, faultstring and the detail's severity, reasonCode, diagnostic, ticketCBSS."""
    fields = {"faultcode": str(fault.code), "faultstring": str(fault.message)}
    if fault.detail is not None:
        for node in fault.detail.iter():
            if isinstance(node.tag, str) and len(node) == 0 and node.text:
                fields[node.tag.rpartition("}")[2]] = node.text
    return fields


def plain(value: Any) -> Any:
    """JSON-ready data: dates as ISO text, bytes as base64, no empty wrappers."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if v is not None and v != []}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    return value


def as_json(answer: Answer) -> str:
    """The whole answer as JSON (the response, or `{"fault": …}`)."""
    body = {"fault": answer.fault} if answer.fault else answer.response
    return json.dumps(body, indent=2, ensure_ascii=False)


def as_text(answer: Answer) -> str:
    """A status line, its information, then each part of the response as a table."""
    if answer.fault:
        f = answer.fault
        return (
            f"{answer.operation:24} FAULT {f.get('reasonCode', f['faultcode'])} "
            f"{f.get('diagnostic', f['faultstring'])}  ticketCBSS={f.get('ticketCBSS', '-')}"
        )
    response = answer.response or {}
    status = answer.status
    ticket = (response.get("informationCBSS") or {}).get("ticketCBSS", "-")
    lines = [
        f"{answer.operation:24} {status.get('value', '?'):13} {status.get('code', '?')} "
        f"{status.get('description', '')}  ticketCBSS={ticket}"
    ]
    for info in status.get("information", []):
        lines.append(f"  {info.get('fieldName')} = {info.get('fieldValue')}")
    for name, value in response.items():
        if name not in META:
            lines.extend(_part(name, value))
    return "\n".join(lines)


def _part(name: str, value: Any) -> list[str]:
    if isinstance(value, dict) and len(value) == 1 and isinstance(_only(value), list):
        return table(_only(value))
    if isinstance(value, list):
        return table(value)
    if isinstance(value, dict):
        return table([value])
    if name in {"content", "voucher", "result"}:
        raw = base64.b64decode(value)
        return [f"  {name}: {len(raw)} bytes, sha256 {hashlib.sha256(raw).hexdigest()}"]
    return [f"  {name}: {value}"]


def _only(mapping: dict[str, Any]) -> Any:
    (value,) = mapping.values()
    return value


def table(rows: list[Any]) -> list[str]:
    """Rows of nested data as aligned columns named by wire paths (`period.beginDate`)."""
    flat = [dict(_flatten(row)) for row in rows if row is not None]
    if not flat:
        return []
    columns = list(dict.fromkeys(key for row in flat for key in row))
    cells = [[str(row.get(c, "")) for c in columns] for row in flat]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    terminal = shutil.get_terminal_size((100, 24)).columns
    if sum(widths) + 2 * len(widths) > terminal:
        # Too wide for the terminal (ConsultFormats' descriptions and patterns): one record per
        # block, a field a line, rather than lines hundreds of columns long.
        name_width = max(len(c) for c in columns)
        blocks: list[str] = []
        for row in cells:
            for column, value in zip(columns, row, strict=True):
                room = max(20, terminal - name_width - 4)
                wrapped = textwrap.wrap(value, room, break_on_hyphens=False) or [value]
                blocks.append(f"  {column.ljust(name_width)}  {wrapped[0]}")
                blocks += [f"  {'':{name_width}}  {more}" for more in wrapped[1:]]
            blocks.append("")
        return [line.rstrip() for line in blocks[:-1]]
    out = ["  " + "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    out += ["  " + "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return [line.rstrip() for line in out]


def _flatten(value: Any, prefix: str = "") -> Iterable[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "_value_1":  # zeep's name for the text of an element with attributes
                yield from _flatten(item, prefix)
            else:
                yield from _flatten(item, f"{prefix}.{key}" if prefix else key)
    elif isinstance(value, list):
        yield prefix, "; ".join(" ".join(v for _, v in _flatten(item)) for item in value)
    else:
        yield prefix, str(value)


def unreachable(error: requests.RequestException) -> str:
    """One line for a service that did not answer."""
    return f"the service did not answer: {type(error).__name__}: {error}"
