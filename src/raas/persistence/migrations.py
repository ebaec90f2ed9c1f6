"""Apply the Alembic migrations and check that they match the tables (no drift)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine
from sqlalchemy.engine import URL

from raas.persistence.database import create_database_if_missing

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


def alembic_config(url: URL) -> Config:
    """An Alembic configuration for the database `url` names."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser interpolates '%': a socket path in the URL is percent-encoded.
    cfg.set_main_option(
        "sqlalchemy.url", url.render_as_string(hide_password=False).replace("%", "%%")
    )
    return cfg


def upgrade(url: URL) -> None:
    """Create the database when it is missing and apply every migration."""
    create_database_if_missing(url)
    engine = create_engine(url, hide_parameters=True)
    try:
        with engine.begin() as conn:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    finally:
        engine.dispose()


def check(url: URL) -> None:
    """Raise when the tables in code and the migrations disagree (alembic check)."""
    engine = create_engine(url, hide_parameters=True)
    try:
        with engine.connect() as conn:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            command.check(cfg)
    finally:
        engine.dispose()


def is_current(url: URL) -> bool:
    """True when the database exists and is at the latest migration."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy.exc import OperationalError

    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    engine = create_engine(url, hide_parameters=True)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision() == head
    except OperationalError:
        return False
    finally:
        engine.dispose()
