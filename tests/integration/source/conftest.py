"""Fixtures of the source-change tests: the source's persons and four organisations, and `raas`
commands run in-process on the test database."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import pytest
from sqlalchemy import Engine

from raas import cli
from raas.persistence.uow import UnitOfWork
from tests import world
from tests.integration.source.support import CODES, ORG_1, ORG_2, ORG_3, ORG_4, PERSONS


@pytest.fixture()
def uow(engine: Engine) -> partial[UnitOfWork]:
    """Persons A, B, C, OTHER (active) and CANCELED; type dossiers for four organisations."""
    factory = partial(UnitOfWork, engine)
    world.load(factory, *PERSONS.values())
    world.define_type_dossiers(factory, dict.fromkeys((ORG_1, ORG_2, ORG_3, ORG_4), CODES))
    return factory


@dataclass(frozen=True)
class Ran:
    code: int
    out: str


@pytest.fixture()
def raas(uow, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    """`raas(*argv)`: parse and run a `raas` command in-process on the test database."""
    monkeypatch.setattr(cli, "_uow", lambda: uow)

    def run(*argv: str) -> Ran:
        args = cli._parser().parse_args(argv)
        try:
            args.run(args)
        except cli.CommandError as error:
            return Ran(2, str(error))
        return Ran(0, capsys.readouterr().out)

    return run
