"""Whether the users table changed: LISTEN to the `raas_users` notifications its trigger sends.

A worker remembers the users it authenticated (see `raas.passwords.VerificationCache`); before it
answers from memory it asks `changed()`, which reads the notifications already received on its
own listening connection without a round trip. Any change to `users` (a new password, role or
organisation, a deletion), made by RAAS or by hand, is thus seen by the next request.
"""

from __future__ import annotations

import contextlib
import logging

import psycopg
from sqlalchemy.engine import URL

log = logging.getLogger(__name__)

CHANNEL = "raas_users"


class UserChanges:
    def __init__(self, url: URL) -> None:
        self._conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._conn: psycopg.Connection | None = None

    def changed(self) -> bool:
        """True when users may have changed since the last call (also when it cannot be known)."""
        try:
            if self._conn is None or self._conn.closed:
                self._conn = psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5)
                self._conn.execute(f"LISTEN {CHANNEL}")
                return True  # what happened while nobody listened is unknown
            return bool(list(self._conn.notifies(timeout=0)))
        except psycopg.Error as error:
            log.warning("user change notifications unavailable: %s", error)
            self.close()
            return True

    def __del__(self) -> None:
        self.close()

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
            self._conn = None
