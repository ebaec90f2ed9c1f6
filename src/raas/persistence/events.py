"""The outbox: change events written in the same transaction as the change they describe.

The daily notifications read them later; nothing is published outside the transaction, so an
event exists exactly when its change was committed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Identity,
    Index,
    Row,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from raas.models.events import Event
from raas.persistence.repository import Repository
from raas.persistence.tables import metadata

events = Table(
    "events",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("event_date", Date, nullable=False),
    # INSCRIPTION, REMOVAL, SSIN_REPLACEMENT, IDENTIFICATION_DATA, DIMONA
    Column("kind", Text, nullable=False),
    Column("ssin", Text, nullable=False),
    # The organisation whose own register changed (register events); None for source events.
    Column("cbe_number", Text),
    Column("payload", JSONB, nullable=False, server_default="{}"),
    # The organisations the event concerns, fixed when it is recorded (notification flows only;
    # None for an organisation's own register changes, which no flow delivers).
    Column("recipients", ARRAY(Text)),
    # The day of the notification run that took the event; None until one has.
    Column("delivery_date", Date),
    Index("ix_events_event_date_kind", "event_date", "kind"),
    # Small: only the events no run has taken yet.
    Index(
        "ix_events_undelivered",
        "event_date",
        postgresql_where=text("delivery_date IS NULL AND recipients IS NOT NULL"),
    ),
    Index(
        "ix_events_delivery_date",
        "delivery_date",
        postgresql_where=text("delivery_date IS NOT NULL"),
    ),
)


# Arrays in: the statement is the same text for one event or a thousand.
_RECORD = """
    INSERT INTO events (event_date, kind, ssin, cbe_number, payload, recipients)
    SELECT d, k, s, c, CAST(p AS jsonb), CAST(r AS text[])
    FROM unnest(CAST(%(dates)s AS date[]), CAST(%(kinds)s AS text[]), CAST(%(ssins)s AS text[]),
                CAST(%(cbes)s AS text[]), CAST(%(payloads)s AS text[]),
                CAST(%(recipients)s AS text[]))
         WITH ORDINALITY AS e(d, k, s, c, p, r, n)
    ORDER BY n
"""


class EventRepository(Repository):
    def record(self, *recorded: Event) -> None:
        """Add events to the outbox in the current transaction (one statement for any number)."""
        if recorded:
            self._conn.exec_driver_sql(
                _RECORD,
                {
                    "dates": [e.event_date for e in recorded],
                    "kinds": [e.kind for e in recorded],
                    "ssins": [e.ssin for e in recorded],
                    "cbes": [e.cbe_number for e in recorded],
                    "payloads": [json.dumps(e.payload) for e in recorded],
                    # unnest cannot take an array of arrays of varying length: one literal each.
                    "recipients": [_array_literal(e.recipients) for e in recorded],
                },
            )

    def on(self, event_date: date, kinds: Sequence[str] | None = None) -> list[Event]:
        """The events of one day, in the order they were recorded."""
        query = events.select().where(events.c.event_date == event_date).order_by(events.c.id)
        if kinds is not None:
            query = query.where(events.c.kind.in_(kinds))
        return [_event(row) for row in self._conn.execute(query)]


def _array_literal(values: tuple[str, ...] | None) -> str | None:
    """A PostgreSQL array literal of plain codes (cbe numbers: digits only)."""
    if values is None:
        return None
    if not all(v.isdigit() for v in values):
        raise ValueError(f"recipients are cbe numbers: {values}")
    return "{" + ",".join(sorted(set(values))) + "}"


def _event(row: Row[Any]) -> Event:
    recipients = None if row.recipients is None else tuple(row.recipients)
    return Event(row.kind, row.ssin, row.event_date, row.cbe_number, row.payload, recipients)
