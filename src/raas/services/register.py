"""The Register service: an organisation's own register of persons."""

from __future__ import annotations

from spyne import Application, ServiceBase

from raas import usecases
from raas.services.operation import Call, found, operation, soap_application
from raas.services.status import Kind
from raas.services.types import (
    Array,
    ComplexModel,
    TypeDossierCode,
    Unicode,
    optional,
    request_fields,
    required,
    response_fields,
)

NS = "urn:raas:register:v1"


class TypeDossier(ComplexModel):
    __namespace__ = NS
    _type_info = [("code", required(TypeDossierCode)), ("description", optional(Unicode))]


class ListTypeDossiersRequest(ComplexModel):
    __namespace__ = NS
    _type_info = request_fields()


class ListTypeDossiersResponse(ComplexModel):
    __namespace__ = NS
    _type_info = response_fields(
        ("typeDossiers", optional(Array(TypeDossier, member_name="typeDossier"))),
    )


class RegisterService(ServiceBase):
    @operation(ListTypeDossiersRequest, ListTypeDossiersResponse, Kind.CONSULT)
    def ListTypeDossiers(call: Call, request: ListTypeDossiersRequest):  # noqa: N802, N805
        """The type dossiers an admin defined for the caller's organisation."""
        items = [
            TypeDossier(code=t.code, description=t.description)
            for t in usecases.list_type_dossiers(call.uow, call.caller)
        ]
        return ListTypeDossiersResponse(status=found(items), typeDossiers=items or None)


def application() -> Application:
    return soap_application(RegisterService, NS, "Register")
