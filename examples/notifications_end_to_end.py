"""Inscribe, consult, remove, then fetch the day's notification files and check their vouchers.

    RAAS_URL=http://127.0.0.1:8080 RAAS_USER=demo-client RAAS_PASSWORD=… \
        python examples/notifications_end_to_end.py SSIN [--type-dossier 902] [--out DIR] \
        [--operator]

SSIN: one of the persons `raas demo` prints. The script subscribes to IDENTIFICATION_DATA,
inscribes and consults SSIN, cuts March out, and then needs the operator: the authentic source
changes the person's first name and the day's notification run builds the files. With
--operator it runs those two `raas` commands itself (on the same machine and database:
RAAS_DATABASE_URL, RAAS_OUTBOX); without, it prints them and waits. Then it lists the day's
files, saves each file and its voucher in DIR, checks the voucher (name, record count,
sha256), removes the lines again and exits non-zero when any step or check failed.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from lxml import etree

from raas.client.core import Answer, as_text, call, connect

VOUCHER = {"v": "urn:raas:notifications:voucher:v1"}
DATA = {"n": "urn:raas:notifications:v1"}


def main() -> int:
    args = _arguments()
    url, user, password = (os.environ.get(n) for n in ("RAAS_URL", "RAAS_USER", "RAAS_PASSWORD"))
    url = url or "http://127.0.0.1:8080"
    register = connect("Register", url, user, password)
    identification = connect("Identification", url, user, password)
    failed = False

    def step(proxy, operation: str, note: str = "", **request) -> Answer:  # type: ignore[no-untyped-def]
        nonlocal failed
        answer = call(proxy, operation, request)
        print(as_text(answer) + (f"\n  -> {note}" if note else ""))
        failed |= answer.exit_code != 0
        return answer

    ssin, key = args.ssin, {"ssin": args.ssin, "typeDossier": args.type_dossier}
    step(register, "Subscribe", "the files of this flow start today", flow="IDENTIFICATION_DATA")
    person = step(identification, "SearchPersonBySsin", ssin=ssin).response or {}
    first_name = (person.get("person") or {}).get("firstName", "")
    step(register, "Inscribe", **key, period={"beginDate": "2025-01-01", "endDate": "2025-06-30"})
    step(
        register,
        "Inscribe",
        "touches the first line: one line",
        **key,
        period={"beginDate": "2025-07-01"},
    )
    step(register, "Consult", ssin=ssin)
    step(
        register,
        "Remove",
        "March cut out: the line splits",
        **key,
        period={"beginDate": "2025-03-01", "endDate": "2025-03-31"},
    )

    new_name = "Alex" if first_name != "Alex" else "Sam"
    _operator(
        args.operator,
        [
            ["source", "update", ssin, "--first-name", new_name],
            ["notifications", "run"],
        ],
    )

    today = datetime.now(ZoneInfo("Europe/Brussels")).date().isoformat()
    listed = step(register, "ListNotificationFiles", fromDate=today, toDate=today)
    files = ((listed.response or {}).get("files") or {}).get("file", [])
    args.out.mkdir(parents=True, exist_ok=True)
    for info in files:
        got = step(register, "GetNotificationFile", fileId=info["fileId"]).response or {}
        ok = _save_and_check(args.out, info, got)
        failed |= not ok
    if not files:
        print("no notification file for today: was the notification run done?")
        failed = True

    step(register, "Remove", "no period: every line of the key", **key)
    step(register, "Consult", "nothing left", ssin=ssin)
    return 1 if failed else 0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("ssin")
    parser.add_argument("--type-dossier", default="902")
    parser.add_argument("--out", type=Path, default=Path("notification-files"))
    parser.add_argument(
        "--operator",
        action="store_true",
        help="run the operator's `raas` commands here instead of waiting",
    )
    return parser.parse_args()


def _operator(run_here: bool, commands: list[list[str]]) -> None:
    """The operator's part: run the `raas` commands, or ask someone to and wait."""
    if not run_here:
        print("\nOperator, please run:")
        for command in commands:
            print("  raas " + " ".join(command))
        input("then press Enter ")
        return
    for command in commands:
        print("$ raas " + " ".join(command))
        done = subprocess.run(
            [sys.executable, "-m", "raas.cli", *command], capture_output=True, text=True, check=True
        )
        print("  " + "\n  ".join(done.stdout.strip().splitlines()))


def _save_and_check(out: Path, info: dict, got: dict) -> bool:  # type: ignore[type-arg]
    """Save the file and its voucher; True when the voucher describes the file exactly."""
    content, voucher = base64.b64decode(got["content"]), base64.b64decode(got["voucher"])
    (out / info["fileId"]).write_bytes(content)
    voucher_name = info["fileId"].removesuffix(".xml") + ".voucher.xml"
    (out / voucher_name).write_bytes(voucher)
    v = etree.fromstring(voucher)
    expected = {
        "fileName": info["fileId"],
        "recordCount": str(info["recordCount"]),
        "sha256": hashlib.sha256(content).hexdigest(),
    }
    found = {name: v.findtext(f"v:{name}", namespaces=VOUCHER) for name in expected}
    ok = found == expected
    print(f"  saved {out / info['fileId']} ({len(content)} bytes) and {voucher_name}")
    print(f"  voucher {'matches' if ok else 'DOES NOT MATCH'} the file: {found}")
    for record in etree.fromstring(content).iterfind("n:records/n:record", DATA):
        changes = ", ".join(
            f"{c.findtext('n:fieldName', namespaces=DATA)}: "
            f"{c.findtext('n:oldValue', namespaces=DATA)} -> "
            f"{c.findtext('n:newValue', namespaces=DATA)}"
            for c in record.iterfind(".//n:change", DATA)
        )
        print(
            f"  record {record.findtext('n:eventId', namespaces=DATA)} "
            f"{record.findtext('n:ssin', namespaces=DATA)} {changes}"
        )
    return ok


if __name__ == "__main__":
    sys.exit(main())
