"""The daily notification file and its voucher: names and XML (schemas in xsd/notifications/).

A data file holds one organisation's records of one flow for one day, in event order, with a
header naming it and a trailer counting its records. The voucher names the data file and
carries what a consumer checks before reading it: organisation, flow, day, the sequence number
(per organisation and flow, from 1, without gaps) and the data file's record count and SHA-256.
Both are written byte for byte the same for the same input, so a rerun gives identical files.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, BinaryIO

from lxml import etree

from raas.models.flows import Flow

NS = "urn:raas:notifications:v1"
VOUCHER_NS = "urn:raas:notifications:voucher:v1"


@dataclass(frozen=True)
class Record:
    """One event as a recipient's file holds it."""

    cbe_number: str
    flow: Flow
    event_id: int
    event_date: date
    ssin: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class FileHeader:
    cbe_number: str
    flow: Flow
    day: date
    sequence_number: int

    @property
    def file_name(self) -> str:
        """`<cbe>_<flow>_<yyyymmdd>_<sequence>.xml`: sorts by organisation, flow and day."""
        return (
            f"{self.cbe_number}_{self.flow.value}_{self.day:%Y%m%d}_{self.sequence_number:06d}.xml"
        )

    @property
    def voucher_name(self) -> str:
        return self.file_name.removesuffix(".xml") + ".voucher.xml"


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _text(parent: etree._Element, name: str, value: object) -> None:
    etree.SubElement(parent, _q(name)).text = str(value)


def write_data_file(stream: BinaryIO, header: FileHeader, records: Iterable[Record]) -> int:
    """Write the data file to `stream` record by record (constant memory); the record count."""
    count = 0
    with etree.xmlfile(stream, encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element(_q("notificationFile"), nsmap={None: NS}):
            head = etree.Element(_q("header"), nsmap={None: NS})
            _text(head, "fileName", header.file_name)
            _text(head, "cbeNumber", header.cbe_number)
            _text(head, "flow", header.flow.value)
            _text(head, "date", header.day.isoformat())
            _text(head, "sequenceNumber", header.sequence_number)
            xf.write(head)
            with xf.element(_q("records")):
                for record in records:
                    xf.write(_record(record))
                    count += 1
            trailer = etree.Element(_q("trailer"), nsmap={None: NS})
            _text(trailer, "recordCount", count)
            xf.write(trailer)
    return count


def _record(record: Record) -> etree._Element:
    element = etree.Element(_q("record"), nsmap={None: NS})
    _text(element, "eventId", record.event_id)
    _text(element, "eventDate", record.event_date.isoformat())
    _text(element, "ssin", record.ssin)
    payload = record.payload
    if record.flow is Flow.SSIN_REPLACEMENT:
        body = etree.SubElement(element, _q("ssinReplacement"))
        _text(body, "oldSsin", payload["oldSsin"])
        _text(body, "newSsin", payload["newSsin"])
        _text(body, "activeSsin", payload.get("activeSsin") or payload["newSsin"])
    elif record.flow is Flow.IDENTIFICATION_DATA:
        body = etree.SubElement(element, _q("identificationData"))
        for field_name in sorted(payload):
            change = etree.SubElement(body, _q("change"))
            _text(change, "fieldName", field_name)
            for side, name in (("old", "oldValue"), ("new", "newValue")):
                if payload[field_name].get(side) is not None:
                    _text(change, name, payload[field_name][side])
    else:
        body = etree.SubElement(element, _q("dimona"))
        _text(body, "employer", payload["employer"])
        _text(body, "dimonaDate", payload.get("dimonaDate") or record.event_date.isoformat())
        if payload.get("requestedSsin"):
            _text(body, "requestedSsin", payload["requestedSsin"])
    return element


def voucher(header: FileHeader, record_count: int, sha256: str) -> bytes:
    """The voucher of a data file whose bytes hash to `sha256` (lowercase hex)."""
    root = etree.Element(f"{{{VOUCHER_NS}}}voucher", nsmap={None: VOUCHER_NS})
    for name, value in (
        ("fileName", header.file_name),
        ("cbeNumber", header.cbe_number),
        ("flow", header.flow.value),
        ("date", header.day.isoformat()),
        ("sequenceNumber", header.sequence_number),
        ("recordCount", record_count),
        ("sha256", sha256),
    ):
        etree.SubElement(root, f"{{{VOUCHER_NS}}}{name}").text = str(value)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
