"""Prometheus metrics: requests, faults and latency per operation and status code; pool use.

Labels are the service, the operation (only the names the WSDL defines; `-` when the request named
none) and the contract status code: never an ssin, a user or anything from the payload.

Under `raas serve` every gunicorn worker is its own process. `raas serve` therefore gives each run
a fresh directory in PROMETHEUS_MULTIPROC_DIR (before any worker imports prometheus_client), every
worker writes its values there, and a scrape, whichever worker answers it, adds up all of them
(prometheus_client's multiprocess mode). Without that variable (tests, one process) the values
live in this object's own registry.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

CONTENT_TYPE = CONTENT_TYPE_LATEST
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
# Requests here take milliseconds; a batch of 1000 lines or a cold worker can take seconds.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """The service's metrics; `observe` is called once per SOAP request by the gateway."""

    def __init__(self) -> None:
        self._multiprocess = bool(os.environ.get(MULTIPROCESS_DIR))
        # In multiprocess mode the values go to files and a registry is built per scrape.
        self._registry = None if self._multiprocess else CollectorRegistry()
        labels = ("service", "operation", "code")
        self.requests = Counter(
            "raas_requests",
            "SOAP requests answered, by service, operation and contract status code",
            labels,
            registry=self._registry,
        )
        self.faults = Counter(
            "raas_request_faults",
            "SOAP requests answered with a fault (MSG00001, 3, 4, 14, 16)",
            labels,
            registry=self._registry,
        )
        self.latency = Histogram(
            "raas_request_duration_seconds",
            "Time from reading the request to the answer, its audit entry written",
            labels,
            buckets=BUCKETS,
            registry=self._registry,
        )

        def pool_gauge(name: str, documentation: str) -> Gauge:
            return Gauge(name, documentation, registry=self._registry, multiprocess_mode="livesum")

        self.pool_size = pool_gauge(
            "raas_db_pool_size", "Database connections kept open (all workers)"
        )
        self.pool_checked_out = pool_gauge(
            "raas_db_pool_checked_out", "Database connections in use now (all workers)"
        )
        self.pool_overflow = pool_gauge(
            "raas_db_pool_overflow", "Connections open beyond the pool size now (all workers)"
        )
        self._pool_gauges = (self.pool_size, self.pool_checked_out, self.pool_overflow)
        self._pool_last: tuple[int | None, ...] = (None, None, None)

    def observe(
        self, service: str, operation: str | None, code: str, seconds: float, fault: bool
    ) -> None:
        """Count one answered request."""
        labels = (service, operation or "-", code)
        self.requests.labels(*labels).inc()
        self.latency.labels(*labels).observe(seconds)
        if fault:
            self.faults.labels(*labels).inc()

    def pool_use(self, size: int, checked_out: int, overflow: int) -> None:
        """Record this process's database pool use (called on every checkout and checkin)."""
        # Each set() is a locked write to a shared file in multiprocess mode: write what changed.
        use = (size, checked_out, max(0, overflow))
        for gauge, value, last in zip(self._pool_gauges, use, self._pool_last, strict=True):
            if value != last:
                gauge.set(value)
        self._pool_last = use

    def exposition(self) -> bytes:
        """The Prometheus text format of every value (of all workers in multiprocess mode)."""
        if self._registry is not None:
            return generate_latest(self._registry)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)


def worker_exited(pid: int) -> None:
    """Drop a dead worker's live gauges (gunicorn's child_exit hook, in multiprocess mode)."""
    if os.environ.get(MULTIPROCESS_DIR):
        multiprocess.mark_process_dead(pid)
