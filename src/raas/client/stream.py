"""`raas client InscribeBatch --csv FILE`: a CSV of inscriptions streamed as InscribeBatch calls.

zeep builds and checks an object per element of a request and of its response: for a large file
the client, not the service, would set the pace. Here each batch of up to 1000 lines is written
as the request's XML text, a few batches travel at once (one connection each), and the results
are read from the answers with lxml and written, in the file's order, as a CSV result file
(`models/inscription_files.py`). Lines the request schema would refuse are not sent: their
result is MSG00004 with what is wrong.
"""

from __future__ import annotations

import csv
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import IO
from xml.sax.saxutils import escape

import requests
from lxml import etree

from raas.models.inscription_files import MALFORMED, RESULT_COLUMNS, Line, read_csv

NS = "urn:raas:register:v1"
COMMON = "urn:raas:common:v1"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
PASSWORD_TEXT = (  # a token type URI, not a password
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"  # noqa: S105
    "#PasswordText"
)
BATCH = 1000  # InscribeBatch's largest request
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
_MALFORMED_DESCRIPTION = "The request structure is not valid"


class BatchFault(Exception):
    """A batch was answered with a SOAP fault (nothing of it was applied)."""

    def __init__(self, code: str, diagnostic: str) -> None:
        super().__init__(f"{code} {diagnostic}")
        self.code = code


@dataclass
class Counts:
    lines: int = 0
    accepted: int = 0
    refused: int = 0


def inscribe_csv(
    url: str,
    user: str,
    password: str,
    source: Iterable[str],
    output: IO[str],
    *,
    jobs: int = 2,
    size: int = BATCH,
    progress: Callable[[int], None] | None = None,
) -> Counts:
    """Send the CSV's inscriptions in batches of `size`, `jobs` at a time; write one result a
    line to `output` and count them. BatchFault when a batch is answered with a fault."""
    endpoint = f"{url.rstrip('/')}/Register"
    header = _header(user, password)
    sessions = threading.local()

    def send(chunk: list[Line]) -> list[tuple[str, ...]]:
        session = getattr(sessions, "session", None) or requests.Session()
        sessions.session = session
        body = _request(header, [line for line in chunk if line.problem is None])
        if body is None:
            return []
        answer = session.post(
            endpoint, data=body, headers={"Content-Type": "text/xml; charset=utf-8"}
        )
        return _results(answer.content, answer.status_code)

    writer = csv.writer(output, lineterminator="\n")
    writer.writerow(RESULT_COLUMNS)
    counts = Counts()

    def write(chunk: list[Line], answered: Future[list[tuple[str, ...]]]) -> None:
        results = iter(answered.result())
        for line in chunk:
            if line.problem is None:
                answer = next(results)
                row = (str(line.number), *answer, str(answer[2] == "OK").lower())
            else:
                problem = f"line={line.problem};"
                values = (line.values[0], line.values[1], "NOK", MALFORMED)
                row = (str(line.number), *values, _MALFORMED_DESCRIPTION, problem, "false")
            writer.writerow(row)
            counts.lines += 1
            if row[3] == "OK":
                counts.accepted += 1
            else:
                counts.refused += 1
        if progress is not None:
            progress(counts.lines)

    with ThreadPoolExecutor(max(1, jobs)) as pool:
        pending: deque[tuple[list[Line], Future[list[tuple[str, ...]]]]] = deque()
        for chunk in _chunks(read_csv(source), size):
            pending.append((chunk, pool.submit(send, chunk)))
            while len(pending) > jobs:
                write(*pending.popleft())
        while pending:
            write(*pending.popleft())
    return counts


def _chunks(lines: Iterator[Line], size: int) -> Iterator[list[Line]]:
    """Lists of lines holding `size` well-formed ones (and the malformed ones between them)."""
    chunk: list[Line] = []
    sendable = 0
    for line in lines:
        chunk.append(line)
        sendable += line.problem is None
        if sendable == size:
            yield chunk
            chunk, sendable = [], 0
    if chunk:
        yield chunk


def _header(user: str, password: str) -> str:
    return (
        f'<s:Header><w:Security xmlns:w="{WSSE}"><w:UsernameToken>'
        f"<w:Username>{escape(user)}</w:Username>"
        f'<w:Password Type="{PASSWORD_TEXT}">{escape(password)}</w:Password>'
        "</w:UsernameToken></w:Security></s:Header>"
    )


def _request(header: str, lines: list[Line]) -> bytes | None:
    if not lines:
        return None
    items = "".join(map(_item, lines))
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="{SOAP}">{header}<s:Body>'
        f'<r:InscribeBatch xmlns:r="{NS}" xmlns:c="{COMMON}">{items}</r:InscribeBatch>'
        "</s:Body></s:Envelope>"
    ).encode()


def _item(line: Line) -> str:
    ssin, code, begin, end, last, first, birth, gender = line.values
    end = f"<c:endDate>{end}</c:endDate>" if end else ""
    data = ""
    if line.has_person_data:
        data = "<r:personData>" + "".join(
            f"<r:{name}>{escape(value)}</r:{name}>"
            for name, value in (
                ("lastName", last),
                ("firstName", first),
                ("birthDate", birth),
                ("gender", gender),
            )
            if value
        ) + "</r:personData>"
    return (
        f"<r:inscription><r:ssin>{ssin}</r:ssin><r:typeDossier>{code}</r:typeDossier>"
        f"<r:period><c:beginDate>{begin}</c:beginDate>{end}</r:period>{data}</r:inscription>"
    )


def _results(document: bytes, http_status: int) -> list[tuple[str, ...]]:
    """Each result's ssin, typeDossier, status value, code, description and information."""
    try:
        root = etree.fromstring(document, _PARSER)
    except etree.XMLSyntaxError:
        raise BatchFault("HTTP", f"{http_status}: not a SOAP answer") from None
    fault = root.find(f"{{{SOAP}}}Body/{{{SOAP}}}Fault")
    if fault is not None:
        raise BatchFault(
            fault.findtext(f".//{{{COMMON}}}reasonCode") or fault.findtext("faultcode") or "?",
            fault.findtext(f".//{{{COMMON}}}diagnostic") or fault.findtext("faultstring") or "",
        )
    rows: list[tuple[str, ...]] = []
    for result in root.iterfind(f"{{{SOAP}}}Body/*/{{{NS}}}results/{{{NS}}}result"):
        status = result.find(f"{{{NS}}}status")
        if status is None:  # the schema gives every result a status
            continue
        information = "".join(
            f"{i.findtext(f'{{{COMMON}}}fieldName')}={i.findtext(f'{{{COMMON}}}fieldValue') or ''};"
            for i in status.iterfind(f"{{{COMMON}}}information")
        )
        rows.append(
            (
                result.findtext(f"{{{NS}}}ssin") or "",
                result.findtext(f"{{{NS}}}typeDossier") or "",
                status.findtext(f"{{{COMMON}}}value") or "",
                status.findtext(f"{{{COMMON}}}code") or "",
                status.findtext(f"{{{COMMON}}}description") or "",
                information,
            )
        )
    return rows
