"""Consulting the audit log on the fakes: Belgian days, filters, pages and refused requests. The
hash chain is computed by PostgreSQL and verified in tests/integration."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from raas.models.audit_chain import AuditEntry
from raas.models.errors import InvalidData
from raas.usecases.audit import consult_audit_log, record_audit
from tests.fakes import FakeDatabase
from tests.unit.usecases.people import ACTIVE, ORG, OTHER_ORG, RR, world


def entry(at: datetime, cbe_number: str = ORG, ssins: tuple[str, ...] = ()) -> AuditEntry:
    return AuditEntry(at, uuid4(), cbe_number, "alice", "Register", "Consult", ssins, "MSG00000", 3)


# Brussels is UTC+2 in summer: 22:30 UTC on 30 June is already 1 July there.
LATE_JUNE_30 = entry(datetime(2024, 6, 30, 21, 30, tzinfo=UTC), ssins=(ACTIVE,))
JULY_1 = entry(datetime(2024, 6, 30, 22, 30, tzinfo=UTC), OTHER_ORG, (ACTIVE, RR))
JULY_2 = entry(datetime(2024, 7, 2, 12, 0, tzinfo=UTC), ssins=(RR,))


def logged() -> FakeDatabase:
    db = world()
    for each in (JULY_1, LATE_JUNE_30, JULY_2):
        record_audit(db, each)
    return db


def tickets(
    found: tuple[list[AuditEntry], bool],
) -> tuple[list[UUID], bool]:
    entries, more = found
    return [e.ticket_cbss for e in entries], more


def test_entries_come_newest_first_and_days_are_belgian_days() -> None:
    db = logged()
    assert tickets(consult_audit_log(db, None, None, None, None)) == (
        [JULY_2.ticket_cbss, JULY_1.ticket_cbss, LATE_JUNE_30.ticket_cbss],
        False,
    )
    june_30 = date(2024, 6, 30)
    assert tickets(consult_audit_log(db, None, None, june_30, june_30)) == (
        [LATE_JUNE_30.ticket_cbss],
        False,
    )
    july_1 = date(2024, 7, 1)
    assert tickets(consult_audit_log(db, None, None, july_1, date.max)) == (
        [JULY_2.ticket_cbss, JULY_1.ticket_cbss],
        False,
    )


def test_entries_are_filtered_by_organisation_and_ssin() -> None:
    db = logged()
    assert tickets(consult_audit_log(db, "BE 0203.201.340", ACTIVE, None, None)) == (
        [LATE_JUNE_30.ticket_cbss],
        False,
    )
    assert tickets(consult_audit_log(db, None, RR, None, None)) == (
        [JULY_2.ticket_cbss, JULY_1.ticket_cbss],
        False,
    )


def test_a_page_says_whether_more_follow_and_the_last_ticket_gives_the_next() -> None:
    db = logged()
    first, more = consult_audit_log(db, None, None, None, None, limit=2)
    assert more
    rest, more = consult_audit_log(
        db, None, None, None, None, limit=2, older_than=str(first[-1].ticket_cbss)
    )
    assert ([*first, *rest], more) == ([JULY_2, JULY_1, LATE_JUNE_30], False)


def ask(**given: Any) -> Callable[[FakeDatabase], object]:
    """ConsultAuditLog with these arguments, the others not given."""
    asked: dict[str, Any] = {"cbe_number": None, "ssin": None, "first": None, "last": None}
    return lambda db: consult_audit_log(db, **{**asked, **given})


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (ask(cbe_number="0203201341"), "cbeNumber"),
        (ask(first=date(2024, 7, 2), last=date(2024, 7, 1)), "toDate"),
        (ask(limit=0), "maximumResultCount"),
        (ask(limit=1001), "maximumResultCount"),
        (ask(older_than="not a ticket"), "olderThan"),
        (ask(older_than=str(uuid4())), "olderThan"),  # no entry has it
    ],
)
def test_a_request_the_log_cannot_answer_is_invalid_data(
    request_: Callable[[FakeDatabase], object], field: str
) -> None:
    with pytest.raises(InvalidData) as refused:
        request_(logged())
    assert list(refused.value.information) == [field]
