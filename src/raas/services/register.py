"""The Register service: an organisation's own register of persons."""

from __future__ import annotations

from spyne import Application, ServiceBase
from spyne.protocol.soap import Soap11

from raas import usecases
from raas.services.operation import Call, found, operation
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
    return Application(
        [RegisterService], tns=NS, name="Register", in_protocol=Soap11(), out_protocol=Soap11()
    )
