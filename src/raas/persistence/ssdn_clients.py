"""SSDN clients (the classic KSZ channel): an organisation's registrations, matched on the
caller's network and its AuthorizedUser (sector = MatrixID, sub_sector = MatrixSubID)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    Row,
    Table,
    Text,
    delete,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, CIDR, insert

from raas.models.ssdn import SsdnClient
from raas.persistence.repository import Repository
from raas.persistence.tables import metadata

ssdn_clients = Table(
    "ssdn_clients",
    metadata,
    Column("cbe_number", Text, ForeignKey("organisations.cbe_number"), primary_key=True),
    Column("org_unit", Text, primary_key=True),
    Column("sector", Integer, nullable=False),
    Column("sub_sector", Integer),
    Column("networks", ARRAY(CIDR), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Across organisations, through the security-definer function: the caller is not known yet.
_BY_ADDRESS = "SELECT cbe_number, org_unit, sector, sub_sector FROM raas_ssdn_clients(%(address)s)"


class SsdnClientRepository(Repository):
    def add(self, client: SsdnClient) -> bool:
        """Register (or re-register) a client; True when it is new."""
        values = {
            "cbe_number": client.cbe_number,
            "org_unit": client.org_unit,
            "sector": client.sector,
            "sub_sector": client.sub_sector,
            "networks": list(client.networks),
        }
        statement = insert(ssdn_clients).values(values)
        row = self._conn.execute(
            statement.on_conflict_do_update(
                index_elements=["cbe_number", "org_unit"],
                set_={k: statement.excluded[k] for k in ("sector", "sub_sector", "networks")},
            ).returning(text("xmax = 0 AS inserted"))
        ).first()
        return bool(row and row.inserted)

    def remove(self, cbe_number: str, org_unit: str) -> bool:
        """Remove one registration; False when there was none."""
        result = self._conn.execute(
            delete(ssdn_clients).where(
                ssdn_clients.c.cbe_number == cbe_number, ssdn_clients.c.org_unit == org_unit
            )
        )
        return bool(result.rowcount)

    def for_address(self, address: str) -> list[SsdnClient]:
        """The registrations whose networks hold `address` (across organisations)."""
        rows = self._conn.exec_driver_sql(_BY_ADDRESS, {"address": address})
        return [
            SsdnClient(row.cbe_number, row.org_unit, row.sector, row.sub_sector, (address,))
            for row in rows
        ]

    def list(self) -> list[SsdnClient]:  # last: below it, `list` would name this method
        """The clients this transaction may see, by organisation and OrgUnit."""
        rows = self._conn.execute(
            select(ssdn_clients).order_by(ssdn_clients.c.cbe_number, ssdn_clients.c.org_unit)
        )
        return [_client(row) for row in rows]


def _client(row: Row[Any]) -> SsdnClient:
    networks = tuple(str(network) for network in row.networks)
    return SsdnClient(row.cbe_number, row.org_unit, row.sector, row.sub_sector, networks)
