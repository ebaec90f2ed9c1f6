"""The Identification service: persons in the authentic source (national and BIS registers)."""

from __future__ import annotations

from spyne import Application, ServiceBase

from raas import usecases
from raas.models.persons import Person as DomainPerson
from raas.models.persons import PersonStatus
from raas.services.operation import Call, operation, soap_application, status
from raas.services.status import Kind
from raas.services.types import (
    ComplexModel,
    Date,
    Gender,
    IncompleteDate,
    Ssin,
    SsinWithAttributes,
    Unicode,
    optional,
    request_fields,
    required,
    response_fields,
    simple,
)

NS = "urn:raas:identification:v1"

RegisterName = simple("RegisterType", Unicode(values=["RR", "BIS"]))


class Person(ComplexModel):
    __namespace__ = NS
    _type_info = [
        ("ssin", required(SsinWithAttributes)),
        ("lastName", required(Unicode)),
        ("firstName", required(Unicode)),
        ("birthDate", required(IncompleteDate)),
        ("gender", required(Gender)),
        ("register", required(RegisterName)),
        ("nationality", optional(Unicode)),
        ("deceaseDate", optional(Date)),
    ]


def person_to_wire(person: DomainPerson) -> Person:
    """The wire form of a person, with the ssin's canceled/replacedBy attributes."""
    return Person(
        ssin=SsinWithAttributes(
            value=person.ssin,
            canceled=person.status is PersonStatus.CANCELED or None,
            replacedBy=person.replaced_by,
        ),
        lastName=person.last_name,
        firstName=person.first_name,
        birthDate=str(person.birth_date),
        gender=person.gender.value,
        register=person.register.value,
        nationality=person.nationality,
        deceaseDate=person.decease_date,
    )


class SearchPersonBySsinRequest(ComplexModel):
    __namespace__ = NS
    _type_info = request_fields(("ssin", required(Ssin)))


class SearchPersonBySsinResponse(ComplexModel):
    __namespace__ = NS
    _type_info = response_fields(("person", optional(Person)))


class IdentificationService(ServiceBase):
    @operation(SearchPersonBySsinRequest, SearchPersonBySsinResponse, Kind.CONSULT)
    def SearchPersonBySsin(call: Call, request: SearchPersonBySsinRequest):  # noqa: N802, N805
        """The person behind an ssin, with its register and replaced/canceled state."""
        person = usecases.search_person_by_ssin(call.uow, request.ssin)
        return SearchPersonBySsinResponse(
            status=status("DATA_FOUND"), person=person_to_wire(person)
        )


def application() -> Application:
    return soap_application(IdentificationService, NS, "Identification")
