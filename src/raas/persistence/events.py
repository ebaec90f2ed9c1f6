"""The outbox: change events written in the same transaction as the change they describe.

The daily notifications read them later; nothing is published outside the transaction, so an
event exists exactly when its change was committed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    DateTime,
    Identity,
    Index,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

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
    Index("ix_events_event_date_kind", "event_date", "kind"),
)


_RECORD = text(
    """
    INSERT INTO events (event_date, kind, ssin, cbe_number, payload)
    SELECT d, k, s, c, CAST(p AS jsonb)
    FROM unnest(CAST(:dates AS date[]), CAST(:kinds AS text[]), CAST(:ssins AS text[]),
                CAST(:cbes AS text[]), CAST(:payloads AS text[])) WITH ORDINALITY
         AS e(d, k, s, c, p, n)
    ORDER BY n
    """
)


@dataclass(frozen=True)
class Event:
    """One change, as later work (the daily notifications) reads it."""

    kind: str
    ssin: str
    event_date: date
    cbe_number: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)


class EventRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def record(self, *recorded: Event) -> None:
        """Add events to the outbox in the current transaction (one statement for any number)."""
        if recorded:
            self._conn.execute(
                _RECORD,
                {
                    "dates": [e.event_date for e in recorded],
                    "kinds": [e.kind for e in recorded],
                    "ssins": [e.ssin for e in recorded],
                    "cbes": [e.cbe_number for e in recorded],
                    "payloads": [json.dumps(e.payload) for e in recorded],
                },
            )

    def on(self, event_date: date, kinds: Sequence[str] | None = None) -> list[Event]:
        """The events of one day, in the order they were recorded."""
        query = events.select().where(events.c.event_date == event_date).order_by(events.c.id)
        if kinds is not None:
            query = query.where(events.c.kind.in_(kinds))
        return [
            Event(r.kind, r.ssin, r.event_date, r.cbe_number, r.payload)
            for r in self._conn.execute(query)
        ]
