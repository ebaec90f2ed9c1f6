"""Long commands report progress: a bar on a terminal, nothing on a pipe; the import's callback."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import struct
import subprocess
import sys
import termios
from functools import partial

from sqlalchemy import Engine
from sqlalchemy.engine import URL

from raas.models.ssin import make_ssin
from raas.persistence.uow import UnitOfWork
from raas.usecases import sourcefeed


def _seed(database_url: URL, stderr: int) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAAS_")}
    env["RAAS_DATABASE_URL"] = database_url.render_as_string(hide_password=False)
    return subprocess.run(
        [sys.executable, "-m", "raas.cli", "source", "seed", "--persons", "300"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        timeout=120,
    )


def test_seed_draws_a_bar_on_a_terminal_and_nothing_on_a_pipe(database_url: URL, engine) -> None:
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 100 columns
    try:
        done = _seed(database_url, terminal)
        os.close(terminal)
        drawn = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the terminal's other side is closed: all read
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(controller)
    assert done.returncode == 0 and "300 persons added" in done.stdout
    assert "seed: 100%" in drawn.decode() and "300/300" in drawn.decode()

    piped = _seed(database_url, subprocess.PIPE)
    assert piped.returncode == 0 and "0 persons added" in piped.stdout
    assert piped.stderr == ""  # in logs and CI: no bar, no carriage returns


def test_an_import_reports_the_persons_written_then_the_replacements(engine: Engine) -> None:
    a, b, c = (make_ssin(1970, 1, 1, n) for n in (1, 3, 5))
    csv = (
        "ssin,lastName,firstName,birthDate,gender,status,replacedBy\n"
        f"{a},Peeters,An,1970-01-01,FEMALE,REPLACED,{b}\n"
        f"{b},Peeters,An,1970-01-01,FEMALE,ACTIVE,\n"
        f"{c},Janssens,Jan,1970-01-01,MALE,ACTIVE,\n"
    )
    seen: list[tuple[int, int]] = []
    done = sourcefeed.import_csv(
        partial(UnitOfWork, engine), io.StringIO(csv), progress=lambda *r: seen.append(r)
    )
    assert done.errors == () and done.added == 3 and done.replaced == 1
    assert seen == [(3, 3), (1, 1)]
