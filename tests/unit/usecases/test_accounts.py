"""Accounts on the fakes: logging in and its lockout, users, type dossiers. How PostgreSQL counts
failures within the window and serialises concurrent logins is tested in tests/integration."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from argon2 import PasswordHasher, profiles

from raas import passwords
from raas.models.errors import AuthenticationFailed, InvalidData
from raas.models.type_dossiers import TypeDossier
from raas.models.users import LoginPolicy, Role, User
from raas.passwords import VerificationCache
from raas.usecases.accounts import (
    _dummy_hash,
    authenticate,
    create_user,
    define_type_dossier,
    list_type_dossiers,
)
from raas.usecases.register import InscribeItem, inscribe
from tests.fakes import FakeDatabase
from tests.unit.usecases.people import ACTIVE, ORG, world

PASSWORD = "correct horse battery"
POLICY = LoginPolicy(max_failures=3, lock_seconds=60)
HOME = "192.0.2.1"
ELSEWHERE = "198.51.100.7"
CAROL = User("carol", ORG, Role.CLIENT)


@pytest.fixture(scope="module", autouse=True)
def cheap_hashes() -> Iterator[None]:
    """Argon2 at its cheapest: the cost of a hash is not what these tests are about."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", PasswordHasher.from_parameters(profiles.CHEAPEST))
        _dummy_hash.cache_clear()
        yield
    _dummy_hash.cache_clear()


@pytest.fixture(scope="module")
def accounts(cheap_hashes: None) -> FakeDatabase:
    """A database with carol's account (hashing is slow by design: made once)."""
    db = world()
    assert create_user(db, "carol", ORG, Role.CLIENT, PASSWORD, "Carol's org") is True
    return db


@pytest.fixture()
def db(accounts: FakeDatabase) -> FakeDatabase:
    """Carol's account, no failed login yet, and a clock that can be moved on."""
    fresh = FakeDatabase(copy.deepcopy(accounts.state))
    start = datetime.now(UTC)
    fresh.now = lambda: start
    return fresh


def login(
    db: FakeDatabase,
    password: str = PASSWORD,
    address: str = HOME,
    cache: VerificationCache | None = None,
    username: str = "carol",
) -> User:
    return authenticate(db, cache or VerificationCache(0), username, password, address, POLICY)


def fail(db: FakeDatabase, times: int, address: str = HOME, username: str = "carol") -> str:
    """Log in with a wrong password `times` times; the last refusal's note."""
    for _ in range(times):
        with pytest.raises(AuthenticationFailed) as refused:
            login(db, "wrong password", address, username=username)
    assert refused.value.note is not None
    return refused.value.note


def test_the_right_password_logs_in_and_a_wrong_one_is_counted(db: FakeDatabase) -> None:
    assert login(db) == CAROL
    assert fail(db, 1).endswith("failed (1 of 3)")
    assert fail(db, 1).endswith("failed (2 of 3)")


def test_after_too_many_failures_even_the_right_password_is_refused_until_the_lock_ends(
    db: FakeDatabase,
) -> None:
    cache = VerificationCache(3600)
    assert login(db, cache=cache) == CAROL  # remembered: the hot path checks no hash
    assert ", locked until " in fail(db, 3)
    with pytest.raises(AuthenticationFailed) as refused:
        login(db, cache=cache)
    assert " refused: locked until " in str(refused.value.note)
    assert login(db, address=ELSEWHERE) == CAROL  # only from the address that failed
    start = db.now()
    db.now = lambda: start + timedelta(seconds=61)
    assert login(db, cache=cache) == CAROL


def test_a_success_forgets_the_failures_before_it(db: FakeDatabase) -> None:
    cache = VerificationCache(3600)
    assert login(db, cache=cache) == CAROL
    fail(db, 2)
    assert login(db, cache=cache) == CAROL  # remembered, and yet the failures are cleared
    assert fail(db, 2).endswith("failed (2 of 3)")
    assert login(db, cache=cache) == CAROL


def test_an_unknown_user_fails_like_a_wrong_password_and_is_locked_out_alike(
    db: FakeDatabase,
) -> None:
    assert fail(db, 1, username="mallory").endswith("failed (1 of 3)")
    assert ", locked until " in fail(db, 2, username="mallory")
    assert login(db) == CAROL  # another username


def test_a_username_no_user_can_have_is_refused_without_counting(db: FakeDatabase) -> None:
    with pytest.raises(AuthenticationFailed) as refused:
        login(db, username="carol; DROP TABLE users")
    assert str(refused.value.note).endswith("failed: not a valid username")
    assert db.state.failures == {}


def test_creating_a_user_again_resets_its_password_and_role() -> None:
    db = world()
    assert create_user(db, "dave", "BE 0203.201.340", Role.CLIENT, PASSWORD, None) is True
    assert login(db, username="dave") == User("dave", ORG, Role.CLIENT)
    assert create_user(db, "dave", ORG, Role.ADMIN, "another long password", None) is False
    assert login(db, "another long password", username="dave").is_admin
    with pytest.raises(AuthenticationFailed):
        login(db, username="dave")


@pytest.mark.parametrize(
    ("username", "cbe_number", "password"),
    [
        ("erin", ORG, "short"),
        ("erin", "0203201341", PASSWORD),  # mod-97 check fails
        ("erin smith", ORG, PASSWORD),
    ],
)
def test_a_user_that_cannot_exist_is_not_created(
    username: str, cbe_number: str, password: str
) -> None:
    db = world()
    with pytest.raises(InvalidData):
        create_user(db, username, cbe_number, Role.CLIENT, password, None)
    assert db.state.users == {}


def test_a_type_dossier_defined_for_an_organisation_can_be_inscribed_under_at_once() -> None:
    db = world()
    define_type_dossier(db, "BE 0203.201.340", "HEALTH", "Health insurance")
    define_type_dossier(db, ORG, "HEALTH", "Sickness insurance")
    assert TypeDossier(ORG, "HEALTH", "Sickness insurance") in list_type_dossiers(db, CAROL)
    assert inscribe(db, CAROL, InscribeItem(ACTIVE, "HEALTH", date(2024, 1, 1))).lines


@pytest.mark.parametrize(
    ("cbe_number", "code"),
    [("0203201341", "HEALTH"), (ORG, "HEALTH INSURANCE"), (ORG, ""), (ORG, "H" * 65)],
)
def test_a_type_dossier_that_cannot_exist_is_not_defined(cbe_number: str, code: str) -> None:
    db = world()
    with pytest.raises(InvalidData):
        define_type_dossier(db, cbe_number, code, "Health")
    assert [t.code for t in list_type_dossiers(db, CAROL)] == ["FAMILY", "SOCIAL"]
