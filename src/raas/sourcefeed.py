"""Feeding the stub authentic source: CSV imports and synthetic persons (`raas source …`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from raas.models.person_csv import parse_persons_csv
from raas.models.synthetic import generate_persons
from raas.persistence.source_persons import copy_persons, upsert_persons
from raas.usecases import UowFactory


def import_csv(uow: UowFactory, lines: Iterable[str]) -> tuple[int, int, list[str]]:
    """Add or update the persons of a CSV file, all or none: (added, updated, errors)."""
    persons, errors = parse_persons_csv(lines)
    if errors:
        return 0, 0, errors
    with uow() as tx:
        inserted, updated = upsert_persons(tx.connection, persons)
        tx.commit()
    return inserted, updated, []


def seed(
    uow: UowFactory,
    count: int,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Add `count` synthetic persons (the same for the same seed); returns how many were new."""
    with uow() as tx:
        inserted = copy_persons(
            tx.connection,
            generate_persons(count, seed),
            progress=(lambda done: progress(done, count)) if progress else None,
        )
        tx.commit()
    return inserted


def sample_ssins(uow: UowFactory, limit: int) -> list[str]:
    """A few active ssins of the source, for examples."""
    with uow() as tx:
        return tx.persons.sample_ssins(limit)
