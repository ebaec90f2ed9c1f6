"""From the ssin a client sends to the person an operation acts on: checks, replacement chains."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from raas.models.errors import CanceledSsin, InvalidSsin, UnknownSsin
from raas.models.persons import Person, PersonStatus
from raas.models.ssin import is_valid
from raas.usecases.ports import AuthenticSource


@dataclass(frozen=True)
class ResolvedSsin:
    """The ssin as asked and the active person at the end of its replacement chain."""

    requested: str
    person: Person

    @property
    def active(self) -> str:
        return self.person.ssin

    @property
    def replaced(self) -> bool:
        return self.requested != self.person.ssin

    def information(self) -> dict[str, str]:
        """What the status tells the caller: the active ssin when the requested one was replaced."""
        return {"replacedBy": self.active} if self.replaced else {}


def check_structure(ssin: str) -> None:
    """InvalidSsin (MSG00011) unless the ssin's date part and check digits are valid."""
    if not is_valid(ssin):
        raise InvalidSsin("the ssin's structure or check digits are invalid", ssin=ssin)


def resolve(source: AuthenticSource, ssin: str) -> ResolvedSsin:
    """The active person behind `ssin`; InvalidSsin, UnknownSsin or CanceledSsin otherwise."""
    check_structure(ssin)
    return _follow(ssin, source.person(ssin), source.person)


def resolve_many(
    source: AuthenticSource, ssins: Iterable[str]
) -> dict[str, ResolvedSsin | Exception]:
    """`resolve` for ssins that passed `check_structure`, one lookup per chain step for all."""
    wanted = set(ssins)
    outcomes: dict[str, ResolvedSsin | Exception] = {}
    known = source.persons(wanted)
    successors = source.persons(
        p.replaced_by for p in known.values() if p.replaced_by and p.replaced_by not in known
    )
    known.update(successors)
    for ssin in wanted:
        try:
            outcomes[ssin] = _follow(
                ssin, known.get(ssin), lambda s: known.get(s) or source.person(s)
            )
        except (UnknownSsin, CanceledSsin) as error:
            outcomes[ssin] = error
    return outcomes


def _follow(ssin: str, person: Person | None, lookup) -> ResolvedSsin:  # type: ignore[no-untyped-def]
    if person is None:
        raise UnknownSsin("the ssin does not exist in the authentic source", ssin=ssin)
    seen = {ssin}
    while True:
        if person.status is PersonStatus.CANCELED:
            raise CanceledSsin("the ssin is canceled", ssin=person.ssin)
        if person.status is PersonStatus.ACTIVE:
            return ResolvedSsin(ssin, person)
        successor = person.replaced_by
        if successor in seen:  # replacements refuse cycles: only corrupt source data loops
            raise RuntimeError(f"the replacement chain of {ssin} loops at {successor}")
        seen.add(successor)
        person = lookup(successor)
        if person is None:
            raise UnknownSsin(
                "the ssin's replacement does not exist", ssin=ssin, replacedBy=successor
            )
