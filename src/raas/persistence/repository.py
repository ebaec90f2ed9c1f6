"""What every repository is: the SQL of one aggregate, on the connection of a unit of work."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import Connection


class Transaction(Protocol):
    """The unit of work a repository belongs to (it opens and ends the transaction)."""

    @property
    def connection(self) -> Connection: ...


class Repository:
    """Built with its unit of work, before the transaction begins; every statement runs on the
    connection of the transaction open at the time."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    @property
    def _conn(self) -> Connection:
        return self._tx.connection
