"""Inscription files under row-level security: an organisation's files are its data alone; the
background worker learns only which files wait (ids and organisations)."""

from __future__ import annotations

from uuid import uuid4

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from raas.models.users import Role, User
from raas.persistence.inscription_files import InscriptionFileRepository
from raas.persistence.uow import UnitOfWork
from tests.integration.test_row_level_security import CLIENT_A, A, B, service

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
