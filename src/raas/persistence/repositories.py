"""Repositories: the SQL for each aggregate, on the connection of a unit of work."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Row,
    Select,
    any_,
    delete,
    func,
    literal_column,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects.postgresql import insert

from raas.models.audit_chain import AuditEntry, ChainedEntry
from raas.models.persons import Gender, IncompleteDate, Lock, Person, PersonStatus
from raas.models.ssin import Register
from raas.models.type_dossiers import TypeDossier
from raas.models.users import LoginState, Role, StoredUser, User
from raas.persistence.identification import index_surnames
from raas.persistence.repository import Repository
from raas.persistence.tables import (
    audit_chain_head,
    audit_log,
    login_failures,
    organisations,
    source_persons,
    type_dossiers,
    users,
)

# The statements nearly every request runs are written out once: built with SQLAlchemy's
# expression language, their construction and compilation took a fifth of a request's CPU.
_PERSON = (
    f"SELECT {', '.join(c.name for c in source_persons.c)} FROM source_persons "
    "WHERE ssin = %(ssin)s"
)
_TYPE_DOSSIERS = (
    "SELECT code, description FROM type_dossiers WHERE cbe_number = %(cbe_number)s ORDER BY code"
)
_AUDIT = (
    "INSERT INTO audit_log (at, ticket_cbss, cbe_number, username, service, operation, ssins, "
    "status_code, duration_ms, note) VALUES (%(at)s, %(ticket_cbss)s, %(cbe_number)s, "
    "%(username)s, %(service)s, %(operation)s, %(ssins)s, %(status_code)s, %(duration_ms)s, "
    "%(note)s)"
)


# One statement for the user and the failures of the username from the address.
_LOGIN = text(
    """
    SELECT u.username, u.cbe_number, u.role, u.password_hash, f.failures,
           CASE WHEN f.locked_until > now() THEN f.locked_until END AS locked_until
    FROM (SELECT 1) AS one
    LEFT JOIN raas_login(:username) AS u ON true
    LEFT JOIN login_failures AS f ON f.username = :username AND f.address = :address
    """
)

# A failure counts from 1 again once the previous one is older than the window or its lock
# has ended; reaching the limit locks the username from that address for the window.
_COUNT = """CASE WHEN f.last_failure_at < now() - make_interval(secs => :window)
                   OR f.locked_until <= now() THEN 1 ELSE f.failures + 1 END"""
_FAIL = text(
    f"""
    INSERT INTO login_failures AS f (username, address, failures, last_failure_at, locked_until)
    VALUES (:username, :address, 1, now(),
            CASE WHEN 1 >= :limit THEN now() + make_interval(secs => :window) END)
    ON CONFLICT (username, address) DO UPDATE SET
        failures = {_COUNT},
        last_failure_at = now(),
        locked_until = CASE WHEN {_COUNT} >= :limit
                            THEN now() + make_interval(secs => :window) END
    RETURNING failures, locked_until
    """
)
# How long a login waits for the other password checks of its (username, address): below the
# request deadline (RAAS_REQUEST_DEADLINE_SECONDS, 24 s by default).
LOGIN_LOCK_TIMEOUT = "15s"
# One lock per (username, address), in the transaction-scoped advisory lock space.
_LOCK_LOGIN = text("SELECT pg_advisory_xact_lock(hashtext(:username), hashtext(:address))")
_PURGE = text(
    """
    DELETE FROM login_failures
    WHERE last_failure_at < now() - make_interval(secs => :window)
      AND (locked_until IS NULL OR locked_until < now())
    """
)


class UserRepository(Repository):
    def login_state(self, username: str, address: str) -> LoginState:
        """The user and the failures of `username` from `address`; the user is read through
        raas_login (migration 0007): the service's role has no grant on `users` itself."""
        row = self._conn.execute(_LOGIN, {"username": username, "address": address}).one()
        stored = None
        if row.username is not None:
            user = User(row.username, row.cbe_number, Role(row.role))
            stored = StoredUser(user, row.password_hash)
        return LoginState(stored, row.failures or 0, row.locked_until)

    def record_failure(
        self, username: str, address: str, limit: int, window: float
    ) -> tuple[int, datetime | None]:
        """Count a failed login; (failures in a row, until when it is now refused or None).

        Also purges the failures nobody needs any more, which keeps the table small.
        """
        self._conn.execute(_PURGE, {"window": window})
        row = self._conn.execute(
            _FAIL, {"username": username, "address": address, "limit": limit, "window": window}
        ).one()
        return row.failures, row.locked_until

    def lock_login(self, username: str, address: str) -> None:
        """Wait for any other check of `username`'s password from `address` to end (a lock held
        until the transaction ends): read the failures, check, count, one at a time.

        A burst of logins of one client (16 threads of a batch, each worker's cache cold) queues
        here behind as many password checks: it waits up to LOGIN_LOCK_TIMEOUT, not the
        service's short lock timeout, which is for waits behind other writers' rows.
        """
        self._conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOGIN_LOCK_TIMEOUT}'")
        self._conn.execute(_LOCK_LOGIN, {"username": username, "address": address})

    def clear_failures(self, username: str, address: str) -> None:
        """Forget the failures of `username` from `address` (it logged in)."""
        self._conn.execute(
            delete(login_failures).where(
                login_failures.c.username == username, login_failures.c.address == address
            )
        )

    def ensure_organisation(self, cbe_number: str, name: str | None = None) -> None:
        """Create the organisation when missing; rename it when a name is given."""
        stmt = insert(organisations).values(cbe_number=cbe_number, name=name or "")
        if name:
            stmt = stmt.on_conflict_do_update(index_elements=["cbe_number"], set_={"name": name})
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=["cbe_number"])
        self._conn.execute(stmt)

    def save(self, user: User, password_hash: str) -> bool:
        """Create or update the user (a new hash changes the password); True when created."""
        stmt = insert(users).values(
            username=user.username,
            cbe_number=user.cbe_number,
            role=user.role.value,
            password_hash=password_hash,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["username"],
            set_={
                "cbe_number": stmt.excluded.cbe_number,
                "role": stmt.excluded.role,
                "password_hash": stmt.excluded.password_hash,
                "password_changed_at": func.now(),
            },
        ).returning(literal_column("(xmax = 0)"))  # xmax = 0: the row was inserted
        return bool(self._conn.execute(stmt).scalar())


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
        return [TypeDossier(cbe_number, row.code, row.description) for row in rows]


class PersonRepository(Repository):
    """The stub authentic source's persons."""

    def get(self, ssin: str, *, lock: Lock | None = None) -> Person | None:
        """The person; with `lock`, its row is locked until the transaction ends."""
        if lock is None:
            row = self._conn.exec_driver_sql(_PERSON, {"ssin": ssin}).first()
        else:
            query = select(source_persons).where(source_persons.c.ssin == ssin)
            row = self._conn.execute(_locked(query, lock)).first()
        return None if row is None else person_from_row(row)

    def get_many(self, ssins: Iterable[str], *, lock: Lock | None = None) -> dict[str, Person]:
        """The persons known under these ssins, by ssin (one query, none for no ssins).

        With `lock`, the rows are locked in ssin order, so two lockers never wait in a cycle.
        """
        wanted = sorted(set(ssins))
        if not wanted:
            return {}
        query = select(source_persons).where(source_persons.c.ssin == any_(wanted))
        rows = self._conn.execute(_locked(query.order_by(source_persons.c.ssin), lock))
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


class StubAuthenticSource:
    """The stub authentic source: persons read from the `source_persons` table, in the caller's
    transaction.

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


def _locked(query: Select[Any], lock: Lock | None) -> Select[Any]:
    """The query as is, FOR SHARE or FOR UPDATE.

    "share" is for the writers of a person's lines and links: a replacement (FOR UPDATE) waits
    for them, or they wait for it and then see the person replaced. "update" is for the writers
    of the person rows themselves (a replacement, a change of identification data).
    """
    if lock is None:
        return query
    return query.with_for_update(read=lock == "share")


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


# The advisory lock writers of the audit chain take (migration 0007's AUDIT_LOCK).
AUDIT_CHAIN_LOCK = (7284, 1)


class AuditRepository(Repository):
    def record(self, entry: AuditEntry) -> None:
        self._conn.exec_driver_sql(
            _AUDIT,
            {
                "at": entry.at,
                "ticket_cbss": entry.ticket_cbss,
                "cbe_number": entry.cbe_number,
                "username": entry.username,
                "service": entry.service,
                "operation": entry.operation,
                "ssins": list(entry.ssins),
                "status_code": entry.status_code,
                "duration_ms": entry.duration_ms,
                "note": entry.note,
            },
        )

    def seal(self) -> int:
        """Chain the committed entries no writer has chained yet; how many (the owner only)."""
        self._conn.execute(select(func.pg_advisory_xact_lock(*AUDIT_CHAIN_LOCK)))
        return int(self._conn.scalar(select(func.raas_audit_seal())) or 0)

    def chain(self) -> Iterator[ChainedEntry]:
        """Every chained entry in chain order, streamed (the log may hold millions)."""
        rows = self._conn.execution_options(yield_per=5000).execute(
            select(audit_log)
            .where(audit_log.c.chain_seq.is_not(None))
            .order_by(audit_log.c.chain_seq)
        )
        with rows:  # closes the server-side cursor when the caller stops early
            yield from (_chained_entry(row) for row in rows)

    def chain_head(self) -> tuple[int, bytes] | None:
        """The position and hash of the last entry written, as the chain's trigger keeps them."""
        row = self._conn.execute(select(audit_chain_head.c.seq, audit_chain_head.c.hash)).first()
        return None if row is None else (row.seq, row.hash)

    def by_ticket(self, ticket_cbss: UUID) -> AuditEntry | None:
        row = self._conn.execute(
            select(audit_log).where(audit_log.c.ticket_cbss == ticket_cbss)
        ).first()
        return None if row is None else _audit_entry(row)

    def search(
        self,
        cbe_number: str | None,
        ssin: str | None,
        since: datetime | None,
        before: datetime | None,
        limit: int,
        older_than: UUID | None = None,
    ) -> list[AuditEntry]:
        """Entries matching every filter given, newest first, at most `limit`; with
        `older_than`, only those after that entry (its ticket) in that order."""
        query = select(audit_log)
        if older_than is not None:
            mark = (
                select(audit_log.c.at, audit_log.c.id)
                .where(audit_log.c.ticket_cbss == older_than)
                .limit(1)
                .subquery()
            )
            query = query.where(
                tuple_(audit_log.c.at, audit_log.c.id)
                < select(mark.c.at, mark.c.id).scalar_subquery()
            )
        if cbe_number is not None:
            query = query.where(audit_log.c.cbe_number == cbe_number)
        if ssin is not None:  # the GIN index on ssins answers `@>`
            query = query.where(audit_log.c.ssins.contains([ssin]))
        if since is not None:
            query = query.where(audit_log.c.at >= since)
        if before is not None:
            query = query.where(audit_log.c.at < before)
        rows = self._conn.execute(
            query.order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).limit(limit)
        )
        return [_audit_entry(row) for row in rows]


def _chained_entry(row: Row[Any]) -> ChainedEntry:
    return ChainedEntry(row.chain_seq, row.id, _audit_entry(row), row.prev_hash, row.hash)


def _audit_entry(row: Row[Any]) -> AuditEntry:
    return AuditEntry(
        row.at,
        row.ticket_cbss,
        row.cbe_number,
        row.username,
        row.service,
        row.operation,
        tuple(row.ssins),
        row.status_code,
        row.duration_ms,
        row.note,
    )
