"""The Register service: an organisation's own register of persons."""

from __future__ import annotations

import gzip
import io
from datetime import date
from typing import Any
from uuid import UUID

from spyne import Application, ByteArray, Integer, ServiceBase

from raas import usecases
from raas.models.errors import DomainError
from raas.models.flows import Flow as DomainFlow
from raas.models.inscriptions import Inscription as DomainInscription
from raas.models.inscriptions import PersonData as DomainPersonData
from raas.models.persons import Gender as DomainGender
from raas.services.inscription_files import (
    GetInscriptionFileResultRequest,
    GetInscriptionFileResultResponse,
    SubmitInscriptionFileRequest,
    SubmitInscriptionFileResponse,
    wire_file,
)
from raas.services.operation import Call, found, operation, soap_application, status
from raas.services.status import Kind, code_of
from raas.services.types import (
    Array,
    CbeNumber,
    ComplexModel,
    Date,
    DateTime,
    Flow,
    Gender,
    IncompleteDate,
    Name,
    Period,
    Ssin,
    Status,
    TypeDossierCode,
    Unicode,
    optional,
    request_fields,
    required,
    response_fields,
)
from raas.usecases import inscription_files as files
from raas.usecases import notifications, register
from raas.usecases.ssins import ResolvedSsin

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


class PersonData(ComplexModel):
    """Identity data checked against the authentic source; only the fields given are compared."""

    __namespace__ = NS
    _type_info = [
        ("lastName", optional(Name)),
        ("firstName", optional(Name)),
        ("birthDate", optional(IncompleteDate)),
        ("gender", optional(Gender)),
    ]


class Inscription(ComplexModel):
    __namespace__ = NS
    _type_info = [
        ("ssin", required(Ssin)),
        ("typeDossier", required(TypeDossierCode)),
        ("period", required(Period)),
    ]


Inscriptions = optional(Array(Inscription, member_name="inscription"))
INSCRIBE_FIELDS = (
    ("ssin", required(Ssin)),
    ("typeDossier", required(TypeDossierCode)),
    ("period", required(Period)),
    ("personData", optional(PersonData)),
)


class InscribeRequest(ComplexModel):
    __namespace__ = NS
    _type_info = request_fields(*INSCRIBE_FIELDS)


class InscribeResponse(ComplexModel):
    __namespace__ = NS
    _type_info = response_fields(("inscriptions", Inscriptions))


class InscriptionItem(ComplexModel):
    __namespace__ = NS
    _type_info = list(INSCRIBE_FIELDS)


class InscribeBatchRequest(ComplexModel):
    __namespace__ = NS
    _type_info = request_fields(
        ("inscription", InscriptionItem.customize(min_occurs=1, max_occurs=1000, nillable=False))
    )


class InscriptionResult(ComplexModel):
    """The outcome of one item of a batch, in the order of the request."""

    __namespace__ = NS
    _type_info = [
        ("ssin", required(Ssin)),
        ("typeDossier", required(TypeDossierCode)),
        ("status", required(Status)),
        ("inscriptions", Inscriptions),
    ]


class InscribeBatchResponse(ComplexModel):
    __namespace__ = NS
    _type_info = response_fields(
        ("results", optional(Array(InscriptionResult, member_name="result")))
    )


class RemoveRequest(ComplexModel):
    __namespace__ = NS
    _type_info = request_fields(
        ("ssin", required(Ssin)),
        ("typeDossier", required(TypeDossierCode)),
        ("period", optional(Period)),
    )


class RemoveResponse(ComplexModel):
    __namespace__ = NS
    _type_info = response_fields(("inscriptions", Inscriptions))


class ConsultRequest(ComplexModel):
    __namespace__ = NS
    _type_info = request_fields(
        ("ssin", required(Ssin)),
        ("typeDossier", optional(TypeDossierCode)),
        ("period", optional(Period)),
    )


class ConsultResponse(ComplexModel):
    __namespace__ = NS
    _type_info = response_fields(("inscriptions", Inscriptions))


class SubscribeRequest(ComplexModel):
    __namespace__ = NS
    _type_info = request_fields(("flow", required(Flow)))


class SubscribeResponse(ComplexModel):
    __namespace__ = NS
    _type_info = response_fields()


class UnsubscribeRequest(ComplexModel):
    __namespace__ = NS
    _type_info = request_fields(("flow", required(Flow)))


class UnsubscribeResponse(ComplexModel):
    __namespace__ = NS
    _type_info = response_fields()


class Subscription(ComplexModel):
    __namespace__ = NS
    _type_info = [("flow", required(Flow)), ("since", required(DateTime))]


class ListSubscriptionsRequest(ComplexModel):
    __namespace__ = NS
    _type_info = request_fields()


class ListSubscriptionsResponse(ComplexModel):
    __namespace__ = NS
    _type_info = response_fields(
        ("subscriptions", optional(Array(Subscription, member_name="subscription"))),
    )


class NotificationFile(ComplexModel):
    """A daily file: `fileId` is its file name, unique and stable."""

    __namespace__ = NS
    _type_info = [
        ("fileId", required(Unicode(max_len=200))),
        ("flow", required(Flow)),
        ("date", required(Date)),
        ("recordCount", required(Integer)),
        ("sequenceNumber", optional(Integer)),
        ("cbeNumber", optional(CbeNumber)),
        ("sha256", optional(Unicode)),
    ]


class ListNotificationFilesRequest(ComplexModel):
    __namespace__ = NS
    _type_info = request_fields(("fromDate", optional(Date)), ("toDate", optional(Date)))


class ListNotificationFilesResponse(ComplexModel):
    __namespace__ = NS
    _type_info = response_fields(
        ("files", optional(Array(NotificationFile, member_name="file"))),
    )


class GetNotificationFileRequest(ComplexModel):
    __namespace__ = NS
    _type_info = request_fields(("fileId", required(Unicode(min_len=1, max_len=200))))


class GetNotificationFileResponse(ComplexModel):
    __namespace__ = NS
    _type_info = response_fields(
        ("file", optional(NotificationFile)),
        ("content", optional(ByteArray)),
        ("voucher", optional(ByteArray)),
    )


def _item(wire: InscriptionItem | InscribeRequest) -> register.InscribeItem:
    data = wire.personData
    return register.InscribeItem(
        ssin=wire.ssin,
        type_dossier=wire.typeDossier,
        begin=wire.period.beginDate,
        end=wire.period.endDate,
        person_data=None
        if data is None
        else DomainPersonData(
            last_name=data.lastName,
            first_name=data.firstName,
            birth_date=data.birthDate,
            gender=None if data.gender is None else DomainGender(data.gender),
        ),
    )


def _window(period: Period | None) -> tuple[date, date | None] | None:
    return None if period is None else (period.beginDate, period.endDate)


def _wire(lines: list[DomainInscription]) -> list[Inscription] | None:
    return [
        Inscription(
            ssin=line.ssin,
            typeDossier=line.type_dossier,
            period=Period(beginDate=line.period.begin, endDate=line.period.end),
        )
        for line in lines
    ] or None


def _done(call: Call, value: str, resolved: ResolvedSsin | None, code: str = "MSG00000") -> Status:
    """OK/DATA_FOUND, with MSG00006 and `replacedBy` when the ssin was replaced."""
    if resolved is None or not resolved.replaced:
        return status(value, code)
    call.ssins.append(resolved.active)  # the audit log names the ssin that was acted on
    return status(value, "MSG00006" if code == "MSG00000" else code, **resolved.information())


class RegisterService(ServiceBase):
    @operation(InscribeRequest, InscribeResponse, Kind.WRITE)
    def Inscribe(call: Call, request: InscribeRequest) -> InscribeResponse:  # noqa: N802, N805
        """Inscribe an ssin in a typeDossier for a period, merged with the lines already held."""
        outcome = register.inscribe(call.uow, call.caller, _item(request))
        return InscribeResponse(
            status=_done(call, "OK", outcome.resolved), inscriptions=_wire(outcome.lines)
        )

    @operation(InscribeBatchRequest, InscribeBatchResponse, Kind.WRITE)
    def InscribeBatch(  # noqa: N802, N805
        call: Call, request: InscribeBatchRequest
    ) -> InscribeBatchResponse:
        """Up to 1000 inscriptions, each applied or refused on its own, results in order."""
        outcomes = register.inscribe_batch(
            call.uow, call.caller, [_item(item) for item in request.inscription]
        )
        results = [
            InscriptionResult(
                ssin=item.ssin,
                typeDossier=item.typeDossier,
                status=_refused(outcome.error)
                if outcome.error
                else _done(call, "OK", outcome.resolved),
                inscriptions=_wire(outcome.lines),
            )
            for item, outcome in zip(request.inscription, outcomes, strict=True)
        ]
        refused = sum(1 for o in outcomes if o.error)
        return InscribeBatchResponse(
            status=status("OK", accepted=str(len(outcomes) - refused), refused=str(refused)),
            results=results,
        )

    @operation(RemoveRequest, RemoveResponse, Kind.WRITE)
    def Remove(call: Call, request: RemoveRequest) -> RemoveResponse:  # noqa: N802, N805
        """Delete the lines of an ssin + typeDossier, or cut a period out of them."""
        outcome = register.remove(
            call.uow, call.caller, request.ssin, request.typeDossier, _window(request.period)
        )
        return RemoveResponse(
            status=_done(call, "OK", outcome.resolved), inscriptions=_wire(outcome.lines)
        )

    @operation(ConsultRequest, ConsultResponse, Kind.CONSULT)
    def Consult(call: Call, request: ConsultRequest) -> ConsultResponse:  # noqa: N802, N805
        """The caller's lines of an ssin, by typeDossier then beginDate."""
        outcome = register.consult(
            call.uow, call.caller, request.ssin, request.typeDossier, _window(request.period)
        )
        if outcome.lines:
            answer = _done(call, "DATA_FOUND", outcome.resolved)
        else:
            answer = _done(call, "NO_DATA_FOUND", outcome.resolved, "MSG00100")
        return ConsultResponse(status=answer, inscriptions=_wire(outcome.lines))

    @operation(ListTypeDossiersRequest, ListTypeDossiersResponse, Kind.CONSULT)
    def ListTypeDossiers(  # noqa: N802, N805
        call: Call, request: ListTypeDossiersRequest
    ) -> ListTypeDossiersResponse:
        """The type dossiers an admin defined for the caller's organisation."""
        items = [
            TypeDossier(code=t.code, description=t.description)
            for t in usecases.list_type_dossiers(call.uow, call.caller)
        ]
        return ListTypeDossiersResponse(status=found(items), typeDossiers=items or None)

    @operation(SubscribeRequest, SubscribeResponse, Kind.WRITE)
    def Subscribe(call: Call, request: SubscribeRequest) -> SubscribeResponse:  # noqa: N802, N805
        """Receive a flow's daily files (DIMONA only with an admin's authorization)."""
        created = notifications.subscribe(call.uow, call.caller, DomainFlow(request.flow))
        return SubscribeResponse(status=status("OK", alreadySubscribed=str(not created).lower()))

    @operation(UnsubscribeRequest, UnsubscribeResponse, Kind.WRITE)
    def Unsubscribe(  # noqa: N802, N805
        call: Call, request: UnsubscribeRequest
    ) -> UnsubscribeResponse:
        """Stop a flow's files from the next daily run on (files already made stay)."""
        ended = notifications.unsubscribe(call.uow, call.caller, DomainFlow(request.flow))
        return UnsubscribeResponse(status=status("OK", wasSubscribed=str(ended).lower()))

    @operation(ListSubscriptionsRequest, ListSubscriptionsResponse, Kind.CONSULT)
    def ListSubscriptions(  # noqa: N802, N805
        call: Call, request: ListSubscriptionsRequest
    ) -> ListSubscriptionsResponse:
        """The caller's organisation's subscriptions, by flow."""
        items = [
            Subscription(flow=s.flow.value, since=s.since)
            for s in notifications.list_subscriptions(call.uow, call.caller)
        ]
        return ListSubscriptionsResponse(status=found(items), subscriptions=items or None)

    @operation(ListNotificationFilesRequest, ListNotificationFilesResponse, Kind.CONSULT)
    def ListNotificationFiles(  # noqa: N802, N805
        call: Call, request: ListNotificationFilesRequest
    ) -> ListNotificationFilesResponse:
        """The caller's organisation's daily files, by date then flow."""
        items = [
            _file(info)
            for info in notifications.list_files(
                call.uow, call.caller, request.fromDate, request.toDate
            )
        ]
        return ListNotificationFilesResponse(status=found(items), files=items or None)

    @operation(GetNotificationFileRequest, GetNotificationFileResponse, Kind.CONSULT)
    def GetNotificationFile(  # noqa: N802, N805
        call: Call, request: GetNotificationFileRequest
    ) -> GetNotificationFileResponse:
        """One of the caller's organisation's files with its voucher (base64)."""
        stored = notifications.get_file(call.uow, call.caller, request.fileId)
        if stored is None:
            return GetNotificationFileResponse(status=found(None))
        return GetNotificationFileResponse(
            status=found([stored]),
            file=_file(stored.info),
            content=[stored.content],
            voucher=[stored.voucher],
        )


    @operation(SubmitInscriptionFileRequest, SubmitInscriptionFileResponse, Kind.WRITE)
    def SubmitInscriptionFile(  # noqa: N802, N805
        call: Call, request: SubmitInscriptionFileRequest
    ) -> SubmitInscriptionFileResponse:
        """A file of inscriptions, applied in the background: its batchId, at once."""
        submitted = files.submit(
            call.uow,
            call.caller,
            b"".join(request.content or ()),  # an empty element arrives as None
            request.sha256 or "",
            request.format,
            request.mode,
            request.fileName,
        )
        again = {"alreadySubmitted": "true"} if submitted.already else {}
        return SubmitInscriptionFileResponse(
            status=status("OK", **again), batchId=str(submitted.batch_id)
        )

    @operation(GetInscriptionFileResultRequest, GetInscriptionFileResultResponse, Kind.CONSULT)
    def GetInscriptionFileResult(  # noqa: N802, N805
        call: Call, request: GetInscriptionFileResultRequest
    ) -> GetInscriptionFileResultResponse:
        """Where a file stands; once processed, its result file (gzip-compressed CSV)."""
        batch = UUID(request.batchId)
        stored = files.status(call.uow, call.caller, batch)
        if stored is None:
            return GetInscriptionFileResultResponse(status=found(None))
        result = io.BytesIO()
        with gzip.GzipFile(fileobj=result, mode="wb", compresslevel=6, mtime=0) as packed:
            done = files.write_result(call.uow, call.caller, batch, packed)
        return GetInscriptionFileResultResponse(
            status=found([stored]),
            file=wire_file(stored),
            result=[result.getvalue()] if done else None,
        )


def _file(info: Any) -> NotificationFile:  # FileInfo, whose home moves to models/ (issue 19)
    return NotificationFile(
        fileId=info.file_name,
        flow=info.flow.value,
        date=info.file_date,
        recordCount=info.record_count,
        sequenceNumber=info.sequence_number,
        cbeNumber=info.cbe_number,
        sha256=info.sha256,
    )


def _refused(error: DomainError) -> Status:
    return status("NOK", code_of(error), **error.information)


def application() -> Application:
    return soap_application(RegisterService, NS, "Register")
