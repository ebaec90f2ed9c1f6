"""The import graph of src/raas and a few measures of its structure (issue 19's figures).

    .venv/bin/python tools/import_graph.py [SRC]

Prints, from the source alone (nothing is imported):

- the edges between the parts of the package (a subpackage, or a top-level module), with the
  number of import statements behind each, lazy imports inside functions included;
- the imports from the use cases (`usecases/`, and `sourcefeed` wherever it lives) into
  `persistence/` or `authentic_source`, and how many times a use case builds a
  `StubAuthenticSource` itself;
- the import cycles, between modules and between parts;
- module sizes in lines (the largest, the median) and the `# type: ignore` comments.
"""

from __future__ import annotations

import ast
import io
import statistics
import sys
import tokenize
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "raas"
FRAMEWORKS = {"sqlalchemy", "alembic", "psycopg", "spyne", "lxml", "zeep"}


def module_name(path: Path, src: Path) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def part_of(module: str) -> str:
    """The part a module belongs to: its subpackage, or itself when top-level."""
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 else pieces[0]


def imports_of(tree: ast.Module, module: str, is_package: bool, known: set[str]) -> list[str]:
    """The raas modules each import statement of `tree` names (one entry per statement and
    target); `from a import b` names `a.b` when that is a module, else `a`."""
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == PACKAGE]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if base.split(".")[0] != PACKAGE:
                continue
            targets = {f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known}
            if len(targets) < len(node.names):
                targets.add(base)
            found += sorted(targets)
    return found


def frameworks_of(tree: ast.Module) -> set[str]:
    """The frameworks among the top-level packages `tree` imports."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.split(".")[0])
    return names & FRAMEWORKS


def stubs_built(tree: ast.Module) -> int:
    """How many times `tree` calls StubAuthenticSource(...)."""
    return sum(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "StubAuthenticSource"
        for node in ast.walk(tree)
    )


def type_ignores(text: str) -> int:
    """The comments of `text` that silence the type checker."""
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    return sum(t.type == tokenize.COMMENT and "type: ignore" in t.string for t in tokens)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def main(src: Path) -> None:
    files = sorted((src / PACKAGE).rglob("*.py"))
    modules = {module_name(path, src): path for path in files}
    known = set(modules)
    edges: dict[str, list[str]] = {}
    sizes: dict[str, int] = {}
    built: dict[str, int] = {}
    frameworks: dict[str, set[str]] = defaultdict(set)
    ignores = 0
    for name, path in modules.items():
        text = path.read_text(encoding="utf-8")
        sizes[name] = len(text.splitlines())
        ignores += type_ignores(text)
        tree = ast.parse(text, str(path))
        edges[name] = imports_of(tree, name, path.name == "__init__.py", known)
        built[name] = stubs_built(tree)
        for framework in frameworks_of(tree):
            frameworks[framework].add(part_of(name))

    parts: Counter[tuple[str, str]] = Counter()
    for name, targets in edges.items():
        for target in targets:
            if part_of(name) != part_of(target):
                parts[(part_of(name), part_of(target))] += 1
    print(f"# Import graph of {_shown(src / PACKAGE)} ({len(modules)} modules)\n")
    print("## Edges between parts (import statements)")
    for (source, target), count in sorted(parts.items()):
        print(f"  {source:<18} -> {target:<18} {count:>3}")

    print("\n## Frameworks, by the parts that import them")
    for framework in sorted(frameworks):
        print(f"  {framework:<18} {', '.join(sorted(frameworks[framework]))}")

    use_cases = [n for n in modules if part_of(n) == "usecases" or n.endswith(".sourcefeed")]
    print("\n## From the use cases (usecases/, sourcefeed) into persistence/ and authentic_source")
    for part in ("persistence", "authentic_source"):
        concrete = [(n, t) for n in sorted(use_cases) for t in edges[n] if part_of(t) == part]
        for name, target in concrete:
            print(f"  {name} -> {target}")
        print(f"  import statements into {part}: {len(concrete)}")
    print(f"  StubAuthenticSource(...) built in use cases: {sum(built[n] for n in use_cases)}")

    module_graph = {name: set(targets) - {name} for name, targets in edges.items()}
    part_graph: dict[str, set[str]] = defaultdict(set)
    for source, target in parts:
        part_graph[source].add(target)
    print("\n## Import cycles")
    for label, graph in (("modules", module_graph), ("parts", dict(part_graph))):
        found = cycles(graph)
        print(f"  between {label}: {len(found)}")
        for component in found:
            print(f"    {' <-> '.join(component)}")

    ordered = sorted(sizes.items(), key=lambda item: (-item[1], item[0]))
    print("\n## Module sizes (lines)")
    print(f"  median {statistics.median(sizes.values()):g}, total {sum(sizes.values())}")
    for name, lines in ordered[:8]:
        print(f"  {lines:>5}  {name}")

    print("\n## `# type: ignore` comments")
    print(f"  {_shown(src / PACKAGE)}: {ignores}")
    for other in ("tests", "bench", "tools"):
        folder = src.parent / other
        if folder.is_dir():
            count = sum(type_ignores(p.read_text(encoding="utf-8")) for p in folder.rglob("*.py"))
            print(f"  {_shown(folder)}: {count}")


def _shown(path: Path) -> str:
    """`path` relative to the working directory when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "src")
