"""The audit chain check, on entries built in memory."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from uuid import UUID

from raas.models.audit_chain import (
    GENESIS,
    AuditEntry,
    ChainedEntry,
    canonical_text,
    entry_hash,
    verify,
)

TICKET = UUID("3b0c4c1e-6a53-4a63-9a7e-0d3f1c1a2b3c")


def chain(length: int) -> list[ChainedEntry]:
    entries, prev = [], GENESIS
    for seq in range(1, length + 1):
        call = AuditEntry(
            datetime(2026, 11, 23, 1, 2, 3, 4500, tzinfo=UTC),
            TICKET,
            "0203201340",
            "client-a",
            "Register",
            "Consult",
            ("85073003328",),
            "MSG00000",
            7,
        )
        entry = ChainedEntry(seq, seq + 100, call, prev, b"")
        entry = replace(entry, hash=entry_hash(prev, entry))
        entries.append(entry)
        prev = entry.hash
    return entries


def test_canonical_text_is_postgresql_jsonb_text() -> None:
    first = chain(1)[0]
    entry = replace(first, entry=replace(first.entry, note='a "quote" and ü\n', ssins=()))
    assert canonical_text(entry) == (
        '[1, 101, "2026-11-23T01:02:03.004500", "3b0c4c1e-6a53-4a63-9a7e-0d3f1c1a2b3c", '
        '"0203201340", "client-a", "Register", "Consult", [], "MSG00000", 7, '
        '"a \\"quote\\" and ü\\n"]'
    )


def test_an_intact_chain_and_its_head() -> None:
    entries = chain(3)
    verdict = verify(entries, (3, entries[-1].hash), recorded_head=entries[1].hash)
    assert (verdict.intact, verdict.checked, verdict.head_hash) == (True, 3, entries[-1].hash)
    assert verify([], None).intact


def test_the_first_problem_is_named() -> None:
    entries = chain(4)
    head = (4, entries[-1].hash)
    edited = replace(entries[1].entry, status_code="MSG00100")
    altered = [entries[0], replace(entries[1], entry=edited), *entries[2:]]
    assert verify(altered, head).problem == (
        f"entry id=102 (ticketCBSS {TICKET}, chain position 2) was altered"
    )
    gap = verify([entries[0], entries[3]], head).problem
    assert gap is not None and gap.startswith("the entries at chain positions 2 to 3 were removed")
    assert verify(entries[:3], head).problem == (
        "the entry at chain position 4 was removed at the end of the log"
    )
    assert "is not in the chain" in str(
        verify(entries[:3], (3, entries[2].hash), b"x" * 32).problem
    )
