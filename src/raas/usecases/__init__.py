"""One function per operation: the application layer between the SOAP services and the domain.

Each use case opens its own unit of work and commits it; services never touch transactions.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from uuid import UUID

from raas.authentic_source import StubAuthenticSource
from raas.clock import BRUSSELS
from raas.models import audit_chain
from raas.models.audit_chain import AuditEntry, Verdict
from raas.models.errors import AuthenticationFailed, InvalidData, UnknownSsin
from raas.models.persons import Person
from raas.models.type_dossiers import TypeDossier, is_valid_code
from raas.models.users import LoginPolicy, Role, User, check_username, normalise_cbe_number
from raas.passwords import VerificationCache, hash_password, verify_password
from raas.persistence.uow import TransientConflict, UnitOfWork
from raas.usecases.ssins import check_structure

UowFactory = Callable[..., UnitOfWork]  # UnitOfWork(engine, autocommit=False) bound to its engine
T = TypeVar("T")
ATTEMPTS = 5


def retrying(work: Callable[[], T]) -> T:
    """Run a transaction again when it lost a race (deadlock or serialization failure)."""
    for _ in range(ATTEMPTS - 1):
        try:
            return work()
        except TransientConflict:
            continue
    return work()


F = TypeVar("F", bound=Callable[..., object])


def retried(use_case: F) -> F:
    """A use case of one transaction, run again (whole) when it lost a race: two writers of one
    key can deadlock while PostgreSQL checks an exclusion or unique constraint, and the loser,
    run again, meets the other's committed row - the business conflict the caller must get,
    never MSG00003. Only for use cases whose one unit of work is their only effect."""

    @functools.wraps(use_case)
    def run(*args: object, **kwargs: object) -> object:
        return retrying(lambda: use_case(*args, **kwargs))

    return run  # type: ignore[return-value]


DEFAULT_LOGIN_POLICY = LoginPolicy()


def authenticate(
    uow: UowFactory,
    cache: VerificationCache,
    username: str,
    password: str,
    address: str = "",
    policy: LoginPolicy = DEFAULT_LOGIN_POLICY,
) -> User:
    """The user whose password this is; AuthenticationFailed otherwise, and while `username`
    is locked out from `address` (the client's address) after too many failures there."""
    who = f"login of {username[:128]!r} from {address or 'an unknown address'}"
    try:
        check_username(username)
    except ValueError:  # no user has such a name: nothing to look up or count
        raise AuthenticationFailed(username, f"{who} failed: not a valid username") from None
    with uow(autocommit=True) as tx:  # one statement: no BEGIN and ROLLBACK round trips
        state = tx.users.login_state(username, address)
    if state.locked_until is not None:  # refused unchecked, whether the user exists or not
        raise AuthenticationFailed(
            username, f"{who} refused: locked until {_utc(state.locked_until)}"
        )
    if (
        state.stored is not None
        and not state.failures
        and cache.remembers(state.stored.password_hash, password)
    ):
        # The hot path: the right password, recently checked, and no failure to clear - only
        # the right password can be remembered, so nothing needs counting (no lock, no write).
        return state.stored.user
    # Every other check runs alone for this (username, address), with the failures read under
    # the lock: however many attempts arrive at once, on any number of workers, at most
    # policy.max_failures passwords are checked per window.
    failed = None
    with uow() as tx:
        tx.users.lock_login(username, address)
        state = tx.users.login_state(username, address)
        if state.locked_until is None:
            if state.stored is None:
                verify_password(_dummy_hash(), password)  # as slow as a wrong password
            if state.stored is None or not cache.verify(state.stored.password_hash, password):
                failed = tx.users.record_failure(
                    username, address, policy.max_failures, policy.lock_seconds
                )
            elif state.failures:
                tx.users.clear_failures(username, address)
            tx.commit()
    if state.locked_until is not None:
        raise AuthenticationFailed(
            username, f"{who} refused: locked until {_utc(state.locked_until)}"
        )
    if failed is not None:
        failures, locked_until = failed
        note = f"{who} failed ({failures} of {policy.max_failures})"
        if locked_until is not None:
            note += f", locked until {_utc(locked_until)}"
        raise AuthenticationFailed(username, note)
    assert state.stored is not None
    return state.stored.user


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_hex(16))


def create_user(
    uow: UowFactory, username: str, cbe_number: str, role: Role, password: str, name: str | None
) -> bool:
    """Create the user (or reset its role, organisation and password); True when created."""
    if len(password) < 12:
        raise InvalidData("a password has at least 12 characters", fieldName="password")
    try:
        user = User(check_username(username), normalise_cbe_number(cbe_number), role)
    except ValueError as error:
        raise InvalidData(str(error)) from error
    with uow() as tx:
        tx.users.ensure_organisation(user.cbe_number, name)
        created = tx.users.save(user, hash_password(password))
        tx.commit()
    return created


@retried
def define_type_dossier(uow: UowFactory, cbe_number: str, code: str, description: str) -> None:
    """Define (or re-describe) a type dossier for an organisation."""
    try:
        cbe_number = normalise_cbe_number(cbe_number)
    except ValueError as error:
        raise InvalidData(str(error), cbeNumber=cbe_number) from error
    if not is_valid_code(code):
        raise InvalidData(
            "a typeDossier code has 1 to 64 characters from A-Z a-z 0-9 _ . -", code=code
        )
    with uow() as tx:
        tx.users.ensure_organisation(cbe_number)
        tx.type_dossiers.define(TypeDossier(cbe_number, code, description))
        tx.commit()


def list_type_dossiers(uow: UowFactory, caller: User) -> list[TypeDossier]:
    """The type dossiers defined for the caller's organisation."""
    with uow() as tx:
        return tx.type_dossiers.list(caller.cbe_number)


def search_person_by_ssin(uow: UowFactory, ssin: str) -> Person:
    """The person the authentic source knows under `ssin`, replaced and canceled ones included."""
    check_structure(ssin)
    with uow(autocommit=True) as tx:  # one read of the shared source
        person = StubAuthenticSource(tx.persons).person(ssin)
    if person is None:
        raise UnknownSsin("the ssin does not exist in the authentic source", ssin=ssin)
    return person


def record_audit(uow: UowFactory, entry: AuditEntry) -> None:
    """Write one audit entry: one INSERT, its own transaction."""
    with uow(autocommit=True) as tx:
        tx.audit.record(entry)
        tx.commit()


def verify_audit_log(uow: UowFactory, recorded_head: bytes | None = None) -> Verdict:
    """Recompute the audit log's hash chain: intact, or the first entry altered or removed.

    Entries written while another writer held the chain are sealed first.
    """
    with uow() as tx:
        tx.audit.seal()
        tx.commit()
    with uow() as tx:
        return audit_chain.verify(tx.audit.chain(), tx.audit.chain_head(), recorded_head)


AUDIT_PAGE_MAX = 1000


def consult_audit_log(
    uow: UowFactory,
    cbe_number: str | None,
    ssin: str | None,
    first: date | None,
    last: date | None,
    limit: int = 100,
    older_than: str | None = None,
) -> tuple[list[AuditEntry], bool]:
    """Audit entries matching the filters, newest first: (at most `limit`, whether more exist).

    `first` and `last` are Belgian days, both included. `older_than`, the ticketCBSS of the
    last entry of a page, gives the next page.
    """
    if cbe_number is not None:
        try:
            cbe_number = normalise_cbe_number(cbe_number)
        except ValueError as error:
            raise InvalidData(str(error), cbeNumber=cbe_number) from error
    if first is not None and last is not None and last < first:
        raise InvalidData("toDate is before fromDate", toDate=last.isoformat())
    if not 1 <= limit <= AUDIT_PAGE_MAX:
        raise InvalidData(
            f"at most {AUDIT_PAGE_MAX} entries at once", maximumResultCount=str(limit)
        )
    since = None if first is None else datetime.combine(first, time(), BRUSSELS)
    before = None
    if last is not None and last < date.max:
        before = datetime.combine(last + timedelta(days=1), time(), BRUSSELS)
    mark = None
    if older_than is not None:
        try:
            mark = UUID(older_than)
        except ValueError:
            raise InvalidData("not a ticketCBSS", olderThan=older_than[:40]) from None
    with uow() as tx:
        if mark is not None and tx.audit.by_ticket(mark) is None:
            raise InvalidData("no audit entry has this ticketCBSS", olderThan=older_than)
        found = tx.audit.search(cbe_number, ssin, since, before, limit + 1, mark)
    return found[:limit], len(found) > limit
