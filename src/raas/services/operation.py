"""The `operation` decorator: a spyne method that maps domain outcomes onto the contract.

Every method takes one request element named like the operation and returns `<Name>Response`
(document/literal, one part). The decorator fills `informationCustomer`, `informationCBSS` and
turns domain errors into a `status`, unavailable systems into MSG00001 and anything unexpected
into MSG00003 faults, recording the outcome on the call for the audit log.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from spyne import Application, MethodContext, ServiceBase, rpc
from spyne.error import ValidationError
from spyne.model.fault import Fault
from spyne.protocol.soap import Soap11

from raas.models.errors import DomainError, InvalidData, ServiceUnavailable
from raas.models.users import User
from raas.services.fast_xml import FastSoap11
from raas.services.faults import ContractFault, fault_detail
from raas.services.status import DESCRIPTIONS, Kind, code_of, refused_value
from raas.services.types import Information, InformationCBSS, Status, required
from raas.usecases.ports import UowFactory

log = logging.getLogger("raas.service")


@dataclass
class Call:
    """One SOAP request as it goes through the gateway and a service (kept in the WSGI environ)."""

    ticket: UUID
    received: datetime
    service: str
    uow: UowFactory  # opens a unit of work bound to the caller
    operation: str = "-"
    user: User | None = None
    ssins: list[str] = field(default_factory=list)
    status_code: str | None = None
    note: str | None = None  # for the audit log: what the status code alone does not say

    @property
    def caller(self) -> User:
        """The authenticated user (the gateway lets no unauthenticated request through)."""
        assert self.user is not None
        return self.user


def status(value: str, code: str = "MSG00000", **information: str) -> Status:
    """A `status` block with the contract's description of `code`."""
    return Status(
        value=value,
        code=code,
        description=DESCRIPTIONS[code],
        information=[Information(fieldName=k, fieldValue=v) for k, v in information.items()],
    )


def refusal(kind: Kind, error: DomainError) -> Status:
    """The status of a refused request; for invalid data the description says what is wrong
    (`The request contains invalid data: a name holds no … (here U+202E)`)."""
    answer = status(refused_value(kind), code_of(error), **error.information)
    if isinstance(error, InvalidData):
        answer.description = f"{answer.description}: {error}"
    return answer


def found(items: list[Any] | None) -> Status:
    """DATA_FOUND, or NO_DATA_FOUND with MSG00100 when `items` is empty."""
    return status("DATA_FOUND") if items else status("NO_DATA_FOUND", "MSG00100")


def _fault(call: Call, fault: ContractFault) -> Fault:
    call.status_code = fault.code
    return Fault(
        faultcode=fault.faultcode,
        faultstring=DESCRIPTIONS[fault.code],
        detail=fault_detail(fault, str(call.ticket)),
    )


def operation(request: type, response: type, kind: Kind) -> Callable[[Callable[..., Any]], Any]:
    """Make `fn(call, request) -> response` a spyne method of the same name."""

    def decorate(fn: Callable[..., Any]) -> Any:
        def method(ctx: MethodContext, request_element: Any) -> Any:
            call: Call = ctx.transport.req_env["raas.call"]
            try:
                answer = fn(call, request_element)
            except DomainError as error:
                answer = response(status=refusal(kind, error))
            except ContractFault as error:
                raise _fault(call, error) from None
            except ServiceUnavailable:
                log.warning("ticket=%s database unavailable", call.ticket)
                raise _fault(call, ContractFault("MSG00001")) from None
            except Exception:
                log.exception("ticket=%s unexpected error in %s", call.ticket, call.operation)
                raise _fault(call, ContractFault("MSG00003")) from None
            answer.informationCustomer = request_element.informationCustomer
            answer.informationCBSS = InformationCBSS(
                ticketCBSS=str(call.ticket),
                timestampReceive=call.received,
                timestampReply=datetime.now(UTC),
            )
            call.status_code = answer.status.code
            return answer

        method.__name__ = fn.__name__
        # The WSDL's documentation: dedented the same on every Python (3.13 dedents docstrings
        # itself), so the committed WSDL is what 3.11, 3.12 and 3.13 generate.
        method.__doc__ = inspect.cleandoc(fn.__doc__) if fn.__doc__ else None
        return rpc(
            required(request),
            _returns=response,
            _body_style="bare",
            _in_message_name=fn.__name__,
            _out_message_name=f"{fn.__name__}Response",
        )(method)

    return decorate


class VettedSoap11(Soap11):
    """SOAP 1.1 that takes the envelope the gateway already parsed and vetted (no second parse).

    The gateway's parse is the safe one (no DTD, entities or network, bounded size and depth),
    and it already read the encoding from the XML declaration: spyne need not parse again.
    """

    def create_in_document(self, ctx: MethodContext, charset: str | None = None) -> None:
        ctx.in_document = (ctx.transport.req_env["raas.envelope"], {})  # (root, xml ids)

    def deserialize(self, ctx: MethodContext, message: type) -> None:
        # The XSD accepts values spyne cannot represent (years 10000 and -1, 24:00:00, leap
        # seconds): a request whose values cannot be read is refused like a schema error
        # (MSG00004), not answered MSG00003 as if the service had failed.
        try:
            super().deserialize(ctx, message)
        except (ValidationError, ValueError, OverflowError) as error:
            call: Call = ctx.transport.req_env["raas.call"]
            diagnostic = getattr(error, "faultstring", None) or f"a value cannot be read: {error}"
            raise _fault(call, ContractFault("MSG00004", diagnostic)) from None


def soap_application(service: type[ServiceBase], namespace: str, name: str) -> Application:
    """A SOAP 1.1 document/literal spyne application of one service class."""
    return Application(
        [service], tns=namespace, name=name, in_protocol=VettedSoap11(), out_protocol=FastSoap11()
    )
