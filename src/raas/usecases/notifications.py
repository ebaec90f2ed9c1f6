"""Subscriptions, flow authorizations, and the daily run that builds the notification files.

The run for a day (`run_day`), exactly once whatever happens to it:

1. It claims the day's events once (`NotificationRepository.claim`, one committed statement)
   and freezes the list of subscriptions the day delivers to. Neither changes afterwards.
2. For each delivered subscription (organisation, flow) without a file for the day, in a fixed
   order, it streams the claimed records into a temporary outbox file, hashing and compressing
   them on the way, commits the file (content, voucher, next sequence number) and only then
   renames the outbox copies into place.
3. Files already committed for the day are not built again: their outbox copies are checked
   and rewritten from the stored bytes when missing or different.

Killed anywhere, the run started again finds the claim and the committed files and finishes the
rest with the same records and the same sequence numbers: the same bytes, no loss, no repeat.
A run finishes any earlier day left unfinished before it claims its own, so sequence numbers
follow the days. Runs are serialised by a PostgreSQL advisory lock.
"""

from __future__ import annotations

import hashlib
import itertools
import zlib
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from raas.clock import today
from raas.models.errors import FlowNotAuthorized, InvalidData
from raas.models.flows import NEEDS_AUTHORIZATION, Flow, Subscription
from raas.models.notification_files import (
    FileHeader,
    FileInfo,
    Record,
    StoredFile,
    voucher,
    write_data_file,
)
from raas.models.users import User, normalise_cbe_number
from raas.outbox import Outbox
from raas.usecases.ports import UowFactory
from raas.usecases.transactions import retried

Progress = Callable[[int, int], None]


class RunRefused(Exception):
    """The daily run cannot run now (another run holds the lock, or the day is out of order)."""


# -- subscriptions -------------------------------------------------------------------------------


@retried
def subscribe(uow: UowFactory, caller: User, flow: Flow) -> bool:
    """Subscribe the caller's organisation to a flow; True when new. RAAS0009 when not allowed."""
    with uow() as tx:
        if flow in NEEDS_AUTHORIZATION and not tx.notifications.is_authorized(
            caller.cbe_number, flow
        ):
            raise FlowNotAuthorized(
                "the organisation is not authorized for this flow", flow=flow.value
            )
        created = tx.notifications.subscribe(caller.cbe_number, flow)
        tx.commit()
    return created


@retried
def unsubscribe(uow: UowFactory, caller: User, flow: Flow) -> bool:
    """End the caller's subscription to a flow; True when there was one."""
    with uow() as tx:
        ended = tx.notifications.unsubscribe(caller.cbe_number, flow)
        tx.commit()
    return ended


def list_subscriptions(uow: UowFactory, caller: User) -> list[Subscription]:
    with uow() as tx:
        return tx.notifications.subscriptions(caller.cbe_number)


@retried
def grant(uow: UowFactory, admin: User, cbe_number: str, flow: Flow) -> bool:
    """Authorize an organisation for a flow; True when it was not yet."""
    cbe_number = _cbe(cbe_number)
    with uow() as tx:
        tx.users.ensure_organisation(cbe_number)
        granted = tx.notifications.grant(cbe_number, flow, admin.username)
        tx.commit()
    return granted


@retried
def revoke(uow: UowFactory, cbe_number: str, flow: Flow) -> bool:
    """Withdraw an authorization and the subscription it allowed; True when there was one.

    Delivery stops with it: the next run builds no file of that flow for the organisation.
    """
    cbe_number = _cbe(cbe_number)
    with uow() as tx:
        revoked = tx.notifications.revoke(cbe_number, flow)
        if flow in NEEDS_AUTHORIZATION:
            tx.notifications.unsubscribe(cbe_number, flow)
        tx.commit()
    return revoked


def _cbe(cbe_number: str) -> str:
    try:
        return normalise_cbe_number(cbe_number)
    except ValueError as error:
        raise InvalidData(str(error), cbeNumber=cbe_number) from error


# -- files over SOAP -----------------------------------------------------------------------------


def list_files(
    uow: UowFactory, caller: User, first: date | None, last: date | None
) -> list[FileInfo]:
    """The caller's organisation's files, by day then flow, between two days when given."""
    if first is not None and last is not None and last < first:
        raise InvalidData("toDate is before fromDate", toDate=last.isoformat())
    with uow() as tx:
        return tx.notifications.files(caller.cbe_number, first, last)


def get_file(uow: UowFactory, caller: User, file_name: str) -> StoredFile | None:
    """One of the caller's organisation's files; None for a name it has no file under."""
    with uow() as tx:
        return tx.notifications.file(caller.cbe_number, file_name)


# -- the daily run -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunReport:
    day: date
    claimed: int | None  # events claimed by this run; None when an earlier run claimed the day
    built: int  # files built and committed by this run
    kept: int  # files an earlier run of the day had committed
    restored: int  # outbox copies rewritten from the stored bytes
    records: int  # records in the files built


def run(
    uow: UowFactory, day: date, outbox: Path, progress: Progress | None = None
) -> list[RunReport]:
    """Build the day's files, after finishing any earlier day whose run was interrupted.

    One report per day handled, in date order. See the module's docstring.
    """
    if day > today():
        raise InvalidData("the day has not begun yet", date=day.isoformat())
    box = Outbox(outbox)
    box.check_writable()  # before claiming anything: an unusable folder changes nothing
    with uow() as lock:
        if not lock.notifications.lock_runs():
            raise RunRefused("another notification run is in progress")
        unfinished = [d for d in lock.notifications.unfinished_days() if d < day]
        box.remove_leftovers()
        return [_run_day(uow, d, box, progress) for d in [*unfinished, day]]


def run_day(
    uow: UowFactory, day: date, outbox: Path, progress: Progress | None = None
) -> RunReport:
    """`run` for one day: its report (and none of the earlier days it finished first)."""
    return run(uow, day, outbox, progress)[-1]


def _run_day(uow: UowFactory, day: date, box: Outbox, progress: Progress | None) -> RunReport:
    claimed = _claim(uow, day)
    with uow() as tx:
        # The subscriptions as they were when the day was claimed: a day run again, or finished
        # after a kill, builds exactly the files it would have built the first time.
        targets = tx.notifications.frozen_targets(day)
        stored = {(f.cbe_number, f.flow): (f, v) for f, v in tx.notifications.files_of_day(day)}
        last = tx.notifications.last_sequences()
    restored = _restore(uow, box, list(stored.values()))
    to_build = [t for t in targets if (t.cbe_number, t.flow) not in stored]
    built = records = 0
    subscribed = {(t.cbe_number, t.flow): t.since for t in to_build}
    with uow() as reader, closing(reader.notifications.records(day, subscribed)) as stream:
        groups = _Groups(stream)
        for target in to_build:
            key = (target.cbe_number, target.flow)
            header = FileHeader(target.cbe_number, target.flow, day, last.get(key, 0) + 1)
            records += _build(uow, box, header, groups.take(key))
            built += 1
            if progress:
                progress(built, len(to_build))
    with uow() as tx:
        tx.notifications.complete(day)
        tx.commit()
    return RunReport(day, claimed, built, len(stored), restored, records)


def _claim(uow: UowFactory, day: date) -> int | None:
    """Claim the day's events and freeze its subscriptions; None when claimed before."""
    with uow() as tx:
        if tx.notifications.claimed_at(day) is not None:
            return None
        latest = tx.notifications.latest_day()
        if latest is not None and latest > day:
            raise RunRefused(f"the run of {latest} was made already: days are run in order")
        claimed = tx.notifications.claim(day)
        tx.commit()
    return claimed


def _restore(uow: UowFactory, box: Outbox, files: list[tuple[FileInfo, bytes]]) -> int:
    """Rewrite the outbox copies of committed files that are missing or differ; how many.

    The stored bytes are the truth, also for the voucher: GetNotificationFile serves them.
    """
    restored = 0
    for info, proof in files:
        header = FileHeader(info.cbe_number, info.flow, info.file_date, info.sequence_number)
        data_ok = box.holds(info.cbe_number, info.file_name, info.sha256)
        voucher_ok = box.holds(info.cbe_number, header.voucher_name, _sha256(proof))
        if data_ok and voucher_ok:
            continue
        if not data_ok:
            with uow() as tx:
                stored = tx.notifications.file(info.cbe_number, info.file_name)
            assert stored is not None and _sha256(stored.content) == info.sha256
            box.write(info.cbe_number, info.file_name, stored.content)
        box.write(info.cbe_number, header.voucher_name, proof)
        restored += 1
    return restored


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


class _HashingSink:
    """Takes the data file's bytes: writes them out, hashes them and compresses a copy."""

    def __init__(self, out) -> None:  # type: ignore[no-untyped-def]
        self._out = out
        self._sha = hashlib.sha256()
        self._zip = zlib.compressobj(6)
        self._deflated: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._out.write(data)
        self._sha.update(data)
        self._deflated.append(self._zip.compress(data))
        return len(data)

    def finish(self) -> tuple[str, bytes]:
        self._deflated.append(self._zip.flush())
        return self._sha.hexdigest(), b"".join(self._deflated)


def _build(uow: UowFactory, box: Outbox, header: FileHeader, records: Iterator[Record]) -> int:
    """Write, commit, then publish one file and its voucher; its record count."""
    data = box.open_temporary(header.cbe_number, header.file_name)
    try:
        sink = _HashingSink(data)
        count = write_data_file(sink, header, records)  # type: ignore[arg-type]
        sha256, deflated = sink.finish()
        proof = voucher(header, count, sha256)
        with uow() as tx:
            info = FileInfo(
                header.file_name,
                header.cbe_number,
                header.flow,
                header.day,
                header.sequence_number,
                count,
                sha256,
            )
            if not tx.notifications.add_file(info, deflated, proof):
                raise RunRefused(f"{header.file_name} was committed by another run")
            tx.commit()
    except BaseException:
        data.close()
        raise
    box.publish(data)
    box.write(header.cbe_number, header.voucher_name, proof)  # the voucher last: all is there
    return count


class _Groups:
    """The stream of records, handed out one (organisation, flow) group at a time, in order."""

    def __init__(self, records: Iterator[Record]) -> None:
        self._groups = itertools.groupby(records, key=lambda r: (r.cbe_number, r.flow))
        self._current: tuple[tuple[str, Flow], Iterator[Record]] | None = next(self._groups, None)

    def take(self, key: tuple[str, Flow]) -> Iterator[Record]:
        """The records of `key` (none when it has none); groups before it are skipped."""
        while self._current is not None and _order(self._current[0]) < _order(key):
            self._current = next(self._groups, None)
        if self._current is None or self._current[0] != key:
            return iter(())
        _, records = self._current
        self._current = None
        return self._then_advance(records)

    def _then_advance(self, records: Iterator[Record]) -> Iterator[Record]:
        yield from records
        self._current = next(self._groups, None)


def _order(key: tuple[str, Flow]) -> tuple[bytes, bytes]:
    """The order of the records query (COLLATE "C": byte order)."""
    return key[0].encode(), key[1].value.encode()
