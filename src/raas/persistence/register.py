"""Register lines: per (organisation, ssin, typeDossier) one `datemultirange` of periods.

PostgreSQL keeps a multirange normalised (overlapping and adjacent ranges merged), and
`INSERT … ON CONFLICT DO UPDATE SET periods = periods + new` applies a merge atomically, so the
invariant holds under concurrent writers. Ranges are stored half-open: [begin, end + 1 day).
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Connection,
    DateTime,
    ForeignKeyConstraint,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import DATEMULTIRANGE

from raas.persistence.tables import metadata

register_lines = Table(
    "register_lines",
    metadata,
    Column("cbe_number", Text, primary_key=True),
    Column("ssin", Text, primary_key=True),
    Column("type_dossier", Text, primary_key=True),
    Column("periods", DATEMULTIRANGE, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("NOT isempty(periods)", name="periods_not_empty"),
    ForeignKeyConstraint(
        ["cbe_number", "type_dossier"], ["type_dossiers.cbe_number", "type_dossiers.code"]
    ),
)


class RegisterRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
