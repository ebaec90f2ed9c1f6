"""The data file and voucher writers: valid against their XSDs, whatever the names hold."""

from __future__ import annotations

import hashlib
import io
from datetime import date

from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from raas.models.flows import Flow
from raas.models.notification_files import FileHeader, Record, voucher, write_data_file
from tests.conftest import ROOT

NS = {"n": "urn:raas:notifications:v1", "v": "urn:raas:notifications:voucher:v1"}
DATA_XSD = etree.XMLSchema(file=str(ROOT / "xsd" / "notifications" / "NotificationFile.xsd"))
VOUCHER_XSD = etree.XMLSchema(file=str(ROOT / "xsd" / "notifications" / "Voucher.xsd"))
HEADER = FileHeader("0203201340", Flow.IDENTIFICATION_DATA, date(2026, 11, 20), 7)


def _written(header: FileHeader, records: list[Record]) -> bytes:
    out = io.BytesIO()
    assert write_data_file(out, header, records) == len(records)
    return out.getvalue()


@given(old=st.text(max_size=40), new=st.text(max_size=40))
def test_any_name_gives_a_valid_file_that_reads_back(old: str, new: str) -> None:
    record = Record(
        "0203201340",
        Flow.IDENTIFICATION_DATA,
        1,
        date(2026, 11, 20),
        "85073003328",
        {"lastName": {"old": old, "new": new}, "gender": {"old": "MALE", "new": None}},
    )
    root = etree.fromstring(_written(HEADER, [record]))
    DATA_XSD.assertValid(root)
    changes = root.findall(".//n:change", NS)
    assert [c.findtext("n:fieldName", namespaces=NS) for c in changes] == ["gender", "lastName"]
    assert changes[0].find("n:newValue", NS) is None  # a value that became empty is left out

    def readable(text: str) -> str:  # XML cannot carry control characters: U+FFFD instead
        allowed = {"\t", "\n", "\r"}
        kept = "".join(c if c >= " " or c in allowed else "\ufffd" for c in text)
        kept = "".join(
            "\ufffd" if 0xD800 <= ord(c) <= 0xDFFF or c in "\ufffe\uffff" else c for c in kept
        )
        return kept.replace("\r\n", "\n").replace("\r", "\n")  # XML normalises line ends

    assert (changes[1].findtext("n:oldValue", namespaces=NS) or "") == readable(old)
    assert (changes[1].findtext("n:newValue", namespaces=NS) or "") == readable(new)


def test_every_flow_and_an_empty_file_are_valid_and_the_voucher_matches() -> None:
    day = date(2026, 11, 20)
    records = [
        Record(
            "0203201340",
            Flow.SSIN_REPLACEMENT,
            3,
            day,
            "85073003328",
            {"oldSsin": "85073003328", "newSsin": "79110210159", "activeSsin": "79110210159"},
        ),
        Record(
            "0203201340",
            Flow.DIMONA,
            4,
            day,
            "85073003328",
            {"employer": "0404616494", "dimonaDate": "2026-11-19", "requestedSsin": "79110210159"},
        ),
    ]
    for record in records:
        header = FileHeader("0203201340", record.flow, day, 1)
        DATA_XSD.assertValid(etree.fromstring(_written(header, [record])))
    empty = _written(HEADER, [])
    root = etree.fromstring(empty)
    DATA_XSD.assertValid(root)
    assert root.find("n:records", NS) is not None and not root.findall(".//n:record", NS)
    proof = etree.fromstring(voucher(HEADER, 0, hashlib.sha256(empty).hexdigest()))
    VOUCHER_XSD.assertValid(proof)
    assert proof.findtext("v:fileName", namespaces=NS) == HEADER.file_name
    assert HEADER.file_name == "0203201340_IDENTIFICATION_DATA_20261120_000007.xml"
    assert HEADER.voucher_name == "0203201340_IDENTIFICATION_DATA_20261120_000007.voucher.xml"
