"""The LinkRegister service: links between an INSZ and foreign identification keys (shared)."""

from __future__ import annotations

from spyne import Application, ServiceBase

from raas.models.links import DEFAULT_FORMAT
from raas.services.operation import Call, found, operation, soap_application
from raas.services.status import Kind
from raas.services.types import (
    Array,
    ComplexModel,
    Unicode,
    optional,
    request_fields,
    required,
    response_fields,
    simple,
)

NS = "urn:raas:linkregister:v1"

Country = simple("CountryType", Unicode(pattern="[A-Z]{2}|\\*"))


class Format(ComplexModel):
    __namespace__ = NS
    _type_info = [
        ("country", required(Country)),
        ("keyType", required(Unicode)),
        ("description", required(Unicode)),
        ("pattern", required(Unicode)),
    ]


class ConsultFormatsRequest(ComplexModel):
    __namespace__ = NS
    _type_info = request_fields(("country", optional(Country)))


class ConsultFormatsResponse(ComplexModel):
    __namespace__ = NS
    _type_info = response_fields(("formats", optional(Array(Format, member_name="format"))))


class LinkRegisterService(ServiceBase):
    @operation(ConsultFormatsRequest, ConsultFormatsResponse, Kind.CONSULT)
    def ConsultFormats(call: Call, request: ConsultFormatsRequest):  # noqa: N802, N805
        """The formats foreign keys must follow (the default applies to every country)."""
        items = [
            Format(
                country=DEFAULT_FORMAT.country,
                keyType=DEFAULT_FORMAT.key_type,
                description=DEFAULT_FORMAT.description,
                pattern=DEFAULT_FORMAT.pattern,
            )
        ]
        return ConsultFormatsResponse(status=found(items), formats=items)


def application() -> Application:
    return soap_application(LinkRegisterService, NS, "LinkRegister")
