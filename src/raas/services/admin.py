"""The Admin service: KSZ operations, for users with role `admin` only (the gateway checks it)."""

from __future__ import annotations

from spyne import Application, Boolean, Date, DateTime, Integer, Long, ServiceBase

from raas import usecases
from raas.models.flows import Flow as DomainFlow
from raas.models.links import LinkReport
from raas.services.linkregister import Country, KeyTypeCode, LinkId
from raas.services.operation import Call, found, operation, soap_application, status
from raas.services.status import Kind
from raas.services.types import (
    Array,
    CbeNumber,
    ComplexModel,
    Fields,
    Flow,
    Ssin,
    Text,
    TypeDossierCode,
    Unicode,
    optional,
    request_fields,
    required,
    response_fields,
    simple,
)
from raas.usecases import links, notifications

NS = "urn:raas:admin:v1"

ReportId = simple("ReportIdType", Long(ge=1))
Pattern = simple("PatternType", Unicode(min_len=1, max_len=1000))
KeyTypeOrAny = simple("KeyTypeOrAnyType", Unicode(pattern="[A-Z][A-Z0-9_]{0,63}|\\*"))
CaseFolding = simple("CaseFoldingType", Unicode(values=["UPPER", "LOWER", "NONE"]))
ValidatorName = simple("ValidatorNameType", Unicode(max_len=200))
RemoveCharacters = simple("RemoveCharactersType", Unicode(max_len=50))


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


class DeleteLinkRequest(ComplexModel):
    __namespace__ = NS
    _type_info = request_fields(("linkId", required(LinkId)))


class DeleteLinkResponse(ComplexModel):
    __namespace__ = NS
    _type_info = response_fields()


class DefineKeyTypeRequest(ComplexModel):
    __namespace__ = NS
    _type_info = request_fields(
        ("code", required(KeyTypeCode)),
        ("description", required(Text)),
    )


class DefineKeyTypeResponse(ComplexModel):
    __namespace__ = NS
    _type_info = response_fields()


class DefineFormatRequest(ComplexModel):
    """A format; the optional fields left out keep their current value (or the default)."""

    __namespace__ = NS
    _type_info = request_fields(
        ("country", required(Country)),
        ("keyType", required(KeyTypeOrAny)),
        ("pattern", required(Pattern)),
        ("description", required(Text)),
        # a python-stdnum module (`nl.bsn`), `eidas`, or several joined by `|`; empty: none
        ("validator", optional(ValidatorName)),
        ("removeCharacters", optional(RemoveCharacters)),
        ("caseFolding", optional(CaseFolding)),
    )


class DefineFormatResponse(ComplexModel):
    __namespace__ = NS
    _type_info = response_fields()


class Report(ComplexModel):
    __namespace__ = NS
    _type_info = [
        ("reportId", required(ReportId)),
        ("linkId", required(LinkId)),
        ("cbeNumber", required(CbeNumber)),
        ("reason", required(Text)),
        ("reportedAt", required(DateTime)),
        ("closed", required(Boolean)),
        ("closedAt", optional(DateTime)),
        ("linkDeleted", optional(Boolean)),
    ]


class ListLinkReportsRequest(ComplexModel):
    __namespace__ = NS
    _type_info = request_fields(("open", optional(Boolean)))


class ListLinkReportsResponse(ComplexModel):
    __namespace__ = NS
    _type_info = response_fields(("reports", optional(Array(Report, member_name="report"))))


class CloseLinkReportRequest(ComplexModel):
    __namespace__ = NS
    _type_info = request_fields(
        ("reportId", required(ReportId)),
        ("deleteLink", optional(Boolean)),
    )


class CloseLinkReportResponse(ComplexModel):
    __namespace__ = NS
    _type_info = response_fields()


def _flow_authorization_fields() -> Fields:
    return request_fields(("cbeNumber", required(CbeNumber)), ("flow", required(Flow)))


class GrantFlowAuthorizationRequest(ComplexModel):
    __namespace__ = NS
    _type_info = _flow_authorization_fields()


class GrantFlowAuthorizationResponse(ComplexModel):
    __namespace__ = NS
    _type_info = response_fields()


class RevokeFlowAuthorizationRequest(ComplexModel):
    __namespace__ = NS
    _type_info = _flow_authorization_fields()


class RevokeFlowAuthorizationResponse(ComplexModel):
    __namespace__ = NS
    _type_info = response_fields()


class AuditEntry(ComplexModel):
    """One call, accepted or refused, as the gateway recorded it."""

    __namespace__ = NS
    _type_info = [
        ("at", required(DateTime)),
        ("ticketCBSS", required(Unicode)),
        ("cbeNumber", optional(Unicode)),
        ("username", optional(Unicode)),
        ("service", required(Unicode)),
        ("operation", required(Unicode)),
        # the ssins the request named (as sent, valid or not) and, when replaced, the active one
        ("ssins", optional(Array(Unicode, member_name="ssin"))),
        ("statusCode", required(Unicode)),
        ("durationMs", required(Integer)),
    ]


class ConsultAuditLogRequest(ComplexModel):
    __namespace__ = NS
    _type_info = request_fields(
        ("cbeNumber", optional(CbeNumber)),
        ("ssin", optional(Ssin)),
        ("fromDate", optional(Date)),
        ("toDate", optional(Date)),
        ("maximumResultCount", optional(Integer(ge=1, le=1000))),
        # the ticketCBSS of the last entry of the previous page: the next page
        ("olderThan", optional(Unicode(max_len=36))),
    )


class ConsultAuditLogResponse(ComplexModel):
    __namespace__ = NS
    _type_info = response_fields(("entries", optional(Array(AuditEntry, member_name="entry"))))


def wire_report(report: LinkReport) -> Report:
    return Report(
        reportId=report.report_id,
        linkId=report.link_id,
        cbeNumber=report.cbe_number,
        reason=report.reason,
        reportedAt=report.reported_at,
        closed=report.closed,
        closedAt=report.closed_at,
        linkDeleted=report.link_deleted if report.closed else None,
    )


class AdminService(ServiceBase):
    @operation(DefineTypeDossierRequest, DefineTypeDossierResponse, Kind.WRITE)
    def DefineTypeDossier(  # noqa: N802, N805
        call: Call, request: DefineTypeDossierRequest
    ) -> DefineTypeDossierResponse:
        """Define a type dossier for an organisation (or change its description)."""
        usecases.define_type_dossier(call.uow, request.cbeNumber, request.code, request.description)
        return DefineTypeDossierResponse(status=status("OK"))

    @operation(DeleteLinkRequest, DeleteLinkResponse, Kind.WRITE)
    def DeleteLink(  # noqa: N802, N805
        call: Call, request: DeleteLinkRequest
    ) -> DeleteLinkResponse:
        """Remove a link from every consultation (kept as deleted, with who and when)."""
        link = links.delete_link(call.uow, call.caller, request.linkId, call.ticket)
        call.ssins.append(link.ssin)  # the audit entry names the person whose link went
        return DeleteLinkResponse(status=status("OK"))

    @operation(DefineKeyTypeRequest, DefineKeyTypeResponse, Kind.WRITE)
    def DefineKeyType(  # noqa: N802, N805
        call: Call, request: DefineKeyTypeRequest
    ) -> DefineKeyTypeResponse:
        """Add a key type to the LinkRegister (or change its description)."""
        links.define_key_type(call.uow, request.code, request.description)
        return DefineKeyTypeResponse(status=status("OK"))

    @operation(DefineFormatRequest, DefineFormatResponse, Kind.WRITE)
    def DefineFormat(  # noqa: N802, N805
        call: Call, request: DefineFormatRequest
    ) -> DefineFormatResponse:
        """Define or replace the format of a country and key type (data, not a release)."""
        changed = links.define_format(
            call.uow,
            links.FormatRequest(
                country=request.country,
                key_type=request.keyType,
                pattern=request.pattern,
                description=request.description,
                validator=request.validator,
                remove_characters=request.removeCharacters,
                case_folding=request.caseFolding,
            ),
        )
        return DefineFormatResponse(status=status("OK", renormalisedKeys=str(changed)))

    @operation(ListLinkReportsRequest, ListLinkReportsResponse, Kind.CONSULT)
    def ListLinkReports(  # noqa: N802, N805
        call: Call, request: ListLinkReportsRequest
    ) -> ListLinkReportsResponse:
        """The reports on links, all of them or only the open (or closed) ones."""
        items = [wire_report(r) for r in links.list_link_reports(call.uow, request.open)]
        return ListLinkReportsResponse(status=found(items), reports=items or None)

    @operation(CloseLinkReportRequest, CloseLinkReportResponse, Kind.WRITE)
    def CloseLinkReport(  # noqa: N802, N805
        call: Call, request: CloseLinkReportRequest
    ) -> CloseLinkReportResponse:
        """Close a report, deleting the reported link when `deleteLink` is true."""
        deleted = links.close_link_report(
            call.uow, call.caller, request.reportId, bool(request.deleteLink), call.ticket
        )
        if deleted is not None:
            call.ssins.append(deleted.ssin)
        return CloseLinkReportResponse(status=status("OK"))

    @operation(GrantFlowAuthorizationRequest, GrantFlowAuthorizationResponse, Kind.WRITE)
    def GrantFlowAuthorization(  # noqa: N802, N805
        call: Call, request: GrantFlowAuthorizationRequest
    ) -> GrantFlowAuthorizationResponse:
        """Allow an organisation to subscribe to a flow that needs an authorization (DIMONA)."""
        granted = notifications.grant(
            call.uow, call.caller, request.cbeNumber, DomainFlow(request.flow)
        )
        return GrantFlowAuthorizationResponse(
            status=status("OK", alreadyGranted=str(not granted).lower())
        )

    @operation(RevokeFlowAuthorizationRequest, RevokeFlowAuthorizationResponse, Kind.WRITE)
    def RevokeFlowAuthorization(  # noqa: N802, N805
        call: Call, request: RevokeFlowAuthorizationRequest
    ) -> RevokeFlowAuthorizationResponse:
        """Withdraw an authorization; the organisation's subscription to the flow ends with it."""
        revoked = notifications.revoke(call.uow, request.cbeNumber, DomainFlow(request.flow))
        return RevokeFlowAuthorizationResponse(status=status("OK", wasGranted=str(revoked).lower()))

    @operation(ConsultAuditLogRequest, ConsultAuditLogResponse, Kind.CONSULT)
    def ConsultAuditLog(  # noqa: N802, N805
        call: Call, request: ConsultAuditLogRequest
    ) -> ConsultAuditLogResponse:
        """Audit entries, newest first, by organisation, ssin and days (Brussels) when given.

        At most `maximumResultCount` (default 100, at most 1000); `information` says
        `truncated=true` when more entries match: ask again with `olderThan` the ticketCBSS of
        the last entry received for the next page.
        """
        entries, truncated = usecases.consult_audit_log(
            call.uow,
            request.cbeNumber,
            request.ssin,
            request.fromDate,
            request.toDate,
            request.maximumResultCount or 100,
            request.olderThan,
        )
        items = [
            AuditEntry(
                at=e.at,
                ticketCBSS=str(e.ticket_cbss),
                cbeNumber=e.cbe_number,
                username=e.username,
                service=e.service,
                operation=e.operation,
                ssins=list(e.ssins) or None,
                statusCode=e.status_code,
                durationMs=e.duration_ms,
            )
            for e in entries
        ]
        answer = found(items)
        if truncated:
            answer = status("DATA_FOUND", truncated="true")
        return ConsultAuditLogResponse(status=answer, entries=items or None)


def application() -> Application:
    return soap_application(AdminService, NS, "Admin")
