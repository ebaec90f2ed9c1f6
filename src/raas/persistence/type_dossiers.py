"""Type dossiers: the codes an admin defines for an organisation, to inscribe persons under."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, DateTime, ForeignKey, Row, Table, Text, func
from sqlalchemy.dialects.postgresql import insert

from raas.models.type_dossiers import TypeDossier
from raas.persistence.repository import Repository
from raas.persistence.tables import metadata

type_dossiers = Table(
    "type_dossiers",
    metadata,
    Column("cbe_number", Text, ForeignKey("organisations.cbe_number"), primary_key=True),
    Column("code", Text, primary_key=True),
    Column("description", Text, nullable=False, server_default=""),
    Column("defined_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

_TYPE_DOSSIERS = """
    SELECT cbe_number, code, description FROM type_dossiers
    WHERE cbe_number = %(cbe_number)s ORDER BY code
"""


class TypeDossierRepository(Repository):
    def define(self, type_dossier: TypeDossier) -> None:
        """Create the code for the organisation, or change its description."""
        stmt = insert(type_dossiers).values(
            cbe_number=type_dossier.cbe_number,
            code=type_dossier.code,
            description=type_dossier.description,
        )
        self._conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["cbe_number", "code"],
                set_={"description": stmt.excluded.description},
            )
        )

    def list(self, cbe_number: str) -> list[TypeDossier]:
        """The organisation's codes, ordered by code."""
        rows = self._conn.exec_driver_sql(_TYPE_DOSSIERS, {"cbe_number": cbe_number})
        return [_type_dossier(row) for row in rows]


def _type_dossier(row: Row[Any]) -> TypeDossier:
    return TypeDossier(row.cbe_number, row.code, row.description)
