"""The authentic source (national register + BIS register) as the use cases see it.

Production would put an adapter to the real registers behind `AuthenticSource`; this project
ships the stub, which keeps its persons in its own PostgreSQL tables, fed by `raas source …`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from raas.models.persons import Person
from raas.persistence.repositories import Lock, PersonRepository


class AuthenticSource(Protocol):
    def person(self, ssin: str) -> Person | None:
        """The person the source knows under `ssin` (active, replaced or canceled), or None."""
        ...

    def persons(self, ssins: Iterable[str]) -> dict[str, Person]:
        """The persons the source knows under these ssins, by ssin."""
        ...


class StubAuthenticSource:
    """The stub: persons read from the `source_persons` table, in the caller's transaction.

    Writers that act on a person (its register lines, its links, its data) read with a `lock`:
    a replacement locks the person FOR UPDATE, so it waits for the writers that read before it,
    and the writers that read after it see the person replaced and follow the chain.
    """

    def __init__(self, persons: PersonRepository, lock: Lock | None = None) -> None:
        self._persons = persons
        self._lock = lock

    def person(self, ssin: str) -> Person | None:
        return self._persons.get(ssin, lock=self._lock)

    def persons(self, ssins: Iterable[str]) -> dict[str, Person]:
        return self._persons.get_many(ssins, lock=self._lock)

    def add(self, person: Person) -> bool:
        """Register a new person (its surname gets phonetic keys); False when the ssin is taken."""
        return self._persons.add(person)

    def update(self, person: Person) -> None:
        """Change a known person's data (the phonetic keys follow a new surname)."""
        self._persons.update(person)
