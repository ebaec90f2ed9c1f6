"""Give requirements.lock the environment markers pyproject.toml declares (`make lock`).

    python tools/lock_markers.py requirements.lock

`pip freeze` writes what is installed, without markers: a dependency needed only on some Pythons
(`legacy-cgi; python_version >= "3.13"`) would be pinned for every Python, or left out when the
lock is made on another one. `make lock` freezes on the newest supported Python, then this adds
each such dependency's marker to its pinned line, so the lock installs on 3.11 to 3.13.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def declared_markers(pyproject: Path) -> dict[str, str]:
    """Canonical name → marker of every dependency declared with one."""
    project = tomllib.loads(pyproject.read_text())["project"]
    declared = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        declared.extend(extra)
    markers = {}
    for text in declared:
        requirement = Requirement(text)
        if requirement.marker is not None:
            markers[canonicalize_name(requirement.name)] = str(requirement.marker)
    return markers


def with_markers(lines: list[str], markers: dict[str, str]) -> list[str]:
    """The pinned lines, each dependency declared with a marker carrying it."""
    marked = []
    for line in lines:
        name = line.split(";")[0].split("==")[0].strip()
        if name and canonicalize_name(name) in markers:
            line = f"{line.split(';')[0].strip()}; {markers[canonicalize_name(name)]}"
        marked.append(line)
    return marked


def main() -> int:
    lock = Path(sys.argv[1] if len(sys.argv) > 1 else "requirements.lock")
    markers = declared_markers(Path("pyproject.toml"))
    lines = with_markers(lock.read_text().splitlines(), markers)
    missing = set(markers) - {canonicalize_name(line.split("==")[0]) for line in lines if line}
    if missing:
        print(f"not installed where the lock was made, so not pinned: {', '.join(sorted(missing))}")
        return 1
    lock.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
