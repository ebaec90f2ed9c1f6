"""Notification flows an organisation can subscribe to, and its subscriptions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Flow(StrEnum):
    SSIN_REPLACEMENT = "SSIN_REPLACEMENT"  # the authentic source replaced an ssin by another
    IDENTIFICATION_DATA = "IDENTIFICATION_DATA"  # a person's name, birth date, gender… changed
    DIMONA = "DIMONA"  # an employer declared the start or end of an employment


# Flows whose data are delivered only to organisations an admin authorized.
NEEDS_AUTHORIZATION = frozenset({Flow.DIMONA})


@dataclass(frozen=True)
class Subscription:
    """An organisation receives a flow's daily files, with the events recorded from `since` on."""

    cbe_number: str
    flow: Flow
    since: datetime
