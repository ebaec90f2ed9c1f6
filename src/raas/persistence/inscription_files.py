"""Inscription files: the files organisations send, their progress and their result files.

A file is stored as sent (until it is processed) under a batch id; its result file is stored in
parts, one per chunk of lines, each written in the transaction that applied the chunk, so the
parts say exactly how far a file got.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import (
    CheckConstraint,
    Column,
    Connection,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert

from raas.persistence.tables import metadata

inscription_files = Table(
    "inscription_files",
    metadata,
    Column("batch_id", Uuid, primary_key=True),
    Column("cbe_number", Text, ForeignKey("organisations.cbe_number"), nullable=False),
    Column("username", Text, nullable=False),  # who sent it: the worker acts as them
    Column("sha256", Text, nullable=False),
    Column("file_name", Text),
    Column("format", Text, nullable=False),
    Column("mode", Text, nullable=False),
    Column("content", LargeBinary),  # as sent, gzip or not; None once processed
    Column("state", Text, nullable=False, server_default="RECEIVED"),
    Column("line_count", Integer),
    Column("lines_done", Integer, nullable=False, server_default="0"),
    Column("accepted", Integer, nullable=False, server_default="0"),
    Column("refused", Integer, nullable=False, server_default="0"),
    Column("problem", Text),  # why the whole file was refused
    Column("submitted_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    CheckConstraint("format IN ('CSV', 'XML')", name="format"),
    CheckConstraint("mode IN ('LINE', 'FILE')", name="mode"),
    CheckConstraint("state IN ('RECEIVED', 'PROCESSING', 'DONE', 'REFUSED')", name="state"),
    UniqueConstraint("cbe_number", "sha256"),
    Index(
        "ix_inscription_files_waiting",
        "submitted_at",
        postgresql_where=text("state IN ('RECEIVED', 'PROCESSING')"),
    ),
)

inscription_file_results = Table(
    "inscription_file_results",
    metadata,
    Column(
        "batch_id", Uuid, ForeignKey("inscription_files.batch_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("first_line", Integer, nullable=False),
    Column("last_line", Integer, nullable=False),
    Column("cbe_number", Text, nullable=False),
    Column("lines", Integer, nullable=False),
    Column("accepted", Integer, nullable=False),
    Column("refused", Integer, nullable=False),
    Column("results", Text, nullable=False),  # the result file's lines of this part
    PrimaryKeyConstraint("batch_id", "first_line"),
)

_WAITING = text("SELECT batch_id, cbe_number, username FROM raas_inscription_files_waiting()")
# The worker processing a file holds this session lock (with the file's id hashed) as long as it
# lives: a second worker passes the file by, and a worker that dies lets it go with its connection.
_CLAIM = text("SELECT pg_try_advisory_lock(7285, hashtext(CAST(:batch AS text)))")
_RELEASE = text("SELECT pg_advisory_unlock(7285, hashtext(CAST(:batch AS text)))")


def claim(conn: Connection, batch_id: UUID) -> bool:
    """Take the file for this session (a connection outside any transaction); False if taken."""
    return bool(conn.scalar(_CLAIM, {"batch": str(batch_id)}))


def release(conn: Connection, batch_id: UUID) -> None:
    conn.scalar(_RELEASE, {"batch": str(batch_id)})


@dataclass(frozen=True)
class StoredFile:
    """A file as sent, and where its processing stands."""

    batch_id: UUID
    cbe_number: str
    username: str
    sha256: str
    file_name: str | None
    format: str
    mode: str
    state: str
    line_count: int | None
    lines_done: int
    accepted: int
    refused: int
    problem: str | None
    submitted_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


@dataclass(frozen=True)
class Waiting:
    batch_id: UUID
    cbe_number: str
    username: str


_INFO = [c for c in inscription_files.c if c.name != "content"]


class InscriptionFileRepository:
    """One organisation's inscription files; every method takes the caller's cbe_number."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(
        self,
        batch_id: UUID,
        cbe_number: str,
        username: str,
        sha256: str,
        file_name: str | None,
        format: str,  # noqa: A002
        mode: str,
        content: bytes,
    ) -> UUID:
        """Store a file; the batch id of the one already sent with this sha256, if any."""
        stored = self._conn.execute(
            insert(inscription_files)
            .values(
                batch_id=batch_id,
                cbe_number=cbe_number,
                username=username,
                sha256=sha256,
                file_name=file_name,
                format=format,
                mode=mode,
                content=content,
            )
            .on_conflict_do_nothing(index_elements=["cbe_number", "sha256"])
            .returning(inscription_files.c.batch_id)
        ).scalar()
        if stored is not None:
            return stored
        return self._conn.execute(
            select(inscription_files.c.batch_id).where(
                inscription_files.c.cbe_number == cbe_number,
                inscription_files.c.sha256 == sha256,
            )
        ).scalar_one()

    def get(self, cbe_number: str, batch_id: UUID, *, lock: bool = False) -> StoredFile | None:
        query = select(*_INFO).where(
            inscription_files.c.cbe_number == cbe_number, inscription_files.c.batch_id == batch_id
        )
        row = self._conn.execute(query.with_for_update() if lock else query).first()
        return None if row is None else StoredFile(**row._mapping)

    def content(self, cbe_number: str, batch_id: UUID) -> bytes | None:
        return self._conn.execute(
            select(inscription_files.c.content).where(
                inscription_files.c.cbe_number == cbe_number,
                inscription_files.c.batch_id == batch_id,
            )
        ).scalar()

    def start(self, cbe_number: str, batch_id: UUID, line_count: int) -> None:
        self._set(cbe_number, batch_id, state="PROCESSING", line_count=line_count,
                  started_at=func.now())

    def parts(self, cbe_number: str, batch_id: UUID) -> list[tuple[int, int, int]]:
        """(first line, last line, lines) of each part stored so far, in line order."""
        rows = self._conn.execute(
            select(
                inscription_file_results.c.first_line,
                inscription_file_results.c.last_line,
                inscription_file_results.c.lines,
            )
            .where(
                inscription_file_results.c.cbe_number == cbe_number,
                inscription_file_results.c.batch_id == batch_id,
            )
            .order_by(inscription_file_results.c.first_line)
        )
        return [(row.first_line, row.last_line, row.lines) for row in rows]

    def add_part(
        self,
        cbe_number: str,
        batch_id: UUID,
        first_line: int,
        last_line: int,
        lines: int,
        accepted: int,
        refused: int,
        results: str,
    ) -> None:
        """Store a part of the result file, and count its lines in the file's progress."""
        self._conn.execute(
            insert(inscription_file_results).values(
                batch_id=batch_id,
                first_line=first_line,
                last_line=last_line,
                cbe_number=cbe_number,
                lines=lines,
                accepted=accepted,
                refused=refused,
                results=results,
            )
        )
        self._set(
            cbe_number,
            batch_id,
            lines_done=inscription_files.c.lines_done + lines,
            accepted=inscription_files.c.accepted + accepted,
            refused=inscription_files.c.refused + refused,
        )

    def drop_parts(self, cbe_number: str, batch_id: UUID) -> None:
        self._conn.execute(
            inscription_file_results.delete().where(
                inscription_file_results.c.cbe_number == cbe_number,
                inscription_file_results.c.batch_id == batch_id,
            )
        )
        self._set(cbe_number, batch_id, lines_done=0, accepted=0, refused=0)

    def finish(self, cbe_number: str, batch_id: UUID, state: str, problem: str | None) -> None:
        """DONE or REFUSED; the file as sent is not kept (its sha256 is)."""
        self._set(
            cbe_number, batch_id, state=state, problem=problem, finished_at=func.now(),
            content=None,
        )

    def results(self, cbe_number: str, batch_id: UUID) -> Iterator[str]:
        """The parts of the result file, in line order."""
        rows = self._conn.execute(
            select(inscription_file_results.c.results)
            .where(
                inscription_file_results.c.cbe_number == cbe_number,
                inscription_file_results.c.batch_id == batch_id,
            )
            .order_by(inscription_file_results.c.first_line)
        )
        return (row.results for row in rows)

    def waiting(self) -> list[Waiting]:
        """Every organisation's files not processed yet, oldest first (ids only)."""
        return [Waiting(*row) for row in self._conn.execute(_WAITING)]

    def _set(self, cbe_number: str, batch_id: UUID, **values: object) -> None:
        self._conn.execute(
            update(inscription_files)
            .where(
                inscription_files.c.cbe_number == cbe_number,
                inscription_files.c.batch_id == batch_id,
            )
            .values(**values)
        )
