"""Wire types shared by the four services (namespace urn:raas:common:v1)."""

from __future__ import annotations

from spyne import Array, Boolean, ComplexModel, Date, DateTime, Unicode, XmlAttribute, XmlData
from spyne.model import ModelBase, SimpleModel

COMMON_NS = "urn:raas:common:v1"

# A spyne model class (spyne has no type information: to mypy this is Any).
Model = type[ModelBase]
# The elements of a ComplexModel's _type_info: (wire name, model class).
Fields = list[tuple[str, Model]]


def simple(name: str, base: Model) -> Model:
    """A named simple type in the common namespace (so the schemas share one definition)."""
    return type(name, (base,), {"__namespace__": COMMON_NS, "__type_name__": name})


def _occurs(kind: Model, min_occurs: int) -> Model:
    named: dict[str, str] = {}
    if kind.get_namespace() == COMMON_NS and issubclass(kind, SimpleModel):
        # spyne's customize() forgets a simple type's name; give it back so it is not copied.
        named = {"type_name": kind.get_type_name(), "__namespace__": COMMON_NS}
    customized: Model = kind.customize(min_occurs=min_occurs, nillable=False, **named)
    return customized


def required(kind: Model) -> Model:
    """An element that must appear once and may not be nil."""
    return _occurs(kind, 1)


def optional(kind: Model) -> Model:
    """An element that may be left out, but not sent as nil."""
    return _occurs(kind, 0)


Ssin = simple("SsinType", Unicode(pattern="[0-9]{11}"))
CbeNumber = simple("CbeNumberType", Unicode(pattern="[0-9]{10}"))
TypeDossierCode = simple("TypeDossierCodeType", Unicode(pattern="[A-Za-z0-9_.\\-]{1,64}"))
IncompleteDate = simple("IncompleteDateType", Unicode(pattern="[0-9]{4}-[0-9]{2}-[0-9]{2}"))
Gender = simple("GenderType", Unicode(values=["MALE", "FEMALE", "UNKNOWN"]))
Ticket = simple("TicketType", Unicode(max_len=36))
Text = simple("TextType", Unicode(max_len=1000))
Name = simple("NameType", Unicode(min_len=1, max_len=200))
Flow = simple("FlowType", Unicode(values=["SSIN_REPLACEMENT", "IDENTIFICATION_DATA", "DIMONA"]))


class Information(ComplexModel):
    __namespace__ = COMMON_NS
    _type_info = [
        ("fieldName", required(Unicode)),
        ("fieldValue", optional(Unicode)),
    ]


class Status(ComplexModel):
    __namespace__ = COMMON_NS
    _type_info = [
        ("value", required(Unicode)),
        ("code", required(Unicode)),
        ("description", required(Unicode)),
        ("information", Information.customize(min_occurs=0, max_occurs=15, nillable=False)),
    ]


class InformationCustomer(ComplexModel):
    __namespace__ = COMMON_NS
    _type_info = [
        ("ticket", optional(Ticket)),
        ("timestampSent", optional(DateTime)),
    ]


class InformationCBSS(ComplexModel):
    __namespace__ = COMMON_NS
    _type_info = [
        ("ticketCBSS", required(Unicode)),
        ("timestampReceive", required(DateTime)),
        ("timestampReply", required(DateTime)),
    ]


class Period(ComplexModel):
    __namespace__ = COMMON_NS
    _type_info = [
        ("beginDate", required(Date)),
        ("endDate", optional(Date)),
    ]


class SsinWithAttributes(ComplexModel):
    """An ssin with the authentic source's verdict on it, as KSZ writes a replaced INSZ."""

    __namespace__ = COMMON_NS
    _type_info = [
        ("value", XmlData(Ssin)),
        ("canceled", XmlAttribute(Boolean)),
        ("replacedBy", XmlAttribute(Ssin)),
    ]


def request_fields(*fields: tuple[str, Model]) -> Fields:
    """A request's elements: the optional informationCustomer first, then `fields`."""
    return [("informationCustomer", optional(InformationCustomer)), *fields]


def response_fields(*fields: tuple[str, Model]) -> Fields:
    """A response's elements: the echoed informationCustomer, informationCBSS, status, `fields`."""
    return [
        ("informationCustomer", optional(InformationCustomer)),
        ("informationCBSS", required(InformationCBSS)),
        ("status", required(Status)),
        *fields,
    ]


__all__ = [
    "Array",
    "Boolean",
    "ComplexModel",
    "Date",
    "DateTime",
    "Unicode",
    "COMMON_NS",
    "required",
    "optional",
    "request_fields",
    "response_fields",
    "Ssin",
    "CbeNumber",
    "TypeDossierCode",
    "IncompleteDate",
    "Gender",
    "Text",
    "Name",
    "Flow",
    "Information",
    "Status",
    "InformationCustomer",
    "InformationCBSS",
    "Period",
    "SsinWithAttributes",
]
