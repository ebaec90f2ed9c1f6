"""`raas serve`: gunicorn with sync workers (one per core by default) over the WSGI app."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication


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


def serve(
    host: str, port: int, workers: int, certfile: str | None = None, keyfile: str | None = None
) -> None:
    """Serve until interrupted; each worker builds its own app and database pool after the fork.

    With `certfile` and `keyfile` gunicorn serves HTTPS itself (direct TLS, no client certificate).
    """
    tls = {"certfile": certfile, "keyfile": keyfile} if certfile else {}
    _Gunicorn(
        {
            **tls,
            "bind": f"{host}:{port}",
            "workers": max(1, workers),
            "worker_class": "sync",
            "timeout": 30,
            "graceful_timeout": 10,
            "accesslog": None,  # the gateway logs one line per request, without payloads
            "errorlog": "-",
            "loglevel": "info",
            "limit_request_field_size": 16384,
            # gunicorn's admin socket is shared by every server of one user: not needed here.
            "control_socket_disable": True,
        }
    ).run()
