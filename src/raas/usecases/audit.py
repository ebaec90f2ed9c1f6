"""The audit log: writing an entry, verifying the hash chain, consulting it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from uuid import UUID

from raas.clock import BRUSSELS
from raas.models import audit_chain
from raas.models.audit_chain import AuditEntry, Verdict
from raas.models.errors import InvalidData
from raas.models.users import normalise_cbe_number
from raas.usecases.ports import UowFactory


def record_audit(uow: UowFactory, entry: AuditEntry) -> None:
    """Write one audit entry: one INSERT, its own transaction."""
    with uow(autocommit=True) as tx:
        tx.audit.record(entry)
        tx.commit()


def verify_audit_log(uow: UowFactory, recorded_head: bytes | None = None) -> Verdict:
    """Recompute the audit log's hash chain: intact, or the first entry altered or removed.

    Entries written while another writer held the chain are sealed first.
    """
    with uow() as tx:
        tx.audit.seal()
        tx.commit()
    with uow() as tx:
        return audit_chain.verify(tx.audit.chain(), tx.audit.chain_head(), recorded_head)


AUDIT_PAGE_MAX = 1000


def consult_audit_log(
    uow: UowFactory,
    cbe_number: str | None,
    ssin: str | None,
    first: date | None,
    last: date | None,
    limit: int = 100,
    older_than: str | None = None,
) -> tuple[list[AuditEntry], bool]:
    """Audit entries matching the filters, newest first: (at most `limit`, whether more exist).

    `first` and `last` are Belgian days, both included. `older_than`, the ticketCBSS of the
    last entry of a page, gives the next page.
    """
    if cbe_number is not None:
        try:
            cbe_number = normalise_cbe_number(cbe_number)
        except ValueError as error:
            raise InvalidData(str(error), cbeNumber=cbe_number) from error
    if first is not None and last is not None and last < first:
        raise InvalidData("toDate is before fromDate", toDate=last.isoformat())
    if not 1 <= limit <= AUDIT_PAGE_MAX:
        raise InvalidData(
            f"at most {AUDIT_PAGE_MAX} entries at once", maximumResultCount=str(limit)
        )
    since = None if first is None else datetime.combine(first, time(), BRUSSELS)
    before = None
    if last is not None and last < date.max:
        before = datetime.combine(last + timedelta(days=1), time(), BRUSSELS)
    mark = None
    if older_than is not None:
        try:
            mark = UUID(older_than)
        except ValueError:
            raise InvalidData("not a ticketCBSS", olderThan=older_than[:40]) from None
    with uow() as tx:
        if mark is not None and tx.audit.by_ticket(mark) is None:
            raise InvalidData("no audit entry has this ticketCBSS", olderThan=str(mark))
        found = tx.audit.search(cbe_number, ssin, since, before, limit + 1, mark)
    return found[:limit], len(found) > limit
