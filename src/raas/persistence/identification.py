"""The Identification service's tables and queries on the stub authentic source's persons."""

from __future__ import annotations

from sqlalchemy import Connection


class IdentificationRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
