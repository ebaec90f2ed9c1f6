"""LinkRegister use cases: links between an ssin and foreign keys, the format registry, reports.

The LinkRegister is one register shared by every organisation: any client reads any link; the
organisation that created a link (or an admin) alone may change its validity. Each function opens
its own unit of work and commits it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from uuid import UUID

from raas.models.errors import (
    InvalidData,
    InvalidForeignKey,
    LinkFieldChanged,
    LinkOwnedElsewhere,
    UnknownLink,
)
from raas.models.foreign_keys import is_country, is_eidas_identifier
from raas.models.links import (
    ANY,
    DEFAULT_FORMAT,
    CaseFolding,
    KeyFormat,
    KeyType,
    Link,
    LinkReport,
    Normalisation,
    check_key_type_code,
    format_for,
    new_format,
)
from raas.models.periods import Period
from raas.models.users import User
from raas.usecases.ports import UnitOfWork, UowFactory
from raas.usecases.ssins import ResolvedSsin, resolve
from raas.usecases.transactions import retried

EIDAS = "EIDAS"
MAX_REASON = 1000


@dataclass(frozen=True)
class FormatRequest:
    """DefineFormat's fields; None for an optional field keeps the format's current value."""

    country: str
    key_type: str
    pattern: str
    description: str
    validator: str | None = None  # "" removes the validator
    remove_characters: str | None = None
    case_folding: str | None = None


@retried
def create_link(
    uow: UowFactory,
    caller: User,
    ssin: str,
    foreign_key: str,
    country: str,
    key_type: str,
    validity: Period | None,
) -> tuple[Link, ResolvedSsin]:
    """Link the active person behind `ssin` to the normalised foreign key."""
    _check_country(country)
    with uow() as tx:
        _check_key_type(tx, key_type)
        # FOR SHARE: a replacement moving this person's links waits for us, or we follow it.
        resolved = resolve(tx.source(lock="share"), ssin)
        key = _checked_key(tx, foreign_key, country, key_type)
        link = tx.links.add(
            resolved.active, country, key_type, key, foreign_key, validity, caller.cbe_number
        )
        tx.commit()
    return link, resolved


@retried
def update_link(
    uow: UowFactory,
    caller: User,
    link_id: int,
    validity: Period | None,
    ssin: str | None = None,
    foreign_key: str | None = None,
    country: str | None = None,
    key_type: str | None = None,
) -> tuple[Link, ResolvedSsin | None]:
    """Change a link's validity; the other fields, when given, must be the link's own."""
    with uow() as tx:
        link = _link(tx, link_id, for_update=True)
        if not caller.is_admin and link.cbe_number != caller.cbe_number:
            raise LinkOwnedElsewhere("the link was created by another organisation")
        resolved = None
        # No person lock: the link's row lock above already orders this update and a
        # replacement moving the link; a person lock taken after it could only deadlock.
        if ssin is not None and ssin != link.ssin:
            resolved = resolve(tx.source(), ssin)
            if resolved.active != link.ssin:
                raise LinkFieldChanged("only the validity can change", fieldName="ssin")
        for name, given, own in (
            ("country", country, link.country),
            ("keyType", key_type, link.key_type),
        ):
            if given is not None and given != own:
                raise LinkFieldChanged("only the validity can change", fieldName=name)
        if foreign_key is not None:
            rules = format_for(tx.link_formats.formats(link.country), link.country, link.key_type)
            if rules.normalise(foreign_key) != link.foreign_key:
                raise LinkFieldChanged("only the validity can change", fieldName="foreignKey")
        tx.links.set_validity(link_id, validity)
        tx.commit()
    return replace(link, validity=validity), resolved


def links_by_ssin(
    uow: UowFactory, ssin: str, country: str | None, key_type: str | None
) -> tuple[list[Link], ResolvedSsin]:
    """Every organisation's links of the person, also those kept under the ssin as asked."""
    if country is not None:
        _check_country(country)
    with uow(autocommit=True) as tx:  # reads of shared tables only
        if key_type is not None:
            _check_key_type(tx, key_type)
        resolved = resolve(tx.source(), ssin)
        found = tx.links.by_ssins(list(dict.fromkeys([resolved.active, ssin])), country, key_type)
    return found, resolved


def links_by_foreign_key(
    uow: UowFactory, foreign_key: str, country: str, key_type: str | None
) -> list[Link]:
    """The links holding this key once normalised like each key type's format says."""
    _check_country(country)
    with uow(autocommit=True) as tx:  # reads of shared tables only
        if key_type is not None:
            _check_key_type(tx, key_type)
        formats, codes = tx.link_formats.normalising(country)
        types = [key_type] if key_type else codes
        normalised = {t: format_for(formats, country, t).normalise(foreign_key) for t in types}
        candidates = tx.links.by_keys(country, set(normalised.values()), key_type)
    return [link for link in candidates if normalised.get(link.key_type) == link.foreign_key]


def consult_formats(uow: UowFactory, country: str | None) -> list[KeyFormat]:
    """The default format, then the formats for `country` (and any country), or all of them."""
    if country not in (None, ANY):
        _check_country(country)
    with uow(autocommit=True) as tx:  # reads of shared tables only
        defined = tx.link_formats.formats(None if country in (None, ANY) else country)
    return [DEFAULT_FORMAT, *defined]


@retried
def report_link(uow: UowFactory, caller: User, link_id: int, reason: str) -> tuple[int, Link]:
    """Queue a client's report that a link is wrong; the reportId and the link."""
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise InvalidData("a reason has 1 to 1000 characters", fieldName="reason")
    with uow() as tx:
        link = _link(tx, link_id)
        report_id = tx.link_reports.file(link_id, caller.cbe_number, caller.username, reason)
        tx.commit()
    return report_id, link


@retried
def delete_link(uow: UowFactory, caller: User, link_id: int, ticket: UUID) -> Link:
    """Remove a link from every consultation, keeping who deleted it and when."""
    with uow() as tx:
        link = tx.links.delete(link_id, caller.username, caller.cbe_number, ticket)
        if link is None:
            raise UnknownLink("no link has this linkId", linkId=str(link_id))
        tx.commit()
    return link


def list_link_reports(uow: UowFactory, open_only: bool | None) -> list[LinkReport]:
    """The reports, all or only the open or the closed ones, oldest first."""
    with uow() as tx:
        return tx.link_reports.reports(open_only)


@retried
def close_link_report(
    uow: UowFactory, caller: User, report_id: int, delete: bool, ticket: UUID
) -> Link | None:
    """Close an open report, deleting its link when asked; the deleted link."""
    with uow() as tx:
        report = tx.link_reports.get(report_id, for_update=True)
        if report is None:
            raise InvalidData("no report has this reportId", reportId=str(report_id))
        if report.closed:
            raise InvalidData("the report is already closed", reportId=str(report_id))
        deleted = None
        if delete:
            deleted = tx.links.delete(
                report.link_id, caller.username, caller.cbe_number, ticket, report_id
            )
            if deleted is None:
                raise UnknownLink("the reported link no longer exists", linkId=str(report.link_id))
        tx.link_reports.close(report_id, caller.username, deleted is not None)
        tx.commit()
    return deleted


@retried
def define_key_type(uow: UowFactory, code: str, description: str) -> None:
    """Add a key type (or change its description)."""
    check_key_type_code(code)
    if not description.strip():
        raise InvalidData("a key type needs a description", fieldName="description")
    with uow() as tx:
        tx.link_formats.define_key_type(KeyType(code, description.strip()))
        tx.commit()


@retried
def define_format(uow: UowFactory, request: FormatRequest) -> int:
    """Define or replace a format; keys it now governs are normalised again (how many changed)."""
    if request.country != ANY:
        _check_country(request.country)
    with uow() as tx:
        if request.key_type != ANY:
            _check_key_type(tx, request.key_type)
        current = tx.link_formats.format(request.country, request.key_type)
        key_format = new_format(
            request.country,
            request.key_type,
            request.description.strip(),
            request.pattern,
            _kept(request.validator, current.validator if current else None),
            _normalisation(request, current.normalisation if current else Normalisation()),
        )
        tx.link_formats.define_format(key_format)
        # The keys the new format may govern, normalised again by every format now defined.
        governing = tx.link_formats.formats(None if request.country == ANY else request.country)
        changed = tx.links.renormalise(request.country, request.key_type, governing)
        tx.commit()
    return changed


def _normalisation(request: FormatRequest, current: Normalisation) -> Normalisation:
    try:
        case = CaseFolding(_kept(request.case_folding, current.case.value))
    except ValueError:
        raise InvalidData("caseFolding is UPPER, LOWER or NONE") from None
    return Normalisation(_kept(request.remove_characters, current.remove) or "", case)


def _kept(given: str | None, current: str | None) -> str | None:
    return current if given is None else given


def _checked_key(tx: UnitOfWork, foreign_key: str, country: str, key_type: str) -> str:
    rules = format_for(tx.link_formats.formats(country), country, key_type)
    key = rules.check(foreign_key, country, key_type)
    # The contract fixes the shape of an eIDAS identifier, whatever format an admin defines.
    if key_type == EIDAS and not is_eidas_identifier(key, country):
        raise InvalidForeignKey(
            "an eIDAS key is XX/YY/identifier, XX the link's country",
            country=country,
            keyType=key_type,
        )
    return key


def _link(tx: UnitOfWork, link_id: int, for_update: bool = False) -> Link:
    link = tx.links.get(link_id, for_update=for_update)
    if link is None:
        raise UnknownLink("no link has this linkId", linkId=str(link_id))
    return link


def _check_country(country: str) -> None:
    if not is_country(country):
        raise InvalidData("not an ISO 3166-1 alpha-2 country code", country=country)


def _check_key_type(tx: UnitOfWork, key_type: str) -> None:
    if not tx.link_formats.has_key_type(key_type):
        raise InvalidData("unknown key type", keyType=key_type)
