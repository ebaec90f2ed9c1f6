"""VerificationCache: remembers successes for a while, by HMAC only, never a failure."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from raas import passwords
from raas.passwords import VerificationCache, hash_password, verify_password

PASSWORD = "correct horse battery staple"
TTL = 60.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def stored_hash() -> str:
    return hash_password(PASSWORD)


@pytest.fixture()
def argon2_calls(monkeypatch) -> list[str]:
    """Counts the slow argon2 verifications the cache makes (the hashes it checks)."""
    calls: list[str] = []

    def counting(stored: str, password: str) -> bool:
        calls.append(stored)
        return verify_password(stored, password)

    monkeypatch.setattr(passwords, "verify_password", counting)
    return calls


@pytest.fixture()
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture()
def cache(clock) -> VerificationCache:
    return VerificationCache(TTL, clock=clock)


def test_a_recent_success_is_answered_without_argon2(cache, stored_hash, argon2_calls):
    assert cache.verify(stored_hash, PASSWORD)
    assert cache.verify(stored_hash, PASSWORD)
    assert len(argon2_calls) == 1


def test_a_success_is_forgotten_after_the_ttl(cache, clock, stored_hash, argon2_calls):
    assert cache.verify(stored_hash, PASSWORD)
    clock.now += TTL - 1
    assert cache.verify(stored_hash, PASSWORD)
    clock.now += 2
    assert cache.verify(stored_hash, PASSWORD)
    assert len(argon2_calls) == 2


def test_a_failure_is_never_remembered(cache, stored_hash, argon2_calls):
    assert not cache.verify(stored_hash, "wrong password")
    assert not cache.verify(stored_hash, "wrong password")
    assert len(argon2_calls) == 2
    assert cache.verify(stored_hash, PASSWORD)


def test_a_cached_success_does_not_let_another_password_in(cache, stored_hash, argon2_calls):
    assert cache.verify(stored_hash, PASSWORD)
    assert not cache.verify(stored_hash, PASSWORD + "!")
    assert len(argon2_calls) == 2


def test_a_changed_hash_misses_the_cache(cache, stored_hash):
    assert cache.verify(stored_hash, PASSWORD)
    changed = hash_password("a brand new password, longer")
    assert not cache.verify(changed, PASSWORD)


def test_a_zero_ttl_remembers_nothing(clock, stored_hash, argon2_calls):
    cache = VerificationCache(0, clock=clock)
    assert cache.verify(stored_hash, PASSWORD)
    assert cache.verify(stored_hash, PASSWORD)
    assert len(argon2_calls) == 2


def _everything_in(value: object, seen: set[int] | None = None) -> Iterator[object]:
    """Every object reachable from `value` through attributes and containers."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    yield value
    if isinstance(value, dict):
        children: list[object] = [*value.keys(), *value.values()]
    elif isinstance(value, list | tuple | set | frozenset):
        children = list(value)
    elif hasattr(value, "__dict__"):
        children = list(vars(value).values())
    else:
        children = []
    for child in children:
        yield from _everything_in(child, seen)


def test_the_cache_never_holds_the_password(cache, stored_hash):
    assert cache.verify(stored_hash, PASSWORD)
    held = list(_everything_in(cache))
    assert any(isinstance(v, bytes) for v in held)  # the HMAC tag is there...
    for value in held:  # ...but not the password, in any form
        if isinstance(value, str):
            assert PASSWORD not in value
        if isinstance(value, bytes | bytearray):
            assert PASSWORD.encode() not in value
            assert PASSWORD.encode("utf-16-le") not in value
