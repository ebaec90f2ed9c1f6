"""Settings, read once from the environment (every name starts with RAAS_)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs


def default_data_dir() -> Path:
    """Where RAAS keeps its embedded database, demo credentials and outbox by default.

    Run from a checkout (an editable install, `make run`): the checkout's `.raas/`, whatever the
    current directory. Installed as a package: the user's data directory (`platformdirs`, e.g.
    `~/.local/share/raas`). RAAS_DATA_DIR overrides both.
    """
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "pyproject.toml").is_file() and (checkout / "src" / "raas").is_dir():
        return checkout / ".raas"
    return Path(platformdirs.user_data_dir("raas", appauthor=False))


@dataclass(frozen=True)
class Settings:
    """Everything the service and the CLI can be configured with."""

    database_url: str | None = None
    service_database_url: str | None = None  # the service's own login; default: database_url
    data_dir: Path = field(default_factory=lambda: default_data_dir())
    public_url: str = "http://127.0.0.1:8080"
    max_body_bytes: int = 2 * 1024 * 1024
    # SubmitInscriptionFile's requests (a file of a million lines, base64): their own limit.
    max_file_bytes: int = 128 * 1024 * 1024
    max_xml_depth: int = 64
    auth_cache_seconds: float = 60.0
    pool_size: int = 5
    lock_timeout_seconds: float = 5.0  # how long a service transaction waits for a lock
    auth_max_failures: int = 5  # failed logins of one username from one address …
    auth_lock_seconds: float = 300.0  # … before it is refused that long from that address
    log_json: bool = False
    outbox: Path | None = None  # where `raas notifications run` delivers; default data_dir/outbox
    benchmark_noop: bool = False  # mounts /Benchmark, the no-op operation of `make bench`
    # Reverse proxies whose X-Forwarded-For is believed (IPs or CIDRs, RAAS_TRUSTED_PROXIES).
    trusted_proxies: tuple[str, ...] = ()
    # The longest a request may run before the service answers it with MSG00001 (0: no limit).
    # `raas serve` sets it below gunicorn's worker timeout (RAAS_WORKER_TIMEOUT).
    request_deadline_seconds: float = 0.0

    @property
    def embedded_pgdata(self) -> Path:
        """Where the embedded PostgreSQL keeps its data when no database URL is given."""
        return self.data_dir / "pgdata"

    @property
    def outbox_dir(self) -> Path:
        """Where the daily notification files are delivered (RAAS_OUTBOX, or in the data dir)."""
        return self.outbox or self.data_dir / "outbox"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Read the settings from the environment (or the mapping given)."""
        env = dict(os.environ if env is None else env)
        defaults = cls()
        return cls(
            database_url=env.get("RAAS_DATABASE_URL") or None,
            service_database_url=env.get("RAAS_SERVICE_DATABASE_URL") or None,
            data_dir=Path(env["RAAS_DATA_DIR"]) if env.get("RAAS_DATA_DIR") else defaults.data_dir,
            public_url=env.get("RAAS_PUBLIC_URL", defaults.public_url).rstrip("/"),
            max_body_bytes=int(env.get("RAAS_MAX_BODY_BYTES", defaults.max_body_bytes)),
            max_file_bytes=int(env.get("RAAS_MAX_FILE_BYTES", defaults.max_file_bytes)),
            max_xml_depth=int(env.get("RAAS_MAX_XML_DEPTH", defaults.max_xml_depth)),
            auth_cache_seconds=float(
                env.get("RAAS_AUTH_CACHE_SECONDS", defaults.auth_cache_seconds)
            ),
            pool_size=int(env.get("RAAS_POOL_SIZE", defaults.pool_size)),
            lock_timeout_seconds=float(
                env.get("RAAS_LOCK_TIMEOUT_SECONDS", defaults.lock_timeout_seconds)
            ),
            auth_max_failures=int(env.get("RAAS_AUTH_MAX_FAILURES", defaults.auth_max_failures)),
            auth_lock_seconds=float(env.get("RAAS_AUTH_LOCK_SECONDS", defaults.auth_lock_seconds)),
            log_json=env.get("RAAS_LOG_JSON", "").lower() in {"1", "true", "yes"},
            outbox=Path(env["RAAS_OUTBOX"]) if env.get("RAAS_OUTBOX") else None,
            benchmark_noop=env.get("RAAS_BENCHMARK_NOOP", "") == "1",
            request_deadline_seconds=float(env.get("RAAS_REQUEST_DEADLINE_SECONDS", "0") or 0),
            trusted_proxies=tuple(
                item.strip()
                for item in env.get("RAAS_TRUSTED_PROXIES", "").split(",")
                if item.strip()
            ),
        )
