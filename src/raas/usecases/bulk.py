"""Inscriptions in bulk: many items in one transaction, set-based in PostgreSQL.

The same rules as `register.inscribe_batch` (each item as its own Inscribe, in order), applied by
`persistence/register_bulk.py` in SQL; only the comparison of person data with the source runs
here, for the items that sent some. The results come back written by the caller's `Rendering`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from raas.clock import today
from raas.models.errors import DomainError, InvalidData, PersonDataMismatch
from raas.models.inscriptions import PersonData, mismatches
from raas.models.users import User
from raas.persistence.register_bulk import Applied, RegisterBulk, Rendering
from raas.persistence.uow import UnitOfWork
from raas.usecases.ports import UowFactory
from raas.usecases.transactions import retrying

# A replacement committed while a statement waited for a person's lock adds a chain step the
# statement had not locked: it runs again (rarely more than once).
ATTEMPTS = 5

# The person data the k-th item with person data sent (k from 1), by item and rank.
GivenData = Callable[[int, int], PersonData]


def inscribe_items(
    uow: UowFactory,
    caller: User,
    items: dict[str, Any],
    rendering: Rendering,
    given: GivenData | None = None,
    items_sql: str | None = None,
) -> Applied:
    """Apply the items (the parameters of `items_sql`, by default a batch's text) each on its
    own, in order, in one transaction; `given` answers the person data of those that sent some."""
    return retrying(lambda: _inscribe_items(uow, caller, items, rendering, given, items_sql))


def _inscribe_items(
    uow: UowFactory,
    caller: User,
    items: dict[str, Any],
    rendering: Rendering,
    given: GivenData | None,
    items_sql: str | None,
) -> Applied:
    with uow() as tx:
        applied = apply_items(tx, caller, items, rendering, given, items_sql)
        tx.commit()
    return applied


def apply_items(
    tx: UnitOfWork,
    caller: User,
    items: dict[str, Any],
    rendering: Rendering,
    given: GivenData | None = None,
    items_sql: str | None = None,
    write: bool = True,
) -> Applied:
    """`inscribe_items` in the caller's transaction, which it neither commits nor retries;
    without `write`, only the results (what the items would do)."""
    bulk = RegisterBulk(tx.connection, *(() if items_sql is None else (items_sql,)))
    refused: list[tuple[int, str, str]] = []
    if given is not None:
        for _ in range(ATTEMPTS):
            locked = bulk.lock(caller.cbe_number, items)
            if locked.closed:
                break
        _no_loop(locked.looped)
        for (n, rank), person in locked.persons.items():
            error = _person_data_error(given(n, rank), person)
            if error is not None:
                info = "".join(rendering.info(k, v) for k, v in error.information.items())
                refused.append((n, type(error).__name__, info))
    for _ in range(ATTEMPTS):
        applied = bulk.apply(caller.cbe_number, today(), items, rendering, refused, write)
        if applied.closed:
            break
    _no_loop(applied.looped)
    if not applied.closed:
        raise RuntimeError("the replacement chains kept changing while they were locked")
    return applied


def _person_data_error(given: PersonData, person: Any) -> DomainError | None:
    """As `register._check_person_data`: the fields that disagree, or an unreadable birthDate."""
    try:
        wrong = mismatches(given, person)
    except InvalidData as error:
        return error
    if not wrong:
        return None
    values = {
        "lastName": given.last_name,
        "firstName": given.first_name,
        "birthDate": given.birth_date,
        "gender": given.gender,
    }
    return PersonDataMismatch(
        "the person data do not match the authentic source",
        **{name: str(values[name]) for name in wrong},
    )


def _no_loop(looped: bool) -> None:
    if looped:  # replacements refuse cycles: only corrupt source data loops
        raise RuntimeError("a replacement chain of the batch loops")
