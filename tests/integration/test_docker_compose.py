"""docker-compose.yml and the Dockerfile: PostgreSQL, then the migration, then the service."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml

from tests.conftest import ROOT

COMPOSE = ROOT / "docker-compose.yml"


def _compose_command() -> list[str] | None:
    """`docker compose` or `docker-compose`, whichever this machine has (None: neither)."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_docker_compose_config_accepts_the_file() -> None:
    command = _compose_command()
    if command is None:
        pytest.skip(
            "no Docker Compose here (neither `docker compose` nor `docker-compose`): "
            "`docker compose config` runs where the Docker client has it"
        )
    done = subprocess.run(
        [*command, "-f", str(COMPOSE), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def test_the_service_starts_after_a_successful_migration_after_a_healthy_database(
    services,
) -> None:
    assert {"db", "migrate", "raas"} <= set(services)
    assert services["db"]["image"].startswith("postgres:15")
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["migrate"]["command"] == ["raas", "db", "upgrade"]
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["raas"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    assert "/health" in " ".join(services["raas"]["healthcheck"]["test"])
    assert services["raas"]["command"][:2] == ["raas", "serve"]
    assert "notifications" in services["notifications"]["command"]
    assert services["notifications"]["profiles"] == ["jobs"]  # run by a timer, not by `up`


def test_every_raas_variable_given_is_one_the_code_reads(services) -> None:
    read = set(re.findall(r"RAAS_[A-Z_]+", (ROOT / "src/raas/config.py").read_text()))
    for name in ("migrate", "raas", "notifications"):
        environment = services[name]["environment"]
        given = {k for k in environment if k.startswith("RAAS_")}
        assert given <= read, f"{name}: {given - read} are read by nothing"
        url = environment["RAAS_DATABASE_URL"]
        assert url.startswith("postgresql+psycopg://") and "@db:5432/" in url
    assert services["raas"]["environment"]["RAAS_PUBLIC_URL"]


def test_the_image_runs_the_newest_supported_python_unprivileged_on_all_interfaces() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.13-slim", dockerfile, re.MULTILINE)
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.MULTILINE)
    for folder in ("src", "migrations", "wsdl", "xsd"):
        assert f"COPY {folder} ./{folder}" in dockerfile
    assert '"--host", "0.0.0.0"' in dockerfile
