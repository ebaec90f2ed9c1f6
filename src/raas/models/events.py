"""Change events: what later work (the daily notifications) learns of a committed change."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Event:
    """One change, as later work (the daily notifications) reads it."""

    kind: str
    ssin: str
    event_date: date
    cbe_number: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    # The organisations a notification flow delivers it to (None: no flow delivers it).
    recipients: tuple[str, ...] | None = None
