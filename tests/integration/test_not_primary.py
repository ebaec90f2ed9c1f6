"""A server that is no longer the primary (a standby after a failover) is MSG00001, not MSG00003.

A standby answers writes with read_only_sql_transaction (25006). The unit of work turns that into
ServiceUnavailable, the contract's MSG00001, and discards the connection, so that the next one
goes to the new primary (a multi-host RAAS_DATABASE_URL with target_session_attrs=read-write).
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from raas.models.errors import ServiceUnavailable
from raas.persistence.uow import UnitOfWork


def test_a_write_refused_as_read_only_is_unavailable_and_its_connection_discarded(
    engine: Engine,
) -> None:
    with pytest.raises(ServiceUnavailable, match="not the primary"), UnitOfWork(engine) as tx:
        tx.connection.exec_driver_sql("SET TRANSACTION READ ONLY")  # as on a standby
        seen = tx.connection.connection.dbapi_connection
        tx.connection.execute(text("CREATE TEMPORARY TABLE t (x int)"))
    with UnitOfWork(engine) as tx:  # the pool opened another connection
        assert tx.connection.connection.dbapi_connection is not seen
        assert tx.connection.execute(text("SELECT 1")).scalar_one() == 1
