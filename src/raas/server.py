"""`raas serve`: gunicorn, sync workers (by default one more than the cores), over the WSGI app."""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from typing import Any

from gunicorn import util
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger
from gunicorn.workers.sync import SyncWorker

from raas import logs
from raas.config import Settings


class _Logger(Logger):
    """gunicorn's own log lines (start, workers, errors) masked and, with RAAS_LOG_JSON, JSON."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            logs.dress(handler, Settings.from_env().log_json)


class SoapSyncWorker(SyncWorker):
    """gunicorn's sync worker, whose own error answers are SOAP faults, not HTML pages.

    gunicorn answers by itself what never reaches the application: an unreadable request
    (`Content-Length: -5`, a broken request line or header) and a request whose worker was
    aborted. Integrators' SOAP stacks expect an envelope: MSG00004 for the first, MSG00003 for
    the second (the service's own deadline, see raas.services.gateway, normally answers first).
    """

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        from uuid import uuid4

        from raas.services.faults import ContractFault, fault_envelope

        unreadable = type(exc).__module__.startswith("gunicorn.http") or isinstance(
            exc, ssl.SSLError
        )
        if unreadable:
            self.log.warning("unreadable HTTP request from %s: %s", (addr or ("",))[0], exc)
            fault = ContractFault("MSG00004", "the HTTP request cannot be read")
        else:
            if not isinstance(exc, SystemExit):  # SystemExit: gunicorn aborted this worker
                self.log.exception("unexpected error outside the application")
            fault = ContractFault("MSG00003")
        body = fault_envelope(fault, str(uuid4()))
        head = (
            "HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\n"
            f"Content-Type: text/xml; charset=utf-8\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        try:
            util.write_nonblock(client, head.encode("latin-1") + body)
        except Exception:  # the client is gone: nothing to answer
            self.log.debug("could not send the fault")


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from raas.wsgi import create_app

        return create_app()


def _child_exit(server: Any, worker: Any) -> None:
    from raas.metrics import worker_exited

    worker_exited(worker.pid)


def worker_timeout() -> int:
    """Seconds a worker may stay silent before gunicorn replaces it (RAAS_WORKER_TIMEOUT)."""
    return max(2, int(os.environ.get("RAAS_WORKER_TIMEOUT", "30")))


def request_deadline(timeout: int) -> float:
    """The service's own limit per request: it answers a fault before gunicorn aborts it."""
    return round(timeout - max(1.0, timeout * 0.2), 1)


def serve(
    host: str, port: int, workers: int, certfile: str | None = None, keyfile: str | None = None
) -> None:
    """Serve until interrupted; each worker builds its own app and database pool after the fork.

    With `certfile` and `keyfile` gunicorn serves HTTPS itself (direct TLS, no client certificate).
    """
    # The workers' metrics meet in a directory of this run's own (see raas.metrics); it must be
    # named before any process imports prometheus_client, and is removed when the server stops.
    os.environ.setdefault("RAAS_REQUEST_DEADLINE_SECONDS", str(request_deadline(worker_timeout())))
    metrics_dir = tempfile.mkdtemp(prefix="raas-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    master = os.getpid()
    stop_file_worker = _file_worker()
    try:
        _run(host, port, workers, certfile, keyfile)
    finally:
        # A gunicorn worker is a fork of this very call: when it exits (TERM, HUP reload,
        # timeout, crash) it unwinds through this `finally` too. Only the master may remove
        # the directory, or the live workers lose their metrics and the next one cannot boot.
        if os.getpid() == master:
            stop_file_worker()
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _file_worker() -> Callable[[], None]:
    """`raas register worker` (the inscription files sent with SubmitInscriptionFile) beside
    the server, started again whenever it ends; the function returned stops it."""
    stopping = threading.Event()
    current: list[subprocess.Popen[bytes]] = []

    def supervise() -> None:
        while not stopping.is_set():
            current[:] = [
                subprocess.Popen([sys.executable, "-m", "raas.cli", "register", "worker"])
            ]
            while current[0].poll() is None and not stopping.wait(1):
                pass
            stopping.wait(2)  # a worker that keeps failing is not restarted in a loop

    threading.Thread(target=supervise, name="file-worker", daemon=True).start()

    def stop() -> None:
        stopping.set()
        for process in current:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()

    return stop


def _run(
    host: str, port: int, workers: int, certfile: str | None, keyfile: str | None
) -> None:
    tls = {"certfile": certfile, "keyfile": keyfile} if certfile else {}
    _Gunicorn(
        {
            **tls,
            "bind": f"{host}:{port}",
            "workers": max(1, workers),
            "worker_class": "raas.server.SoapSyncWorker",
            "timeout": worker_timeout(),
            "graceful_timeout": 10,
            "accesslog": None,  # the gateway logs one line per request, without payloads
            "errorlog": "-",
            "loglevel": "info",
            "limit_request_field_size": 16384,
            # gunicorn's admin socket is shared by every server of one user: not needed here.
            "control_socket_disable": True,
            "child_exit": _child_exit,
            "logger_class": _Logger,
        }
    ).run()
