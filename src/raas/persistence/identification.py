"""The phonetic index of the stub authentic source's surnames, and BIS allocation locks.

The index holds one row per (phonetic key, surname spelling), not per person: a register has far
fewer distinct surnames than persons, so keeping it current costs a lookup of the new spellings
of a batch, and seeding a million persons adds a few hundred rows. A search goes
key → spellings (`surname_keys`, primary key on key) → persons of those spellings born in the
window (`ix_source_persons_last_name_birth_date`): two index lookups, never a scan of the persons.

Every write of a person (seed, import, RegisterPerson, UpdatePerson) calls `index_surnames`.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Column, Connection, Index, Table, Text, any_, func, select
from sqlalchemy.dialects.postgresql import insert

from raas.models import phonetic
from raas.persistence.repository import Repository
from raas.persistence.tables import metadata, source_persons

surname_keys = Table(
    "surname_keys",
    metadata,
    Column("key", Text, primary_key=True),
    Column("last_name", Text, primary_key=True),
    Index("ix_surname_keys_last_name", "last_name"),
)

# The persons of a spelling born in a window: birth_date is text (YYYY-MM-DD, with 00 for the
# unknown parts), which sorts like the dates it writes.
ix_source_persons_last_name_birth_date = Index(
    "ix_source_persons_last_name_birth_date",
    source_persons.c.last_name,
    source_persons.c.birth_date,
)

# pg_advisory_xact_lock(namespace, year): serialises BIS allocations per birth year.
_BIS_LOCK_NAMESPACE = 0x52414153  # "RAAS"


def index_surnames(conn: Connection, names: Iterable[str]) -> int:
    """Add the keys of the spellings not indexed yet; how many spellings were new."""
    wanted = {name for name in names if name}
    if not wanted:
        return 0
    known = set(
        conn.scalars(
            select(surname_keys.c.last_name)
            .distinct()
            .where(surname_keys.c.last_name == any_(sorted(wanted)))
        )
    )
    new = sorted(wanted - known)
    rows = [{"key": key, "last_name": name} for name in new for key in phonetic.surname_keys(name)]
    if rows:
        conn.execute(insert(surname_keys).on_conflict_do_nothing(), rows)
    return len(new)


class IdentificationRepository(Repository):
    def spellings(self, keys: Iterable[str]) -> list[str]:
        """The surname spellings that share at least one of these keys."""
        return list(
            self._conn.scalars(
                select(surname_keys.c.last_name)
                .distinct()
                .where(surname_keys.c.key == any_(sorted(set(keys))))
            )
        )

    def lock_bis_allocation(self, birth_year: int) -> None:
        """Wait for, then hold until the transaction ends, the BIS lock of a birth year."""
        self._conn.execute(select(func.pg_advisory_xact_lock(_BIS_LOCK_NAMESPACE, birth_year)))
