"""The Identification service: persons in the authentic source (national and BIS registers)."""

from __future__ import annotations

from spyne import Application, Double, Integer, ServiceBase

from raas.models.errors import PossibleDuplicates
from raas.models.persons import Gender as DomainGender
from raas.models.persons import Person as DomainPerson
from raas.models.persons import PersonStatus
from raas.models.phonetic import Match, make_query
from raas.services.operation import Call, found, operation, soap_application, status
from raas.services.status import Kind
from raas.services.types import (
    Array,
    ComplexModel,
    Date,
    Gender,
    IncompleteDate,
    Name,
    Ssin,
    SsinWithAttributes,
    Unicode,
    optional,
    request_fields,
    required,
    response_fields,
    simple,
)
from raas.usecases import identification

NS = "urn:raas:identification:v1"

RegisterName = simple("RegisterType", Unicode(values=["RR", "BIS"]))
Nationality = simple("NationalityType", Unicode(pattern="[A-Z]{2}"))


# A person's elements, shared by Person and MatchedPerson.
_PERSON_FIELDS = [
    ("ssin", required(SsinWithAttributes)),
    ("lastName", required(Unicode)),
    ("firstName", required(Unicode)),
    ("birthDate", required(IncompleteDate)),
    ("gender", required(Gender)),
    ("register", required(RegisterName)),
    ("nationality", optional(Unicode)),
    ("deceaseDate", optional(Date)),
]


class Person(ComplexModel):
    __namespace__ = NS
    _type_info = _PERSON_FIELDS


class MatchedPerson(ComplexModel):
    """A person a search found, with how well it matches (0..1, higher is better)."""

    __namespace__ = NS
    _type_info = [
        *_PERSON_FIELDS,
        ("score", required(Double)),
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


def matches_to_wire(matches: list[Match]) -> list[MatchedPerson] | None:
    """The wire form of scored persons, in their order; None when there are none."""
    wired = []
    for match in matches:
        person = person_to_wire(match.person)
        wired.append(MatchedPerson(score=match.score, **{k: getattr(person, k) for k in _FIELDS}))
    return wired or None


_FIELDS = [name for name, _ in _PERSON_FIELDS]
Persons = optional(Array(MatchedPerson, member_name="person"))


class SearchPersonPhoneticallyRequest(ComplexModel):
    __namespace__ = NS
    _type_info = request_fields(
        ("lastName", required(Name)),
        ("firstName", optional(Name)),
        ("birthDate", required(IncompleteDate)),
        # days, months or years by the birth date's precision; required for an incomplete date
        ("tolerance", optional(Integer)),
        ("gender", optional(Gender)),
        ("maximumResultCount", optional(Integer)),
    )


class SearchPersonPhoneticallyResponse(ComplexModel):
    __namespace__ = NS
    _type_info = response_fields(("persons", Persons))


class RegisterPersonRequest(ComplexModel):
    __namespace__ = NS
    _type_info = request_fields(
        ("lastName", required(Name)),
        ("firstName", required(Name)),
        ("birthDate", required(IncompleteDate)),
        ("gender", required(Gender)),
        ("nationality", optional(Nationality)),
    )


class RegisterPersonResponse(ComplexModel):
    __namespace__ = NS
    _type_info = response_fields(
        ("newlyRegisteredPerson", optional(Person)),
        ("existingPersons", Persons),
    )


class UpdatePersonRequest(ComplexModel):
    __namespace__ = NS
    _type_info = request_fields(
        ("ssin", required(Ssin)),
        ("lastName", optional(Name)),
        ("firstName", optional(Name)),
        ("birthDate", optional(IncompleteDate)),
        ("gender", optional(Gender)),
        ("nationality", optional(Nationality)),
        ("deceaseDate", optional(Date)),
    )


class UpdatePersonResponse(ComplexModel):
    __namespace__ = NS
    _type_info = response_fields(("person", optional(Person)))


def _gender(value: str | None) -> DomainGender | None:
    return None if value is None else DomainGender(value)


class IdentificationService(ServiceBase):
    @operation(SearchPersonBySsinRequest, SearchPersonBySsinResponse, Kind.CONSULT)
    def SearchPersonBySsin(  # noqa: N802, N805
        call: Call, request: SearchPersonBySsinRequest
    ) -> SearchPersonBySsinResponse:
        """The person behind an ssin, with its register and replaced/canceled state."""
        person = identification.search_person_by_ssin(call.uow, request.ssin)
        return SearchPersonBySsinResponse(
            status=status("DATA_FOUND"), person=person_to_wire(person)
        )

    @operation(SearchPersonPhoneticallyRequest, SearchPersonPhoneticallyResponse, Kind.CONSULT)
    def SearchPersonPhonetically(  # noqa: N802, N805
        call: Call, request: SearchPersonPhoneticallyRequest
    ) -> SearchPersonPhoneticallyResponse:
        """Persons whose last name sounds like the one given, born in the tolerated window."""
        query = make_query(
            request.lastName,
            request.birthDate,
            request.tolerance,
            request.firstName,
            _gender(request.gender),
            request.maximumResultCount,
        )
        matches = identification.search_phonetically(call.uow, query)
        call.ssins.extend(match.person.ssin for match in matches)  # the audit names who was found
        return SearchPersonPhoneticallyResponse(
            status=found(matches), persons=matches_to_wire(matches)
        )

    @operation(RegisterPersonRequest, RegisterPersonResponse, Kind.WRITE)
    def RegisterPerson(  # noqa: N802, N805
        call: Call, request: RegisterPersonRequest
    ) -> RegisterPersonResponse:
        """A new BIS number, unless persons that may be the same exist (RAAS0008 with them)."""
        try:
            person = identification.register_person(
                call.uow,
                request.lastName,
                request.firstName,
                request.birthDate,
                DomainGender(request.gender),
                request.nationality,
            )
        except PossibleDuplicates as duplicates:
            call.ssins.extend(match.person.ssin for match in duplicates.candidates)
            return RegisterPersonResponse(
                status=status("NOK", "RAAS0008"),
                existingPersons=matches_to_wire(duplicates.candidates),
            )
        call.ssins.append(person.ssin)
        return RegisterPersonResponse(
            status=status("OK"), newlyRegisteredPerson=person_to_wire(person)
        )

    @operation(UpdatePersonRequest, UpdatePersonResponse, Kind.WRITE)
    def UpdatePerson(  # noqa: N802, N805
        call: Call, request: UpdatePersonRequest
    ) -> UpdatePersonResponse:
        """Change the data of a BIS person; records an IDENTIFICATION_DATA event."""
        changes = {name: getattr(request, name) for name in identification.CHANGEABLE}
        person, resolved = identification.update_person(call.uow, request.ssin, changes)
        if resolved.replaced:
            call.ssins.append(resolved.active)  # the audit log names the person changed
        code = "MSG00006" if resolved.replaced else "MSG00000"
        return UpdatePersonResponse(
            status=status("OK", code, **resolved.information()), person=person_to_wire(person)
        )


def application() -> Application:
    return soap_application(IdentificationService, NS, "Identification")
