"""Password hashing (argon2id) and a short-lived memory of successful verifications.

An argon2 verification costs tens of milliseconds on purpose; paying it on every SOAP call would
cap a worker at a few dozen requests per second. `VerificationCache` remembers, for a short time,
that a password matched a stored hash. It keeps only an HMAC of the password under a key that
lives in this process's memory, never the password, and keys each entry by the stored hash, so a
changed password misses the cache at once. Failures are never remembered.

It also remembers the users it read from the database for `user_ttl` seconds, so that most calls
authenticate without a database round trip. Before it answers from that memory it asks
`users_changed()` (the service passes `raas.persistence.user_changes.UserChanges.changed`), and
forgets every user when the answer is yes: a new password, role or organisation, or a deleted
user, takes effect at once. Unknown users are not remembered.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """A salted argon2id hash of `password`."""
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True when `password` matches `stored_hash` (slow by design)."""
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class VerificationCache:
    """Remembers successful (stored hash, password) checks for `ttl` seconds, by HMAC only."""

    def __init__(
        self,
        ttl: float,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = 10_000,
        user_ttl: float = 0.0,
        users_changed: Callable[[], bool] = lambda: True,
    ) -> None:
        self._ttl = ttl
        self._user_ttl = user_ttl
        self._users: dict[str, tuple[Any, float]] = {}
        self._users_changed = users_changed
        self._clock = clock
        self._max_entries = max_entries
        self._key = os.urandom(32)
        self._entries: dict[str, tuple[bytes, float]] = {}
        self._lock = threading.Lock()

    def verify(self, stored_hash: str, password: str) -> bool:
        """Like verify_password, answered from memory when this pair matched recently."""
        tag = hmac.new(self._key, password.encode(), hashlib.sha256).digest()
        now = self._clock()
        with self._lock:
            hit = self._entries.get(stored_hash)
        if hit and hit[1] > now and hmac.compare_digest(hit[0], tag):
            return True
        if not verify_password(stored_hash, password):
            return False
        if self._ttl > 0:
            with self._lock:
                if len(self._entries) >= self._max_entries:
                    self._entries.clear()
                self._entries[stored_hash] = (tag, now + self._ttl)
        return True

    def user(self, username: str, load: Callable[[], Any]) -> Any:
        """`load()`, the stored user, answered from memory when read less than `user_ttl` ago."""
        now = self._clock()
        with self._lock:
            if self._users_changed():
                self._users.clear()
            hit = self._users.get(username)
        if hit and hit[1] > now:
            return hit[0]
        stored = load()
        if stored is not None and self._user_ttl > 0:
            with self._lock:
                if len(self._users) >= self._max_entries:
                    self._users.clear()
                self._users[username] = (stored, now + self._user_ttl)
        return stored
