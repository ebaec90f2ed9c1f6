"""The LinkRegister service: links between an INSZ and foreign identification keys (shared)."""

from __future__ import annotations

from spyne import Application, Long, ServiceBase

from raas.models.links import MAX_KEY_LENGTH, KeyFormat, Link
from raas.models.periods import Period
from raas.services.operation import Call, found, operation, soap_application, status
from raas.services.status import Kind
from raas.services.types import (
    Array,
    ComplexModel,
    Ssin,
    Text,
    Unicode,
    optional,
    request_fields,
    required,
    response_fields,
    simple,
)
from raas.services.types import Period as WirePeriod
from raas.usecases import links as usecases

NS = "urn:raas:linkregister:v1"

Country = simple("CountryType", Unicode(pattern="[A-Z]{2}|\\*"))
IsoCountry = simple("IsoCountryType", Unicode(pattern="[A-Z]{2}"))
KeyTypeCode = simple("KeyTypeCodeType", Unicode(pattern="[A-Z][A-Z0-9_]{0,63}"))
ForeignKey = simple("ForeignKeyType", Unicode(min_len=1, max_len=MAX_KEY_LENGTH))
LinkId = simple("LinkIdType", Long(ge=1))


class Format(ComplexModel):
    __namespace__ = NS
    _type_info = [
        ("country", required(Country)),
        ("keyType", required(Unicode)),
        ("description", required(Unicode)),
        ("pattern", required(Unicode)),
        ("validator", optional(Unicode)),
        ("removeCharacters", optional(Unicode)),
        ("caseFolding", optional(Unicode)),
    ]


class LinkType(ComplexModel):
    __namespace__ = NS
    __type_name__ = "Link"
    _type_info = [
        ("linkId", required(LinkId)),
        ("ssin", required(Ssin)),
        ("foreignKey", required(Unicode)),
        ("country", required(IsoCountry)),
        ("keyType", required(KeyTypeCode)),
        ("validity", optional(WirePeriod)),
    ]


Links = Array(LinkType, member_name="link")


class ConsultLinksBySsinRequest(ComplexModel):
    __namespace__ = NS
    _type_info = request_fields(
        ("ssin", required(Ssin)),
        ("country", optional(IsoCountry)),
        ("keyType", optional(KeyTypeCode)),
    )


class ConsultLinksBySsinResponse(ComplexModel):
    __namespace__ = NS
    _type_info = response_fields(("links", optional(Links)))


class ConsultLinksByForeignKeyRequest(ComplexModel):
    __namespace__ = NS
    _type_info = request_fields(
        ("foreignKey", required(ForeignKey)),
        ("country", required(IsoCountry)),
        ("keyType", optional(KeyTypeCode)),
    )


class ConsultLinksByForeignKeyResponse(ComplexModel):
    __namespace__ = NS
    _type_info = response_fields(("links", optional(Links)))


class CreateLinkRequest(ComplexModel):
    __namespace__ = NS
    _type_info = request_fields(
        ("ssin", required(Ssin)),
        ("foreignKey", required(ForeignKey)),
        ("country", required(IsoCountry)),
        ("keyType", required(KeyTypeCode)),
        ("validity", optional(WirePeriod)),
    )


class CreateLinkResponse(ComplexModel):
    __namespace__ = NS
    _type_info = response_fields(("link", optional(LinkType)))


class UpdateLinkRequest(ComplexModel):
    __namespace__ = NS
    _type_info = request_fields(
        ("linkId", required(LinkId)),
        ("validity", required(WirePeriod)),
        ("ssin", optional(Ssin)),
        ("foreignKey", optional(ForeignKey)),
        ("country", optional(IsoCountry)),
        ("keyType", optional(KeyTypeCode)),
    )


class UpdateLinkResponse(ComplexModel):
    __namespace__ = NS
    _type_info = response_fields(("link", optional(LinkType)))


class ConsultFormatsRequest(ComplexModel):
    __namespace__ = NS
    _type_info = request_fields(("country", optional(Country)))


class ConsultFormatsResponse(ComplexModel):
    __namespace__ = NS
    _type_info = response_fields(("formats", optional(Array(Format, member_name="format"))))


class ReportLinkRequest(ComplexModel):
    __namespace__ = NS
    _type_info = request_fields(("linkId", required(LinkId)), ("reason", required(Text)))


class ReportLinkResponse(ComplexModel):
    __namespace__ = NS
    _type_info = response_fields(("reportId", optional(Long)))


def period(wire: WirePeriod | None) -> Period | None:
    """The domain period of a wire `period` (MSG00008 when endDate < beginDate)."""
    return None if wire is None else Period.of(wire.beginDate, wire.endDate)


def wire_link(link: Link) -> LinkType:
    validity = link.validity
    return LinkType(
        linkId=link.link_id,
        ssin=link.ssin,
        foreignKey=link.foreign_key,
        country=link.country,
        keyType=link.key_type,
        validity=None
        if validity is None
        else WirePeriod(beginDate=validity.begin, endDate=validity.end),
    )


def wire_format(key_format: KeyFormat) -> Format:
    return Format(
        country=key_format.country,
        keyType=key_format.key_type,
        description=key_format.description,
        pattern=key_format.pattern,
        validator=key_format.validator,
        removeCharacters=key_format.normalisation.remove,
        caseFolding=key_format.normalisation.case.value,
    )


class LinkRegisterService(ServiceBase):
    @operation(ConsultLinksBySsinRequest, ConsultLinksBySsinResponse, Kind.CONSULT)
    def ConsultLinksBySsin(  # noqa: N802, N805
        call: Call, request: ConsultLinksBySsinRequest
    ) -> ConsultLinksBySsinResponse:
        """Every link of the person (followed to its active ssin), filtered by country/keyType."""
        found_links, resolved = usecases.links_by_ssin(
            call.uow, request.ssin, request.country, request.keyType
        )
        items = [wire_link(link) for link in found_links]
        answer = found(items)
        if resolved.replaced:
            answer = status(
                answer.value, "MSG00006" if items else answer.code, **resolved.information()
            )
        call.ssins.append(resolved.active)
        return ConsultLinksBySsinResponse(status=answer, links=items or None)

    @operation(ConsultLinksByForeignKeyRequest, ConsultLinksByForeignKeyResponse, Kind.CONSULT)
    def ConsultLinksByForeignKey(  # noqa: N802, N805
        call: Call, request: ConsultLinksByForeignKeyRequest
    ) -> ConsultLinksByForeignKeyResponse:
        """The links holding the foreign key, normalised as its format says."""
        found_links = usecases.links_by_foreign_key(
            call.uow, request.foreignKey, request.country, request.keyType
        )
        call.ssins.extend(link.ssin for link in found_links)  # the audit names who was found
        items = [wire_link(link) for link in found_links]
        return ConsultLinksByForeignKeyResponse(status=found(items), links=items or None)

    @operation(CreateLinkRequest, CreateLinkResponse, Kind.WRITE)
    def CreateLink(  # noqa: N802, N805
        call: Call, request: CreateLinkRequest
    ) -> CreateLinkResponse:
        """Link the person to a foreign key (RAAS0003 bad format, RAAS0004 already linked)."""
        link, resolved = usecases.create_link(
            call.uow,
            call.caller,
            request.ssin,
            request.foreignKey,
            request.country,
            request.keyType,
            period(request.validity),
        )
        call.ssins.append(resolved.active)
        code = "MSG00006" if resolved.replaced else "MSG00000"
        return CreateLinkResponse(
            status=status("OK", code, **resolved.information()), link=wire_link(link)
        )

    @operation(UpdateLinkRequest, UpdateLinkResponse, Kind.WRITE)
    def UpdateLink(  # noqa: N802, N805
        call: Call, request: UpdateLinkRequest
    ) -> UpdateLinkResponse:
        """Change a link's validity (only its creator or an admin may)."""
        link, resolved = usecases.update_link(
            call.uow,
            call.caller,
            request.linkId,
            period(request.validity),
            ssin=request.ssin,
            foreign_key=request.foreignKey,
            country=request.country,
            key_type=request.keyType,
        )
        call.ssins.append(link.ssin)
        if resolved is not None and resolved.replaced:
            answer = status("OK", "MSG00006", **resolved.information())
        else:
            answer = status("OK")
        return UpdateLinkResponse(status=answer, link=wire_link(link))

    @operation(ConsultFormatsRequest, ConsultFormatsResponse, Kind.CONSULT)
    def ConsultFormats(  # noqa: N802, N805
        call: Call, request: ConsultFormatsRequest
    ) -> ConsultFormatsResponse:
        """The default format, then the registry's formats for the country (or all)."""
        items = [wire_format(f) for f in usecases.consult_formats(call.uow, request.country)]
        return ConsultFormatsResponse(status=found(items), formats=items)

    @operation(ReportLinkRequest, ReportLinkResponse, Kind.WRITE)
    def ReportLink(  # noqa: N802, N805
        call: Call, request: ReportLinkRequest
    ) -> ReportLinkResponse:
        """Queue a suspected error in a link for the admins."""
        report_id, link = usecases.report_link(
            call.uow, call.caller, request.linkId, request.reason
        )
        call.ssins.append(link.ssin)
        return ReportLinkResponse(status=status("OK"), reportId=report_id)


def application() -> Application:
    return soap_application(LinkRegisterService, NS, "LinkRegister")
