"""Tenant isolation enforced by PostgreSQL: the service's role under row-level security.

Each query here deliberately leaves out the organisation filter the repositories always write
(`SELECT … FROM register_lines`, nothing more): what comes back is what the policies let
through for the caller the unit of work announced. The rows are written by the owner.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from raas.models.users import Role, User
from raas.persistence.inscription_files import InscriptionFileRepository
from raas.persistence.uow import UnitOfWork
from tests.world import ADMIN_CBE, CLIENT_CBE, OTHER_CBE

A, B = CLIENT_CBE, OTHER_CBE
SSIN = "85073003328"

CLIENT_A = User("rls-client-a", A, Role.CLIENT)
ADMIN = User("rls-admin", ADMIN_CBE, Role.ADMIN)


@pytest.fixture()
def two_organisations(engine: Engine) -> None:
    """Rows of organisations A and B in every table that holds an organisation's data."""
    with engine.begin() as conn:
        for cbe in (A, B, ADMIN_CBE):
            conn.execute(
                text("INSERT INTO organisations (cbe_number) VALUES (:c) ON CONFLICT DO NOTHING"),
                {"c": cbe},
            )
        for cbe in (A, B):
            row = {"c": cbe, "now": datetime.now(UTC), "t": uuid4(), "f": f"{cbe}_DIMONA.xml"}
            conn.execute(text("INSERT INTO type_dossiers (cbe_number, code) VALUES (:c, 'T')"), row)
            conn.execute(
                text(
                    "INSERT INTO register_lines (cbe_number, ssin, type_dossier, periods) "
                    "VALUES (:c, :s, 'T', '{[2025-01-01,2025-02-01)}')"
                ),
                {**row, "s": SSIN},
            )
            conn.execute(
                text(
                    "INSERT INTO events (event_date, kind, ssin, cbe_number) "
                    "VALUES ('2025-01-01', 'INSCRIPTION', :s, :c)"
                ),
                {**row, "s": SSIN},
            )
            conn.execute(
                text(
                    "INSERT INTO events (event_date, kind, ssin, recipients) "
                    "VALUES ('2025-01-01', 'DIMONA', :s, ARRAY[:c])"
                ),
                {**row, "s": SSIN},
            )
            conn.execute(
                text("INSERT INTO subscriptions (cbe_number, flow) VALUES (:c, 'DIMONA')"), row
            )
            conn.execute(
                text(
                    "INSERT INTO flow_authorizations (cbe_number, flow, granted_by) "
                    "VALUES (:c, 'DIMONA', 'admin')"
                ),
                row,
            )
            conn.execute(
                text(
                    "INSERT INTO notification_files (file_name, cbe_number, flow, file_date, "
                    "sequence_number, record_count, sha256, content_deflated, voucher) "
                    "VALUES (:f, :c, 'DIMONA', '2025-01-01', 1, 0, '', '', '')"
                ),
                row,
            )
            conn.execute(
                text(
                    "INSERT INTO audit_log (at, ticket_cbss, cbe_number, service, operation, "
                    "status_code, duration_ms) VALUES (:now, :t, :c, 'Register', 'Consult', "
                    "'MSG00000', 1)"
                ),
                row,
            )
        # A source event for both: each sees it.
        conn.execute(
            text(
                "INSERT INTO events (event_date, kind, ssin, recipients) "
                "VALUES ('2025-01-01', 'SSIN_REPLACEMENT', :s, ARRAY[:a, :b])"
            ),
            {"s": SSIN, "a": A, "b": B},
        )


@contextmanager
def service(engine: Engine, caller: User | None) -> Iterator[Connection]:
    """A transaction of the service's role, for `caller` (None: no caller announced)."""
    with UnitOfWork(engine, caller) as tx:
        yield tx.connection


def organisations_seen(conn: Connection, table: str) -> set[str | None]:
    return set(conn.scalars(text(f"SELECT cbe_number FROM {table}")))  # no filter, on purpose


# Tables with an organisation column the service's role may read.
READABLE = [
    "organisations",
    "type_dossiers",
    "register_lines",
    "events",
    "subscriptions",
    "flow_authorizations",
    "notification_files",
]


@pytest.mark.parametrize("table", READABLE)
def test_a_query_without_the_organisation_filter_returns_only_the_callers_rows(
    two_organisations: None, service_engine: Engine, table: str
) -> None:
    with service(service_engine, CLIENT_A) as conn:
        seen = organisations_seen(conn, table)
    assert B not in seen
    assert A in seen or (table == "events" and None in seen)
    assert seen <= {A, None}


def test_events_show_an_organisation_its_own_and_those_it_receives(
    two_organisations: None, service_engine: Engine
) -> None:
    with service(service_engine, CLIENT_A) as conn:
        seen = conn.execute(text("SELECT kind, cbe_number, recipients FROM events")).all()
    assert sorted((kind, cbe, tuple(r or ())) for kind, cbe, r in seen) == [
        ("DIMONA", None, (A,)),
        ("INSCRIPTION", A, ()),
        ("SSIN_REPLACEMENT", None, (A, B)),
    ]


def test_clients_do_not_read_the_audit_log_or_users(
    two_organisations: None, service_engine: Engine
) -> None:
    with service(service_engine, CLIENT_A) as conn:
        assert conn.scalar(text("SELECT count(*) FROM audit_log")) == 0
    with service(service_engine, CLIENT_A) as conn, pytest.raises(DBAPIError) as refused:
        conn.execute(text("SELECT * FROM users"))
    assert "permission denied" in str(refused.value)


@pytest.mark.parametrize("table", [*READABLE, "audit_log"])
def test_without_a_caller_the_service_sees_no_organisation_data(
    two_organisations: None, service_engine: Engine, table: str
) -> None:
    with service(service_engine, None) as conn:
        assert conn.scalar(text(f"SELECT count(*) FROM {table}")) == 0


def test_an_admin_sees_across_organisations_only_where_admin_operations_need_it(
    two_organisations: None, service_engine: Engine
) -> None:
    with service(service_engine, ADMIN) as conn:
        for table in ("organisations", "type_dossiers", "subscriptions", "flow_authorizations"):
            assert {A, B} <= organisations_seen(conn, table), table
        assert {A, B} <= organisations_seen(conn, "audit_log")
        # No admin operation reads another organisation's register or files.
        assert organisations_seen(conn, "register_lines") == set()
        assert organisations_seen(conn, "notification_files") == set()


def test_a_client_cannot_write_into_another_organisation(
    two_organisations: None, service_engine: Engine
) -> None:
    with service(service_engine, CLIENT_A) as conn:
        changed = conn.execute(
            text("UPDATE register_lines SET periods = '{[2020-01-01,2030-01-01)}'")
        ).rowcount
        assert changed == 1  # its own line only
        assert conn.execute(text("DELETE FROM subscriptions")).rowcount == 1
    for statement in (
        f"INSERT INTO register_lines (cbe_number, ssin, type_dossier, periods) "
        f"VALUES ('{B}', '{SSIN}', 'T', '{{[2025-03-01,2025-04-01)}}')",
        f"INSERT INTO subscriptions (cbe_number, flow) VALUES ('{B}', 'SSIN_REPLACEMENT')",
        f"INSERT INTO events (event_date, kind, ssin, cbe_number) "
        f"VALUES ('2025-01-01', 'INSCRIPTION', '{SSIN}', '{B}')",
        # Only admins grant flows or define type dossiers, even for their own organisation.
        f"INSERT INTO flow_authorizations (cbe_number, flow, granted_by) "
        f"VALUES ('{A}', 'SSIN_REPLACEMENT', 'me')",
        f"INSERT INTO type_dossiers (cbe_number, code) VALUES ('{A}', 'NEW')",
    ):
        with service(service_engine, CLIENT_A) as conn, pytest.raises(DBAPIError) as refused:
            conn.execute(text(statement))
        assert "row-level security" in str(refused.value), statement


def test_the_audit_log_is_append_only_for_the_service(
    two_organisations: None, service_engine: Engine
) -> None:
    for statement in (
        "UPDATE audit_log SET status_code = 'MSG00000'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "UPDATE audit_chain_head SET seq = 0",
    ):
        with service(service_engine, ADMIN) as conn, pytest.raises(DBAPIError) as refused:
            conn.execute(text(statement))
        assert "permission denied" in str(refused.value), statement


def test_the_role_cannot_switch_row_level_security_off(
    two_organisations: None, service_engine: Engine
) -> None:
    with service(service_engine, CLIENT_A) as conn, pytest.raises(DBAPIError) as refused:
        conn.execute(text("SET LOCAL row_security = off"))
        conn.execute(text("SELECT * FROM register_lines"))
    assert "row-level security" in str(refused.value)
    for statement in (
        "ALTER TABLE register_lines DISABLE ROW LEVEL SECURITY",
        "ALTER TABLE register_lines NO FORCE ROW LEVEL SECURITY",
        "DROP POLICY own ON register_lines",
        "CREATE POLICY mine ON register_lines USING (true)",
        "SET ROLE postgres",
        "ALTER ROLE raas_service BYPASSRLS",
    ):
        with service(service_engine, CLIENT_A) as conn, pytest.raises(DBAPIError) as refused:
            conn.execute(text(statement))
        message = str(refused.value)
        assert "must be" in message or "permission denied" in message, statement
    with service(service_engine, None) as conn:
        conn.execute(text("RESET ROLE"))  # back to the login role, no more privileged
        assert conn.scalar(text("SELECT count(*) FROM register_lines")) == 0
        bypass = conn.scalar(
            text("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        )
        assert bypass is False


def test_only_the_security_definer_helpers_cross_organisations(
    two_organisations: None, service_engine: Engine, engine: Engine
) -> None:
    with service(service_engine, CLIENT_A) as conn:
        holders = set(conn.scalars(text(f"SELECT raas_holders(ARRAY['{SSIN}'], '2025-01-15')")))
        assert holders == {A, B}  # the organisations to notify, nothing of their lines
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (username, cbe_number, role, password_hash) "
                "VALUES ('rls-user-b', :b, 'client', 'x') ON CONFLICT DO NOTHING"
            ),
            {"b": B},
        )
    with service(service_engine, None) as conn:
        found = conn.execute(text("SELECT username, cbe_number FROM raas_login('rls-user-b')"))
        assert found.all() == [("rls-user-b", B)]  # one user, by its exact name only


@pytest.fixture()
def reports_and_deleted_links(two_organisations: None, engine: Engine) -> None:
    """A report and a deleted link of each of A and B, written by the owner."""
    with engine.begin() as conn:
        for number, cbe in enumerate((A, B), start=1):
            row = {"c": cbe, "n": 900 + number, "s": SSIN, "t": uuid4()}
            conn.execute(
                text(
                    "INSERT INTO link_reports (link_id, cbe_number, username, reason) "
                    "VALUES (:n, :c, 'someone', 'a reason naming a person')"
                ),
                row,
            )
            conn.execute(
                text(
                    "INSERT INTO deleted_links (link_id, ssin, country, key_type, foreign_key, "
                    "validity, cbe_number, created_at, deleted_by, deleted_by_cbe_number, "
                    "ticket_cbss) VALUES (:n, :s, 'NL', 'NATIONAL_NUMBER', '111222333', "
                    "'(,)', :c, now(), 'admin', :c, :t)"
                ),
                row,
            )


@pytest.mark.parametrize("table", ["link_reports", "deleted_links"])
def test_clients_see_no_link_report_or_deleted_link_and_admins_see_all(
    reports_and_deleted_links: None, service_engine: Engine, table: str
) -> None:
    with service(service_engine, CLIENT_A) as conn:
        assert organisations_seen(conn, table) == set()  # not even their own
    with service(service_engine, None) as conn:
        assert organisations_seen(conn, table) == set()
    with service(service_engine, ADMIN) as conn:
        assert organisations_seen(conn, table) == {A, B}


def test_a_client_files_a_report_only_in_its_own_name(
    reports_and_deleted_links: None, service_engine: Engine
) -> None:
    insert = (
        "INSERT INTO link_reports (link_id, cbe_number, username, reason) "
        "VALUES (1, :c, 'u', 'wrong key')"
    )
    with service(service_engine, CLIENT_A) as conn:
        conn.execute(text(insert), {"c": A})
    with service(service_engine, CLIENT_A) as conn, pytest.raises(DBAPIError) as refused:
        conn.execute(text(insert), {"c": B})
    assert "row-level security" in str(refused.value)
    with service(service_engine, CLIENT_A) as conn, pytest.raises(DBAPIError) as refused:
        conn.execute(
            text(
                "INSERT INTO deleted_links (link_id, ssin, country, key_type, foreign_key, "
                "validity, cbe_number, created_at, deleted_by, deleted_by_cbe_number, "
                "ticket_cbss) VALUES (5, :s, 'NL', 'X', 'k', '(,)', :c, now(), 'u', :c, :t)"
            ),
            {"s": SSIN, "c": A, "t": uuid4()},
        )
    assert "row-level security" in str(refused.value)


# -- inscription files: an organisation's files are its data alone; the background worker
# learns only which files wait (ids and organisations) ---------------------------------------

FILES = {A: uuid4(), B: uuid4()}


@pytest.fixture()
def files_of_both(engine: Engine) -> None:
    with engine.begin() as conn:
        for cbe, batch in FILES.items():
            conn.execute(
                text("INSERT INTO organisations (cbe_number) VALUES (:c) ON CONFLICT DO NOTHING"),
                {"c": cbe},
            )
            conn.execute(
                text(
                    "INSERT INTO inscription_files (batch_id, cbe_number, username, sha256, "
                    "format, mode, content) VALUES (:b, :c, 'u', 'x', 'CSV', 'LINE', 'data')"
                ),
                {"b": batch, "c": cbe},
            )
            conn.execute(
                text(
                    "INSERT INTO inscription_file_results (batch_id, first_line, last_line, "
                    "cbe_number, lines, accepted, refused, results) "
                    "VALUES (:b, 2, 2, :c, 1, 1, 0, 'a line')"
                ),
                {"b": batch, "c": cbe},
            )


@pytest.mark.parametrize("table", ["inscription_files", "inscription_file_results"])
def test_an_organisation_sees_only_its_own_files(
    files_of_both: None, service_engine: Engine, table: str
) -> None:
    with service(service_engine, CLIENT_A) as conn:
        assert set(conn.scalars(text(f"SELECT cbe_number FROM {table}"))) == {A}
    with service(service_engine, None) as conn:
        assert conn.scalar(text(f"SELECT count(*) FROM {table}")) == 0


def test_an_organisation_cannot_file_for_another(files_of_both: None, service_engine) -> None:
    with service(service_engine, CLIENT_A) as conn, pytest.raises(DBAPIError) as refused:
        conn.execute(
            text(
                "INSERT INTO inscription_files (batch_id, cbe_number, username, sha256, format, "
                "mode) VALUES (:b, :c, 'u', 'y', 'CSV', 'LINE')"
            ),
            {"b": uuid4(), "c": B},
        )
    assert "row-level security" in str(refused.value)
    with service(service_engine, CLIENT_A) as conn:
        assert conn.execute(text("UPDATE inscription_files SET state = 'DONE'")).rowcount == 1


def test_the_worker_learns_which_files_wait_and_nothing_else(
    files_of_both: None, service_engine: Engine
) -> None:
    with UnitOfWork(service_engine, autocommit=True) as tx:
        waiting = InscriptionFileRepository(tx.connection).waiting()
    assert {(w.batch_id, w.cbe_number) for w in waiting} == {(b, c) for c, b in FILES.items()}
    with UnitOfWork(service_engine, User("u", B, Role.CLIENT)) as tx:
        assert InscriptionFileRepository(tx.connection).get(B, FILES[A]) is None
