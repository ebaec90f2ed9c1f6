"""The project's documents stand on their own: no link out of the repository, examples as shown."""

from __future__ import annotations

import re
import subprocess

from tests.conftest import ROOT

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_no_document_points_outside_the_repository() -> None:
    for document in DOCUMENTS:
        text = document.read_text()
        assert "../shared" not in text, document.name
        for target in re.findall(r"\]\((\.\./[^)#]+)", text):
            assert (document.parent / target).resolve().is_relative_to(ROOT), (document, target)


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
