"""Is the database answering, and is it the primary? (for /health)"""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

_STATE = text(
    "SELECT coalesce(host(inet_server_addr()), 'local socket'), "
    "coalesce(inet_server_port(), 0), pg_is_in_recovery()"
)


def database_state(engine: Engine) -> str | None:
    """`primary HOST:PORT` (or `standby HOST:PORT`) of the server the service's connections
    reach, or None when none answers within the statement timeout. Behind a multi-host
    RAAS_DATABASE_URL this names the node pg_auto_failover made the primary."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SET LOCAL statement_timeout = 2000"))
            host, port, standby = conn.execute(_STATE).one()
    except DBAPIError:
        return None
    return f"{'standby' if standby else 'primary'} {host}:{port}"


def database_ok(engine: Engine) -> bool:
    """True when the database answers as a primary."""
    state = database_state(engine)
    return state is not None and state.startswith("primary")
