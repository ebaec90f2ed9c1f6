"""Feeding the stub authentic source: CSV imports and synthetic persons (`raas source …`).

An import is the authentic source telling what changed, so it does what the single commands do:
a person it turns REPLACED is replaced as by `raas source replace` (chain, refusals, lines and
links moved, event), a change of identification data records the event of `raas source update`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from raas.clock import today
from raas.models.errors import DomainError
from raas.models.person_csv import parse_numbered_persons_csv
from raas.models.persons import Changes, Person, PersonDetails, PersonStatus
from raas.models.synthetic import generate_persons
from raas.usecases.identification import changed_fields, identification_event
from raas.usecases.ports import UnitOfWork, UowFactory
from raas.usecases.source import replace_in
from raas.usecases.transactions import retrying


@dataclass(frozen=True)
class Imported:
    """What an import did; or, with `errors` ('line N: …'), why nothing was imported."""

    added: int = 0
    updated: int = 0
    replaced: int = 0
    events: int = 0
    errors: tuple[str, ...] = ()


def import_csv(
    uow: UowFactory, lines: Iterable[str], progress: Callable[[int, int], None] | None = None
) -> Imported:
    """Add or update the persons of a CSV file and apply its replacements, all or none.

    In one transaction: the persons are written in bulk (a REPLACED one keeping its status for
    now), every changed identification gets its IDENTIFICATION_DATA event, then the REPLACED
    rows are replaced in file order, so a NEW given in the same file exists and a chain A→B,
    B→C ends on C. A refused replacement, or a row that would undo a replacement (ACTIVE or
    CANCELED for a person already REPLACED), refuses the whole file. New persons record nothing,
    nor does one the file gives already REPLACED, unless lines reached it earlier in the file.
    `progress(done, total)` follows the persons written, then the replacements applied.
    """
    details: list[PersonDetails] = []
    numbered, errors = parse_numbered_persons_csv(lines, details)
    if errors:
        return Imported(errors=tuple(errors))
    return retrying(lambda: _import(uow, numbered, progress or _silent, details))


def _silent(done: int, total: int) -> None:
    pass


def _import(
    uow: UowFactory,
    numbered: list[tuple[int, Person]],
    progress: Callable[[int, int], None],
    details: list[PersonDetails] = (),  # type: ignore[assignment]
) -> Imported:
    with uow() as tx:
        # A person the file adds already REPLACED is history: replaced and checked, with no
        # event unless lines reached it earlier in the file.
        known = tx.persons.existing(
            person.ssin for _, person in numbered if person.status is PersonStatus.REPLACED
        )
        # The source does not undo a replacement: the person's lines are on its successor.
        replaced_before = tx.persons.replaced_among(
            person.ssin for _, person in numbered if person.status is not PersonStatus.REPLACED
        )
        refused = [
            f"line {line}: {person.ssin} is replaced by {replaced_before[person.ssin]}: "
            f"a replacement cannot be undone (status {person.status.value})"
            for line, person in numbered
            if person.ssin in replaced_before
        ]
        if refused:
            return Imported(errors=tuple(refused))
        events = 0

        def record(changes: Changes) -> None:
            nonlocal events
            events += _record_changes(tx, changes)

        # In ssin order: every import locks the persons it changes in the same order.
        added, updated = tx.person_import.upsert(
            sorted((person for _, person in numbered), key=lambda person: person.ssin),
            changed=record,
            progress=progress,
        )
        replaced = 0
        replacements = [(n, p) for n, p in numbered if p.status is PersonStatus.REPLACED]
        for step, (line, person) in enumerate(replacements, 1):
            progress(step, len(replacements))
            assert person.replaced_by is not None  # the parser checked it
            try:
                done = replace_in(tx, person.ssin, person.replaced_by, notify=person.ssin in known)
            except DomainError as error:
                # Nothing was written for this line: check the others, to report them all.
                refused.append(f"line {line}: {error}")
                continue
            if done.done:  # not when the file repeats a replacement already made
                replaced += 1
                if person.ssin in known or done.recipients:
                    events += 1  # its SSIN_REPLACEMENT
        if refused:
            return Imported(errors=tuple(refused))  # leaving without commit: nothing imported
        tx.person_details.merge(details)  # card numbers and addresses (optional columns)
        tx.commit()
    return Imported(added, updated, replaced, events)


def _record_changes(tx: UnitOfWork, changes: Changes) -> int:
    """Record the IDENTIFICATION_DATA events of a batch's changes; how many."""
    changed = {
        after.ssin: fields for before, after in changes if (fields := changed_fields(before, after))
    }
    if not changed:
        return 0
    day = today()
    holders = tx.register.holders_of(changed, day)
    tx.events.record(
        *(
            identification_event(ssin, fields, day, holders.get(ssin, ()))
            for ssin, fields in changed.items()
        )
    )
    return len(changed)


def seed(
    uow: UowFactory,
    count: int,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Add `count` synthetic persons (the same for the same seed); returns how many were new."""
    with uow() as tx:
        inserted = tx.person_import.copy(
            generate_persons(count, seed),
            progress=(lambda done: progress(done, count)) if progress else None,
        )
        tx.commit()
    return inserted


def sample_ssins(uow: UowFactory, limit: int) -> list[str]:
    """A few active ssins of the source, for examples."""
    with uow() as tx:
        return tx.persons.sample_ssins(limit)
