"""Every operation of the four services with the request fields its command accepts.

A field is the element's wire path (`period.beginDate`); `!` marks one the request needs.
`tests/contract/test_client.py` fails when an operation or a field of wsdl/*.wsdl is missing here.
"""

from __future__ import annotations

from dataclasses import dataclass

PERIOD = "period.beginDate period.endDate"
INSCRIPTION = "ssin! typeDossier! period.beginDate! period.endDate"
VALIDITY = "validity.beginDate validity.endDate"
PERSON_DATA = "personData.lastName personData.firstName personData.birthDate personData.gender"
PERSON = "lastName firstName birthDate gender nationality"


@dataclass(frozen=True)
class Operation:
    service: str
    name: str
    fields: str  # wire paths, space separated
    help: str

    def paths(self) -> list[tuple[str, bool]]:
        """(wire path, required) per request field, in order."""
        return [(field.rstrip("!"), field.endswith("!")) for field in self.fields.split()]


def _ops(service: str, *rows: tuple[str, str, str]) -> list[Operation]:
    return [Operation(service, name, fields, help) for name, fields, help in rows]


OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in [
        *_ops(
            "Register",
            (
                "Inscribe",
                f"{INSCRIPTION} {PERSON_DATA}",
                "inscribe a period",
            ),
            ("InscribeBatch", "inscription!", "inscribe 1 to 1000 items, each on its own"),
            ("Remove", f"ssin! typeDossier! {PERIOD}", "remove a key's lines or cut a period"),
            ("Consult", f"ssin! typeDossier {PERIOD}", "your lines of an ssin"),
            ("ListTypeDossiers", "", "your organisation's type dossiers"),
            ("Subscribe", "flow!", "subscribe to a notification flow"),
            ("Unsubscribe", "flow!", "end a subscription"),
            ("ListSubscriptions", "", "your subscriptions"),
            ("ListNotificationFiles", "fromDate toDate", "your notification files"),
            ("GetNotificationFile", "fileId!", "one notification file and its voucher"),
            (
                "SubmitInscriptionFile",
                "fileName format mode sha256 content!",
                "send a file of inscriptions (CSV or XML, gzip allowed) to apply in the background",
            ),
            (
                "GetInscriptionFileResult",
                "batchId!",
                "where a file stands, and its result file once processed",
            ),
        ),
        *_ops(
            "Identification",
            ("SearchPersonBySsin", "ssin!", "a person of the authentic source"),
            (
                "SearchPersonPhonetically",
                "lastName! firstName birthDate! tolerance gender maximumResultCount",
                "persons by name and birth date, best match first",
            ),
            (
                "RegisterPerson",
                "lastName! firstName! birthDate! gender! nationality",
                "a new BIS number, unless the person may exist",
            ),
            ("UpdatePerson", f"ssin! {PERSON} deceaseDate", "change a BIS person"),
        ),
        *_ops(
            "LinkRegister",
            ("ConsultLinksBySsin", "ssin! country keyType", "links of an ssin"),
            ("ConsultLinksByForeignKey", "foreignKey! country! keyType", "links of a foreign key"),
            ("CreateLink", f"ssin! foreignKey! country! keyType! {VALIDITY}", "create a link"),
            (
                "UpdateLink",
                f"linkId! {VALIDITY} ssin foreignKey country keyType",
                "change a link's validity",
            ),
            ("ConsultFormats", "country", "the foreign-key formats"),
            ("ReportLink", "linkId! reason!", "report a link you think is wrong"),
        ),
        *_ops(
            "Admin",
            ("DefineTypeDossier", "cbeNumber! code! description!", "define a type dossier"),
            ("DeleteLink", "linkId!", "delete a link"),
            ("DefineKeyType", "code! description!", "define a foreign-key type"),
            (
                "DefineFormat",
                "country! keyType! pattern! description! validator removeCharacters caseFolding",
                "define a foreign-key format",
            ),
            ("ListLinkReports", "open", "reported links"),
            ("CloseLinkReport", "reportId! deleteLink", "close a report"),
            ("GrantFlowAuthorization", "cbeNumber! flow!", "allow an organisation a flow"),
            ("RevokeFlowAuthorization", "cbeNumber! flow!", "withdraw a flow"),
            (
                "ConsultAuditLog",
                "cbeNumber ssin fromDate toDate maximumResultCount olderThan",
                "the audit log, newest first",
            ),
        ),
    ]
}
