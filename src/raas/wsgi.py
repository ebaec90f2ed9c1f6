"""Composition root: builds the dependencies and mounts the four services on one WSGI app."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

import spyne.const
from spyne.model.fault import Fault
from spyne.server.wsgi import WsgiApplication
from sqlalchemy import Engine

from raas import usecases
from raas.client_address import trusted_networks
from raas.config import Settings
from raas.metrics import Metrics
from raas.models.users import LoginPolicy
from raas.passwords import VerificationCache
from raas.persistence.database import service_engine
from raas.persistence.health import database_state
from raas.persistence.persons import StubAuthenticSource
from raas.persistence.pool import watch_pool
from raas.persistence.uow import UnitOfWork
from raas.services import (
    admin,
    benchmark,
    bulk,
    identification,
    linkregister,
    register,
    spyne_speedups,
    ssdn,
)
from raas.services.documents import ServiceDocuments, build_documents, request_schema
from raas.services.gateway import Endpoint, Gateway, GatewayLimits

SERVICES = (register, identification, linkregister, admin)

# spyne logs whole invalid bodies and every client fault with a traceback: national numbers would
# end up in the logs. The gateway writes one line of its own per request instead.
for _name in (
    "spyne.protocol.soap.soap11.invalid",
    "spyne.application.client",
    "spyne.application.server",
    "spyne.protocol.soap.soap11",
):
    logging.getLogger(_name).disabled = True


class _NoClientFaults(logging.Filter):
    """Drops spyne's records of a client fault: a request it cannot deserialize (a year 10000)
    is the caller's mistake, logged by the gateway as one line with MSG00004, not at ERROR with a
    traceback. The service's own faults still reach the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        fault = record.msg if isinstance(record.msg, Fault) else None
        if fault is None and record.exc_info:
            fault = record.exc_info[1] if isinstance(record.exc_info[1], Fault) else None
        return fault is None or "Client" not in str(fault.faultcode)


for _name in ("spyne.server._base", "spyne.server.wsgi"):
    logging.getLogger(_name).addFilter(_NoClientFaults())


class _NoFaults(logging.Filter):
    """Drops spyne's record of every fault it answers: the operation has logged its own line
    already (MSG00001 a WARNING, MSG00003 an ERROR with the real traceback), so a database
    failover is not hundreds of tracebacks of spyne's own frames."""

    def filter(self, record: logging.LogRecord) -> bool:
        faults = (record.msg, record.exc_info[1] if record.exc_info else None)
        return not any(isinstance(fault, Fault) for fault in faults)


logging.getLogger("spyne.application").addFilter(_NoFaults())
logging.getLogger("spyne").setLevel(logging.WARNING)

# spyne runs a full gc.collect() when a request ends, at most once a second per process, to close
# uploaded files early. This service keeps no files open per request, and a full collection of a
# worker's heap took 50-90 ms: it landed on one request a second, which then set the p99.
spyne.const.MIN_GC_INTERVAL = float("inf")
spyne_speedups.apply()


def service_documents(public_url: str) -> dict[str, ServiceDocuments]:
    """Each service's WSDL and XSDs, addressed at `public_url` (what `make wsdl` commits)."""
    return {
        (app := module.application()).name: build_documents(app, f"{public_url}/{app.name}")
        for module in SERVICES
    }


def ssdn_documents(public_url: str) -> dict[str, bytes]:
    """The SSDN channel's WSDLs (by file name) and schemas (what `make wsdl` commits)."""
    return {**ssdn.documents(public_url), **ssdn.schemas()}


def _endpoint(module: Any, public_url: str) -> Endpoint:
    app = module.application()
    documents = build_documents(app, f"{public_url}/{app.name}")
    return Endpoint(
        name=app.name,
        app=WsgiApplication(app),
        documents=documents,
        schema=request_schema(documents),
        namespace=app.tns,
        operations=_operation_names(app),
        admin_only=module is admin,
        fast=bulk.fast_operations(app) if module is register else {},
    )


def _operation_names(app: Any) -> frozenset[str]:
    return frozenset(key.rpartition("}")[2] for key in app.interface.service_method_map)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> Gateway:
    """The WSGI application serving /Register, /Identification, /LinkRegister and /Admin."""
    settings = settings or Settings.from_env()
    if engine is None:
        engine = service_engine(settings)  # the restricted role (docs/security.md)
    # The authentic source: the stub, which keeps its persons in this database.
    uow = partial(UnitOfWork, engine, source=StubAuthenticSource)
    cache = VerificationCache(settings.auth_cache_seconds)
    metrics = Metrics()
    watch_pool(engine, metrics.pool_use)
    modules = SERVICES + ((benchmark,) if settings.benchmark_noop else ())
    proxies = trusted_networks(settings.trusted_proxies)  # parsed once, not per request
    endpoints = {f"/{e.name}": e for e in (_endpoint(m, settings.public_url) for m in modules)}
    wsdls = ssdn.documents(settings.public_url)
    return Gateway(
        endpoints=endpoints,
        limits=GatewayLimits(
            settings.max_body_bytes,
            settings.max_xml_depth,
            settings.request_deadline_seconds,
            proxies,
            settings.max_file_bytes,
        ),
        authenticate=partial(
            usecases.authenticate,
            uow,
            cache,
            policy=LoginPolicy(settings.auth_max_failures, settings.auth_lock_seconds),
        ),
        audit=partial(usecases.record_audit, uow),
        database_ok=partial(database_state, engine),
        uow=uow,
        metrics=metrics,
        ssdn=ssdn.SsdnChannel(uow, proxies, settings.max_xml_depth),
        ssdn_documents={
            "KSZBCSSWebServiceConnector": wsdls["KSZBCSSWebServiceConnector.wsdl"],
            "TestConnection": wsdls["TestConnectionService.wsdl"],
            **ssdn.schemas(),
        },
    )
