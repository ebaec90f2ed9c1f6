"""In-memory fakes of the use cases' ports (`raas.usecases.ports`), for tests without PostgreSQL.

`FakeDatabase` is a `UowFactory`: `with db() as tx:` works on a copy of its `State`, and only
`tx.commit()` puts the copy back, so a unit of work left without commit (a refused request)
changes nothing. `autocommit=True` works on the state itself, like one statement per transaction.

Each fake is plain Python over dicts, only as much as the tested use cases call: a method they
do not call raises NotImplementedError, and so do the repositories no fake stands in for. What
PostgreSQL itself enforces is not imitated here and stays tested on PostgreSQL: row-level
security, the uniqueness and exclusion rules of links (LinkExists), row locks and races, the
audit hash chain and the window of failed logins.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from types import TracebackType
from typing import TYPE_CHECKING, NoReturn, Self
from uuid import UUID

from raas.models import phonetic
from raas.models.audit_chain import AuditEntry, ChainedEntry
from raas.models.errors import TransientConflict
from raas.models.events import Event
from raas.models.inscriptions import Inscription, Key
from raas.models.links import ANY, KeyFormat, KeyType, Link, LinkReport, format_for
from raas.models.periods import Period, merge
from raas.models.persons import Lock, Person, PersonDetails, PersonStatus
from raas.models.type_dossiers import TypeDossier
from raas.models.users import LoginState, StoredUser, User
from raas.usecases import ports


def _not_faked() -> NoReturn:
    raise NotImplementedError("not faked: no use case tested on the fakes needs it")


@dataclass
class Failures:
    """The failed logins of one username from one address."""

    count: int
    locked_until: datetime | None = None


@dataclass
class StoredLink:
    link: Link
    key_as_given: str


@dataclass
class State:
    """Everything the fakes keep: what the database holds."""

    persons: dict[str, Person] = field(default_factory=dict)
    details: dict[str, PersonDetails] = field(default_factory=dict)
    organisations: dict[str, str] = field(default_factory=dict)
    users: dict[str, StoredUser] = field(default_factory=dict)
    failures: dict[tuple[str, str], Failures] = field(default_factory=dict)
    type_dossiers: dict[tuple[str, str], TypeDossier] = field(default_factory=dict)
    # (cbe_number, ssin, type_dossier) -> the key's lines, kept merged
    lines: dict[tuple[str, str, str], list[Period]] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    key_types: dict[str, KeyType] = field(default_factory=dict)
    formats: dict[tuple[str, str], KeyFormat] = field(default_factory=dict)
    links: dict[int, StoredLink] = field(default_factory=dict)
    deleted_links: list[Link] = field(default_factory=list)
    reports: dict[int, LinkReport] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)


class FakeDatabase:
    """The state, and the units of work on it (a `ports.UowFactory`).

    `conflicts = n` makes the next n commits lose a race (TransientConflict, nothing kept), as
    a deadlock or serialization failure would. `now` is the database's clock.
    """

    def __init__(self, state: State | None = None) -> None:
        self.state = State() if state is None else state
        self.conflicts = 0
        self.commits = 0
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)

    def __call__(self, caller: User | None = None, *, autocommit: bool = False) -> FakeUnitOfWork:
        return FakeUnitOfWork(self, autocommit=autocommit)


class FakeUnitOfWork:
    """One transaction on a copy of the state; `commit()` keeps it."""

    def __init__(self, db: FakeDatabase, *, autocommit: bool = False) -> None:
        self._db = db
        self._autocommit = autocommit
        self._state = db.state if autocommit else copy.deepcopy(db.state)
        state = self._state
        self.users = FakeUsers(state, db.now)
        self.type_dossiers = FakeTypeDossiers(state)
        self.persons = FakePersons(state)
        self.identification = FakeIdentification(state)
        self.person_details = FakePersonDetails(state)
        self.audit = FakeAudit(state)
        self.register = FakeRegister(state)
        self.events = FakeEvents(state)
        self.links = FakeLinks(state)
        self.link_formats = FakeLinkFormats(state)
        self.link_reports = FakeLinkReports(state, db.now)

    def __enter__(self) -> Self:
        return self

    def source(self, lock: Lock | None = None) -> FakeAuthenticSource:
        return FakeAuthenticSource(self._state)

    def commit(self) -> None:
        if self._db.conflicts:
            self._db.conflicts -= 1
            raise TransientConflict("a concurrent transaction won (fake)")
        self._db.commits += 1
        if not self._autocommit:  # what is written after it needs another commit
            self._db.state = copy.deepcopy(self._state)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        pass  # whatever was not committed is dropped with the copy

    @property
    def person_import(self) -> ports.PersonImportRepository:
        _not_faked()

    @property
    def notifications(self) -> ports.NotificationRepository:
        _not_faked()

    @property
    def ssdn_clients(self) -> ports.SsdnClientRepository:
        _not_faked()


class FakeAuthenticSource(ports.AuthenticSource):
    def __init__(self, state: State) -> None:
        self._state = state

    def person(self, ssin: str) -> Person | None:
        return self._state.persons.get(ssin)

    def persons(self, ssins: Iterable[str]) -> dict[str, Person]:
        return {s: self._state.persons[s] for s in ssins if s in self._state.persons}

    def add(self, person: Person) -> bool:
        if person.ssin in self._state.persons:
            return False
        self._state.persons[person.ssin] = person
        return True

    def update(self, person: Person) -> None:
        assert person.ssin in self._state.persons
        self._state.persons[person.ssin] = person


class FakeUsers(ports.UserRepository):
    def __init__(self, state: State, now: Callable[[], datetime]) -> None:
        self._state = state
        self._now = now

    def login_state(self, username: str, address: str) -> LoginState:
        failures = self._state.failures.get((username, address), Failures(0))
        locked = failures.locked_until
        return LoginState(
            self._state.users.get(username),
            failures.count,
            locked if locked is not None and locked > self._now() else None,
        )

    def lock_login(self, username: str, address: str) -> None:
        pass  # one thread: nothing runs at the same time

    def record_failure(
        self, username: str, address: str, limit: int, window: float
    ) -> tuple[int, datetime | None]:
        # A lock that has ended starts the count again (the window between failures is not faked).
        old = self._state.failures.get((username, address), Failures(0))
        ended = old.locked_until is not None and old.locked_until <= self._now()
        count = 1 if ended else old.count + 1
        until = self._now() + timedelta(seconds=window) if count >= limit else None
        self._state.failures[username, address] = Failures(count, until)
        return count, until

    def clear_failures(self, username: str, address: str) -> None:
        self._state.failures.pop((username, address), None)

    def ensure_organisation(self, cbe_number: str, name: str | None = None) -> None:
        if name or cbe_number not in self._state.organisations:
            self._state.organisations[cbe_number] = name or ""

    def save(self, user: User, password_hash: str) -> bool:
        created = user.username not in self._state.users
        self._state.users[user.username] = StoredUser(user, password_hash)
        return created


class FakeTypeDossiers(ports.TypeDossierRepository):
    def __init__(self, state: State) -> None:
        self._state = state

    def define(self, type_dossier: TypeDossier) -> None:
        self._state.type_dossiers[type_dossier.cbe_number, type_dossier.code] = type_dossier

    def list(self, cbe_number: str) -> list[TypeDossier]:
        return sorted(
            (t for (cbe, _), t in self._state.type_dossiers.items() if cbe == cbe_number),
            key=lambda t: t.code,
        )


class FakePersons(ports.PersonRepository):
    def __init__(self, state: State) -> None:
        self._state = state

    def get(self, ssin: str, *, lock: Lock | None = None) -> Person | None:
        return self._state.persons.get(ssin)

    def get_many(self, ssins: Iterable[str], *, lock: Lock | None = None) -> dict[str, Person]:
        return {s: self._state.persons[s] for s in ssins if s in self._state.persons}

    def existing(self, ssins: Iterable[str]) -> set[str]:
        return set(ssins) & self._state.persons.keys()

    def replaced_among(self, ssins: Iterable[str]) -> dict[str, str]:
        _not_faked()

    def update(self, person: Person) -> None:
        _not_faked()

    def active_named_born_between(self, names: list[str], first: date, last: date) -> list[Person]:
        return [
            p
            for p in self._state.persons.values()
            if p.status is PersonStatus.ACTIVE
            and p.last_name in names
            and p.birth_date.overlaps(first, last)
        ]

    def sample_ssins(self, limit: int) -> list[str]:
        _not_faked()


class FakeIdentification(ports.IdentificationRepository):
    def __init__(self, state: State) -> None:
        self._state = state

    def spellings(self, keys: Iterable[str]) -> list[str]:
        wanted = set(keys)
        names = {p.last_name for p in self._state.persons.values()}
        return sorted(name for name in names if phonetic.surname_keys(name) & wanted)

    def lock_bis_allocation(self, birth_year: int) -> None:
        pass  # one thread: nothing runs at the same time


class FakePersonDetails(ports.PersonDetailsRepository):
    def __init__(self, state: State) -> None:
        self._state = state

    def get(self, ssin: str) -> PersonDetails | None:
        return self._state.details.get(ssin)

    def merge(self, details: Iterable[PersonDetails]) -> int:
        _not_faked()


class FakeAudit(ports.AuditRepository):
    def __init__(self, state: State) -> None:
        self._state = state

    def record(self, entry: AuditEntry) -> None:
        self._state.audit.append(entry)

    def seal(self) -> int:
        _not_faked()

    def chain(self) -> Iterator[ChainedEntry]:
        _not_faked()

    def chain_head(self) -> tuple[int, bytes] | None:
        _not_faked()

    def by_ticket(self, ticket_cbss: UUID) -> AuditEntry | None:
        return next((e for e in self._state.audit if e.ticket_cbss == ticket_cbss), None)

    def search(
        self,
        cbe_number: str | None,
        ssin: str | None,
        since: datetime | None,
        before: datetime | None,
        limit: int,
        older_than: UUID | None = None,
    ) -> list[AuditEntry]:
        # Newest first; entries written in the same instant in the order they were written.
        newest_first = sorted(enumerate(self._state.audit), key=lambda e: (e[1].at, e[0]))[::-1]
        order = [entry for _, entry in newest_first]
        if older_than is not None:
            mark = self.by_ticket(older_than)
            order = order[order.index(mark) + 1 :] if mark is not None else []
        return [
            e
            for e in order
            if (cbe_number is None or e.cbe_number == cbe_number)
            and (ssin is None or ssin in e.ssins)
            and (since is None or e.at >= since)
            and (before is None or e.at < before)
        ][:limit]


class FakeRegister(ports.RegisterRepository):
    def __init__(self, state: State) -> None:
        self._lines = state.lines

    def lines(
        self, cbe_number: str, ssin: str, type_dossier: str | None = None
    ) -> list[Inscription]:
        return [
            Inscription(ssin, code, period)
            for (cbe, held, code), periods in sorted(self._lines.items())
            if (cbe, held) == (cbe_number, ssin) and type_dossier in (None, code)
            for period in periods
        ]

    def lock(self, cbe_number: str, keys: Iterable[Key]) -> dict[Key, list[Period]]:
        held = {key: self._lines.get((cbe_number, *key)) for key in keys}
        return {key: list(periods) for key, periods in held.items() if periods}

    def add(self, cbe_number: str, additions: dict[Key, list[Period]]) -> dict[Key, list[Period]]:
        for (ssin, code), periods in additions.items():
            held = self._lines.get((cbe_number, ssin, code), [])
            self._lines[cbe_number, ssin, code] = merge([*held, *periods])
        return {key: list(self._lines[cbe_number, *key]) for key in additions}

    def replace(self, cbe_number: str, key: Key, periods: list[Period]) -> None:
        if periods:
            self._lines[cbe_number, *key] = merge(periods)
        else:
            self._lines.pop((cbe_number, *key), None)

    def move(self, old: str, new: str) -> int:
        _not_faked()

    def holders(self, ssins: Iterable[str], on: date | None) -> set[str]:
        wanted = set(ssins)
        return {
            cbe
            for (cbe, ssin, _), periods in self._lines.items()
            if ssin in wanted and (on is None or any(_covers(p, on) for p in periods))
        }

    def holders_of(self, ssins: Iterable[str], on: date) -> dict[str, set[str]]:
        _not_faked()


def _covers(period: Period, day: date) -> bool:
    return period.begin <= day and (period.end is None or day <= period.end)


class FakeEvents(ports.EventRepository):
    def __init__(self, state: State) -> None:
        self._state = state

    def record(self, *recorded: Event) -> None:
        self._state.events.extend(recorded)

    def on(self, event_date: date, kinds: Sequence[str] | None = None) -> list[Event]:
        return [
            e
            for e in self._state.events
            if e.event_date == event_date and (kinds is None or e.kind in kinds)
        ]


class FakeLinks(ports.LinkRepository):
    """The links; no uniqueness rule (LinkExists) is checked."""

    def __init__(self, state: State) -> None:
        self._state = state

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
        link_id = max(self._state.links, default=0) + 1
        link = Link(link_id, ssin, country, key_type, foreign_key, validity, cbe_number)
        self._state.links[link_id] = StoredLink(link, key_as_given)
        return link

    def get(self, link_id: int, *, for_update: bool = False) -> Link | None:
        stored = self._state.links.get(link_id)
        return None if stored is None else stored.link

    def by_ssins(
        self, ssins: Sequence[str], country: str | None, key_type: str | None
    ) -> list[Link]:
        return self._where(
            lambda link: (
                link.ssin in ssins
                and country in (None, link.country)
                and key_type in (None, link.key_type)
            )
        )

    def by_keys(self, country: str, keys: Iterable[str], key_type: str | None) -> list[Link]:
        wanted = set(keys)
        return self._where(
            lambda link: (
                link.foreign_key in wanted
                and link.country == country
                and key_type in (None, link.key_type)
            )
        )

    def set_validity(self, link_id: int, validity: Period | None) -> None:
        stored = self._state.links[link_id]
        stored.link = replace(stored.link, validity=validity)

    def delete(
        self,
        link_id: int,
        username: str,
        cbe_number: str,
        ticket: UUID,
        report_id: int | None = None,
    ) -> Link | None:
        stored = self._state.links.pop(link_id, None)
        if stored is None:
            return None
        self._state.deleted_links.append(stored.link)
        return stored.link

    def move(self, old: str, new: str, ticket: UUID) -> tuple[int, int]:
        _not_faked()

    def renormalise(self, country: str, key_type: str, formats: list[KeyFormat]) -> int:
        changed = 0
        for stored in self._state.links.values():
            link = stored.link
            if country not in (ANY, link.country) or key_type not in (ANY, link.key_type):
                continue
            key = format_for(formats, link.country, link.key_type).normalise(stored.key_as_given)
            if key != link.foreign_key:
                stored.link = replace(link, foreign_key=key)
                changed += 1
        return changed

    def _where(self, wanted: Callable[[Link], bool]) -> list[Link]:
        """The links wanted, by country, key type, beginning of validity (always first), id."""
        return sorted(
            (s.link for s in self._state.links.values() if wanted(s.link)),
            key=lambda k: (
                k.country,
                k.key_type,
                k.validity.begin if k.validity else date.min,
                k.link_id,
            ),
        )


class FakeLinkFormats(ports.LinkFormatRepository):
    def __init__(self, state: State) -> None:
        self._state = state

    def key_types(self) -> list[KeyType]:
        return sorted(self._state.key_types.values(), key=lambda t: t.code)

    def has_key_type(self, code: str) -> bool:
        return code in self._state.key_types

    def define_key_type(self, key_type: KeyType) -> None:
        self._state.key_types[key_type.code] = key_type

    def formats(self, country: str | None = None) -> list[KeyFormat]:
        return [
            f
            for _, f in sorted(self._state.formats.items())
            if country is None or f.country in (country, ANY)
        ]

    def normalising(self, country: str) -> tuple[list[KeyFormat], list[str]]:
        return self.formats(country), sorted(self._state.key_types)

    def format(self, country: str, key_type: str) -> KeyFormat | None:
        return self._state.formats.get((country, key_type))

    def define_format(self, key_format: KeyFormat) -> None:
        self._state.formats[key_format.country, key_format.key_type] = key_format


class FakeLinkReports(ports.LinkReportRepository):
    def __init__(self, state: State, now: Callable[[], datetime]) -> None:
        self._state = state
        self._now = now

    def file(self, link_id: int, cbe_number: str, username: str, reason: str) -> int:
        report_id = max(self._state.reports, default=0) + 1
        self._state.reports[report_id] = LinkReport(
            report_id, link_id, cbe_number, reason, self._now()
        )
        return report_id

    def reports(self, open_only: bool | None) -> list[LinkReport]:
        return [
            r
            for _, r in sorted(self._state.reports.items())
            if open_only is None or open_only != r.closed
        ]

    def get(self, report_id: int, *, for_update: bool = False) -> LinkReport | None:
        return self._state.reports.get(report_id)

    def close(self, report_id: int, username: str, link_deleted: bool) -> None:
        report = self._state.reports[report_id]
        self._state.reports[report_id] = replace(
            report, closed_at=self._now(), link_deleted=link_deleted
        )


if TYPE_CHECKING:  # mypy checks that the fakes are what the use cases are written against
    _factory: ports.UowFactory = FakeDatabase()
    _tx: ports.UnitOfWork = FakeDatabase()()
    _source: ports.AuthenticSource = FakeDatabase()().source()
