"""The Makefile chooses the Python itself: the newest supported one it finds (pyenv's own
interpreters included, whose shims refuse unselected versions), and with none it stops at once
with one clear message, before anything is installed."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT


def test_without_a_supported_python_make_install_says_so_within_a_second(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    make = shutil.which("make")
    assert make is not None
    venv = tmp_path / "venv"
    started = time.monotonic()
    done = subprocess.run(
        [make, "-C", str(ROOT), "install", f"VENV={venv}"],
        env={"PATH": str(bin_dir), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert done.returncode != 0
    assert "RAAS needs Python 3.11, 3.12 or 3.13" in done.stdout + done.stderr
    assert "none was found" in done.stdout + done.stderr
    assert "Illegal option" not in done.stderr
    assert not venv.exists(), "nothing may be installed without a supported Python"
    assert elapsed < 5, f"took {elapsed:.1f} s (under 1 s on an idle machine)"


def test_make_takes_the_newest_supported_python_even_behind_refusing_pyenv_shims() -> None:
    newest = sorted((Path.home() / ".pyenv" / "versions").glob("3.13.*/bin/python3.13"))
    if not newest:
        pytest.skip("no pyenv Python 3.13 on this machine")
    # Not the variables of a `make test PYTHON=…` this suite may run under (CI's second run).
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "PYTHON", "VENV", "MAKEOVERRIDES"}
    }
    done = subprocess.run(
        ["make", "-s", "-C", str(ROOT), "python-version"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
        env=env,
    )
    assert done.stdout.strip() == "3.13"
