"""A no-op SOAP operation, mounted only for `make bench` (RAAS_BENCHMARK_NOOP=1).

`Noop` goes through everything a real call does (size and depth limits, the safe parse,
WS-Security, schema validation, spyne, the audit entry and the log line) and does nothing else:
its throughput is the ceiling of the stack, against which the benchmark measures the operations.
`padding` lets the benchmark send a request of the same size as the operation it compares.
"""

from __future__ import annotations

from spyne import Application, ServiceBase

from raas.services.operation import Call, operation, soap_application, status
from raas.services.status import Kind
from raas.services.types import ComplexModel, Unicode, optional, request_fields, response_fields

NS = "urn:raas:benchmark:v1"


class NoopRequest(ComplexModel):
    __namespace__ = NS
    _type_info = request_fields(("padding", optional(Unicode)))


class NoopResponse(ComplexModel):
    __namespace__ = NS
    _type_info = response_fields()


class BenchmarkService(ServiceBase):
    @operation(NoopRequest, NoopResponse, Kind.CONSULT)
    def Noop(call: Call, request: NoopRequest) -> NoopResponse:  # noqa: N802, N805
        """Answers OK and does nothing."""
        return NoopResponse(status=status("OK"))


def application() -> Application:
    return soap_application(BenchmarkService, NS, "Benchmark")
