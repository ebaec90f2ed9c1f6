"""Shared fixtures: a real, migrated PostgreSQL database and the live WSGI app called over HTTP.

The database is the machine's PostgreSQL on 127.0.0.1:5432 when it answers (CI), else an
embedded PostgreSQL started in .raas-test/ (a machine with nothing but Python). Set
RAAS_TEST_DATABASE_URL to use another server. Each test run gets a fresh database of its own.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.util import setup_testing_defaults

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, make_url, text
from sqlalchemy.engine import URL

from raas.config import Settings
from raas.persistence import migrations
from raas.persistence.database import SERVICE_ROLE, make_engine
from raas.persistence.schema import metadata
from raas.services import fast_xml

ROOT = Path(__file__).resolve().parents[1]

# Every response the tests get is written by fast_xml and by spyne, and must be the same.
fast_xml.VERIFY = True

# No per-example deadline: a loaded 2-core CI machine must not turn slowness into failures.
hypothesis_settings.register_profile("raas", deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "raas"))


def _server_url() -> URL:
    if os.environ.get("RAAS_TEST_DATABASE_URL"):
        return make_url(os.environ["RAAS_TEST_DATABASE_URL"]).set(drivername="postgresql+psycopg")
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
        return make_url("postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    except OSError:
        from raas.persistence.database import database_url

        return database_url(Settings(data_dir=ROOT / ".raas-test"))


@pytest.fixture(scope="session")
def database_url() -> Iterator[URL]:
    """A freshly created and migrated database, dropped at the end of the run."""
    url = _server_url().set(database=f"raas_test_{os.getpid()}")
    _drop(url)
    migrations.upgrade(url)
    yield url
    _drop(url)


def _drop(url: URL) -> None:
    admin = make_engine(url.set(database="postgres"))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def session_engine(database_url: URL) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


# Users and their organisations are made once per run (argon2 hashing is slow by design).
KEPT_TABLES = {"users", "organisations", "link_key_types", "link_formats"}


@pytest.fixture()
def engine(session_engine: Engine) -> Engine:
    """The test database, emptied before the test (but for users and organisations)."""
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables if t.name not in KEPT_TABLES)
    with session_engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    return session_engine


def call_wsgi(  # type: ignore[no-untyped-def]
    app, method: str, path: str, body: bytes = b"", **environ: object
) -> tuple[str, bytes]:
    """Call a WSGI app directly (no HTTP server), with these extra environ keys."""
    env = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "wsgi.input": BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
        **environ,
    }
    setup_testing_defaults(env)
    answer: dict[str, str] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info=None) -> None:  # type: ignore[no-untyped-def]
        answer["status"] = status

    content = b"".join(app(env, start_response))
    return answer["status"], content


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


# The service's own login in tests (a member of raas_service, like RAAS_SERVICE_DATABASE_URL's
# role in production), so a test session cannot RESET ROLE back to the owner.
SERVICE_LOGIN = "raas_service_test"


@pytest.fixture(scope="session")
def service_url(database_url: URL, session_engine: Engine) -> URL:
    """The test database, logging in as the service's login role (created once per cluster)."""
    with session_engine.begin() as conn:  # roles are cluster-wide: parallel runs may race
        conn.execute(
            text(
                f"""
                DO $$ BEGIN
                    CREATE ROLE {SERVICE_LOGIN} LOGIN IN ROLE {SERVICE_ROLE};
                EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
                END $$
                """
            )
        )
    return database_url.set(username=SERVICE_LOGIN, password=None)


@pytest.fixture(scope="session")
def service_engine(service_url: URL) -> Iterator[Engine]:
    """The test database as the service sees it: the restricted role, row-level security on."""
    engine = make_engine(service_url, role=SERVICE_ROLE, lock_timeout=5)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def live_app(service_engine: Engine):  # type: ignore[no-untyped-def]
    """The WSGI app as `raas serve` builds it (default public URL, the service's role)."""
    from raas.wsgi import create_app

    return create_app(Settings(), engine=service_engine)


@contextmanager
def serving(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Serve a WSGI app over real HTTP on a free loopback port; yields its base URL."""
    server = make_server(
        "127.0.0.1", 0, app, server_class=_ThreadingServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def live_url(live_app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The base URL of the live app, served over real HTTP on a free loopback port."""
    with serving(live_app) as url:
        yield url
