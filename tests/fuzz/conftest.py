"""Fuzz fixtures: a small world of persons, type dossiers and links, and a database fingerprint.

The `engine` fixture keeps users, organisations, key types and formats between tests; fuzzed
admin calls change the last three, so `world` puts them back as they were when its test ends.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import partial

import pytest
from sqlalchemy import URL, Connection, Engine, delete, event, insert, select, text

from raas import usecases
from raas.config import Settings
from raas.models.ssin import make_ssin
from raas.models.users import Role, User
from raas.persistence.database import SERVICE_ROLE, make_engine
from raas.persistence.schema import metadata
from raas.persistence.uow import UnitOfWork
from raas.services.gateway import Gateway
from raas.usecases import links, register, sourcefeed
from raas.wsgi import create_app
from tests.conftest import KEPT_TABLES
from tests.contract import conftest as contract
from tests.contract.conftest import CLIENT_CBE, OTHER_CBE, Users

# The contract fixtures (users of both roles), used here too.
session_users = contract.session_users
users = contract.users

ACTIVE = make_ssin(1985, 3, 14, 123)
OTHER_PERSON = make_ssin(1962, 11, 2, 56)
SUCCESSOR = make_ssin(1985, 3, 14, 125)
REPLACED = make_ssin(1985, 3, 14, 127)
CANCELED = make_ssin(1990, 7, 0, 12)
BIS = make_ssin(1971, 5, 9, 31, month_offset=40)
UNKNOWN = make_ssin(1985, 3, 14, 997)
MALFORMED = ACTIVE[:-1] + str((int(ACTIVE[-1]) + 1) % 10)
SSINS = (ACTIVE, OTHER_PERSON, SUCCESSOR, REPLACED, CANCELED, BIS, UNKNOWN, MALFORMED)
CLIENT_TYPE_DOSSIERS = ("902", "LIVING_WAGE", "0")

# Tables that are not an organisation's or the source's data: every request writes an audit entry
# (and moves the chain's head), and a failed login is counted.
NOT_DATA = {"audit_log", "audit_chain_head", "login_failures"}
DATA_TABLES = [t for t in metadata.sorted_tables if t.name not in NOT_DATA]
RESTORED = ("organisations", "link_key_types", "link_formats")


def fingerprint(db: Engine | Connection) -> dict[str, str]:
    """One md5 per data table of all its rows (cheap enough to take around every request)."""
    if isinstance(db, Engine):
        with db.connect() as conn:
            return fingerprint(conn)
    query = " UNION ALL ".join(
        f"SELECT '{t.name}', md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) "
        f'FROM "{t.name}" r'
        for t in DATA_TABLES
    )
    return {name: digest for name, digest in db.execute(text(query))}


@pytest.fixture()
def snapshot(engine: Engine) -> Iterator[Callable[[], dict[str, str]]]:
    """`snapshot()`: the fingerprint, through one connection kept open for the test."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        yield partial(fingerprint, conn)


@pytest.fixture(scope="session")
def fuzz_app(service_url: URL) -> Iterator[Gateway]:
    """The app as `raas serve` builds it (the service's role, row-level security on), on an
    engine whose commits do not wait for the disk.

    Every fuzzed request commits an audit entry; on a shared CI disk waiting for each flush
    doubled the suite's time, and durability is not what this suite tests.
    """
    engine = make_engine(service_url, role=SERVICE_ROLE, lock_timeout=5)
    event.listen(engine, "connect", _no_disk_flush)
    yield create_app(Settings(), engine=engine)
    engine.dispose()


def _no_disk_flush(dbapi_connection, record) -> None:  # type: ignore[no-untyped-def]
    dbapi_connection.autocommit = True
    dbapi_connection.execute("SET synchronous_commit = off")
    dbapi_connection.autocommit = False


@dataclass(frozen=True)
class World:
    users: Users
    client_links: tuple[int, ...]  # links the client created (it may update them)
    other_links: tuple[int, ...]  # links of another organisation
    reports: tuple[int, ...]


@pytest.fixture()
def world(engine: Engine, users: Users) -> Iterator[World]:
    """Persons, type dossiers, links and a report; the kept tables restored afterwards."""
    kept = {}
    with engine.connect() as conn:
        for name in RESTORED:
            kept[name] = [r._asdict() for r in conn.execute(select(metadata.tables[name]))]
    uow = partial(UnitOfWork, engine)
    csv = (
        "ssin,lastName,firstName,birthDate,gender,status,replacedBy\n"
        f"{ACTIVE},Van den Broucke,Jan-Pieter,1985-03-14,MALE,ACTIVE,\n"
        f"{OTHER_PERSON},Lefèvre,Élodie,1962-11-02,FEMALE,ACTIVE,\n"
        f"{SUCCESSOR},Peeters,Marie,1985-03-14,FEMALE,ACTIVE,\n"
        f"{REPLACED},Peeters,Marie,1985-03-14,FEMALE,REPLACED,{SUCCESSOR}\n"
        f"{CANCELED},Dubois,Luc,1990-07-00,MALE,CANCELED,\n"
        f"{BIS},Kowalski,Piotr,1971-05-09,MALE,ACTIVE,\n"
    )
    assert sourcefeed.import_csv(uow, io.StringIO(csv)).errors == ()
    for code in CLIENT_TYPE_DOSSIERS:
        usecases.define_type_dossier(uow, CLIENT_CBE, code, code)
    usecases.define_type_dossier(uow, OTHER_CBE, "902", "other's")
    usecases.define_type_dossier(uow, OTHER_CBE, "ONLY_OTHER", "other's")
    client = User(users.client, CLIENT_CBE, Role.CLIENT)
    other = User(users.other, OTHER_CBE, Role.CLIENT)
    client_links = tuple(
        links.create_link(uow, client, ssin, key, "LU", "PASSPORT", None)[0].link_id
        for ssin, key in ((ACTIVE, "LU123456"), (OTHER_PERSON, "LU654321"))
    )
    other_link, _ = links.create_link(uow, other, ACTIVE, "AB12345", "FR", "PASSPORT", None)
    other_links = (other_link.link_id,)
    report, _ = links.report_link(uow, client, other_links[0], "wrong person")
    # Lines to remove, cut and consult, some at the ends of the calendar.
    for ssin, code, begin, end in (
        (ACTIVE, "902", date(2024, 1, 1), date(2024, 12, 31)),
        (ACTIVE, "902", date(2026, 1, 1), None),
        (OTHER_PERSON, "LIVING_WAGE", date.min, date(2000, 1, 1)),
        (OTHER_PERSON, "0", date(2020, 1, 1), date(9999, 12, 30)),
        (ACTIVE, "0", date.min, None),
    ):
        register.inscribe(uow, client, register.InscribeItem(ssin, code, begin, end))
    yield World(users, client_links, other_links, (report,))
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables if t.name not in KEPT_TABLES)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        for name in reversed(RESTORED):
            if name != "organisations":
                conn.execute(delete(metadata.tables[name]))
        organisations = metadata.tables["organisations"]
        conn.execute(
            delete(organisations).where(
                organisations.c.cbe_number.not_in([r["cbe_number"] for r in kept["organisations"]])
            )
        )
        for name in RESTORED:
            if name != "organisations" and kept[name]:
                conn.execute(insert(metadata.tables[name]), kept[name])
