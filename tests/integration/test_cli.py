"""The `raas` commands the contract fixes, run as a user runs them (a subprocess)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import URL

from raas import usecases
from raas.models.errors import AuthenticationFailed
from raas.passwords import VerificationCache
from raas.persistence.persons import source_persons
from raas.persistence.uow import UnitOfWork
from tests import world


def _persons(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(source_persons)) or 0


def test_users_create_reads_the_password_from_stdin(raas, engine) -> None:
    done = raas(
        "users",
        "create",
        "--username",
        "ocmw-gent",
        "--cbe-number",
        "0207.451.227",
        "--name",
        "OCMW Gent",
        "--role",
        "client",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert done.returncode == 0, done.stderr
    assert "a long enough password" not in done.stdout + done.stderr
    user = usecases.authenticate(
        partial(UnitOfWork, engine), VerificationCache(0), "ocmw-gent", "a long enough password"
    )
    assert (user.cbe_number, user.role.value) == ("0207451227", "client")
    with pytest.raises(AuthenticationFailed):
        usecases.authenticate(
            partial(UnitOfWork, engine),
            VerificationCache(0),
            "ocmw-gent",
            "a long enough password\n",
        )


@pytest.mark.parametrize(
    ("cbe", "password", "message"),
    [
        ("0207451228", "a long enough password", "KBO/CBE"),
        ("0207451227", "short", "12 characters"),
    ],
)
def test_users_create_refuses_bad_input(raas, cbe: str, password: str, message: str) -> None:
    done = raas(
        "users",
        "create",
        "--username",
        "x",
        "--cbe-number",
        cbe,
        "--password-stdin",
        stdin=password,
    )
    assert done.returncode == 2 and message in done.stderr


def test_source_seed_is_deterministic_and_idempotent(raas, engine) -> None:
    first = raas("source", "seed", "--persons", "200", "--seed", "7")
    assert first.returncode == 0 and "200 persons added" in first.stdout
    again = raas("source", "seed", "--persons", "250", "--seed", "7")
    assert again.returncode == 0 and "50 persons added" in again.stdout
    assert _persons(engine) == 250


def test_source_import_is_all_or_nothing(raas, engine, tmp_path: Path) -> None:
    good, bad = world.PEOPLE[world.JAN_PEETERS], "85031412303"  # bad: a wrong check digit
    file = tmp_path / "persons.csv"
    file.write_text(world.source_csv(good) + f"{bad},Janssens,An,1985-03-14,FEMALE,ACTIVE,\n")
    refused = raas("source", "import", str(file))
    assert refused.returncode == 2 and "line 3" in refused.stderr
    assert _persons(engine) == 0

    file.write_text(world.source_csv(good))
    assert "1 persons added, 0 updated" in raas("source", "import", str(file)).stdout
    file.write_text(world.source_csv(good.replace(first_name="Jan-Pieter")))
    assert "0 persons added, 1 updated" in raas("source", "import", str(file)).stdout


def test_commands_refuse_a_database_that_is_not_migrated(database_url: URL) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAAS_")}
    env["RAAS_DATABASE_URL"] = database_url.set(database="raas_never_created").render_as_string(
        hide_password=False
    )
    done = subprocess.run(
        [sys.executable, "-m", "raas.cli", "source", "seed", "--persons", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "raas db upgrade" in done.stderr


def test_demo_credentials_stay_the_same_until_rotated(
    database_url: URL, engine: Engine, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAAS_")}
    env["RAAS_DATABASE_URL"] = database_url.render_as_string(hide_password=False)
    env["RAAS_DATA_DIR"] = str(tmp_path)

    def demo(*extra: str) -> dict[str, str]:
        done = subprocess.run(
            [sys.executable, "-m", "raas.cli", "demo", "--persons", "5", *extra],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stderr
        assert str(tmp_path / "demo-credentials.json") in done.stdout
        return dict(re.findall(r"username=(\S+)\s+password=(\S+)", done.stdout))

    first = demo()
    assert set(first) == {"demo-admin", "demo-client"}
    with engine.connect() as conn:  # the integrator guide's person, for its pasted commands
        guide = conn.execute(
            select(source_persons.c.last_name).where(source_persons.c.ssin == "85031412302")
        ).scalar_one()
    assert guide == "Peeters"
    assert demo() == first  # a restart of `make run` prints the same passwords
    assert (tmp_path / "demo-credentials.json").stat().st_mode & 0o077 == 0
    rotated = demo("--rotate")
    assert rotated["demo-client"] != first["demo-client"]
    assert demo() == rotated
    uow = partial(UnitOfWork, engine)
    cache = VerificationCache(0)
    assert usecases.authenticate(uow, cache, "demo-client", rotated["demo-client"], "127.0.0.9")
