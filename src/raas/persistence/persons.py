"""The stub authentic source's persons: identification data, the phonetic index of their
surnames, what else it knows of them (card numbers, an address), and the stub itself.

Production would put an adapter to the real registers behind `usecases.ports.AuthenticSource`;
this project ships the stub, which keeps its persons in these tables, fed by `raas source …`.

The phonetic index holds one row per (phonetic key, surname spelling), not per person: a
register has far fewer distinct surnames than persons, so keeping it current costs a lookup of
the new spellings of a batch, and seeding a million persons adds a few hundred rows. A search
goes key → spellings (`surname_keys`, primary key on key) → persons of those spellings born in
the window (`ix_source_persons_last_name_birth_date`): two index lookups, never a scan of the
persons. Every write of a person (seed, import, RegisterPerson, UpdatePerson) calls
`index_surnames`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Connection,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Row,
    Table,
    Text,
    any_,
    func,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import insert

from raas.models import phonetic
from raas.models.persons import (
    Address,
    Gender,
    IncompleteDate,
    Lock,
    Person,
    PersonDetails,
    PersonStatus,
)
from raas.models.ssin import Register
from raas.persistence.repository import Repository
from raas.persistence.tables import metadata

source_persons = Table(
    "source_persons",
    metadata,
    Column("ssin", Text, primary_key=True),
    Column("register", Text, nullable=False),
    Column("last_name", Text, nullable=False),
    Column("first_name", Text, nullable=False),
    # An incomplete date as the contract writes it: YYYY-MM-DD, YYYY-MM-00 or YYYY-00-00.
    Column("birth_date", Text, nullable=False),
    Column("gender", Text, nullable=False),
    Column("nationality", Text),
    Column("decease_date", Date),
    Column("status", Text, nullable=False, server_default="ACTIVE"),
    Column("replaced_by", Text),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("register IN ('RR', 'BIS')", name="register"),
    CheckConstraint("gender IN ('MALE', 'FEMALE', 'UNKNOWN')", name="gender"),
    CheckConstraint("status IN ('ACTIVE', 'REPLACED', 'CANCELED')", name="status"),
    CheckConstraint(
        "(status = 'REPLACED') = (replaced_by IS NOT NULL)", name="replaced_by_iff_replaced"
    ),
)

# The persons of a spelling born in a window: birth_date is text (YYYY-MM-DD, with 00 for the
# unknown parts), which sorts like the dates it writes.
ix_source_persons_last_name_birth_date = Index(
    "ix_source_persons_last_name_birth_date",
    source_persons.c.last_name,
    source_persons.c.birth_date,
)

surname_keys = Table(
    "surname_keys",
    metadata,
    Column("key", Text, primary_key=True),
    Column("last_name", Text, primary_key=True),
    Index("ix_surname_keys_last_name", "last_name"),
)

# What the stub authentic source may know beside identification data: card numbers (proof of
# authentication on the SSDN channel) and an address.
source_person_details = Table(
    "source_person_details",
    metadata,
    Column("ssin", Text, ForeignKey("source_persons.ssin"), primary_key=True),
    Column("identity_card_number", Text),
    Column("sis_card_number", Text),
    Column("street", Text),
    Column("house_number", Text),
    Column("postal_code", Text),
    Column("municipality", Text),
    Column("country_code", Text),
)

_PERSON_COLUMNS = ", ".join(column.name for column in source_persons.c)
_PERSON = f"SELECT {_PERSON_COLUMNS} FROM source_persons WHERE ssin = %(ssin)s"
# In ssin order: two writers locking the same persons never wait for each other in a cycle.
_PERSONS = f"SELECT {_PERSON_COLUMNS} FROM source_persons WHERE ssin = ANY(%(ssins)s) ORDER BY ssin"
# How a writer's read locks the rows it returns until the transaction ends (models.persons.Lock).
_LOCKING = {None: "", "share": " FOR SHARE", "update": " FOR UPDATE"}
_DETAILS = """
    SELECT ssin, identity_card_number, sis_card_number, street, house_number, postal_code,
           municipality, country_code
    FROM source_person_details WHERE ssin = %(ssin)s
"""

# pg_advisory_xact_lock(namespace, year): serialises BIS allocations per birth year.
_BIS_LOCK_NAMESPACE = 0x52414153  # "RAAS"


class PersonRepository(Repository):
    """The persons as stored."""

    def get(self, ssin: str, *, lock: Lock | None = None) -> Person | None:
        """The person; with `lock`, its row is locked until the transaction ends."""
        row = self._conn.exec_driver_sql(_PERSON + _LOCKING[lock], {"ssin": ssin}).first()
        return None if row is None else person_from_row(row)

    def get_many(self, ssins: Iterable[str], *, lock: Lock | None = None) -> dict[str, Person]:
        """The persons known under these ssins, by ssin (one query, none for no ssins); with
        `lock`, their rows are locked until the transaction ends."""
        wanted = sorted(set(ssins))
        if not wanted:
            return {}
        rows = self._conn.exec_driver_sql(_PERSONS + _LOCKING[lock], {"ssins": wanted})
        return {row.ssin: person_from_row(row) for row in rows}

    def count(self) -> int:
        return int(self._conn.scalar(select(func.count()).select_from(source_persons)) or 0)

    def existing(self, ssins: Iterable[str]) -> set[str]:
        """Those of `ssins` the source knows (one query on the primary key)."""
        return set(
            self._conn.scalars(
                select(source_persons.c.ssin).where(source_persons.c.ssin == any_(list(ssins)))
            )
        )

    def replaced_among(self, ssins: Iterable[str]) -> dict[str, str]:
        """Those of `ssins` the source has REPLACED, with their successor (one query)."""
        rows = self._conn.execute(
            select(source_persons.c.ssin, source_persons.c.replaced_by).where(
                source_persons.c.ssin == any_(list(ssins)),
                source_persons.c.status == PersonStatus.REPLACED.value,
            )
        )
        return {row.ssin: row.replaced_by for row in rows}

    def add(self, person: Person) -> bool:
        """Insert a new person (and index its surname); False when the ssin is taken."""
        inserted = self._conn.execute(
            insert(source_persons)
            .values(_values(person))
            .on_conflict_do_nothing(index_elements=["ssin"])
            .returning(source_persons.c.ssin)
        ).first()
        if inserted is not None:
            index_surnames(self._conn, [person.last_name])
        return inserted is not None

    def update(self, person: Person) -> None:
        """Replace the data of a known person (and index its surname)."""
        self._conn.execute(
            source_persons.update()
            .where(source_persons.c.ssin == person.ssin)
            .values(**_values(person), updated_at=func.now())
        )
        index_surnames(self._conn, [person.last_name])

    def active_named_born_between(self, names: list[str], first: date, last: date) -> list[Person]:
        """Active persons with one of these exact surnames whose birth date can fall in the window.

        Complete dates compare as text; an incomplete one (YYYY-MM-00, YYYY-00-00) is listed
        for every month and year the window touches. `rank` checks the overlap exactly.
        """
        incomplete = [f"{year:04d}-00-00" for year in range(first.year, last.year + 1)]
        year, month = first.year, first.month
        while (year, month) <= (last.year, last.month):
            incomplete.append(f"{year:04d}-{month:02d}-00")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        born = source_persons.c.birth_date
        rows = self._conn.execute(
            select(source_persons).where(
                source_persons.c.last_name == any_(names),
                source_persons.c.status == "ACTIVE",
                or_(born.between(first.isoformat(), last.isoformat()), born == any_(incomplete)),
            )
        )
        return [person_from_row(row) for row in rows]

    def sample_ssins(self, limit: int) -> list[str]:
        """Some active ssins, in a stable order (for demos and examples)."""
        return list(
            self._conn.scalars(
                select(source_persons.c.ssin)
                .where(source_persons.c.status == "ACTIVE")
                .order_by(source_persons.c.ssin)
                .limit(limit)
            )
        )


class IdentificationRepository(Repository):
    """The phonetic index of the surnames, and the BIS allocation locks."""

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


class PersonDetailsRepository(Repository):
    def get(self, ssin: str) -> PersonDetails | None:
        row = self._conn.exec_driver_sql(_DETAILS, {"ssin": ssin}).first()
        return None if row is None else _details(row)

    def merge(self, details: Iterable[PersonDetails]) -> int:
        """Write the details given over the stored ones (a part not given is kept); how many."""
        count = 0
        for item in details:
            values = _details_values(item)
            given = {k: v for k, v in values.items() if v is not None and k != "ssin"}
            if not given:
                continue
            statement = insert(source_person_details).values(values)
            self._conn.execute(statement.on_conflict_do_update(index_elements=["ssin"], set_=given))
            count += 1
        return count


class StubAuthenticSource:
    """The stub authentic source: persons read from `source_persons`, in the caller's
    transaction; the unit of work makes one with the `lock` a writer asks for.

    Writers that act on a person (its register lines, its links, its data) read with a `lock`:
    a replacement locks the person FOR UPDATE, so it waits for the writers that read before it,
    and the writers that read after it see the person replaced and follow the chain.
    """

    def __init__(self, persons: PersonRepository, lock: Lock | None = None) -> None:
        self._persons = persons
        self._lock = lock

    def person(self, ssin: str) -> Person | None:
        return self._persons.get(ssin, lock=self._lock)

    def persons(self, ssins: Iterable[str]) -> dict[str, Person]:
        return self._persons.get_many(ssins, lock=self._lock)

    def add(self, person: Person) -> bool:
        return self._persons.add(person)

    def update(self, person: Person) -> None:
        self._persons.update(person)


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


def person_from_row(row: Row[Any]) -> Person:
    """The person stored in a row of `source_persons`."""
    return Person(
        ssin=row.ssin,
        register=Register(row.register),
        last_name=row.last_name,
        first_name=row.first_name,
        birth_date=IncompleteDate.parse(row.birth_date),
        gender=Gender(row.gender),
        status=PersonStatus(row.status),
        replaced_by=row.replaced_by,
        nationality=row.nationality,
        decease_date=row.decease_date,
    )


def _values(person: Person) -> dict[str, Any]:
    return {
        "ssin": person.ssin,
        "register": person.register.value,
        "last_name": person.last_name,
        "first_name": person.first_name,
        "birth_date": str(person.birth_date),
        "gender": person.gender.value,
        "nationality": person.nationality,
        "decease_date": person.decease_date,
        "status": person.status.value,
        "replaced_by": person.replaced_by,
    }


def _details(row: Row[Any]) -> PersonDetails:
    address = None
    if row.country_code:
        address = Address(
            row.country_code, row.postal_code, row.municipality, row.street, row.house_number
        )
    return PersonDetails(row.ssin, row.identity_card_number, row.sis_card_number, address)


def _details_values(item: PersonDetails) -> dict[str, str | None]:
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
