"""Unit of work: one transaction, with the repositories bound to its connection."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

from raas.models.errors import ServiceUnavailable, TransientConflict
from raas.models.persons import Lock
from raas.models.users import User
from raas.persistence.accounts import UserRepository
from raas.persistence.audit import AuditRepository
from raas.persistence.events import EventRepository
from raas.persistence.link_formats import LinkFormatRepository
from raas.persistence.link_reports import LinkReportRepository
from raas.persistence.links import LinkRepository
from raas.persistence.notifications import NotificationRepository
from raas.persistence.person_import import PersonImportRepository
from raas.persistence.persons import (
    IdentificationRepository,
    PersonDetailsRepository,
    PersonRepository,
    StubAuthenticSource,
)
from raas.persistence.register import RegisterRepository
from raas.persistence.ssdn_clients import SsdnClientRepository
from raas.persistence.type_dossiers import TypeDossierRepository

# What the unit of work hands out as the authentic source, given the persons of its
# transaction and how to lock them: the composition root chooses it (the stub by default).
SourceFactory = Callable[[PersonRepository, Lock | None], Any]

# Serialization failure and deadlock: the transaction lost a race and may simply be run again.
TRANSIENT_SQLSTATES = {"40001", "40P01"}
# lock_timeout (the service's engine sets it): waiting behind a long operator job, give up.
LOCK_NOT_AVAILABLE = "55P03"
# The server is not (or no longer) a primary: a standby after a failover or switchover
# (read_only_sql_transaction), or one going down (admin_shutdown, crash_shutdown,
# cannot_connect_now). The connection is discarded: the next one finds the primary
# (a multi-host RAAS_DATABASE_URL with target_session_attrs=read-write).
NOT_PRIMARY_SQLSTATES = {"25006", "57P01", "57P02", "57P03"}

# The caller the row-level security policies (migration 0007) let the transaction see, sent in
# the same round trip as BEGIN (a simple-protocol query of two statements: no parameters).
_BEGIN_AS = (
    "BEGIN; SELECT set_config('raas.cbe_number', '{cbe}', true), "
    "set_config('raas.admin', '{admin}', true)"
)


class UnitOfWork:
    """`with uow:` opens a transaction; `commit()` keeps it; leaving without commit rolls back.

    With a `caller`, the transaction tells PostgreSQL whose it is, which the row-level security
    policies read, in the round trip of its BEGIN (the unit of work then sends BEGIN, COMMIT and
    ROLLBACK itself); without one, the service's role sees no organisation's data at all (the
    owner, running operator jobs, is not bound by them).

    `autocommit=True` runs each statement as its own transaction, without the round trips of
    BEGIN and COMMIT or ROLLBACK: for one write (the audit entry), and for reads of shared tables
    (persons, links) where, in READ COMMITTED, a transaction would add nothing (each statement
    takes its own snapshot either way). It tells PostgreSQL no caller: it sees no organisation's
    data.

    The repositories are made with it and act on the connection of its open transaction;
    `source(lock)` hands out the authentic source that `source` makes of the persons.
    """

    def __init__(
        self,
        engine: Engine,
        caller: User | None = None,
        *,
        autocommit: bool = False,
        source: SourceFactory = StubAuthenticSource,
    ) -> None:
        self.users = UserRepository(self)
        self.type_dossiers = TypeDossierRepository(self)
        self.persons = PersonRepository(self)
        self.identification = IdentificationRepository(self)
        self.person_details = PersonDetailsRepository(self)
        self.person_import = PersonImportRepository(self)
        self.audit = AuditRepository(self)
        self.register = RegisterRepository(self)
        self.events = EventRepository(self)
        self.links = LinkRepository(self)
        self.link_formats = LinkFormatRepository(self)
        self.link_reports = LinkReportRepository(self)
        self.notifications = NotificationRepository(self)
        self.ssdn_clients = SsdnClientRepository(self)
        self._source = source
        self._engine = engine
        self._caller = None if autocommit else caller
        self._autocommit = autocommit
        self._conn: Connection | None = None
        self._open = False  # a transaction this unit of work began itself is open
        self._begin: str | None = None
        if self._caller is not None:
            cbe = self._caller.cbe_number
            if not cbe.isdigit():  # normalised when the user was made; never quoted text
                raise ValueError(f"not a CBE number: {cbe!r}")
            admin = "on" if self._caller.is_admin else "off"
            self._begin = _BEGIN_AS.format(cbe=cbe, admin=admin)

    def __enter__(self) -> UnitOfWork:
        try:
            self._conn = self._engine.connect()
            if self._autocommit or self._begin is not None:
                self._conn = self._conn.execution_options(isolation_level="AUTOCOMMIT")
            self._conn.begin()
            if self._begin is not None:
                self._conn.exec_driver_sql(self._begin)
                self._open = True
        except DBAPIError as error:
            if self._conn is not None:
                self._conn.invalidate()
                self._conn = None
            raise ServiceUnavailable("the database cannot be reached") from error
        return self

    def source(self, lock: Lock | None = None) -> Any:
        """The authentic source, reading its persons in this transaction (with `lock`: locked
        until it ends)."""
        return self._source(self.persons, lock)

    def commit(self) -> None:
        assert self._conn is not None
        if self._open:
            self._conn.exec_driver_sql("COMMIT")
            self._open = False
        self._conn.commit()

    @property
    def connection(self) -> Connection:
        """The open transaction's connection (the repositories' statements run on it)."""
        assert self._conn is not None, "the unit of work is not open (use `with uow() as tx`)"
        return self._conn

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._conn is not None
        sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None)
        if sqlstate in NOT_PRIMARY_SQLSTATES and not self._conn.invalidated:
            self._conn.invalidate()  # never back into the pool
        try:
            if self._open and not self._conn.invalidated:
                self._conn.exec_driver_sql("ROLLBACK")
            self._conn.rollback()  # a no-op after commit()
            self._conn.close()
        except SQLAlchemyError:  # the connection broke: it is not given back to the pool
            self._conn.invalidate()
            with contextlib.suppress(SQLAlchemyError):
                self._conn.close()
        finally:
            self._conn = None
            self._open = False
        if not isinstance(exc, DBAPIError):
            return
        if exc.connection_invalidated:
            raise ServiceUnavailable("the database connection was lost") from exc
        if sqlstate in TRANSIENT_SQLSTATES:
            raise TransientConflict(str(exc.orig)) from exc
        if sqlstate == LOCK_NOT_AVAILABLE:
            raise ServiceUnavailable("a lock was not granted in time") from exc
        if sqlstate in NOT_PRIMARY_SQLSTATES:
            raise ServiceUnavailable("the database server is not the primary (failover)") from exc
        if isinstance(exc, OperationalError):  # shutting down, out of connections, timeouts
            raise ServiceUnavailable(f"the database is unavailable: {exc.orig}") from exc
