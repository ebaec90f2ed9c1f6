"""The integrator guide's examples come from here: every operation driven through `raas client`
on the live app, the raw request and response XML captured by a WSGI wrapper, volatile parts
(tickets, timestamps, today's date, durations, password) made stable.

`RAAS_UPDATE_DOCS=1 pytest tests/contract/test_integrator_docs.py` rewrites docs/examples/ and
the generated part of docs/integrator-guide.md; without it the test fails when they differ.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import shlex
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import Engine

from raas import usecases
from raas.client.cli import main
from raas.client.operations import OPERATIONS
from raas.clock import today
from raas.models.ssin import make_ssin
from raas.persistence.uow import UnitOfWork
from raas.services.inscription_files import result_rendering
from raas.services.status import DESCRIPTIONS
from raas.usecases import notifications, source
from raas.usecases.inscription_files import run_waiting
from tests import world
from tests.conftest import ROOT, serving
from tests.world import CLIENT_CBE, PASSWORD
from tests.world import JAN_PEETERS as PERSON  # the guide's person

EXAMPLES = ROOT / "docs" / "examples"
GUIDE = ROOT / "docs" / "integrator-guide.md"
BEGIN = "<!-- BEGIN generated {}: tests/contract/test_integrator_docs.py -->"
END = "<!-- END generated {} -->"
DOC_DAY = "2026-01-15"  # today's date, in every example
UPDATE = os.environ.get("RAAS_UPDATE_DOCS") == "1"


@dataclass
class Example:
    name: str
    operation: str
    argv: list[str]
    note: str
    request: bytes = b""
    response: bytes = b""


class Recorder:
    """WSGI wrapper keeping the body of every POST and of its answer."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app, self.exchanges = app, []  # type: ignore[var-annotated]

    def __call__(self, environ, start_response):  # type: ignore[no-untyped-def]
        if environ["REQUEST_METHOD"] != "POST":
            return self.app(environ, start_response)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        answer = b"".join(self.app(environ, start_response))
        self.exchanges.append((body, answer))
        return [answer]


@pytest.fixture()
def recorded(live_app, engine: Engine, users, monkeypatch, capsys, tmp_path):  # type: ignore[no-untyped-def]
    """`run(name, user, "Operation --option value …", note=…, code=0)`: call, keep an Example."""
    uow = partial(UnitOfWork, engine)
    _import_person(uow)
    recorder = Recorder(live_app)
    examples: list[Example] = []
    with serving(recorder) as url:
        monkeypatch.setenv("RAAS_URL", url)

        def run(name, user, command, note="", code=0, password=PASSWORD):  # type: ignore[no-untyped-def]
            operation, *argv = shlex.split(command)
            monkeypatch.setenv("RAAS_USER", user)
            monkeypatch.setenv("RAAS_PASSWORD", password)
            assert main([operation, *argv, "--json"]) == code
            answer = json.loads(capsys.readouterr().out)
            examples.append(Example(name, operation, list(argv), note, *recorder.exchanges[-1]))
            return answer

        run.uow = uow  # type: ignore[attr-defined]
        run.outbox = tmp_path / "outbox"  # type: ignore[attr-defined]
        yield run, examples


@pytest.mark.usefixtures("registry")  # puts back the key types and formats defined here
def test_every_operation_has_a_committed_example_request_and_response(
    recorded, users, engine, monkeypatch, tmp_path
) -> None:
    # fmt: off
    run, examples = recorded
    admin, client = users.admin, users.client
    key = f"--ssin {PERSON} --typeDossier 902"
    run("DefineTypeDossier", admin,
        f"DefineTypeDossier --cbeNumber {CLIENT_CBE} --code 902 --description 'Work incapacity'",
        note="An admin defines a type dossier for an organisation before it is used.")
    run("ListTypeDossiers", client, "ListTypeDossiers")
    run("Inscribe", client,
        f"Inscribe {key} --period.beginDate 2025-01-01 --period.endDate 2025-06-30 "
        "--personData.lastName PEETERS --personData.birthDate 1985-03-00 --ticket my-ref-1",
        note="With person data (checked against the source, by the rule for names of § 3; "
        "a birth date on the parts both know) and the caller's own ticket, echoed back.")
    run("Inscribe-merge", client, f"Inscribe {key} --period.beginDate 2025-07-01",
        note="2025-07-01 touches the line ending 2025-06-30: the two become one open-ended line.")
    run("Inscribe-unknown-type-dossier", client,
        f"Inscribe --ssin {PERSON} --typeDossier 777 --period.beginDate 2025-01-01", code=1,
        note="A refusal is a normal response with status NOK and its code; nothing changed.")
    unknown = make_ssin(1985, 3, 14, 997)
    run("InscribeBatch", client,
        f"InscribeBatch --inscription {PERSON},902,2024-01-01,2024-12-31 "
        f"--inscription {unknown},902,2025-01-01",
        note="Each item is applied or refused on its own (the second ssin is unknown to the "
        "source: MSG00005); the top status counts them.")
    run("Remove-cut", client,
        f"Remove {key} --period.beginDate 2025-03-01 --period.endDate 2025-03-31",
        note="Cutting March out of one line leaves two.")
    run("Consult", client,
        f"Consult --ssin {PERSON} --period.beginDate 2025-02-01 --period.endDate 2025-12-31",
        note="The whole lines that overlap the period, not clipped to it.")
    run("Subscribe", client, "Subscribe --flow IDENTIFICATION_DATA")
    run("ListSubscriptions", client, "ListSubscriptions")
    run("GrantFlowAuthorization", admin,
        f"GrantFlowAuthorization --cbeNumber {CLIENT_CBE} --flow DIMONA",
        note="DIMONA needs an admin's authorization (RAAS0009 without).")
    run("RevokeFlowAuthorization", admin,
        f"RevokeFlowAuthorization --cbeNumber {CLIENT_CBE} --flow DIMONA",
        note="Also ends the organisation's DIMONA subscription.")
    run("SearchPersonBySsin", client, f"SearchPersonBySsin --ssin {PERSON}")
    run("SearchPersonPhonetically", client,
        "SearchPersonPhonetically --lastName Pieters --birthDate 1985-03-00 --tolerance 1",
        note="Peeters is found for Pieters; the birth date is known to the month, so the "
        "tolerance counts months.")
    new = run("RegisterPerson", client,
              "RegisterPerson --lastName Dubois --firstName Marie --birthDate 1992-05-17 "
              "--gender FEMALE --nationality FR",
              note="Nobody alike: a new BIS number (month + 40).")
    bis = new["newlyRegisteredPerson"]["ssin"]["_value_1"]
    run("UpdatePerson", client, f"UpdatePerson --ssin {bis} --firstName Marie-Claire",
        note="BIS persons only (RAAS0007 for a national-register number).")

    # the operator's part: the source changes the person, the daily run builds the files
    source.update(run.uow, PERSON, {"firstName": "Johan"})
    notifications.run(run.uow, today(), run.outbox)
    day = today().isoformat()
    files = run("ListNotificationFiles", client,
                f"ListNotificationFiles --fromDate {day} --toDate {day}")
    (info,) = files["files"]["file"]
    run("GetNotificationFile", client, f"GetNotificationFile --fileId {info['fileId']}",
        note="content and voucher are base64; the voucher holds the sha256 of the content.")
    run("Unsubscribe", client, "Unsubscribe --flow IDENTIFICATION_DATA")

    monkeypatch.chdir(tmp_path)
    (tmp_path / "inscriptions.csv").write_text(
        f"ssin,typeDossier,beginDate,endDate\n{PERSON},902,2025-09-01,2025-09-30\n"
        f"{unknown},902,2025-09-01,\n"
    )
    sent = run("SubmitInscriptionFile", client, "SubmitInscriptionFile --content inscriptions.csv",
               note="The file (base64; CSV here, or XML, gzip or not) with its sha256: the batchId "
               "comes back at once, the lines are applied in the background.")
    run_waiting(engine, result_rendering())  # a round of the background worker
    run("GetInscriptionFileResult", client,
        f"GetInscriptionFileResult --batchId {sent['batchId']}",
        note="Once DONE: the result file, gzip-compressed CSV, one status a line (here OK, then "
        "MSG00005 for the unknown ssin).")

    run("ConsultFormats", client, "ConsultFormats --country NL")
    link = run("CreateLink", client,
               f"CreateLink --ssin {PERSON} --foreignKey 1112.22.333 --country NL "
               "--keyType NATIONAL_NUMBER --validity.beginDate 2020-01-01",
               note="The key is normalised by the NL format (dots removed, BSN check digit).")
    link_id = link["link"]["linkId"]
    run("ConsultLinksBySsin", client, f"ConsultLinksBySsin --ssin {PERSON}")
    run("ConsultLinksByForeignKey", client,
        "ConsultLinksByForeignKey --foreignKey 111222333 --country NL")
    run("UpdateLink", client,
        f"UpdateLink --linkId {link_id} --validity.beginDate 2020-01-01 "
        "--validity.endDate 2025-12-31",
        note="Only the validity can change, by the organisation that created the link.")
    report = run("ReportLink", client,
                 f"ReportLink --linkId {link_id} --reason 'This BSN belongs to another person'")
    run("ListLinkReports", admin, "ListLinkReports --open true")
    run("CloseLinkReport", admin,
        f"CloseLinkReport --reportId {report['reportId']} --deleteLink false")
    run("DefineKeyType", admin,
        "DefineKeyType --code RESIDENCE_PERMIT --description 'Residence permit number'")
    run("DefineFormat", admin,
        "DefineFormat --country FR --keyType RESIDENCE_PERMIT --pattern '[0-9]{10}' "
        "--description 'titre de séjour' --removeCharacters ' -'")
    run("DeleteLink", admin, f"DeleteLink --linkId {link_id}")
    run("Remove", client, f"Remove {key}", note="No period: every line of the key.")
    run("ConsultAuditLog", admin,
        f"ConsultAuditLog --cbeNumber {CLIENT_CBE} --maximumResultCount 2",
        note="Newest first; truncated=true says there are more (olderThan pages on).")
    run("Fault-authentication", client, "ListTypeDossiers", password="wrong password", code=3,
        note="Wrong, unknown or missing credentials: a SOAP fault with MSG00014.")

    # fmt: on
    assert {e.operation for e in examples} == set(OPERATIONS)
    expected = _documents(examples)
    if UPDATE:
        for path in EXAMPLES.glob("*.xml"):
            path.unlink()
        for path, text in expected.items():
            path.parent.mkdir(exist_ok=True)
            path.write_text(text)
    actual = {path: path.read_text() for path in [*EXAMPLES.glob("*.xml"), GUIDE]}
    assert sorted(actual) == sorted(expected), "RAAS_UPDATE_DOCS=1 rewrites docs/examples"
    for path, text in expected.items():
        assert actual[path] == text, f"{path} is stale: RAAS_UPDATE_DOCS=1 rewrites it"


def _documents(examples: list[Example]) -> dict[Path, str]:
    """docs/examples/*.xml and the guide with its generated section, from the examples."""
    shas = _normalised_shas(examples)
    files: dict[Path, str] = {}
    section: list[str] = []
    services = [*dict.fromkeys(op.service for op in OPERATIONS.values()), "Faults"]
    for operation in [*OPERATIONS, "Fault"]:
        service = OPERATIONS[operation].service if operation in OPERATIONS else "Faults"
        if service in services:
            section += [f"### {services.pop(services.index(service))}", ""]
        for e in [e for e in examples if e.name.split("-")[0] == operation]:
            request, response = _normal(e.request, shas), _normal(e.response, shas)
            files[EXAMPLES / f"{e.name}.request.xml"] = request
            files[EXAMPLES / f"{e.name}.response.xml"] = response
            section += _markdown(e, request, response)
            if e.operation == "GetNotificationFile":
                files.update(_notification_file(response))
                section += _file_markdown(files)
    guide = GUIDE.read_text()
    for name, lines in (("examples", section), ("schemas", _schemas())):
        head, begin, rest = guide.partition(BEGIN.format(name))
        _, end, tail = rest.partition(END.format(name))
        assert begin and end, f"the guide lost its generated {name} markers"
        guide = head + "\n".join([begin, "", *lines, end]) + tail
    files[GUIDE] = guide
    return files


def _schemas() -> list[str]:
    """The notification file's and the voucher's schemas, as committed."""
    lines = []
    for name in ("NotificationFile.xsd", "Voucher.xsd"):
        text = (ROOT / "xsd" / "notifications" / name).read_text()
        lines += [
            f"[xsd/notifications/{name}](../xsd/notifications/{name}):",
            "",
            "```xml",
            text.rstrip(),
            "```",
            "",
        ]
    return lines


def _markdown(e: Example, request: str, response: str) -> list[str]:
    service = OPERATIONS[e.operation].service
    first, _, rest = e.name.partition("-")
    title = f"{first} ({rest.replace('-', ' ')})" if rest else first
    command = "raas client " + " ".join(shlex.quote(a) for a in [e.operation, *e.argv])
    command = _stable(command.encode()).decode()  # today's date in a file name
    return [
        f"#### {title}",
        "",
        *([e.note, ""] if e.note else []),
        f"`POST /{service}` — `{command}`",
        "",
        f"Request ([{e.name}.request.xml](examples/{e.name}.request.xml)):",
        "",
        "```xml",
        request.rstrip(),
        "```",
        "",
        f"Response ([{e.name}.response.xml](examples/{e.name}.response.xml)):",
        "",
        "```xml",
        response.rstrip(),
        "```",
        "",
    ]


def _notification_file(response: str) -> dict[Path, str]:
    """The served file and voucher, decoded, after checking them against their schemas."""
    root = etree.fromstring(response.encode())
    found = {}
    for name, xsd, path in (
        ("content", "NotificationFile.xsd", EXAMPLES / "notification-file.xml"),
        ("voucher", "Voucher.xsd", EXAMPLES / "notification-file.voucher.xml"),
    ):
        raw = base64.b64decode(next(root.iter(f"{{*}}{name}")).text)
        schema = etree.XMLSchema(file=str(ROOT / "xsd" / "notifications" / xsd))
        schema.assertValid(etree.fromstring(raw))
        found[path] = raw.decode()
    content, voucher = (v.encode() for v in found.values())
    sha = etree.fromstring(voucher).findtext("{*}sha256")
    assert sha == hashlib.sha256(content).hexdigest()  # the stable example stays consistent
    return found


def _file_markdown(files: dict[Path, str]) -> list[str]:
    lines = []
    for title, name in (
        ("content", "notification-file.xml"),
        ("voucher", "notification-file.voucher.xml"),
    ):
        lines += [
            f"The `{title}` decoded ([{name}](examples/{name})):",
            "",
            "```xml",
            files[EXAMPLES / name].rstrip(),
            "```",
            "",
        ]
    return lines


def _normalised_shas(examples: list[Example]) -> dict[str, str]:
    """sha256 of each notification file served → sha256 of its normalised bytes."""
    shas = {}
    for e in examples:
        for node in etree.fromstring(e.response).iter("{*}content"):
            raw = base64.b64decode(node.text)
            shas[hashlib.sha256(raw).hexdigest()] = hashlib.sha256(_stable(raw)).hexdigest()
    return shas


def _normal(xml: bytes, shas: dict[str, str]) -> str:
    """Pretty XML with stable tickets, times, dates, durations, password and file bytes."""
    root = etree.fromstring(xml, etree.XMLParser(remove_blank_text=True))
    for node in root.iter("{*}content", "{*}voucher"):
        node.text = base64.b64encode(_stable(base64.b64decode(node.text), shas)).decode()
    for node in root.iter("{*}Password"):
        node.text = "your-password"
    for node in root.iter("{*}durationMs"):
        node.text = "4"
    text = etree.tostring(root, pretty_print=True, encoding="unicode")
    return _stable(text.encode(), shas).decode()


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")


def _stable(data: bytes, shas: dict[str, str] | None = None) -> bytes:
    text = data.decode()
    text = UUID.sub("00000000-0000-4000-8000-000000000000", text)
    text = DATETIME.sub(f"{DOC_DAY}T10:00:00.000000+01:00", text)
    day = today()
    text = text.replace(day.isoformat(), DOC_DAY).replace(
        day.strftime("%Y%m%d"), DOC_DAY.replace("-", "")
    )
    for real, stable in (shas or {}).items():
        text = text.replace(real, stable)
    return text.encode()


def test_the_guides_worked_period_examples_are_what_the_service_does(
    engine: Engine, users, soap
) -> None:
    """Each row of the guide's period table, run on the live service."""
    uow = partial(UnitOfWork, engine)
    _import_person(uow)
    usecases.define_type_dossier(uow, CLIENT_CBE, "902", "Work incapacity")
    register = soap("Register", users.client)
    key = {"ssin": PERSON, "typeDossier": "902"}
    rows = _period_rows(GUIDE.read_text())
    assert len(rows) >= 10
    for held, operation, period, expected, code in rows:
        register.Remove(**key)
        for begin, end in held:
            assert register.Inscribe(**key, period=_wire(begin, end)).status.code == "MSG00000"
        request = {"period": _wire(*period)} if period else {}
        answer = getattr(register, operation)(**key, **request)
        lines = register.Consult(ssin=PERSON).inscriptions
        got = [
            (str(line.period.beginDate), str(line.period.endDate) if line.period.endDate else None)
            for line in (lines.inscription if lines else [])
        ]
        row = (held, operation, period)
        assert (answer.status.code, got) == (code, held if expected is None else expected), row


def _period_rows(guide: str) -> list[tuple]:  # type: ignore[type-arg]
    """(held, operation, period or None, lines after or None for unchanged, code)."""
    table = guide.partition("| you hold | request | you then hold |")[2].split("\n\n")[0]
    rows = []
    for line in table.strip().splitlines()[1:]:
        held, request, after = (cell.strip() for cell in line.strip("|").split("|"))
        operation, _, what = request.partition(" — ")[0].partition(" ")
        period = None if what.startswith("(no period") else _periods(what)[0]
        if what == "(anything)":
            period = ("2025-01-01", "2025-01-31")
        code = "MSG00012" if "MSG00012" in after else "MSG00000"
        expected = None if after.startswith("unchanged") else _periods(after)
        rows.append((_periods(held), operation, period, expected, code))
    return rows


def _periods(text: str) -> list[tuple[str, str | None]]:
    """`2025-01-01..2025-06-30, 2025-07-01..(open)` as (begin, end or None); `—`/nothing: []."""
    if text in {"—", "nothing", "MSG00012"}:
        return []
    found = []
    for part in text.split(", "):
        begin, _, end = part.partition("..")
        found.append((begin, None if end == "(open)" else end))
    return found


def _wire(begin: str, end: str | None) -> dict[str, str]:
    return {"beginDate": begin, **({"endDate": end} if end else {})}


def _import_person(uow) -> None:  # type: ignore[no-untyped-def]
    world.load(uow, PERSON)


def test_the_guide_says_what_to_do_about_every_status_code() -> None:
    table = GUIDE.read_text().partition("| code | how | meaning | what to do |")[2]
    rows = [line.split("|")[1].strip() for line in table.split("\n\n")[0].strip().splitlines()]
    assert rows[1:] == list(DESCRIPTIONS)
