"""Subscriptions, flow authorizations and the daily notification files.

How a day's run stays exactly-once:

- `claim` takes, in one statement, every undelivered flow event dated up to the day and stamps
  it with the day (`events.delivery_date`), and records the day in `notification_days`. An event
  committed after the claim (even one dated earlier) is taken by the next day's run; none is
  taken twice.
- A file is committed in `notification_files` (content, voucher, sequence number) before it is
  copied to the outbox; (organisation, flow, day) and (organisation, flow, sequence) are unique.
  Running the day again finds the stored file, rewrites its outbox copy from the stored bytes if
  that is missing, and gives no second sequence number.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Integer,
    LargeBinary,
    Row,
    Table,
    Text,
    UniqueConstraint,
    delete,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB, insert

from raas.models.flows import NEEDS_AUTHORIZATION, Flow, Subscription
from raas.models.notification_files import FileInfo, Record, StoredFile
from raas.persistence.repository import Repository
from raas.persistence.tables import metadata

_FLOWS = ", ".join(f"'{flow.value}'" for flow in Flow)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("cbe_number", Text, ForeignKey("organisations.cbe_number"), primary_key=True),
    Column("flow", Text, primary_key=True),
    Column("since", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(f"flow IN ({_FLOWS})", name="known_flow"),
)

flow_authorizations = Table(
    "flow_authorizations",
    metadata,
    Column("cbe_number", Text, ForeignKey("organisations.cbe_number"), primary_key=True),
    Column("flow", Text, primary_key=True),
    Column("granted_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("granted_by", Text, nullable=False),
    CheckConstraint(f"flow IN ({_FLOWS})", name="known_flow"),
)

notification_days = Table(
    "notification_days",
    metadata,
    Column("day", Date, primary_key=True),
    Column("claimed_events", Integer, nullable=False),
    # The delivered subscriptions when the day was claimed: [[cbe_number, flow, since], …].
    Column("subscriptions", JSONB, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("completed_at", DateTime(timezone=True)),
)

notification_files = Table(
    "notification_files",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("file_name", Text, nullable=False, unique=True),  # the fileId integrators see
    Column("cbe_number", Text, ForeignKey("organisations.cbe_number"), nullable=False),
    Column("flow", Text, nullable=False),
    Column("file_date", Date, nullable=False),
    Column("sequence_number", Integer, nullable=False),
    Column("record_count", Integer, nullable=False),
    Column("sha256", Text, nullable=False),
    Column("content_deflated", LargeBinary, nullable=False),  # zlib: XML shrinks ~10 times
    Column("voucher", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("cbe_number", "flow", "file_date"),
    UniqueConstraint("cbe_number", "flow", "sequence_number"),
    CheckConstraint("sequence_number >= 1", name="sequence_from_one"),
)


# The claimed events of a day, one row per (recipient, event), in the order the files are
# written. The subscriptions are applied by `records`: joined here, the planner (misled by the
# claim's fresh statistics) paired every event with every subscription.
_RECORDS = """
    SELECT r.cbe_number, e.kind AS flow, e.id AS event_id, e.event_date, e.ssin, e.payload,
           e.recorded_at
    FROM events e
    CROSS JOIN LATERAL unnest(e.recipients) AS r(cbe_number)
    WHERE e.delivery_date = %(day)s
    ORDER BY r.cbe_number COLLATE "C", e.kind COLLATE "C", e.id
"""

_CLAIM = """
    UPDATE events SET delivery_date = %(day)s
    WHERE delivery_date IS NULL AND recipients IS NOT NULL AND event_date <= %(day)s
"""

_INFO = (
    notification_files.c.file_name,
    notification_files.c.cbe_number,
    notification_files.c.flow,
    notification_files.c.file_date,
    notification_files.c.sequence_number,
    notification_files.c.record_count,
    notification_files.c.sha256,
)

# Runs are serialised by this advisory lock, held until the run's transaction ends.
_LOCK_RUNS = "SELECT pg_try_advisory_xact_lock(7283, 1)"


class NotificationRepository(Repository):
    # -- subscriptions and authorizations ------------------------------------------------------

    def subscribe(self, cbe_number: str, flow: Flow) -> bool:
        """Subscribe (keeping the first `since`); True when the subscription is new."""
        created = self._conn.execute(
            insert(subscriptions)
            .values(cbe_number=cbe_number, flow=flow.value)
            .on_conflict_do_nothing()
            .returning(subscriptions.c.flow)
        ).first()
        return created is not None

    def unsubscribe(self, cbe_number: str, flow: Flow) -> bool:
        """End a subscription; True when there was one."""
        result = self._conn.execute(
            delete(subscriptions).where(
                subscriptions.c.cbe_number == cbe_number, subscriptions.c.flow == flow.value
            )
        )
        return result.rowcount > 0

    def subscriptions(self, cbe_number: str) -> list[Subscription]:
        rows = self._conn.execute(
            select(subscriptions)
            .where(subscriptions.c.cbe_number == cbe_number)
            .order_by(subscriptions.c.flow)
        )
        return [_subscription(row) for row in rows]

    def is_authorized(self, cbe_number: str, flow: Flow) -> bool:
        return (
            self._conn.scalar(
                select(flow_authorizations.c.flow).where(
                    flow_authorizations.c.cbe_number == cbe_number,
                    flow_authorizations.c.flow == flow.value,
                )
            )
            is not None
        )

    def grant(self, cbe_number: str, flow: Flow, granted_by: str) -> bool:
        """Authorize an organisation for a flow; True when it was not yet."""
        created = self._conn.execute(
            insert(flow_authorizations)
            .values(cbe_number=cbe_number, flow=flow.value, granted_by=granted_by)
            .on_conflict_do_nothing()
            .returning(flow_authorizations.c.flow)
        ).first()
        return created is not None

    def revoke(self, cbe_number: str, flow: Flow) -> bool:
        """Withdraw an authorization; True when there was one."""
        result = self._conn.execute(
            delete(flow_authorizations).where(
                flow_authorizations.c.cbe_number == cbe_number,
                flow_authorizations.c.flow == flow.value,
            )
        )
        return result.rowcount > 0

    def deliverable(self) -> list[Subscription]:
        """Every subscription a run delivers (authorized where needed), in file order."""
        needing = [f.value for f in NEEDS_AUTHORIZATION]
        authorized = (
            select(flow_authorizations.c.flow)
            .where(
                flow_authorizations.c.cbe_number == subscriptions.c.cbe_number,
                flow_authorizations.c.flow == subscriptions.c.flow,
            )
            .exists()
        )
        rows = self._conn.execute(
            select(subscriptions)
            .where(subscriptions.c.flow.not_in(needing) | authorized)
            .order_by(subscriptions.c.cbe_number.collate("C"), subscriptions.c.flow.collate("C"))
        )
        return [_subscription(row) for row in rows]

    # -- daily runs ----------------------------------------------------------------------------

    def lock_runs(self) -> bool:
        """Take the run lock until this transaction ends; False when another run holds it.

        A killed run's connection closes, which releases the lock.
        """
        return bool(self._conn.exec_driver_sql(_LOCK_RUNS).scalar())

    def latest_day(self) -> date | None:
        return self._conn.scalar(select(func.max(notification_days.c.day)))

    def claimed_at(self, day: date) -> datetime | None:
        """When the day's events were claimed; None when no run has claimed them yet."""
        return self._conn.scalar(
            select(notification_days.c.started_at).where(notification_days.c.day == day)
        )

    def claim(self, day: date) -> int:
        """Stamp every undelivered flow event dated up to `day` with it, and freeze the
        subscriptions the day delivers to; how many events."""
        claimed = self._conn.exec_driver_sql(_CLAIM, {"day": day}).rowcount
        frozen = [[s.cbe_number, s.flow.value, s.since.isoformat()] for s in self.deliverable()]
        self._conn.execute(
            notification_days.insert().values(day=day, claimed_events=claimed, subscriptions=frozen)
        )
        return int(claimed)

    def frozen_targets(self, day: date) -> list[Subscription]:
        """The subscriptions a claimed day delivers to, in file order."""
        frozen = self._conn.scalar(
            select(notification_days.c.subscriptions).where(notification_days.c.day == day)
        )
        return [
            Subscription(cbe, Flow(flow), datetime.fromisoformat(since))
            for cbe, flow, since in frozen or []
        ]

    def unfinished_days(self) -> list[date]:
        """Claimed days whose run did not complete (killed), oldest first."""
        return list(
            self._conn.scalars(
                select(notification_days.c.day)
                .where(notification_days.c.completed_at.is_(None))
                .order_by(notification_days.c.day)
            )
        )

    def complete(self, day: date) -> None:
        self._conn.execute(
            notification_days.update()
            .where(notification_days.c.day == day)
            .values(completed_at=func.now())
        )

    def records(
        self, day: date, subscribed: Mapping[tuple[str, Flow], datetime]
    ) -> Iterator[Record]:
        """The day's records for these subscriptions (each from its `since` on), in file order.

        Streamed through a server-side cursor: memory stays flat whatever the day's size.
        """
        streaming = self._conn.execution_options(stream_results=True, yield_per=5000)
        result = streaming.exec_driver_sql(_RECORDS, {"day": day})
        try:
            for r in result:
                since = subscribed.get((r.cbe_number, r.flow))
                if since is not None and r.recorded_at >= since:
                    yield Record(
                        r.cbe_number, Flow(r.flow), r.event_id, r.event_date, r.ssin, r.payload
                    )
        finally:
            result.close()  # also when the caller stops early: the cursor goes at once

    def last_sequences(self) -> dict[tuple[str, Flow], int]:
        """The last sequence number given, per (organisation, flow)."""
        rows = self._conn.execute(
            select(
                notification_files.c.cbe_number,
                notification_files.c.flow,
                func.max(notification_files.c.sequence_number),
            ).group_by(notification_files.c.cbe_number, notification_files.c.flow)
        )
        return {(cbe, Flow(flow)): last for cbe, flow, last in rows}

    def add_file(self, info: FileInfo, deflated: bytes, voucher: bytes) -> bool:
        """Keep a file (its content zlib-compressed); False when the day's file exists."""
        created = self._conn.execute(
            insert(notification_files)
            .values(
                file_name=info.file_name,
                cbe_number=info.cbe_number,
                flow=info.flow.value,
                file_date=info.file_date,
                sequence_number=info.sequence_number,
                record_count=info.record_count,
                sha256=info.sha256,
                content_deflated=deflated,
                voucher=voucher,
            )
            .on_conflict_do_nothing(index_elements=["cbe_number", "flow", "file_date"])
            .returning(notification_files.c.id)
        ).first()
        return created is not None

    # -- files ---------------------------------------------------------------------------------

    def files_of_day(self, day: date) -> list[tuple[FileInfo, bytes]]:
        """Every organisation's files of a day with their vouchers (for the run)."""
        rows = self._conn.execute(
            select(*_INFO, notification_files.c.voucher).where(
                notification_files.c.file_date == day
            )
        )
        return [(_info(r), r.voucher) for r in rows]

    def files(self, cbe_number: str, first: date | None, last: date | None) -> list[FileInfo]:
        """An organisation's files, by date then flow."""
        query = select(*_INFO).where(notification_files.c.cbe_number == cbe_number)
        if first is not None:
            query = query.where(notification_files.c.file_date >= first)
        if last is not None:
            query = query.where(notification_files.c.file_date <= last)
        rows = self._conn.execute(
            query.order_by(notification_files.c.file_date, notification_files.c.flow)
        )
        return [_info(r) for r in rows]

    def file(self, cbe_number: str, file_name: str) -> StoredFile | None:
        """One of the organisation's files with its bytes; None when it has none of that name."""
        row = self._conn.execute(
            select(
                *_INFO, notification_files.c.content_deflated, notification_files.c.voucher
            ).where(
                notification_files.c.cbe_number == cbe_number,
                notification_files.c.file_name == file_name,
            )
        ).first()
        if row is None:
            return None
        return StoredFile(_info(row), zlib.decompress(row.content_deflated), row.voucher)


def _subscription(row: Row[Any]) -> Subscription:
    return Subscription(row.cbe_number, Flow(row.flow), row.since)


def _info(row: Any) -> FileInfo:
    return FileInfo(
        row.file_name,
        row.cbe_number,
        Flow(row.flow),
        row.file_date,
        row.sequence_number,
        row.record_count,
        row.sha256,
    )
