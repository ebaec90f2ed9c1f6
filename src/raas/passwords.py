"""Password hashing (argon2id) and a short-lived memory of successful verifications.

An argon2 verification costs tens of milliseconds on purpose; paying it on every SOAP call would
cap a worker at a few dozen requests per second. `VerificationCache` remembers, for a short time,
that a password matched a stored hash. It keeps only an HMAC of the password under a key that
lives in this process's memory, never the password, and keys each entry by the stored hash, so a
changed password misses the cache at once. Failures are never remembered.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
import time
from collections.abc import Callable

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
        self, ttl: float, clock: Callable[[], float] = time.monotonic, max_entries: int = 10_000
    ) -> None:
        self._ttl = ttl
        self._clock = clock
        self._max_entries = max_entries
        self._key = os.urandom(32)
        self._entries: dict[str, tuple[bytes, float]] = {}
        self._lock = threading.Lock()

    def remembers(self, stored_hash: str, password: str) -> bool:
        """True when this pair matched recently (no hashing: a dictionary look-up)."""
        tag = hmac.new(self._key, password.encode(), hashlib.sha256).digest()
        with self._lock:
            hit = self._entries.get(stored_hash)
        return bool(hit and hit[1] > self._clock() and hmac.compare_digest(hit[0], tag))

    def verify(self, stored_hash: str, password: str) -> bool:
        """Like verify_password, answered from memory when this pair matched recently."""
        if self.remembers(stored_hash, password):
            return True
        tag = hmac.new(self._key, password.encode(), hashlib.sha256).digest()
        now = self._clock()
        if not verify_password(stored_hash, password):
            return False
        if self._ttl > 0:
            with self._lock:
                if len(self._entries) >= self._max_entries:
                    self._entries.clear()
                self._entries[stored_hash] = (tag, now + self._ttl)
        return True
