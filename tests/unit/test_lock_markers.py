"""`make lock` keeps the environment markers pyproject.toml declares; the lock has them."""

from __future__ import annotations

from pathlib import Path

from tools.lock_markers import declared_markers, with_markers

ROOT = Path(__file__).resolve().parents[2]


def test_a_frozen_line_gets_its_declared_marker_back() -> None:
    markers = declared_markers(ROOT / "pyproject.toml")
    assert markers["legacy-cgi"] == 'python_version >= "3.13"'
    frozen = ["legacy-cgi==2.6.4", "lxml==6.2.0", ""]
    assert with_markers(frozen, markers) == [
        'legacy-cgi==2.6.4; python_version >= "3.13"',
        "lxml==6.2.0",
        "",
    ]


def test_the_committed_lock_carries_every_declared_marker() -> None:
    markers = declared_markers(ROOT / "pyproject.toml")
    lines = (ROOT / "requirements.lock").read_text().splitlines()
    assert with_markers(lines, markers) == lines
