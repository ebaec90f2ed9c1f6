"""The audit log: one entry per call, in a hash chain the database keeps (migration 0007)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    LargeBinary,
    Row,
    Table,
    Text,
    Uuid,
    func,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY

from raas.models.audit_chain import AuditEntry, ChainedEntry
from raas.persistence.repository import Repository
from raas.persistence.tables import metadata

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("ticket_cbss", Uuid, nullable=False),
    Column("cbe_number", Text),
    Column("username", Text),
    Column("service", Text, nullable=False),
    Column("operation", Text, nullable=False),
    Column("ssins", ARRAY(Text), nullable=False, server_default="{}"),
    Column("status_code", Text, nullable=False),
    Column("duration_ms", Integer, nullable=False),
    # What the status code alone does not say (a failed or locked-out login and from where).
    Column("note", Text),
    # The hash chain (migration 0007's trigger sets these; `raas audit verify` checks them):
    # hash = sha256(prev_hash || the entry's canonical text), in the order of chain_seq. NULL
    # until the entry is sealed, normally as it is written, else by the next writer.
    Column("chain_seq", BigInteger, unique=True),
    Column("prev_hash", LargeBinary),
    Column("hash", LargeBinary),
    Index("ix_audit_log_cbe_number_at", "cbe_number", "at"),
    Index("ix_audit_log_ssins", "ssins", postgresql_using="gin"),
    # ConsultAuditLog: by time alone, and the page after a given entry.
    Index("ix_audit_log_at_id", "at", "id"),
    Index("ix_audit_log_ticket_cbss", "ticket_cbss"),
    Index("ix_audit_log_unsealed", "id", postgresql_where=text("chain_seq IS NULL")),
)

# The head of the audit chain: one row, moved on by whoever holds the chain's advisory lock.
audit_chain_head = Table(
    "audit_chain_head",
    metadata,
    Column("id", Boolean, primary_key=True, server_default=text("true")),
    Column("seq", BigInteger, nullable=False),
    Column("hash", LargeBinary, nullable=False),
    CheckConstraint("id", name="single_row"),
)

_RECORD = """
    INSERT INTO audit_log (at, ticket_cbss, cbe_number, username, service, operation, ssins,
                           status_code, duration_ms, note)
    VALUES (%(at)s, %(ticket_cbss)s, %(cbe_number)s, %(username)s, %(service)s, %(operation)s,
            %(ssins)s, %(status_code)s, %(duration_ms)s, %(note)s)
"""

# The advisory lock writers of the audit chain take (migration 0007's AUDIT_LOCK).
AUDIT_CHAIN_LOCK = (7284, 1)


class AuditRepository(Repository):
    def record(self, entry: AuditEntry) -> None:
        self._conn.exec_driver_sql(
            _RECORD,
            {
                "at": entry.at,
                "ticket_cbss": entry.ticket_cbss,
                "cbe_number": entry.cbe_number,
                "username": entry.username,
                "service": entry.service,
                "operation": entry.operation,
                "ssins": list(entry.ssins),
                "status_code": entry.status_code,
                "duration_ms": entry.duration_ms,
                "note": entry.note,
            },
        )

    def seal(self) -> int:
        """Chain the committed entries no writer has chained yet; how many (the owner only)."""
        self._conn.execute(select(func.pg_advisory_xact_lock(*AUDIT_CHAIN_LOCK)))
        return int(self._conn.scalar(select(func.raas_audit_seal())) or 0)

    def chain(self) -> Iterator[ChainedEntry]:
        """Every chained entry in chain order, streamed (the log may hold millions)."""
        rows = self._conn.execution_options(yield_per=5000).execute(
            select(audit_log)
            .where(audit_log.c.chain_seq.is_not(None))
            .order_by(audit_log.c.chain_seq)
        )
        with rows:  # closes the server-side cursor when the caller stops early
            yield from (_chained_entry(row) for row in rows)

    def chain_head(self) -> tuple[int, bytes] | None:
        """The position and hash of the last entry written, as the chain's trigger keeps them."""
        row = self._conn.execute(select(audit_chain_head.c.seq, audit_chain_head.c.hash)).first()
        return None if row is None else (row.seq, row.hash)

    def by_ticket(self, ticket_cbss: UUID) -> AuditEntry | None:
        row = self._conn.execute(
            select(audit_log).where(audit_log.c.ticket_cbss == ticket_cbss)
        ).first()
        return None if row is None else _audit_entry(row)

    def search(
        self,
        cbe_number: str | None,
        ssin: str | None,
        since: datetime | None,
        before: datetime | None,
        limit: int,
        older_than: UUID | None = None,
    ) -> list[AuditEntry]:
        """Entries matching every filter given, newest first, at most `limit`; with
        `older_than`, only those after that entry (its ticket) in that order."""
        query = select(audit_log)
        if older_than is not None:
            mark = (
                select(audit_log.c.at, audit_log.c.id)
                .where(audit_log.c.ticket_cbss == older_than)
                .limit(1)
                .subquery()
            )
            query = query.where(
                tuple_(audit_log.c.at, audit_log.c.id)
                < select(mark.c.at, mark.c.id).scalar_subquery()
            )
        if cbe_number is not None:
            query = query.where(audit_log.c.cbe_number == cbe_number)
        if ssin is not None:  # the GIN index on ssins answers `@>`
            query = query.where(audit_log.c.ssins.contains([ssin]))
        if since is not None:
            query = query.where(audit_log.c.at >= since)
        if before is not None:
            query = query.where(audit_log.c.at < before)
        rows = self._conn.execute(
            query.order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).limit(limit)
        )
        return [_audit_entry(row) for row in rows]


def _chained_entry(row: Row[Any]) -> ChainedEntry:
    return ChainedEntry(row.chain_seq, row.id, _audit_entry(row), row.prev_hash, row.hash)


def _audit_entry(row: Row[Any]) -> AuditEntry:
    return AuditEntry(
        row.at,
        row.ticket_cbss,
        row.cbe_number,
        row.username,
        row.service,
        row.operation,
        tuple(row.ssins),
        row.status_code,
        row.duration_ms,
        row.note,
    )
