"""The project's documents stand on their own: a short README, links that lead somewhere inside
the repository, examples as shown."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.conftest import ROOT

DOCUMENTS = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    ROOT / "bench" / "README.md",
]
LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def test_no_document_points_outside_the_repository() -> None:
    for document in DOCUMENTS:
        text = document.read_text()
        assert "../shared" not in text, document.name
        for target in re.findall(r"\]\((\.\./[^)#]+)", text):
            assert (document.parent / target).resolve().is_relative_to(ROOT), (document, target)


def test_the_readme_stays_short() -> None:
    lines = (ROOT / "README.md").read_text().count("\n")
    assert lines < 250, f"README.md has {lines} lines: move details to docs/"


def _anchors(document: Path) -> set[str]:
    """The anchors GitHub gives the document's headings (code blocks left out)."""
    anchors: set[str] = set()
    for heading in re.findall(r"^#+ (.+)$", FENCE.sub("", document.read_text()), re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        anchor, n = slug, 0
        while anchor in anchors:
            n += 1
            anchor = f"{slug}-{n}"
        anchors.add(anchor)
    return anchors


def test_every_relative_link_leads_to_a_file_and_heading_that_exist() -> None:
    broken = []
    for document in DOCUMENTS:
        for link in LINK.findall(FENCE.sub("", document.read_text())):
            if re.match(r"[a-z]+:", link):  # https:, mailto:: not a file of the repository
                continue
            path, _, anchor = link.partition("#")
            target = (document.parent / path).resolve() if path else document
            if not target.exists():
                broken.append(f"{document.relative_to(ROOT)}: {link}")
            elif anchor and target.suffix == ".md" and anchor not in _anchors(target):
                broken.append(f"{document.relative_to(ROOT)}: {link} (no such heading)")
    assert not broken, broken


def test_the_readme_shows_the_smallest_example_in_full() -> None:
    example = (ROOT / "examples" / "list_type_dossiers.py").read_text()
    assert f"```python\n{example}```" in (ROOT / "README.md").read_text()


def test_make_client_runs_the_client_command() -> None:
    done = subprocess.run(
        ["make", "-C", str(ROOT), "-n", "client", "ARGS=Consult --ssin 00012971305"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "raas client Consult --ssin 00012971305" in done.stdout
