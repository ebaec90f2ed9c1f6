"""The SSDN channel's use cases: admitting a caller, ManageAccess and IdentifyPerson.

ManageAccess runs the Register's own use cases (Inscribe, Remove, Consult), so merging, cutting,
replaced ssins, locks, row-level security and events are those of the RAAS contract; this module
only maps the SSDN request onto them and their outcome onto SSDN details.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import date

from raas.models import ssdn
from raas.models.errors import (
    DomainError,
    InvalidData,
)
from raas.models.inscriptions import Inscription, PersonData, mismatches
from raas.models.periods import Period
from raas.models.persons import Gender, Person, PersonDetails
from raas.models.phonetic import make_query
from raas.models.ssdn import AuthorizedUser, Detail, SsdnClient
from raas.models.users import Role, User, normalise_cbe_number
from raas.usecases import register
from raas.usecases.identification import search_phonetically
from raas.usecases.ports import UowFactory
from raas.usecases.ssins import ResolvedSsin, resolve

# -- registrations (operator CLI) --------------------------------------------------------------


def add_client(
    uow: UowFactory,
    cbe_number: str,
    networks: list[str],
    sector: int,
    sub_sector: int | None,
    org_unit: str,
) -> bool:
    """Register an SSDN client for an organisation (or change its registration); True if new."""
    try:
        client = SsdnClient(
            normalise_cbe_number(cbe_number),
            org_unit,
            sector,
            sub_sector,
            tuple(ssdn.normalise_network(n) for n in networks),
        )
    except ValueError as error:
        raise InvalidData(str(error)) from None
    with uow() as tx:
        tx.users.ensure_organisation(client.cbe_number)
        created = tx.ssdn_clients.add(client)
        tx.commit()
    return created


def list_clients(uow: UowFactory) -> list[SsdnClient]:
    """Every registered SSDN client."""
    with uow() as tx:
        return tx.ssdn_clients.list()


def remove_client(uow: UowFactory, cbe_number: str, org_unit: str) -> bool:
    """Remove a registration; False when there was none."""
    try:
        cbe_number = normalise_cbe_number(cbe_number)
    except ValueError as error:
        raise InvalidData(str(error)) from None
    with uow() as tx:
        removed = tx.ssdn_clients.remove(cbe_number, org_unit)
        tx.commit()
    return removed


# -- admission ----------------------------------------------------------------------------------


class Refused(Exception):
    """The caller is not admitted on the SSDN channel; `note` says why (audit log only)."""

    def __init__(self, note: str) -> None:
        super().__init__(note)
        self.note = note


def registrations_for(uow: UowFactory, address: str) -> list[SsdnClient]:
    """The registrations whose networks hold the client's address; Refused when none does."""
    try:
        ipaddress.ip_address(address)
    except ValueError:
        raise Refused(f"no SSDN client: the client address {address[:64]!r} is unusable") from None
    with uow(autocommit=True) as tx:
        found = tx.ssdn_clients.for_address(address)
    if not found:
        raise Refused(f"no SSDN client is registered for the network of {address}")
    return found


def admit(found: list[SsdnClient], user: AuthorizedUser, address: str) -> User:
    """The organisation the request acts for: the registration its AuthorizedUser names.

    Two organisations registered for the same network with the same AuthorizedUser cannot be
    told apart: such a request is refused rather than given to either.
    """
    matching = [client for client in found if user.matches(client)]
    organisations = {client.cbe_number for client in matching}
    if len(organisations) == 1:
        client = matching[0]
        return User(f"ssdn:{client.org_unit}", client.cbe_number, Role.CLIENT)
    described = (
        f"AuthorizedUser (OrgUnit {user.org_unit[:64]!r}, MatrixID {user.matrix_id[:16]!r}, "
        f"MatrixSubID {user.matrix_sub_id[:16]!r})"
    )
    if organisations:
        raise Refused(
            f"{described} from {address} matches SSDN clients of several organisations: "
            f"{', '.join(sorted(organisations))}"
        )
    raise Refused(f"{described} matches no SSDN client of {address}")


# -- ManageAccess ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ManageAccessRequest:
    ssin: str
    action: str  # REGISTER, UNREGISTER, LIST
    start: date
    end: date | None = None
    purpose: str | None = None
    person_data: PersonData | None = None
    cards: tuple[str, ...] = ()


@dataclass
class ServiceAnswer:
    """What a service request answers: its details, and the rows of its reply."""

    details: list[Detail] = field(default_factory=list)
    lines: list[Inscription] = field(default_factory=list)
    persons: list[tuple[Person, PersonDetails | None]] = field(default_factory=list)
    validated: bool = False


def manage_access(uow: UowFactory, caller: User, request: ManageAccessRequest) -> ServiceAnswer:
    """REGISTER → Inscribe, UNREGISTER → Remove, LIST → Consult; the caller's whole lines of
    the ssin (and Purpose) that overlap the request's period, after the change."""
    answer = ServiceAnswer()
    if request.action != "LIST" and request.purpose is None:
        return _missing(answer, "Purpose")
    proof = request.person_data is not None or bool(request.cards)
    if request.action == "REGISTER" and not proof:
        return _missing(answer, "ProofOfAuthentication")
    type_dossier = None if request.purpose is None else ssdn.purpose_code(request.purpose)
    window = (request.start, request.end)
    try:
        period = Period.of(*window)
        if request.action == "REGISTER":
            assert type_dossier is not None
            item = register.InscribeItem(
                request.ssin, type_dossier, *window, request.person_data, request.cards
            )
            outcome = register.inscribe(uow, caller, item)
        elif request.action == "UNREGISTER":
            assert type_dossier is not None
            outcome = register.remove(uow, caller, request.ssin, type_dossier, window)
        else:
            outcome = register.consult(uow, caller, request.ssin, type_dossier, window)
    except DomainError as error:
        answer.details.append(refusal(error))
        return answer
    answer.lines = [line for line in outcome.lines if line.period.overlaps(period)]
    if outcome.resolved is not None and outcome.resolved.replaced:
        answer.details.append(_replaced(outcome.resolved))
    return answer


def _missing(answer: ServiceAnswer, name: str) -> ServiceAnswer:
    answer.details.append(
        Detail(
            ssdn.MISSING_ARGUMENT,
            f"A mandatory argument is missing or empty: {name}",
            (("FieldName", name),),
        )
    )
    return answer


def refusal(error: DomainError) -> Detail:
    """The SSDN detail of a refusal of the shared use cases."""
    information = tuple((k, str(v)) for k, v in error.information.items())[:5]
    return Detail(ssdn.reason_code(error), str(error), information)


def _replaced(resolved: ResolvedSsin) -> Detail:
    return Detail(
        ssdn.SSIN_REPLACED,
        "The SSIN is replaced; the request was applied to its replacement",
        (("replacedBy", resolved.active),),
    )


# -- IdentifyPerson ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhoneticCriteria:
    last_name: str = ""
    first_name: str = ""
    birth_date: str = ""
    gender: str | None = None  # 0, 1, 2
    tolerance: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class IdentifyPersonRequest:
    ssin: str | None = None
    phonetic: PhoneticCriteria | None = None
    verification: PersonData | None = None
    cards: tuple[tuple[str, str], ...] = ()  # (element name, number)


def identify_person(uow: UowFactory, request: IdentifyPersonRequest) -> ServiceAnswer:
    """By SSIN (verification data checked), or phonetically; both: by SSIN, with a warning."""
    answer = ServiceAnswer()
    try:
        if request.ssin:
            if request.phonetic is not None:
                answer.details.append(
                    Detail(
                        ssdn.SEARCHED_BY_SSIN,
                        "SSIN and phonetic criteria given: the search was made by SSIN",
                    )
                )
            _by_ssin(uow, request, answer)
        elif request.phonetic is not None:
            _phonetically(uow, request.phonetic, answer)
        else:
            _missing(answer, "SearchCriteria")
    except DomainError as error:
        answer.details.append(refusal(error))
    return answer


def _by_ssin(uow: UowFactory, request: IdentifyPersonRequest, answer: ServiceAnswer) -> None:
    assert request.ssin is not None
    with uow(autocommit=True) as tx:  # reads of the shared source only
        resolved = resolve(tx.source(), request.ssin)
        details = tx.person_details.get(resolved.active)
        requested = details if not resolved.replaced else tx.person_details.get(resolved.requested)
    if resolved.replaced:
        answer.details.append(_replaced(resolved))
    answer.persons.append((resolved.person, details))
    if request.verification is None and not request.cards:
        return
    wrong: list[tuple[str, str]] = []
    given = request.verification
    if given is not None:
        names = {"lastName": "LastName", "firstName": "FirstName", "birthDate": "BirthDate"}
        values = {
            "lastName": given.last_name,
            "firstName": given.first_name,
            "birthDate": given.birth_date,
        }
        try:
            fields = mismatches(given, resolved.person)
        except InvalidData:
            fields = ["birthDate"]
        wrong += [(names[f], str(values[f])) for f in fields if f in names]
    for element, number in request.cards:
        if not any(d is not None and d.knows_card(number) for d in (details, requested)):
            wrong.append((element, number))
    if wrong:
        answer.details.append(
            Detail(
                ssdn.VERIFICATION_MISMATCH,
                "The verification data do not match the person's",
                tuple(wrong[:5]),
            )
        )
    else:
        answer.details.append(Detail(ssdn.IDENTITY_VALIDATED, "The identity is validated"))
        answer.validated = True


def _phonetically(uow: UowFactory, criteria: PhoneticCriteria, answer: ServiceAnswer) -> None:
    if not criteria.last_name.strip():
        _missing(answer, "LastName")
        return
    if not criteria.birth_date.strip():
        _missing(answer, "BirthDate")
        return
    born = criteria.birth_date.strip()
    if criteria.tolerance is None and born.endswith("-00"):  # an incomplete date
        answer.details.append(
            Detail(
                ssdn.INCOMPLETE_DATE_WITHOUT_TOLERANCE,
                "An incomplete birth date needs a tolerance",
                (("BirthDate", born),),
            )
        )
        return
    gender = None if criteria.gender is None else ssdn.GENDER_OF_CODE.get(criteria.gender)
    query = make_query(
        criteria.last_name,
        born,
        criteria.tolerance,
        criteria.first_name or None,
        None if gender is Gender.UNKNOWN else gender,
        criteria.maximum,
    )
    matches = search_phonetically(uow, query)
    if not matches:
        answer.details.append(Detail(ssdn.NOTHING_FOUND, "The phonetic search found nobody"))
        return
    with uow(autocommit=True) as tx:
        answer.persons = [(m.person, tx.person_details.get(m.person.ssin)) for m in matches]
