"""Accounts: logging in, users and the type dossiers an organisation is given."""

from __future__ import annotations

import functools
import secrets
from datetime import UTC, datetime

from raas.models.errors import AuthenticationFailed, InvalidData
from raas.models.type_dossiers import TypeDossier, is_valid_code
from raas.models.users import LoginPolicy, Role, User, check_username, normalise_cbe_number
from raas.passwords import VerificationCache, hash_password, verify_password
from raas.usecases.ports import UowFactory
from raas.usecases.transactions import retried

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
