"""`raas serve`: gunicorn, sync workers (by default one more than the cores), over the WSGI app."""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from raas import logs
from raas.config import Settings


class _Logger(Logger):  # type: ignore[misc]
    """gunicorn's own log lines (start, workers, errors) masked and, with RAAS_LOG_JSON, JSON."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            logs.dress(handler, Settings.from_env().log_json)


class _Gunicorn(BaseApplication):  # type: ignore[misc]
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


def serve(
    host: str, port: int, workers: int, certfile: str | None = None, keyfile: str | None = None
) -> None:
    """Serve until interrupted; each worker builds its own app and database pool after the fork.

    With `certfile` and `keyfile` gunicorn serves HTTPS itself (direct TLS, no client certificate).
    """
    # The workers' metrics meet in a directory of this run's own (see raas.metrics); it must be
    # named before any process imports prometheus_client, and is removed when the server stops.
    metrics_dir = tempfile.mkdtemp(prefix="raas-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    master = os.getpid()
    try:
        _run(host, port, workers, certfile, keyfile)
    finally:
        # A gunicorn worker is a fork of this very call: when it exits (TERM, HUP reload,
        # timeout, crash) it unwinds through this `finally` too. Only the master may remove
        # the directory, or the live workers lose their metrics and the next one cannot boot.
        if os.getpid() == master:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _run(
    host: str, port: int, workers: int, certfile: str | None, keyfile: str | None
) -> None:
    tls = {"certfile": certfile, "keyfile": keyfile} if certfile else {}
    _Gunicorn(
        {
            **tls,
            "bind": f"{host}:{port}",
            "workers": max(1, workers),
            "worker_class": "sync",
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
