"""Helpers the test packages share for a served RAAS: a free port, waiting until `raas serve`
is healthy, its workers, a raw ListTypeDossiers request, requests from a chosen address."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from dataclasses import dataclass

import psutil
import requests
from requests.adapters import HTTPAdapter

# ListTypeDossiers with a UsernameToken: `LIST.format(user=..., password=...)`.
LIST = (
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>'
    '<w:Security xmlns:w="http://docs.oasis-open.org/wss/2004/01/'
    'oasis-200401-wss-wssecurity-secext-1.0.xsd"><w:UsernameToken>'
    "<w:Username>{user}</w:Username><w:Password>{password}</w:Password>"
    "</w:UsernameToken></w:Security></s:Header><s:Body>"
    '<r:ListTypeDossiers xmlns:r="urn:raas:register:v1"/></s:Body></s:Envelope>'
)


def free_port() -> int:
    """A loopback port free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(base: str, server: subprocess.Popen | None = None, timeout: float = 90) -> None:  # type: ignore[type-arg]
    """Wait until GET /health answers 200; fail at once if `server` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server is not None:
            assert server.poll() is None, server.stdout.read() if server.stdout else "serve exited"
        try:
            if requests.get(f"{base}/health", timeout=5).status_code == 200:
                return
        # Not listening yet, or listening while the workers still boot (a loaded machine).
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.2)
    raise AssertionError(f"raas serve did not become healthy within {timeout:.0f} s")


@dataclass
class Served:
    """A `raas serve` process listening on `port`."""

    process: subprocess.Popen[bytes]
    port: int

    def workers(self) -> list[psutil.Process]:
        """gunicorn's workers: the master's children but the inscription-file worker."""
        found = []
        for child in psutil.Process(self.process.pid).children():
            with contextlib.suppress(psutil.Error):
                if child.is_running() and "register" not in child.cmdline()[-2:]:
                    found.append(child)
        return found


class FromAddress(HTTPAdapter):
    """Connects from a given local address (127.0.0.2, …: another client for the gateway)."""

    def __init__(self, address: str) -> None:
        self._address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["source_address"] = (self._address, 0)
        super().init_poolmanager(*args, **kwargs)
