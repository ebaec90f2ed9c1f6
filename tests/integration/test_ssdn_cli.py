"""`raas ssdn clients …`, the source's card numbers and addresses, run as an operator runs them,
and the row-level security of the SSDN clients' table."""

from __future__ import annotations

import os
import subprocess
import sys
from functools import partial

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL

from raas.models.users import Role, User
from raas.persistence.uow import UnitOfWork
from raas.usecases import ssdn
from tests.world import CLIENT_CBE, OTHER_CBE, PEOPLE
from tests.world import DUPONT as SSIN

DUPONT_ROW = PEOPLE[SSIN].row  # his identification columns, without what else is known
CBE = CLIENT_CBE


@pytest.fixture()
def raas(database_url: URL, engine: Engine):  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAAS_")}
    env["RAAS_DATABASE_URL"] = database_url.render_as_string(hide_password=False)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "raas.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


def test_ssdn_clients_add_list_remove(raas) -> None:
    empty = raas("ssdn", "clients", "list")
    assert empty.returncode == 0 and "refuses every request" in empty.stdout
    added = raas(
        "ssdn",
        "clients",
        "add",
        "--cbe-number",
        "0203.201.340",
        "--network",
        "10.1.2.3/16",
        "--network",
        "2001:db8::/32",
        "--sector",
        "17",
        "--sub-sector",
        "1",
        "--org-unit",
        "0123456789",
    )
    assert added.returncode == 0, added.stderr
    assert "registered" in added.stdout
    listed = raas("ssdn", "clients", "list")
    assert listed.stdout.strip() == (
        f"{CBE} org-unit=0123456789 sector=17 sub-sector=1 networks=10.1.0.0/16,2001:db8::/32"
    )
    again = raas(
        "ssdn",
        "clients",
        "add",
        "--cbe-number",
        CBE,
        "--network",
        "192.0.2.0/24",
        "--sector",
        "17",
        "--org-unit",
        "0123456789",
    )
    assert "updated" in again.stdout
    assert "sub-sector=any networks=192.0.2.0/24" in raas("ssdn", "clients", "list").stdout
    assert (
        raas(
            "ssdn", "clients", "remove", "--cbe-number", CBE, "--org-unit", "0123456789"
        ).returncode
        == 0
    )
    missing = raas("ssdn", "clients", "remove", "--cbe-number", CBE, "--org-unit", "0123456789")
    assert missing.returncode != 0 and "no SSDN client" in missing.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("--cbe-number", "0203201341", "--network", "10.0.0.0/8"),
        ("--cbe-number", CBE, "--network", "10.0.0.300/8"),
        ("--cbe-number", CBE, "--network", "10.0.0.0/8", "--org-unit", "a b"),
    ],
    ids=["cbe", "network", "org-unit"],
)
def test_ssdn_clients_add_refuses_bad_values(raas, args) -> None:
    base = {"--org-unit": "0123456789"}
    given = dict(zip(args[::2], args[1::2], strict=True))
    flat = [x for k, v in {**base, **given}.items() for x in (k, v)]
    done = raas("ssdn", "clients", "add", "--sector", "17", *flat)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert raas("ssdn", "clients", "list").stdout.startswith("no SSDN client")


def test_source_import_and_update_learn_cards_and_addresses(raas, tmp_path, engine) -> None:
    csv = tmp_path / "persons.csv"
    csv.write_text(
        "ssin,lastName,firstName,birthDate,gender,status,replacedBy,identityCardNumber,"
        "postalCode,municipality\n"
        f"{DUPONT_ROW},591123456789,1000,Bruxelles\n"
    )
    assert raas("source", "import", str(csv)).returncode == 0
    updated = raas("source", "update", SSIN, "--sis-card-number", "1234567890")
    assert updated.returncode == 0, updated.stderr
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM source_person_details")).one()
    assert (row.identity_card_number, row.sis_card_number) == ("591123456789", "1234567890")
    assert (row.country_code, row.postal_code, row.municipality) == ("150", "1000", "Bruxelles")
    bad = raas("source", "update", SSIN, "--identity-card-number", "<script>")
    assert bad.returncode != 0 and "not a card number" in bad.stderr
    csv.write_text(
        "ssin,lastName,firstName,birthDate,gender,status,replacedBy,countryCode\n"
        f"{DUPONT_ROW},Belgium\n"
    )
    refused = raas("source", "import", str(csv))
    assert refused.returncode != 0 and "line 2: countryCode" in refused.stderr


def test_ssdn_clients_are_visible_to_their_organisation_only(engine, service_engine) -> None:
    owner = partial(UnitOfWork, engine)
    ssdn.add_client(owner, CBE, ["10.0.0.0/8"], 17, 1, "A")
    ssdn.add_client(owner, OTHER_CBE, ["10.0.0.0/8"], 17, 1, "B")
    service = partial(UnitOfWork, service_engine)
    assert ssdn.list_clients(service) == []  # no caller: nothing
    mine = ssdn.list_clients(partial(service, User("a", CBE, Role.CLIENT)))
    assert [c.org_unit for c in mine] == ["A"]
    every = ssdn.list_clients(partial(service, User("k", OTHER_CBE, Role.ADMIN)))
    assert [c.org_unit for c in every] == ["A", "B"]
    # before anyone is known, only the registrations of the caller's network are answered
    assert [c.org_unit for c in ssdn.registrations_for(service, "10.9.9.9")] == ["A", "B"]
    with pytest.raises(ssdn.Refused):
        ssdn.registrations_for(service, "192.0.2.1")
    with service_engine.connect() as conn, pytest.raises(Exception, match="permission denied"):
        conn.execute(
            text(
                "INSERT INTO ssdn_clients (cbe_number, org_unit, sector, networks) "
                "VALUES ('0203201340', 'X', 1, '{10.0.0.0/8}')"
            )
        )
