"""The LinkRegister's tables and repository (one register shared by every organisation)."""

from __future__ import annotations

from sqlalchemy import Connection


class LinkRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
