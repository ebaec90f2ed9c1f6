"""The tests' own layout: no test module imports another, and the world's people live in one place.

Shared helpers belong in conftest.py fixtures or in support modules whose names do not start with
`test_`; the people of the stub authentic source are defined once, in tests/world.py.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests import world
from tests.conftest import ROOT

TESTS = ROOT / "tests"
MODULES = sorted(TESTS.rglob("*.py"))


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _imported(path: Path) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of every module an import of `path` may load, nested ones included."""
    package = _module_name(path).rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([base] if base else [])])
            yield node.lineno, base
            yield from ((node.lineno, f"{base}.{alias.name}") for alias in node.names)


def _is_test_module(name: str) -> bool:
    return name.rpartition(".")[2].startswith("test_")


def test_no_test_module_is_imported_by_another_module_of_the_tests() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in MODULES
        for line, name in _imported(path)
        if name.startswith("tests.") and _is_test_module(name)
    ]
    assert len(MODULES) > 50  # the walk found the tests
    assert found == []


def _strings(path: Path) -> Iterator[str]:
    """Every string the module writes, an f-string with NUL where its values go."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value
        elif isinstance(node, ast.JoinedStr):
            yield "".join(
                part.value if isinstance(part, ast.Constant) else "\0" for part in node.values
            )


def test_the_world_s_people_are_written_out_only_in_tests_world_py() -> None:
    """No module of the tests repeats a person of the world as CSV: neither the person's names,
    birth date and gender in a row, nor the person's ssin at the start of a row."""
    people = list(world.PEOPLE.values())
    identities = {",".join((p.last_name, p.first_name, p.birth_date, p.gender)) for p in people}
    rows = {f"{p.ssin}," for p in people}
    found = [
        f"{path.relative_to(ROOT)}: {text[:80]!r}"
        for path in MODULES
        if path != TESTS / "world.py"
        for text in _strings(path)
        if any(identity in text for identity in identities) or any(r in text for r in rows)
    ]
    assert len(people) >= 10  # the world has its people
    assert found == []
