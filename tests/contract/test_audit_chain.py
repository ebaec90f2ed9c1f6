"""The audit log's hash chain: `raas audit verify` finds an edited, a removed, a truncated entry.

The entries are written by the live service (its restricted role); the tampering is done as the
owner, the only role allowed to change the log at all.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from functools import partial
from uuid import uuid4

import pytest
import zeep
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL

from raas import cli, usecases
from raas.models.audit_chain import AuditEntry
from raas.persistence.uow import UnitOfWork
from tests.contract.conftest import SoapFactory
from tests.world import Users


@pytest.fixture()
def verify(database_url: URL, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture):  # type: ignore[no-untyped-def, type-arg]
    """`verify(*options)`: run `raas audit verify` on the test database; (exit code, output)."""
    monkeypatch.setenv("RAAS_DATABASE_URL", database_url.render_as_string(hide_password=False))

    def run(*options: str) -> tuple[int, str]:
        code = cli.main(["audit", "verify", *options])
        out, err = capsys.readouterr()
        return code, out + err

    return run


def audited_calls(soap: SoapFactory, users: Users) -> None:
    """A few calls of every kind: accepted, refused, unauthenticated, by two organisations."""
    register = soap("Register", users.client)
    register.ListTypeDossiers()
    register.Consult(ssin="85073003328")
    soap("Register", users.other).ListTypeDossiers()
    soap("Admin", users.admin).ConsultAuditLog(cbeNumber=None)
    with pytest.raises(zeep.exceptions.Fault):
        soap("Register", users.client, password="wrong password").ListTypeDossiers()


def entries(engine: Engine) -> list[tuple[int, str]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, ticket_cbss::text FROM audit_log ORDER BY chain_seq"))
        return [(row.id, row.ticket_cbss) for row in rows]


def test_verify_passes_on_a_normal_run_and_prints_the_head(soap, users, engine, verify) -> None:  # type: ignore[no-untyped-def]
    audited_calls(soap, users)
    code, output = verify()
    assert code == 0, output
    assert "audit log intact: 5 entries checked" in output
    with engine.connect() as conn:
        head = conn.scalar(text("SELECT encode(hash, 'hex') FROM audit_chain_head"))
    assert f"hash {head}" in output
    assert verify("--head", head)[0] == 0


def test_an_edited_entry_is_named(soap, users, engine, verify) -> None:  # type: ignore[no-untyped-def]
    audited_calls(soap, users)
    edited_id, ticket = entries(engine)[2]
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE audit_log SET status_code = 'MSG00099' WHERE id = :id"), {"id": edited_id}
        )
    code, output = verify()
    assert code == 1
    assert f"entry id={edited_id} (ticketCBSS {ticket}, chain position 3) was altered" in output
    assert "intact up to: 2 entries checked" in output


def test_a_removed_middle_entry_is_named_by_the_gap(soap, users, engine, verify) -> None:  # type: ignore[no-untyped-def]
    audited_calls(soap, users)
    listed = entries(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": listed[1][0]})
    code, output = verify()
    assert code == 1
    following_id, following_ticket = listed[2]
    assert (
        f"the entry at chain position 2 was removed before entry id={following_id} "
        f"(ticketCBSS {following_ticket}, chain position 3)"
    ) in output


def test_removing_the_last_entries_is_found_by_the_head(soap, users, engine, verify) -> None:  # type: ignore[no-untyped-def]
    audited_calls(soap, users)
    code, output = verify()
    recorded = output.split(" hash ")[1].split()[0]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE chain_seq >= 4"))
    code, output = verify()
    assert code == 1
    assert "the entries at chain positions 4 to 5 were removed at the end of the log" in output
    # Whoever also rewinds the head hides it from the database alone, not from a recorded head.
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE audit_chain_head SET (seq, hash) = "
                "(SELECT chain_seq, hash FROM audit_log ORDER BY chain_seq DESC LIMIT 1)"
            )
        )
    assert verify()[0] == 0
    code, output = verify("--head", recorded)
    assert code == 1
    assert f"the recorded head {recorded} is not in the chain" in output


def test_concurrent_writers_never_fork_the_chain(
    service_engine: Engine, engine: Engine, verify
) -> None:  # type: ignore[no-untyped-def]
    uow = partial(UnitOfWork, service_engine)

    def write(worker: int) -> None:
        for n in range(20):
            usecases.record_audit(
                uow,
                AuditEntry(
                    datetime.now(UTC),
                    uuid4(),
                    None,
                    None,
                    "Register",
                    "Consult",
                    (f"{worker:02d}{n:09d}",),
                    "MSG00014",
                    n,
                    note='ünïcode "quoted" \n',
                ),
            )

    threads = [threading.Thread(target=write, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    code, output = verify()
    assert code == 0, output
    assert "120 entries checked" in output


def test_an_entry_written_while_the_chain_is_busy_is_chained_by_the_next_writer(
    service_engine: Engine, engine: Engine, verify
) -> None:  # type: ignore[no-untyped-def]
    uow = partial(UnitOfWork, service_engine)

    def write(operation: str) -> None:
        entry = AuditEntry(datetime.now(UTC), uuid4(), None, None, "Admin", operation, (), "OK", 1)
        usecases.record_audit(uow, entry)

    def chained() -> list[tuple[str, int | None]]:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT operation, chain_seq FROM audit_log ORDER BY id"))
            return [(row.operation, row.chain_seq) for row in rows]

    with engine.connect() as other_writer:  # holds the chain's lock, as a writer mid-commit
        other_writer.execute(text("SELECT pg_advisory_xact_lock(7284, 1)"))
        write("first")  # does not wait
        assert chained() == [("first", None)]
        other_writer.rollback()
    write("second")
    assert chained() == [("first", 1), ("second", 2)]
    assert verify()[0] == 0
