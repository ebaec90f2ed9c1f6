"""A database error logged by the service carries no statement values, ssin or foreign key.

PostgreSQL's own DETAIL quotes the row of a violated constraint, and SQLAlchemy would print a
statement's parameters: both reach a log through an exception's text. The errors here are real
ones from the service's own engine, logged through the service's own handler set-up.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from raas import logs
from raas.models.ssin import make_ssin
from raas.persistence.database import make_engine

SSIN = make_ssin(1971, 4, 12, 331)
FOREIGN_KEY = "XN7731AB"  # a passport number: no eleven digits, so the ssin mask cannot see it


@pytest.fixture()
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logs.dress(handler, as_json=False)
    logger = logging.getLogger("raas.service")
    logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)


def _insert_link(conn, ssin: str, begin: str) -> None:  # type: ignore[no-untyped-def]
    conn.execute(
        text(
            "INSERT INTO links (ssin, country, key_type, foreign_key, key_as_given, validity, "
            "cbe_number, created_at, updated_at) VALUES (:s, 'LU', 'PASSPORT', :k, :k, "
            "daterange(CAST(:b AS date), NULL), '0203201340', :now, :now)"
        ),
        {"s": ssin, "k": FOREIGN_KEY, "b": begin, "now": datetime.now(UTC)},
    )


@pytest.mark.parametrize("second", [SSIN, make_ssin(1980, 1, 2, 11)], ids=["same", "other"])
def test_a_constraint_error_is_logged_without_the_keys_values(
    database_url: URL, engine: Engine, captured: io.StringIO, second: str
) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO organisations (cbe_number) VALUES ('0203201340') "
                "ON CONFLICT DO NOTHING"
            )
        )
    service_engine = make_engine(database_url)
    try:
        with service_engine.begin() as conn:
            _insert_link(conn, SSIN, "2020-01-01")
        with pytest.raises(DBAPIError) as refused, service_engine.begin() as conn:
            _insert_link(conn, second, "2021-01-01")  # the same key again
        logging.getLogger("raas.service").error("unexpected error", exc_info=refused.value)
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM links WHERE foreign_key = :k"), {"k": FOREIGN_KEY})
        service_engine.dispose()
    written = captured.getvalue()
    assert "IntegrityError" in written and "Key (" in written  # the error itself is there
    for secret in (FOREIGN_KEY, SSIN, second, "2020-01-01"):
        assert secret not in written, secret


def test_a_check_violation_is_logged_without_the_failing_row(
    database_url: URL, engine: Engine, captured: io.StringIO
) -> None:
    """A check constraint's DETAIL quotes the whole row (`Failing row contains (…)`): the
    ssin and the foreign key in it are not written."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO organisations (cbe_number) VALUES ('0203201340') "
                "ON CONFLICT DO NOTHING"
            )
        )
    service_engine = make_engine(database_url)
    try:
        with pytest.raises(DBAPIError) as refused, service_engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO links (ssin, country, key_type, foreign_key, key_as_given, "
                    "validity, cbe_number) VALUES (:s, 'LU', 'PASSPORT', :k, :k, "
                    "'empty'::daterange, '0203201340')"
                ),
                {"s": SSIN, "k": FOREIGN_KEY},
            )
        logging.getLogger("raas.service").error("unexpected error", exc_info=refused.value)
    finally:
        service_engine.dispose()
    written = captured.getvalue()
    assert "validity_not_empty" in written and "Failing row contains" in written
    for secret in (FOREIGN_KEY, SSIN):
        assert secret not in written, secret
