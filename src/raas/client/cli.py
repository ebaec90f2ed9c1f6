"""`raas client <Operation> [--field value …]`: one command per operation of the four services.

Credentials and the service URL come from RAAS_URL, RAAS_USER and RAAS_PASSWORD, or from
--url, --user, --password. Exit codes: 0 when the status is OK, DATA_FOUND or NO_DATA_FOUND,
1 when it is NOK or NO_RESULT, 2 on a usage error, 3 on a SOAP fault, 4 when nothing answers.

--request FILE.json gives the request as JSON, with the wire names of the WSDL (options given
too override its fields). A single operation, e.g. Inscribe:
  {"ssin": "85031412302", "typeDossier": "902",
   "period": {"beginDate": "2025-01-01", "endDate": "2025-06-30"},
   "personData": {"lastName": "Peeters", "birthDate": "1985-03-00"}}
A batch, InscribeBatch (1 to 1000 items):
  {"inscription": [{"ssin": "85031412302", "typeDossier": "902",
                    "period": {"beginDate": "2025-01-01"}}, ...]}
A file of any size, InscribeBatch --csv FILE.csv: a header line naming the columns ssin,
typeDossier, beginDate (required), endDate, lastName, firstName, birthDate, gender (optional),
then one inscription a line, sent 1000 a request; one result a line is written as CSV (line,
ssin, typeDossier, value, code, description, information) to standard output or --output.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from raas.client.operations import OPERATIONS, Operation

BOOLEANS = {"open", "deleteLink"}
_DATE = ("a date YYYY-MM-DD", None)
# What a field's value looks like, and its allowed values where the schema fixes them.
FIELD_HELP: dict[str, tuple[str, list[str] | None]] = {
    "ssin": ("11 digits (INSZ/NISS: national-register or BIS number)", None),
    "replacedBy": ("11 digits", None),
    "cbeNumber": ("10 digits (KBO/BCE number)", None),
    "typeDossier": ("a code defined for your organisation, e.g. 902", None),
    "beginDate": _DATE,
    "endDate": ("a date YYYY-MM-DD (left out: open-ended)", None),
    "fromDate": _DATE,
    "toDate": _DATE,
    "deceaseDate": _DATE,
    "birthDate": ("YYYY-MM-DD, or YYYY-MM-00 / YYYY-00-00 when not all is known", None),
    "tolerance": ("days, months or years by the birth date's precision", None),
    "gender": ("", ["MALE", "FEMALE", "UNKNOWN"]),
    "flow": ("", ["SSIN_REPLACEMENT", "IDENTIFICATION_DATA", "DIMONA"]),
    "country": ("ISO 3166-1 alpha-2, e.g. NL", None),
    "nationality": ("ISO 3166-1 alpha-2, e.g. BE", None),
    "keyType": ("e.g. NATIONAL_NUMBER, PASSPORT, SOCIAL_SECURITY, EIDAS", None),
    "maximumResultCount": ("1 to 100 (default 20)", None),
    "linkId": ("a number, from CreateLink or a consultation", None),
    "content": ("the file to send (its sha256, format and fileName are found from it)", None),
    "format": ("default: XML for a .xml or .xml.gz file, else CSV", ["CSV", "XML"]),
    "mode": ("LINE: each line on its own (default); FILE: all lines or none", ["LINE", "FILE"]),
    "sha256": ("of the file as sent (default: computed)", None),
    "batchId": ("from SubmitInscriptionFile", None),
}


def add_commands(parser: argparse.ArgumentParser) -> None:
    """One subcommand per operation, options named by the request's wire paths."""
    commands = parser.add_subparsers(required=True, metavar="OPERATION")
    for operation in OPERATIONS.values():
        command = commands.add_parser(
            operation.name,
            help=f"{operation.service}: {operation.help}",
            description=f"{operation.service}.{operation.name}: {operation.help}. {__doc__}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        _add_fields(command, operation)
        _add_common(command)
        command.set_defaults(run=run, operation=operation)


def _add_fields(command: argparse.ArgumentParser, operation: Operation) -> None:
    for path, required in operation.paths():
        if path == "inscription":  # InscribeBatch's repeated item
            command.add_argument(
                "--inscription",
                action="append",
                metavar="SSIN,TYPEDOSSIER,BEGIN[,END]",
                help="one item (repeat it; or give the items with --request)",
            )
            command.add_argument(
                "--csv",
                type=Path,
                metavar="FILE.csv",
                help="the items of a CSV file of any size, streamed 1000 a request",
            )
            command.add_argument(
                "--output",
                type=Path,
                metavar="RESULTS.csv",
                help="--csv's results (default: standard output)",
            )
            command.add_argument(
                "--jobs", type=int, default=2, help="--csv's requests under way at once (default 2)"
            )
            continue
        leaf = path.rpartition(".")[2]
        shape, choices = FIELD_HELP.get(leaf, ("", None))
        # Required fields are checked after --request FILE.json is read (they may be there).
        command.add_argument(
            f"--{path}",
            dest=path,
            metavar=leaf.upper(),
            choices=["true", "false"] if leaf in BOOLEANS else choices,
            help="; ".join(
                part
                for part in (
                    "required" if required else "",
                    shape,
                    f"one of {', '.join(choices)}" if choices else "",
                )
                if part
            )
            or None,
        )


def _add_common(command: argparse.ArgumentParser) -> None:
    env = os.environ.get
    command.add_argument(
        "--url",
        default=env("RAAS_URL", "http://127.0.0.1:8080"),
        help="base URL of the services (RAAS_URL)",
    )
    command.add_argument("--user", default=env("RAAS_USER"), help="user name (RAAS_USER)")
    command.add_argument(
        "--password",
        default=env("RAAS_PASSWORD"),
        help="password (RAAS_PASSWORD; prefer the variable)",
    )
    command.add_argument("--ticket", help="your own reference, sent as informationCustomer")
    command.add_argument(
        "--request",
        type=Path,
        metavar="FILE.json",
        help="request fields as JSON (wire names); options override them",
    )
    command.add_argument("--json", action="store_true", help="print the answer as JSON")


def run(args: argparse.Namespace) -> int:
    """Call the operation, print the answer, return the exit code."""
    try:  # the client's dependencies are imported only when a client runs
        import requests
        import zeep

        from raas.client import core
    except ImportError as error:
        print(f"raas client needs zeep ({error}): pip install 'raas[client]'", file=sys.stderr)
        return 2

    operation: Operation = args.operation
    if getattr(args, "csv", None) is not None:
        return _stream(args)
    request = _request(args, operation)
    missing = [path for path, required in operation.paths() if required and not _has(request, path)]
    if missing:
        options = " ".join(f"--{path} …" for path in missing)
        print(
            f"raas client {operation.name}: missing {', '.join(missing)}: give {options}, "
            "or put them in --request FILE.json",
            file=sys.stderr,
        )
        raise SystemExit(2)  # a usage error, as argparse's own
    try:
        proxy = core.connect(operation.service, args.url, args.user, args.password)
        answer = core.call(proxy, operation.name, request)
    except requests.RequestException as error:
        print(f"raas client: {core.unreachable(error)}", file=sys.stderr)
        return core.UNREACHABLE
    except (zeep.exceptions.ValidationError, TypeError) as error:
        print(f"raas client: invalid request: {error}", file=sys.stderr)
        return core.USAGE
    print(core.as_json(answer) if args.json else core.as_text(answer))
    return answer.exit_code


def _stream(args: argparse.Namespace) -> int:
    """InscribeBatch --csv: every line of the file, 1000 a request; exit 0 when all are OK."""
    import time

    import requests

    from raas.client import core, stream
    from raas.models.errors import InvalidData
    from raas.progress import bar

    started = time.perf_counter()
    try:
        with args.csv.open("rb") as counted:
            total = max(0, sum(1 for _ in counted) - 1)  # lines but the header, for the bar
        output = sys.stdout if args.output is None else args.output.open("w", encoding="utf-8")
    except OSError as error:
        print(f"raas client: {error}", file=sys.stderr)
        return core.USAGE
    try:
        with args.csv.open(newline="", encoding="utf-8-sig") as source, bar(
            "inscriptions", "lines"
        ) as progress:
            counts = stream.inscribe_csv(
                args.url,
                args.user or "",
                args.password or "",
                source,
                output,
                jobs=args.jobs,
                progress=lambda done: progress(done, max(done, total)),
            )
    except (OSError, InvalidData) as error:
        print(f"raas client: {error}", file=sys.stderr)
        return core.USAGE
    except requests.RequestException as error:
        print(f"raas client: {core.unreachable(error)}", file=sys.stderr)
        return core.UNREACHABLE
    except stream.BatchFault as error:
        print(f"raas client: a batch was refused: {error}", file=sys.stderr)
        return core.FAULT
    finally:
        if output is not sys.stdout:
            output.close()
    seconds = time.perf_counter() - started
    print(
        f"{counts.lines} lines: {counts.accepted} OK, {counts.refused} refused, "
        f"{seconds:.1f} s ({counts.lines / max(seconds, 1e-9):,.0f} lines/s)",
        file=sys.stderr,
    )
    return 0 if counts.refused == 0 else core.REFUSED


def _request(args: argparse.Namespace, operation: Operation) -> dict[str, Any]:
    from raas.client.core import request_of

    request: dict[str, Any] = json.loads(args.request.read_text()) if args.request else {}
    values: dict[str, Any] = {path: getattr(args, path, None) for path, _ in operation.paths()}
    if values.get("inscription"):
        values["inscription"] = [_item(text) for text in values["inscription"]]
    if operation.name == "SubmitInscriptionFile" and values.get("content"):
        values.update(_file(Path(values["content"]), values))
    _merge(request, request_of(operation, values))
    if args.ticket:
        request["informationCustomer"] = {"ticket": args.ticket}
    return request


def _file(path: Path, values: dict[str, Any]) -> dict[str, Any]:
    """SubmitInscriptionFile's fields from the file named by --content."""
    import hashlib

    try:
        content = path.read_bytes()
    except OSError as error:
        print(f"raas client: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    xml = path.name.lower().endswith((".xml", ".xml.gz"))
    return {
        "content": content,
        "sha256": values.get("sha256") or hashlib.sha256(content).hexdigest(),
        "format": values.get("format") or ("XML" if xml else "CSV"),
        "mode": values.get("mode") or "LINE",
        "fileName": values.get("fileName") or path.name,
    }


def _has(request: dict[str, Any], path: str) -> bool:
    """Whether the request holds a value at the dotted wire path (`period.beginDate`)."""
    value: Any = request
    for part in path.split("."):
        if not isinstance(value, dict) or value.get(part) in (None, "", []):
            return False
        value = value[part]
    return True


def _item(text: str) -> dict[str, Any]:
    ssin, type_dossier, begin, *end = text.split(",")
    period = {"beginDate": begin, **({"endDate": end[0]} if end and end[0] else {})}
    return {"ssin": ssin, "typeDossier": type_dossier, "period": period}


def _merge(into: dict[str, Any], new: dict[str, Any]) -> None:
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m raas.client <Operation> …`, the same as `raas client <Operation> …`."""
    parser = argparse.ArgumentParser(
        prog="raas client",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_commands(parser)
    args = parser.parse_args(argv)
    try:
        code = int(args.run(args))
        sys.stdout.flush()  # here, not at exit, where a closed pipe is an unhandled error
        return code
    except BrokenPipeError:
        # `… | head`: the reader has gone; nothing more to say, and no traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
