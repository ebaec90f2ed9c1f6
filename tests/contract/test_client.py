"""`raas client <Operation>`: one command per operation of the committed WSDL, called live."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import zeep

from raas.client.cli import main
from raas.client.operations import OPERATIONS
from tests.conftest import ROOT
from tests.world import JAN_PEETERS as PERSON
from tests.world import PASSWORD

KEY = f"--ssin {PERSON} --typeDossier 902"
SERVICES = ("Register", "Identification", "LinkRegister", "Admin")


def _leaves(element, prefix: str = "") -> list[str]:  # type: ignore[no-untyped-def]
    """The wire paths of a request element's fields; a repeated element is one field."""
    path = f"{prefix}{element.name}"
    children = getattr(element.type, "elements", [])
    if not children or element.max_occurs != 1:
        return [path]
    return [leaf for _, child in children for leaf in _leaves(child, f"{path}.")]


def _wsdl_operations() -> dict[tuple[str, str], list[str]]:
    found = {}
    for service in SERVICES:
        client = zeep.Client(str(ROOT / "wsdl" / f"{service}.wsdl"))
        for binding in client.wsdl.bindings.values():
            for name, operation in binding._operations.items():
                fields = operation.input.body.type.elements
                found[service, name] = [
                    leaf
                    for _, element in fields
                    if element.name != "informationCustomer"  # sent by --ticket
                    for leaf in _leaves(element)
                ]
    return found


def test_every_operation_of_the_wsdl_has_a_command_with_every_request_field() -> None:
    commands = {
        (op.service, op.name): [path for path, _ in op.paths()] for op in OPERATIONS.values()
    }
    assert commands == _wsdl_operations()


def test_a_write_prints_its_status_and_lines_and_exits_0(client, users) -> None:
    code, out = client(
        users.client,
        f"Inscribe {KEY} --period.beginDate 2025-01-01 --period.endDate 2025-06-30",
    )
    lines = out.splitlines()
    assert code == 0
    assert lines[0].split()[1:3] == ["OK", "MSG00000"]
    assert lines[-2].split() == ["ssin", "typeDossier", "period.beginDate", "period.endDate"]
    assert lines[-1].split() == [PERSON, "902", "2025-01-01", "2025-06-30"]


def test_json_output_is_the_whole_response(client, users) -> None:
    client(users.client, f"Inscribe {KEY} --period.beginDate 2025-01-01")
    code, out = client(users.client, f"Consult --ssin {PERSON} --json --ticket my-1")
    answer = json.loads(out)
    assert code == 0
    assert answer["status"]["value"] == "DATA_FOUND"
    assert answer["informationCustomer"]["ticket"] == "my-1"
    assert answer["inscriptions"]["inscription"] == [
        {"ssin": PERSON, "typeDossier": "902", "period": {"beginDate": "2025-01-01"}}
    ]


def test_no_data_found_exits_0_and_a_refusal_exits_1_with_its_code(client, users) -> None:
    assert client(users.client, f"Consult --ssin {PERSON}")[0] == 0
    code, out = client(
        users.client, f"Inscribe --ssin {PERSON} --typeDossier 777 --period.beginDate 2025-01-01"
    )
    assert (code, out.split()[1:3]) == (1, ["NOK", "RAAS0001"])


def test_a_fault_exits_3_with_its_reason_code(client, users, monkeypatch) -> None:
    monkeypatch.setenv("RAAS_PASSWORD", "not the password")
    code, out = client(users.client, "ListTypeDossiers")
    assert (code, out.split()[1:3]) == (3, ["FAULT", "MSG00014"])
    code, out = client(users.client, "DeleteLink --linkId 1 --json")
    assert (code, json.loads(out)["fault"]["reasonCode"]) == (3, "MSG00014")


def test_a_client_calling_admin_is_refused_with_msg00016(client, users) -> None:
    code, out = client(users.client, "ListLinkReports --open true")
    assert (code, out.split()[1:3]) == (3, ["FAULT", "MSG00016"])


def test_batch_items_from_options_and_from_a_json_request(client, users, tmp_path) -> None:
    item = {"ssin": PERSON, "typeDossier": "777", "period": {"beginDate": "2025-01-01"}}
    (tmp_path / "items.json").write_text(json.dumps({"inscription": [item]}))
    code, out = client(users.client, f"InscribeBatch --request {tmp_path / 'items.json'} --json")
    assert json.loads(out)["results"]["result"][0]["status"]["code"] == "RAAS0001"
    code, out = client(
        users.client,
        f"InscribeBatch --inscription {PERSON},902,2025-01-01,2025-01-31 "
        f"--inscription {PERSON},902,2025-02-01",
    )
    assert code == 0
    assert f"{PERSON} 902 2025-01-01" in out.splitlines()[-1]


def test_a_single_operation_from_a_json_request_with_its_required_fields(
    client, users, tmp_path
) -> None:
    request = {"ssin": PERSON, "typeDossier": "902", "period": {"beginDate": "2025-01-01"}}
    (tmp_path / "inscribe.json").write_text(json.dumps(request))
    code, out = client(users.client, f"Inscribe --request {tmp_path / 'inscribe.json'}")
    assert code == 0 and PERSON in out and "2025-01-01" in out
    # an option overrides the file's field
    code, out = client(
        users.client,
        f"Consult --request {tmp_path / 'inscribe.json'} --typeDossier 902 --json",
    )
    assert json.loads(out)["status"]["code"] == "MSG00000"


def test_the_help_says_what_a_value_looks_like_and_the_request_shape(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["Inscribe", "--help"])
    shown = capsys.readouterr().out
    assert "YYYY-MM-DD" in shown and "11 digits" in shown and '"inscription": [' in shown
    with pytest.raises(SystemExit):
        main(["Subscribe", "--help"])
    assert "SSIN_REPLACEMENT" in capsys.readouterr().out


def test_a_missing_required_option_is_a_usage_error(client, users) -> None:
    with pytest.raises(SystemExit) as exit_:
        client(users.client, "Inscribe --ssin 85031412302")
    assert exit_.value.code == 2


def test_a_service_that_does_not_answer_exits_4(client, users) -> None:
    assert client(users.client, "ListTypeDossiers --url http://127.0.0.1:9")[0] == 4


def test_piping_the_client_into_head_prints_no_traceback(users, live_url) -> None:
    """`raas client ConsultFormats | head …`: the reader has gone (here before the answer comes:
    `head -c 0` reads nothing), and the client says nothing more."""
    env = {**os.environ, "RAAS_URL": live_url, "RAAS_USER": users.client}
    env["RAAS_PASSWORD"] = PASSWORD
    done = subprocess.run(  # noqa: S602 - a fixed command line: the pipe is what is tested
        f"{sys.executable} -m raas.cli client ConsultFormats | head -c 0",
        shell=True,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout == ""
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr


def test_consult_formats_fits_a_terminal(client, users) -> None:
    code, out = client(users.client, "ConsultFormats --country NL")
    assert code == 0
    assert max(len(line) for line in out.splitlines()[1:]) <= 100, out
    assert "NATIONAL_NUMBER" in out and "BSN" in out
