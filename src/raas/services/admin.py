"""The Admin service: KSZ operations, for users with role `admin` only (the gateway checks it)."""

from __future__ import annotations

from spyne import Application, ServiceBase

from raas import usecases
from raas.services.operation import Call, operation, soap_application, status
from raas.services.status import Kind
from raas.services.types import (
    CbeNumber,
    ComplexModel,
    Text,
    TypeDossierCode,
    request_fields,
    required,
    response_fields,
)

NS = "urn:raas:admin:v1"


class DefineTypeDossierRequest(ComplexModel):
    __namespace__ = NS
    _type_info = request_fields(
        ("cbeNumber", required(CbeNumber)),
        ("code", required(TypeDossierCode)),
        ("description", required(Text)),
    )


class DefineTypeDossierResponse(ComplexModel):
    __namespace__ = NS
    _type_info = response_fields()


class AdminService(ServiceBase):
    @operation(DefineTypeDossierRequest, DefineTypeDossierResponse, Kind.WRITE)
    def DefineTypeDossier(call: Call, request: DefineTypeDossierRequest):  # noqa: N802, N805
        """Define a type dossier for an organisation (or change its description)."""
        usecases.define_type_dossier(call.uow, request.cbeNumber, request.code, request.description)
        return DefineTypeDossierResponse(status=status("OK"))


def application() -> Application:
    return soap_application(AdminService, NS, "Admin")
