"""The audit log's hash chain, checked: which entry was altered or removed, if any.

Each entry's `hash` is sha256(previous entry's hash || its canonical text), the first entry's
previous hash being 32 zero bytes; `seq` numbers the entries from 1 without gaps. PostgreSQL
computes them when an entry is written (the trigger of migration 0007, `raas_audit_digest`);
`canonical_text` here is its twin, so the check does not trust the database's function.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

GENESIS = bytes(32)


@dataclass(frozen=True)
class AuditEntry:
    """One call, accepted or refused."""

    at: datetime
    ticket_cbss: UUID
    cbe_number: str | None
    username: str | None
    service: str
    operation: str
    ssins: Sequence[str]
    status_code: str
    duration_ms: int
    note: str | None = None  # e.g. a failed login: for which username, from where


@dataclass(frozen=True)
class ChainedEntry:
    """An audit entry as stored, with its place in the chain."""

    seq: int
    id: int
    entry: AuditEntry
    prev_hash: bytes
    hash: bytes

    def describe(self) -> str:
        return (
            f"entry id={self.id} (ticketCBSS {self.entry.ticket_cbss}, chain position {self.seq})"
        )


@dataclass(frozen=True)
class Verdict:
    """The outcome of a check: how many entries held, the head, the first problem found."""

    checked: int
    head_seq: int
    head_hash: bytes
    problem: str | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None


def canonical_text(chained: ChainedEntry) -> str:
    """The text hashed for an entry: PostgreSQL's jsonb_build_array(…)::text of its fields."""
    entry = chained.entry
    fields = [
        chained.seq,
        chained.id,
        entry.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f"),
        str(entry.ticket_cbss),
        entry.cbe_number,
        entry.username,
        entry.service,
        entry.operation,
        list(entry.ssins),
        entry.status_code,
        entry.duration_ms,
        entry.note,
    ]
    return json.dumps(fields, ensure_ascii=False)


def entry_hash(prev_hash: bytes, entry: ChainedEntry) -> bytes:
    """The hash an entry must carry after one whose hash is `prev_hash`."""
    return hashlib.sha256(prev_hash + canonical_text(entry).encode()).digest()


def verify(
    entries: Iterable[ChainedEntry],
    head: tuple[int, bytes] | None,
    recorded_head: bytes | None = None,
) -> Verdict:
    """Check entries (in chain order) against each other, the stored head and, when given, a
    head hash recorded earlier elsewhere (which must still be in the chain)."""
    seq, running, checked = 0, GENESIS, 0
    recorded_found = recorded_head is None or recorded_head == GENESIS
    for entry in entries:
        if entry.seq != seq + 1:
            missing = _positions(seq + 1, entry.seq - 1)
            return Verdict(checked, seq, running, f"{missing} removed before {entry.describe()}")
        if entry.prev_hash != running or entry_hash(running, entry) != entry.hash:
            return Verdict(checked, seq, running, f"{entry.describe()} was altered")
        seq, running, checked = entry.seq, entry.hash, checked + 1
        recorded_found = recorded_found or entry.hash == recorded_head
    head_seq, head_hash = head if head is not None else (0, GENESIS)
    if head_seq > seq:
        where = "at the end of the log" if checked else "(the log is empty)"
        return Verdict(checked, seq, running, f"{_positions(seq + 1, head_seq)} removed {where}")
    if (head_seq, head_hash) != (seq, running):
        return Verdict(checked, seq, running, "the chain head does not match the last entry")
    if not recorded_found:
        assert recorded_head is not None
        return Verdict(
            checked,
            seq,
            running,
            f"the recorded head {recorded_head.hex()} is not in the chain: "
            "entries were removed from the end or the chain was rewritten",
        )
    return Verdict(checked, seq, running)


def _positions(first: int, last: int) -> str:
    if first == last:
        return f"the entry at chain position {first} was"
    return f"the entries at chain positions {first} to {last} were"
