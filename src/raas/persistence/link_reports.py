"""Reports on links: a client's note that a link is wrong, queued for the admins to close."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Identity,
    Row,
    Table,
    Text,
    func,
    select,
    update,
)

from raas.models.links import LinkReport
from raas.persistence.repository import Repository
from raas.persistence.tables import metadata

link_reports = Table(
    "link_reports",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("link_id", BigInteger, nullable=False, index=True),  # the link may be deleted since
    Column("cbe_number", Text, nullable=False),
    Column("username", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("reported_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("closed_at", DateTime(timezone=True)),
    Column("closed_by", Text),
    Column("link_deleted", Boolean, nullable=False, server_default="false"),
)

# No RETURNING (SQLAlchemy's insert() adds one for the key): a client files reports but may not
# read them, and RETURNING would need it to (row-level security, migration 0011).
_FILE = """
    INSERT INTO link_reports (link_id, cbe_number, username, reason)
    VALUES (%(link_id)s, %(cbe_number)s, %(username)s, %(reason)s)
"""
_LAST_ID = "SELECT currval(pg_get_serial_sequence('link_reports', 'id'))"


class LinkReportRepository(Repository):
    def file(self, link_id: int, cbe_number: str, username: str, reason: str) -> int:
        """Queue a report on a link for the admins; its reportId."""
        values = {"link_id": link_id, "cbe_number": cbe_number, "username": username}
        self._conn.exec_driver_sql(_FILE, {**values, "reason": reason})
        return int(self._conn.exec_driver_sql(_LAST_ID).scalar_one())

    def reports(self, open_only: bool | None) -> list[LinkReport]:
        """Every report (open_only None), the open ones (True) or the closed ones (False)."""
        query = select(link_reports).order_by(link_reports.c.id)
        if open_only is not None:
            closed = link_reports.c.closed_at.is_(None)
            query = query.where(closed if open_only else ~closed)
        return [_report(row) for row in self._conn.execute(query)]

    def get(self, report_id: int, *, for_update: bool = False) -> LinkReport | None:
        query = select(link_reports).where(link_reports.c.id == report_id)
        row = self._conn.execute(query.with_for_update() if for_update else query).first()
        return None if row is None else _report(row)

    def close(self, report_id: int, username: str, link_deleted: bool) -> None:
        self._conn.execute(
            update(link_reports)
            .where(link_reports.c.id == report_id)
            .values(closed_at=func.now(), closed_by=username, link_deleted=link_deleted)
        )


def _report(row: Row[Any]) -> LinkReport:
    return LinkReport(
        report_id=row.id,
        link_id=row.link_id,
        cbe_number=row.cbe_number,
        reason=row.reason,
        reported_at=row.reported_at,
        closed_at=row.closed_at,
        link_deleted=row.link_deleted,
    )
