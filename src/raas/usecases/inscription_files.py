"""Inscription files: a bulk load sent as one file, answered with a batch id at once, processed
in the background in the sender's organisation, with a result file at the end.

- `submit` checks the file's sha256 and stores it (a file sent twice, same sha256, is stored and
  applied once: the second sending answers the first one's batch id).
- `process` reads the whole file first (a file that cannot be read is refused, nothing applied),
  then applies it in chunks with `bulk.apply_items`, the set-based InscribeBatch:
  - mode LINE, each line on its own: a chunk and its part of the result file are one transaction
    (a few chunks at once), so a worker that dies resumes with the lines of no committed chunk;
  - mode FILE, all or none: every chunk in one transaction, committed only when no line was
    refused; otherwise nothing is applied, and the result file says what each line would have
    done (a second, read-only pass). A worker that dies leaves nothing: the file starts again.
- `run_waiting` is the background worker's round: every organisation's files not done yet, each
  taken by one worker at a time (a session lock its connection holds while it lives).
"""

from __future__ import annotations

import bisect
import gzip
import hashlib
import io
import logging
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import IO
from uuid import UUID, uuid4

from lxml import etree
from sqlalchemy import Engine

from raas.models.errors import DomainError, InvalidData
from raas.models.inscription_files import RESULT_COLUMNS, Line, read_csv, read_xml
from raas.models.inscriptions import PersonData
from raas.models.persons import Gender
from raas.models.users import Role, User
from raas.persistence.inscription_files import (
    InscriptionFileRepository,
    StoredFile,
    claim,
    release,
)
from raas.persistence.register_bulk import Rendering
from raas.persistence.uow import UnitOfWork
from raas.progress import Progress
from raas.schemas import schemas
from raas.usecases.bulk import apply_items
from raas.usecases.ports import UowFactory
from raas.usecases.transactions import retrying

log = logging.getLogger("raas.files")

FORMATS = ("CSV", "XML")
MODES = ("LINE", "FILE")
CHUNK_LINES = 5000  # lines per statement (and per transaction in mode LINE)
JOBS = 2  # mode LINE: chunks applied at once (one transaction and connection each)
_GZIP = b"\x1f\x8b"
_SCHEMA = etree.XMLSchema(etree.fromstring(schemas()["InscriptionFile.xsd"]))


@dataclass(frozen=True)
class Submitted:
    batch_id: UUID
    already: bool  # the same file (sha256) was sent before: this is its batch


def submit(
    uow: UowFactory,
    caller: User,
    content: bytes,
    sha256: str,
    format: str,  # noqa: A002
    mode: str,
    file_name: str | None = None,
) -> Submitted:
    """Store a file for processing; InvalidData when its sha256 is not the one given."""
    if hashlib.sha256(content).hexdigest() != sha256.strip().lower():
        raise InvalidData("the file's sha256 is not the one given", sha256=sha256[:64])
    if format not in FORMATS or mode not in MODES:
        raise InvalidData("format is CSV or XML, mode LINE or FILE", format=format, mode=mode)
    new = uuid4()
    with uow() as tx:
        batch = InscriptionFileRepository(tx.connection).add(
            new, caller.cbe_number, caller.username, sha256.strip().lower(), file_name,
            format, mode, content,
        )
        tx.commit()
    return Submitted(batch, batch != new)


def status(uow: UowFactory, caller: User, batch_id: UUID) -> StoredFile | None:
    """The caller's organisation's file, where its processing stands (None: no such file)."""
    with uow() as tx:
        return InscriptionFileRepository(tx.connection).get(caller.cbe_number, batch_id)


def write_result(uow: UowFactory, caller: User, batch_id: UUID, out: IO[bytes]) -> bool:
    """Write the result file (CSV, UTF-8) of a processed file to `out`, a part at a time;
    False, and nothing written, until the file is DONE or REFUSED."""
    with uow() as tx:
        files = InscriptionFileRepository(tx.connection)
        stored = files.get(caller.cbe_number, batch_id)
        if stored is None or stored.state not in ("DONE", "REFUSED"):
            return False
        out.write((",".join(RESULT_COLUMNS) + "\n").encode())
        for part in files.results(caller.cbe_number, batch_id):
            out.write(part.encode())
    return True


def process(
    uow: UowFactory,
    file: StoredFile,
    rendering: Rendering,
    progress: Progress | None = None,
    chunk_lines: int = CHUNK_LINES,
    jobs: int = JOBS,
) -> StoredFile:
    """Apply a stored file in its organisation, from where an earlier worker left it."""
    sender = User(file.username, file.cbe_number, Role.CLIENT)
    uow = partial(uow, sender)
    with uow() as tx:
        files = InscriptionFileRepository(tx.connection)
        current = files.get(file.cbe_number, file.batch_id)
        content = files.content(file.cbe_number, file.batch_id)
    if current is None or current.state in ("DONE", "REFUSED") or content is None:
        return current or file
    try:  # the whole file is read before anything is applied: a file is refused whole
        count = sum(1 for _ in _lines(content, current.format, check=False))
    except InvalidData as error:
        return _finish(uow, current, "REFUSED", str(error))
    if current.state == "RECEIVED":
        with uow() as tx:
            InscriptionFileRepository(tx.connection).start(file.cbe_number, file.batch_id, count)
            tx.commit()

    def report(done: int) -> None:
        if progress is not None:
            progress(done, count)

    if current.mode == "LINE":
        _line_by_line(uow, current, content, rendering, chunk_lines, report, jobs)
        return _finish(uow, current, "DONE", None)
    if retrying(lambda: _all_or_none(uow, current, content, rendering, chunk_lines, report)):
        return _finish(uow, current, "DONE", None)
    _what_each_line_would_do(uow, current, content, rendering, chunk_lines, report)
    return _finish(uow, current, "REFUSED", "a line was refused: no line of the file was applied")


def run_waiting(
    engine: Engine,
    rendering: Rendering,
    stop: Callable[[], bool] = lambda: False,
    chunk_lines: int = CHUNK_LINES,
    jobs: int = JOBS,
) -> int:
    """Process every file waiting, oldest first, each unless another worker has it; how many
    this worker finished."""
    with UnitOfWork(engine, autocommit=True) as tx:
        waiting = InscriptionFileRepository(tx.connection).waiting()
    done = 0
    for item in waiting:
        if stop():
            break
        finished = process_file(
            engine, item.batch_id, item.cbe_number, item.username, rendering,
            chunk_lines=chunk_lines, jobs=jobs,
        )
        done += finished is not None
    return done


def process_file(
    engine: Engine,
    batch_id: UUID,
    cbe_number: str,
    username: str,
    rendering: Rendering,
    progress: Progress | None = None,
    chunk_lines: int = CHUNK_LINES,
    jobs: int = JOBS,
) -> StoredFile | None:
    """Take the file (None when another worker has it) and process it to its end."""
    uow = partial(UnitOfWork, engine)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as session:
        if not claim(session, batch_id):
            return None
        try:
            with uow(User(username, cbe_number, Role.CLIENT)) as tx:
                stored = InscriptionFileRepository(tx.connection).get(cbe_number, batch_id)
            if stored is None:
                return None
            log.info("processing inscription file %s", batch_id)
            finished = process(uow, stored, rendering, progress, chunk_lines, jobs)
            log.info(
                "inscription file %s %s: %s lines, %s accepted, %s refused",
                batch_id, finished.state, finished.line_count, finished.accepted,
                finished.refused,
            )
            return finished
        finally:
            release(session, batch_id)


def _line_by_line(uow, file, content, rendering, chunk_lines, report, jobs) -> None:  # type: ignore[no-untyped-def]
    """Chunks in `jobs` transactions at once (PostgreSQL works on as many cores), each with
    its part of the result file; the lines of the parts already stored are passed by."""
    with uow() as tx:
        parts = InscriptionFileRepository(tx.connection).parts(file.cbe_number, file.batch_id)
    firsts = [first for first, _, _ in parts]
    lines = sum(count for _, _, count in parts)
    report(lines)

    def done(line: Line) -> bool:
        at = bisect.bisect_right(firsts, line.number) - 1
        return at >= 0 and line.number <= parts[at][1]

    def one(chunk: list[Line]) -> int:
        def attempt() -> int:
            with uow() as tx:
                count = _apply(tx, file, chunk, rendering, write=True)
                tx.commit()
            return count

        return retrying(attempt)

    remaining = (line for line in _lines(content, file.format) if not done(line))
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        pending: deque[Future[int]] = deque()
        for chunk in _chunks(remaining, chunk_lines):
            pending.append(pool.submit(one, chunk))
            while len(pending) > jobs:
                lines += pending.popleft().result()
                report(lines)
        while pending:
            lines += pending.popleft().result()
            report(lines)


def _all_or_none(uow, file, content, rendering, chunk_lines, report) -> bool:  # type: ignore[no-untyped-def]
    with uow() as tx:
        InscriptionFileRepository(tx.connection).drop_parts(file.cbe_number, file.batch_id)
        lines = 0
        for chunk in _chunks(_lines(content, file.format), chunk_lines):
            if _apply(tx, file, chunk, rendering, write=True, all_or_none=True) < 0:
                return False  # left without commit: nothing of the file is applied
            lines += len(chunk)
            report(lines)
        InscriptionFileRepository(tx.connection).finish(
            file.cbe_number, file.batch_id, "DONE", None
        )
        tx.commit()
    return True


def _what_each_line_would_do(uow, file, content, rendering, chunk_lines, report) -> None:  # type: ignore[no-untyped-def]
    with uow() as tx:
        InscriptionFileRepository(tx.connection).drop_parts(file.cbe_number, file.batch_id)
        lines = 0
        for chunk in _chunks(_lines(content, file.format), chunk_lines):
            _apply(tx, file, chunk, rendering, write=False)
            lines += len(chunk)
            report(lines)
        tx.commit()


def _apply(  # type: ignore[no-untyped-def]
    tx, file: StoredFile, chunk: list[Line], rendering: Rendering, *, write: bool,
    all_or_none: bool = False,
) -> int:
    """Apply a chunk and store its part of the result file; how many lines (-1: all or none,
    and a line was refused)."""
    with_data = [line for line in chunk if line.has_person_data and line.problem is None]
    applied = apply_items(
        tx,
        User(file.username, file.cbe_number, Role.CLIENT),
        {"items": "".join(map(_item, chunk))},
        rendering,
        given=(lambda n, rank: _person_data(with_data[rank - 1])) if with_data else None,
        write=write,
    )
    if all_or_none and applied.refused:
        return -1
    InscriptionFileRepository(tx.connection).add_part(
        file.cbe_number,
        file.batch_id,
        chunk[0].number,
        chunk[-1].number,
        len(chunk),
        applied.accepted if write else 0,
        applied.refused,
        applied.results,
    )
    return len(chunk)


def _finish(uow, file: StoredFile, state: str, problem: str | None) -> StoredFile:  # type: ignore[no-untyped-def]
    with uow() as tx:
        files = InscriptionFileRepository(tx.connection)
        current = files.get(file.cbe_number, file.batch_id, lock=True)
        if current is not None and current.state not in ("DONE", "REFUSED"):
            files.finish(file.cbe_number, file.batch_id, state, problem)
        tx.commit()
    with uow() as tx:
        return InscriptionFileRepository(tx.connection).get(file.cbe_number, file.batch_id) or file


def _lines(content: bytes, format: str, check: bool = True) -> Iterator[Line]:  # noqa: A002
    """The file's lines, read from its bytes (gzip or not); InvalidData when it is not one."""
    raw: io.BufferedIOBase = io.BytesIO(content)
    if content.startswith(_GZIP):
        raw = gzip.GzipFile(fileobj=raw)
    try:
        if format == "XML":
            yield from read_xml(raw, _SCHEMA)
        else:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            yield from read_csv(text, check)
    except (UnicodeDecodeError, OSError, EOFError) as error:
        raise InvalidData(f"the file cannot be read: {error}") from None
    except DomainError:
        raise
    except Exception as error:  # csv.Error: a NUL byte, a field too large
        raise InvalidData(f"the file cannot be read: {error}") from None


def _chunks(lines: Iterator[Line], size: int) -> Iterator[list[Line]]:
    chunk: list[Line] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _clean(value: str) -> str:
    """A malformed line's value as its result file can show it (one line, bounded)."""
    return value.replace("\t", " ").replace("\n", " ").replace("\r", " ")[:100]


def _item(line: Line) -> str:
    """The line as `register_bulk.BATCH_ITEMS` reads it."""
    ssin, code, begin, end = line.values[:4]
    if line.problem is not None:
        return f"{_clean(ssin)}\t{_clean(code)}\t\t\t\t{line.number}\t{_clean(line.problem)}\n"
    data = "1" if line.has_person_data else ""
    return f"{ssin}\t{code}\t{begin}\t{end}\t{data}\t{line.number}\t\n"


def _person_data(line: Line) -> PersonData:
    last, first, birth, gender = line.values[4:]
    return PersonData(
        last_name=last or None,
        first_name=first or None,
        birth_date=birth or None,
        gender=Gender(gender) if gender else None,
    )
