"""The service's calendar: days are Belgian days, whatever the server's time zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")


def today() -> date:
    """Today in Brussels: the day events are dated and daily notification runs are cut."""
    return datetime.now(BRUSSELS).date()
