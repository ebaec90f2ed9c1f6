"""SSDN clients and the stub source's person details (card numbers, addresses)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import insert

from raas.models.persons import Address, PersonDetails
from raas.models.ssdn import SsdnClient
from raas.persistence.repository import Repository
from raas.persistence.tables import source_person_details, ssdn_clients

_BY_ADDRESS = "SELECT cbe_number, org_unit, sector, sub_sector FROM raas_ssdn_clients(:address)"


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

    def list(self) -> list[SsdnClient]:
        """The clients this transaction may see, by organisation and OrgUnit."""
        rows = self._conn.execute(
            select(ssdn_clients).order_by(ssdn_clients.c.cbe_number, ssdn_clients.c.org_unit)
        )
        return [
            _client(row.cbe_number, row.org_unit, row.sector, row.sub_sector, row.networks)
            for row in rows
        ]

    def remove(self, cbe_number: str, org_unit: str) -> bool:
        """Remove one registration; False when there was none."""
        result = self._conn.execute(
            delete(ssdn_clients).where(
                ssdn_clients.c.cbe_number == cbe_number, ssdn_clients.c.org_unit == org_unit
            )
        )
        return bool(result.rowcount)

    def for_address(self, address: str) -> list[SsdnClient]:
        """The registrations whose networks hold `address` (across organisations, through the
        security-definer function: the caller is not known yet)."""
        rows = self._conn.execute(text(_BY_ADDRESS), {"address": address})
        return [
            SsdnClient(row.cbe_number, row.org_unit, row.sector, row.sub_sector, (address,))
            for row in rows
        ]


def _client(cbe: str, org_unit: str, sector: int, sub: int | None, networks: list) -> SsdnClient:  # type: ignore[type-arg]
    return SsdnClient(cbe, org_unit, sector, sub, tuple(str(n) for n in networks))


class PersonDetailsRepository(Repository):
    def get(self, ssin: str) -> PersonDetails | None:
        row = self._conn.execute(
            select(source_person_details).where(source_person_details.c.ssin == ssin)
        ).first()
        if row is None:
            return None
        address = None
        if row.country_code:
            address = Address(
                row.country_code, row.postal_code, row.municipality, row.street, row.house_number
            )
        return PersonDetails(row.ssin, row.identity_card_number, row.sis_card_number, address)

    def merge(self, details: Iterable[PersonDetails]) -> int:
        """Write the details given over the stored ones (a part not given is kept); how many."""
        count = 0
        for item in details:
            values = _values(item)
            given = {k: v for k, v in values.items() if v is not None and k != "ssin"}
            if not given:
                continue
            statement = insert(source_person_details).values(values)
            self._conn.execute(statement.on_conflict_do_update(index_elements=["ssin"], set_=given))
            count += 1
        return count


def _values(item: PersonDetails) -> dict[str, str | None]:
    address = item.address
    return {
        "ssin": item.ssin,
        "identity_card_number": item.identity_card_number,
        "sis_card_number": item.sis_card_number,
        "country_code": address.country_code if address else None,
        "postal_code": address.postal_code if address else None,
        "municipality": address.municipality if address else None,
        "street": address.street if address else None,
        "house_number": address.house_number if address else None,
    }
