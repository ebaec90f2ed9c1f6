"""`raas register import --cbe-number N FILE`: an operator applies an inscription file."""

from __future__ import annotations

import csv
import gzip
import io
from functools import partial

from sqlalchemy import Engine, text

from raas import usecases
from raas.models.ssin import make_ssin
from raas.persistence.uow import UnitOfWork
from tests import world

CBE = world.CLIENT_CBE
PERSON = world.JAN_PEETERS
UNKNOWN = make_ssin(1985, 3, 14, 997)


def _setup(engine: Engine) -> None:
    uow = partial(UnitOfWork, engine)
    world.load(uow, PERSON)
    usecases.define_type_dossier(uow, CBE, "902", "Work incapacity")


def _lines(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(text("SELECT count(*) FROM events WHERE cbe_number = :c"), {"c": CBE})


def test_a_file_is_applied_with_its_result_file_and_not_twice(raas, engine, tmp_path) -> None:  # noqa: F811
    _setup(engine)
    path = tmp_path / "inscriptions.csv.gz"
    path.write_bytes(gzip.compress(
        f"ssin,typeDossier,beginDate\n{PERSON},902,2025-01-01\n{UNKNOWN},902,2025-01-01\n".encode()
    ))
    done = raas("register", "import", "--cbe-number", CBE, str(path))
    assert done.returncode == 1, done.stderr  # a line was refused
    assert "DONE, 2 lines, 1 applied, 1 refused" in done.stdout
    written = (tmp_path / "inscriptions.csv.gz.results.csv").read_text()
    results = list(csv.DictReader(io.StringIO(written)))
    assert [(r["line"], r["code"], r["applied"]) for r in results] == [
        ("2", "MSG00000", "true"),
        ("3", "MSG00005", "false"),
    ]
    again = raas("register", "import", "--cbe-number", CBE, str(path))
    assert "was sent before" in again.stdout
    assert _lines(engine) == 1


def test_all_or_none_and_an_organisation_without_type_dossiers(raas, engine, tmp_path) -> None:  # noqa: F811
    _setup(engine)
    path = tmp_path / "all.csv"
    path.write_text(
        f"ssin,typeDossier,beginDate\n{PERSON},902,2025-01-01\n{UNKNOWN},902,2025-01-01\n"
    )
    done = raas("register", "import", "--cbe-number", CBE, "--mode", "FILE", str(path))
    assert done.returncode == 1 and "REFUSED" in done.stdout
    assert _lines(engine) == 0
    refused = raas("register", "import", "--cbe-number", "0404616494", str(path))
    assert refused.returncode == 2 and "no type dossier" in refused.stderr
