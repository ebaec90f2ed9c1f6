"""tests/unit runs without PostgreSQL and without the HTTP app (`make test-fast`): a test here
that asks for the database, or for anything built on it, fails before it starts."""

from __future__ import annotations

import pytest

# Every fixture of tests/conftest.py that reaches PostgreSQL or serves the app builds on this one.
DATABASE = "database_url"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if DATABASE in getattr(item, "fixturenames", ()):
        pytest.fail(
            f"{item.nodeid} needs PostgreSQL: it belongs in tests/integration, not tests/unit",
            pytrace=False,
        )
