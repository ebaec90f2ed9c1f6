"""Is the database answering? (for /health)"""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError


def database_ok(engine: Engine) -> bool:
    """True when a trivial query answers within the statement timeout."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SET LOCAL statement_timeout = 2000"))
            conn.execute(text("SELECT 1"))
        return True
    except DBAPIError:
        return False
