"""Accounts: organisations, their users, and the failed logins of a username from an address."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    Row,
    Table,
    Text,
    delete,
    func,
    literal_column,
)
from sqlalchemy.dialects.postgresql import insert

from raas.models.users import LoginState, Role, StoredUser, User
from raas.persistence.repository import Repository
from raas.persistence.tables import metadata

organisations = Table(
    "organisations",
    metadata,
    Column("cbe_number", Text, primary_key=True),
    Column("name", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

users = Table(
    "users",
    metadata,
    Column("username", Text, primary_key=True),
    Column("cbe_number", Text, ForeignKey("organisations.cbe_number"), nullable=False, index=True),
    Column("role", Text, nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column(
        "password_changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()
    ),
    CheckConstraint("role IN ('client', 'admin')", name="role"),
)

# Failed logins per (username, client address): a username is refused from an address after too
# many failures there, for a while, without locking its owner out elsewhere. Rows of failures
# older than the lock window are purged when failures are recorded, so the table stays small.
login_failures = Table(
    "login_failures",
    metadata,
    Column("username", Text, primary_key=True),
    Column("address", Text, primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", DateTime(timezone=True), nullable=False, index=True),
    Column("locked_until", DateTime(timezone=True)),
)

# One statement for the user and the failures of the username from the address; the user is
# read through raas_login (migration 0007): the service's role has no grant on `users` itself.
_LOGIN = """
    SELECT u.username, u.cbe_number, u.role, u.password_hash, f.failures,
           CASE WHEN f.locked_until > now() THEN f.locked_until END AS locked_until
    FROM (SELECT 1) AS one
    LEFT JOIN raas_login(%(username)s) AS u ON true
    LEFT JOIN login_failures AS f ON f.username = %(username)s AND f.address = %(address)s
"""

# A failure counts from 1 again once the previous one is older than the window or its lock
# has ended; reaching the limit locks the username from that address for the window.
_COUNT = """CASE WHEN f.last_failure_at < now() - make_interval(secs => %(window)s)
                   OR f.locked_until <= now() THEN 1 ELSE f.failures + 1 END"""
_FAIL = f"""
    INSERT INTO login_failures AS f (username, address, failures, last_failure_at, locked_until)
    VALUES (%(username)s, %(address)s, 1, now(),
            CASE WHEN 1 >= %(limit)s THEN now() + make_interval(secs => %(window)s) END)
    ON CONFLICT (username, address) DO UPDATE SET
        failures = {_COUNT},
        last_failure_at = now(),
        locked_until = CASE WHEN {_COUNT} >= %(limit)s
                            THEN now() + make_interval(secs => %(window)s) END
    RETURNING failures, locked_until
"""
_PURGE = """
    DELETE FROM login_failures
    WHERE last_failure_at < now() - make_interval(secs => %(window)s)
      AND (locked_until IS NULL OR locked_until < now())
"""
# How long a login waits for the other password checks of its (username, address): below the
# request deadline (RAAS_REQUEST_DEADLINE_SECONDS, 24 s by default).
LOGIN_LOCK_TIMEOUT = "15s"
_LOGIN_LOCK_TIMEOUT = f"SET LOCAL lock_timeout = '{LOGIN_LOCK_TIMEOUT}'"
# One lock per (username, address), in the transaction-scoped advisory lock space.
_LOCK_LOGIN = "SELECT pg_advisory_xact_lock(hashtext(%(username)s), hashtext(%(address)s))"


class UserRepository(Repository):
    def login_state(self, username: str, address: str) -> LoginState:
        """The user and the failures of `username` from `address`."""
        row = self._conn.exec_driver_sql(_LOGIN, {"username": username, "address": address})
        return _login_state(row.one())

    def record_failure(
        self, username: str, address: str, limit: int, window: float
    ) -> tuple[int, datetime | None]:
        """Count a failed login; (failures in a row, until when it is now refused or None).

        Also purges the failures nobody needs any more, which keeps the table small.
        """
        self._conn.exec_driver_sql(_PURGE, {"window": window})
        row = self._conn.exec_driver_sql(
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
        self._conn.exec_driver_sql(_LOGIN_LOCK_TIMEOUT)
        self._conn.exec_driver_sql(_LOCK_LOGIN, {"username": username, "address": address})

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
        changed = {
            "cbe_number": stmt.excluded.cbe_number,
            "role": stmt.excluded.role,
            "password_hash": stmt.excluded.password_hash,
            "password_changed_at": func.now(),
        }
        created = self._conn.execute(
            stmt.on_conflict_do_update(index_elements=["username"], set_=changed).returning(
                literal_column("(xmax = 0)")  # xmax = 0: the row was inserted
            )
        ).scalar()
        return bool(created)


def _login_state(row: Row[Any]) -> LoginState:
    stored = None
    if row.username is not None:
        stored = StoredUser(User(row.username, row.cbe_number, Role(row.role)), row.password_hash)
    return LoginState(stored, row.failures or 0, row.locked_until)
