"""What the use cases need from the outside, as protocols: the unit of work, its repositories and
the authentic source. `raas.persistence` implements them on PostgreSQL; the composition root
(`raas.wsgi`, `raas.cli`) chooses the implementations and hands the use cases a `UowFactory`.

Every use case is written against these names only: `tx.register.lock(...)` is
`RegisterRepository.lock` below, whatever implements it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

from raas.models.audit_chain import AuditEntry, ChainedEntry
from raas.models.events import Event
from raas.models.flows import Flow, Subscription
from raas.models.inscriptions import Inscription, Key
from raas.models.links import KeyFormat, KeyType, Link, LinkReport
from raas.models.notification_files import FileInfo, Record, StoredFile
from raas.models.periods import Period
from raas.models.persons import Changes, Lock, Person, PersonDetails
from raas.models.ssdn import SsdnClient
from raas.models.type_dossiers import TypeDossier
from raas.models.users import LoginState, User


class AuthenticSource(Protocol):
    """The national register and the BIS register, as the use cases see them."""

    def person(self, ssin: str) -> Person | None:
        """The person the source knows under `ssin` (active, replaced or canceled), or None."""
        ...

    def persons(self, ssins: Iterable[str]) -> dict[str, Person]:
        """The persons the source knows under these ssins, by ssin."""
        ...

    def add(self, person: Person) -> bool:
        """Register a new person (its surname gets phonetic keys); False when the ssin is taken."""
        ...

    def update(self, person: Person) -> None:
        """Change a known person's data (the phonetic keys follow a new surname)."""
        ...


class UserRepository(Protocol):
    """Organisations, users and the failed logins of a username from an address."""

    def login_state(self, username: str, address: str) -> LoginState: ...

    def lock_login(self, username: str, address: str) -> None:
        """Wait for, then hold until the transaction ends, the checks of this login."""
        ...

    def record_failure(
        self, username: str, address: str, limit: int, window: float
    ) -> tuple[int, datetime | None]:
        """Count a failed login; (failures in a row, until when it is now refused or None)."""
        ...

    def clear_failures(self, username: str, address: str) -> None: ...

    def ensure_organisation(self, cbe_number: str, name: str | None = None) -> None: ...

    def save(self, user: User, password_hash: str) -> bool:
        """Create or update the user; True when created."""
        ...


class TypeDossierRepository(Protocol):
    def define(self, type_dossier: TypeDossier) -> None: ...

    def list(self, cbe_number: str) -> list[TypeDossier]: ...


class PersonRepository(Protocol):
    """The persons of the stub authentic source, as stored."""

    def get(self, ssin: str, *, lock: Lock | None = None) -> Person | None: ...

    def get_many(self, ssins: Iterable[str], *, lock: Lock | None = None) -> dict[str, Person]: ...

    def existing(self, ssins: Iterable[str]) -> set[str]: ...

    def replaced_among(self, ssins: Iterable[str]) -> dict[str, str]:
        """Those of `ssins` that are REPLACED, with their successor."""
        ...

    def update(self, person: Person) -> None: ...

    def active_named_born_between(
        self, names: list[str], first: date, last: date
    ) -> list[Person]: ...

    def sample_ssins(self, limit: int) -> list[str]: ...


class IdentificationRepository(Protocol):
    """The phonetic index of the surnames, and the BIS allocation locks."""

    def spellings(self, keys: Iterable[str]) -> list[str]: ...

    def lock_bis_allocation(self, birth_year: int) -> None: ...


class PersonDetailsRepository(Protocol):
    """What the source knows beside identification data (card numbers, an address)."""

    def get(self, ssin: str) -> PersonDetails | None: ...

    def merge(self, details: Iterable[PersonDetails]) -> int: ...


class PersonImportRepository(Protocol):
    """Bulk writes of persons: seeding and CSV imports."""

    def copy(
        self,
        persons: Iterable[Person],
        batch: int = 50_000,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Insert the persons whose ssin is new; how many."""
        ...

    def upsert(
        self,
        persons: Iterable[Person],
        changed: Callable[[Changes], None] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> tuple[int, int]:
        """Add new persons and update changed ones, never deleting; (inserted, updated)."""
        ...


class AuditRepository(Protocol):
    def record(self, entry: AuditEntry) -> None: ...

    def seal(self) -> int: ...

    def chain(self) -> Iterator[ChainedEntry]: ...

    def chain_head(self) -> tuple[int, bytes] | None: ...

    def by_ticket(self, ticket_cbss: UUID) -> AuditEntry | None: ...

    def search(
        self,
        cbe_number: str | None,
        ssin: str | None,
        since: datetime | None,
        before: datetime | None,
        limit: int,
        older_than: UUID | None = None,
    ) -> list[AuditEntry]: ...


class RegisterRepository(Protocol):
    """The organisations' register lines; every method takes the caller's cbe_number first."""

    def lines(
        self, cbe_number: str, ssin: str, type_dossier: str | None = None
    ) -> list[Inscription]: ...

    def lock(self, cbe_number: str, keys: Iterable[Key]) -> dict[Key, list[Period]]:
        """The current lines of these keys, locked until the transaction ends."""
        ...

    def add(self, cbe_number: str, additions: dict[Key, list[Period]]) -> dict[Key, list[Period]]:
        """Merge periods into the keys' lines atomically; the lines after."""
        ...

    def replace(self, cbe_number: str, key: Key, periods: list[Period]) -> None: ...

    def move(self, old: str, new: str) -> int: ...

    def holders(self, ssins: Iterable[str], on: date | None) -> set[str]: ...

    def holders_of(self, ssins: Iterable[str], on: date) -> dict[str, set[str]]: ...


class EventRepository(Protocol):
    def record(self, *recorded: Event) -> None: ...

    def on(self, event_date: date, kinds: Sequence[str] | None = None) -> list[Event]: ...


class LinkRepository(Protocol):
    """The LinkRegister's links, one register shared by every organisation."""

    def add(
        self,
        ssin: str,
        country: str,
        key_type: str,
        foreign_key: str,
        key_as_given: str,
        validity: Period | None,
        cbe_number: str,
    ) -> Link:
        """Store a new link; LinkExists when it would break the uniqueness rules."""
        ...

    def get(self, link_id: int, *, for_update: bool = False) -> Link | None: ...

    def by_ssins(
        self, ssins: Sequence[str], country: str | None, key_type: str | None
    ) -> list[Link]: ...

    def by_keys(self, country: str, keys: Iterable[str], key_type: str | None) -> list[Link]: ...

    def set_validity(self, link_id: int, validity: Period | None) -> None: ...

    def delete(
        self,
        link_id: int,
        username: str,
        cbe_number: str,
        ticket: UUID,
        report_id: int | None = None,
    ) -> Link | None:
        """Remove the link, keeping who deleted it; None when it does not exist."""
        ...

    def move(self, old: str, new: str, ticket: UUID) -> tuple[int, int]:
        """Move every link of `old` to `new`: (moved, deleted)."""
        ...

    def renormalise(self, country: str, key_type: str, formats: list[KeyFormat]) -> int:
        """Normalise again by `formats` the keys a (re)defined format may govern; how many."""
        ...


class LinkFormatRepository(Protocol):
    """The key types and the formats of foreign keys."""

    def key_types(self) -> list[KeyType]: ...

    def has_key_type(self, code: str) -> bool: ...

    def define_key_type(self, key_type: KeyType) -> None: ...

    def formats(self, country: str | None = None) -> list[KeyFormat]:
        """The formats of `country` and of any country ('*'); all when None."""
        ...

    def normalising(self, country: str) -> tuple[list[KeyFormat], list[str]]:
        """`formats(country)` and the key type codes, at once."""
        ...

    def format(self, country: str, key_type: str) -> KeyFormat | None: ...

    def define_format(self, key_format: KeyFormat) -> None: ...


class LinkReportRepository(Protocol):
    """Clients' reports that a link is wrong, for the admins."""

    def file(self, link_id: int, cbe_number: str, username: str, reason: str) -> int:
        """Queue a report; its reportId."""
        ...

    def reports(self, open_only: bool | None) -> list[LinkReport]: ...

    def get(self, report_id: int, *, for_update: bool = False) -> LinkReport | None: ...

    def close(self, report_id: int, username: str, link_deleted: bool) -> None: ...


class NotificationRepository(Protocol):
    """Subscriptions, flow authorizations, the daily runs and their files."""

    def subscribe(self, cbe_number: str, flow: Flow) -> bool: ...

    def unsubscribe(self, cbe_number: str, flow: Flow) -> bool: ...

    def subscriptions(self, cbe_number: str) -> list[Subscription]: ...

    def is_authorized(self, cbe_number: str, flow: Flow) -> bool: ...

    def grant(self, cbe_number: str, flow: Flow, granted_by: str) -> bool: ...

    def revoke(self, cbe_number: str, flow: Flow) -> bool: ...

    def lock_runs(self) -> bool: ...

    def latest_day(self) -> date | None: ...

    def claimed_at(self, day: date) -> datetime | None: ...

    def claim(self, day: date) -> int: ...

    def frozen_targets(self, day: date) -> list[Subscription]: ...

    def unfinished_days(self) -> list[date]: ...

    def complete(self, day: date) -> None: ...

    def records(
        self, day: date, subscribed: Mapping[tuple[str, Flow], datetime]
    ) -> Iterator[Record]: ...

    def last_sequences(self) -> dict[tuple[str, Flow], int]: ...

    def add_file(self, info: FileInfo, deflated: bytes, voucher: bytes) -> bool: ...

    def files_of_day(self, day: date) -> list[tuple[FileInfo, bytes]]: ...

    def files(self, cbe_number: str, first: date | None, last: date | None) -> list[FileInfo]: ...

    def file(self, cbe_number: str, file_name: str) -> StoredFile | None: ...


class SsdnClientRepository(Protocol):
    def add(self, client: SsdnClient) -> bool: ...

    def remove(self, cbe_number: str, org_unit: str) -> bool: ...

    def for_address(self, address: str) -> list[SsdnClient]: ...

    def list(self) -> list[SsdnClient]: ...  # last: below it, `list` would name this method


class UnitOfWork(Protocol):
    """`with uow() as tx:` one transaction; `tx.commit()` keeps it, leaving without rolls back.

    A transaction lost to a concurrent one raises `TransientConflict` (run it again); a
    database that cannot serve raises `ServiceUnavailable`.
    """

    @property
    def users(self) -> UserRepository: ...
    @property
    def type_dossiers(self) -> TypeDossierRepository: ...
    @property
    def persons(self) -> PersonRepository: ...
    @property
    def identification(self) -> IdentificationRepository: ...
    @property
    def person_details(self) -> PersonDetailsRepository: ...
    @property
    def person_import(self) -> PersonImportRepository: ...
    @property
    def audit(self) -> AuditRepository: ...
    @property
    def register(self) -> RegisterRepository: ...
    @property
    def events(self) -> EventRepository: ...
    @property
    def links(self) -> LinkRepository: ...
    @property
    def link_formats(self) -> LinkFormatRepository: ...
    @property
    def link_reports(self) -> LinkReportRepository: ...
    @property
    def notifications(self) -> NotificationRepository: ...
    @property
    def ssdn_clients(self) -> SsdnClientRepository: ...

    def source(self, lock: Lock | None = None) -> AuthenticSource:
        """The authentic source, read in this transaction; with `lock`, the persons read stay
        locked until it ends (see `raas.models.persons.Lock`)."""
        ...

    def commit(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class UowFactory(Protocol):
    """Opens a unit of work: for `caller` (row-level security), or as one statement per
    transaction with `autocommit` (one write, or reads of shared tables)."""

    def __call__(self, caller: User | None = None, *, autocommit: bool = False) -> UnitOfWork: ...
