"""`make interop`: Lino Welfare, unmodified, against a live RAAS through the classic SSDN channel.

1. The Lino venv: .interop-venv/ with exactly interop/requirements-lino.txt (from PyPI, on
   Python 3.11), kept between runs and rebuilt when that file changes.
2. A RAAS of its own: a fresh database on the machine's PostgreSQL (RAAS_INTEROP_DATABASE_URL
   names another server), migrations applied, a CPAS organisation and an admin, the stub source's
   persons (`raas source import`, with a replaced ssin), `raas serve` on a free loopback port,
   typeDossiers 1 and 902 (Admin DefineTypeDossier) and the SSDN client registration matching
   what Lino's demo site sends (`raas ssdn clients add`).
3. interop/lino/test_raas.py in the Lino venv: Lino's own cbss code sends ManageAccess and
   IdentifyPerson requests; the test asserts what Lino shows its user.
4. Through the RAAS contract (zeep, wsdl/Register.wsdl): Consult sees the lines Lino listed.

Bounded in time (--timeout), always stops its server and drops its database, prints a summary.
Exit codes: 0 passed, 1 failed, 77 skipped because the Lino venv cannot be built here (no
Python 3.11, or PyPI unreachable): the message says which.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PINS = ROOT / "interop" / "requirements-lino.txt"
VENV = ROOT / ".interop-venv"
SKIPPED = 77

# Lino's demo site configuration (lino_welfare/modlib/cbss/fixtures/democfg.py): what it sends
# as AuthorizedUser. The Django test reads the installed site's values and fails when they differ.
LINO_ORG_UNIT = "0123456789"
LINO_SECTOR, LINO_SUB_SECTOR = "17", "1"
CPAS_CBE = "0203201340"  # the CPAS's own enterprise number in RAAS (mod-97 valid)
ADMIN_CBE = "0367302178"

# Network failures of pip: the machine cannot reach PyPI, so the venv cannot be built here.
NETWORK_MARKERS = (
    "NewConnectionError",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Name or service not known",
    "Network is unreachable",
    "Connection refused",
    "ConnectTimeoutError",
    "ReadTimeoutError",
    "Max retries exceeded",
    "ProxyError",
    "Could not fetch URL",
)


class Skip(Exception):
    """The Lino venv cannot be built on this machine; the message says why."""


class Failed(Exception):
    """A step of make interop failed; the message says which and why."""


class Clock:
    def __init__(self, seconds: float) -> None:
        self.start = time.monotonic()
        self.deadline = self.start + seconds

    def left(self, at_most: float) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise Failed("out of time (--timeout)")
        return min(left, at_most)

    def say(self, text: str) -> None:
        print(f"[{time.monotonic() - self.start:6.1f}s] {text}", flush=True)


# -- 1. the Lino venv -------------------------------------------------------------------------


def pins_digest() -> str:
    return hashlib.sha256(PINS.read_bytes()).hexdigest()


def lino_venv(clock: Clock, python: str, venv: Path = VENV) -> Path:
    """.interop-venv/bin/python with exactly the pinned Lino Welfare set (built when needed)."""
    venv_python = venv / "bin" / "python"
    stamp = venv / ".pins-sha256"
    digest = pins_digest()
    if venv_python.exists() and stamp.exists() and stamp.read_text().strip() == digest:
        clock.say(f"Lino venv: cached in {venv.name}/ (pins {digest[:12]})")
        return venv_python
    if shutil.which(python) is None:
        raise Skip(f"{python} not found: the Lino Welfare set needs Python 3.11 (set PYTHON=...)")
    clock.say(
        f"Lino venv: building {venv.name}/ from {PINS.relative_to(ROOT)} "
        "(a few minutes: downloads from PyPI)"
    )
    shutil.rmtree(venv, ignore_errors=True)
    run([python, "-m", "venv", str(venv)], clock, timeout=300, what="python -m venv")
    log = venv / "pip-install.log"
    with log.open("w") as out:
        try:
            done = subprocess.run(
                [
                    str(venv_python),
                    "-m",
                    "pip",
                    "install",
                    "--disable-pip-version-check",
                    "--no-input",
                    "-r",
                    str(PINS),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=clock.left(1800),
            )
        except subprocess.TimeoutExpired:
            raise Skip(f"pip install of the Lino set did not finish in time (see {log})") from None
    text = log.read_text(errors="replace")
    if done.returncode != 0:
        tail = "\n".join("    " + line for line in text.strip().splitlines()[-6:])
        unreachable = index_unreachable(venv_python)
        if unreachable or any(marker in text for marker in NETWORK_MARKERS):
            raise Skip(
                f"the package index cannot be reached ({unreachable or 'network errors'}), "
                f"so the Lino venv cannot be built:\n{tail}"
            )
        raise Failed(f"pip install -r {PINS.relative_to(ROOT)} failed:\n{tail}")
    stamp.write_text(digest + "\n")
    clock.say("Lino venv: built")
    return venv_python


def index_unreachable(venv_python: Path) -> str:
    """Why pip's index cannot be reached from here ('' when it answers)."""
    import requests

    index = os.environ.get("PIP_INDEX_URL") or subprocess.run(
        [str(venv_python), "-m", "pip", "config", "get", "global.index-url"],
        capture_output=True, text=True, timeout=60,
    ).stdout.strip() or "https://pypi.org/simple"  # fmt: skip
    try:
        requests.get(f"{index.rstrip('/')}/lino-welfare/", timeout=20)
    except requests.RequestException as error:
        return f"{index}: {type(error).__name__}"
    return ""


# -- 2. a RAAS of its own ---------------------------------------------------------------------


def run(
    args: list[str],
    clock: Clock,
    *,
    timeout: float = 120,
    what: str = "",
    stdin: str = "",
    env: dict[str, str] | None = None,
) -> str:
    try:
        done = subprocess.run(
            args,
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=clock.left(timeout),
            cwd=ROOT,
        )
    except subprocess.TimeoutExpired:
        raise Failed(f"{what or args[0]}: no answer within {timeout:.0f} s") from None
    if done.returncode != 0:
        raise Failed(f"{what or ' '.join(args)} exited {done.returncode}:\n{done.stderr[-2000:]}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def persons() -> dict[str, dict[str, str]]:
    """The stub source's persons: valid, synthetic SSINs (made here, never real ones)."""
    from raas.models.ssin import make_ssin

    def person(ssin: str, last: str, first: str, born: str, gender: str) -> dict[str, str]:
        return {
            "ssin": ssin,
            "last_name": last,
            "first_name": first,
            "birth_date": born,
            "gender": gender,
        }

    main = person(make_ssin(1968, 6, 1, 152), "Dubois", "Marie", "1968-06-01", "female")
    main.update(street="Rue Haute", houseNumber="12", postalCode="1000", municipality="Bruxelles")
    phonetic = person(make_ssin(1975, 3, 14, 37), "Vandervelde", "Jan", "1975-03-14", "male")
    phonetic["identityCardNumber"] = "592123456789"
    return {
        "main": main,
        "phonetic": phonetic,
        "replaced": person(make_ssin(1981, 11, 23, 215), "Peeters", "Luc", "1981-11-23", "male"),
        "replacement": person(make_ssin(1981, 11, 23, 217), "Peeters", "Luc", "1981-11-23", "male"),
    }


# What the stub source also knows of some persons (optional CSV columns): a card number that
# proves a REGISTER, an address that IdentifyPerson returns.
DETAILS = ("identityCardNumber", "street", "houseNumber", "postalCode", "municipality")


def source_csv(people: dict[str, dict[str, str]], path: Path) -> None:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["ssin", "lastName", "firstName", "birthDate", "gender", "status", "replacedBy"]
            + list(DETAILS)
        )
        for role, p in people.items():
            status, replaced_by = "ACTIVE", ""
            if role == "replaced":
                status, replaced_by = "REPLACED", people["replacement"]["ssin"]
            writer.writerow(
                [
                    p["ssin"],
                    p["last_name"],
                    p["first_name"],
                    p["birth_date"],
                    p["gender"].upper(),
                    status,
                    replaced_by,
                ]
                + [p.get(column, "") for column in DETAILS]
            )


def database_server() -> str:
    url = os.environ.get(
        "RAAS_INTEROP_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    from sqlalchemy import make_url

    parsed = make_url(url)
    try:
        socket.create_connection((parsed.host or "127.0.0.1", parsed.port or 5432), 3).close()
    except OSError as error:
        raise Failed(
            f"PostgreSQL at {parsed.host}:{parsed.port} does not answer: {error}"
        ) from None
    return url


@contextmanager
def raas(clock: Clock, work: Path, people: dict[str, dict[str, str]]) -> Iterator[dict[str, str]]:
    """A migrated database and `raas serve` on loopback; both gone afterwards."""
    from sqlalchemy import make_url, text

    from raas.persistence.database import make_engine

    server_url = make_url(database_server())
    url = server_url.set(database=f"raas_interop_{os.getpid()}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAAS_")}
    env["RAAS_DATABASE_URL"] = url.render_as_string(hide_password=False)
    env["RAAS_DATA_DIR"] = str(work / "raas-data")
    cli = [sys.executable, "-m", "raas.cli"]
    admin_engine = make_engine(server_url)

    def drop() -> None:
        with admin_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))

    server: subprocess.Popen[str] | None = None
    log = work / "raas-serve.log"
    try:
        drop()
        run([*cli, "db", "upgrade"], clock, env=env, what="raas db upgrade", timeout=180)
        clock.say(f"RAAS: database {url.database} migrated")
        passwords = {"interop-admin": secrets.token_urlsafe(16), "cpas": secrets.token_urlsafe(16)}
        for user, cbe, role, name in (
            ("interop-admin", ADMIN_CBE, "admin", "RAAS operator"),
            ("cpas", CPAS_CBE, "client", "CPAS running Lino Welfare"),
        ):
            run(
                [
                    *cli,
                    "users",
                    "create",
                    "--username",
                    user,
                    "--cbe-number",
                    cbe,
                    "--role",
                    role,
                    "--name",
                    name,
                    "--password-stdin",
                ],
                clock,
                env=env,
                stdin=passwords[user] + "\n",
                what="raas users create",
            )
        source = work / "persons.csv"
        source_csv(people, source)
        run([*cli, "source", "import", str(source)], clock, env=env, what="raas source import")
        clock.say(
            f"RAAS: users, organisation {CPAS_CBE}, {len(people)} source persons (one replaced)"
        )

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env["RAAS_PUBLIC_URL"] = base
        with log.open("w") as out:
            server = subprocess.Popen(
                [*cli, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
        wait_healthy(clock, base, server, log)
        clock.say(f"RAAS: serving {base}")

        client_env = {
            **env,
            "RAAS_URL": base,
            "RAAS_USER": "interop-admin",
            "RAAS_PASSWORD": passwords["interop-admin"],
        }
        for code, description in (
            ("1", "Dossier in onderzoek"),
            ("902", "Voorlopige inschrijving"),
        ):
            answer = run(
                [
                    *cli,
                    "client",
                    "DefineTypeDossier",
                    "--cbeNumber",
                    CPAS_CBE,
                    "--code",
                    code,
                    "--description",
                    description,
                ],
                clock,
                env=client_env,
                what="raas client DefineTypeDossier",
            )
            if "MSG00000" not in answer:
                raise Failed(f"DefineTypeDossier {code}:\n{answer}")
        run(
            [
                *cli,
                "ssdn",
                "clients",
                "add",
                "--cbe-number",
                CPAS_CBE,
                "--network",
                "127.0.0.1/32",
                "--sector",
                LINO_SECTOR,
                "--sub-sector",
                LINO_SUB_SECTOR,
                "--org-unit",
                LINO_ORG_UNIT,
            ],
            clock,
            env=env,
            what="raas ssdn clients add",
        )
        clock.say(
            f"RAAS: typeDossiers 1 and 902; SSDN client 127.0.0.1/32 sector "
            f"{LINO_SECTOR}.{LINO_SUB_SECTOR} OrgUnit {LINO_ORG_UNIT}"
        )
        yield {
            "url": base,
            "user": "cpas",
            "password": passwords["cpas"],
            "admin": "interop-admin",
            "admin_password": passwords["interop-admin"],
            "log": str(log),
        }
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)
        try:
            drop()
        finally:
            admin_engine.dispose()
        clock.say(f"RAAS: server stopped, database {url.database} dropped")


def wait_healthy(clock: Clock, base: str, server: subprocess.Popen[str], log: Path) -> None:
    import requests

    deadline = time.monotonic() + clock.left(120)
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise Failed(f"raas serve exited {server.returncode}:\n{log.read_text()[-2000:]}")
        try:
            if requests.get(f"{base}/health", timeout=5).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.3)
    raise Failed("raas serve did not become healthy within 120 s")


# -- 3. Lino's test ---------------------------------------------------------------------------


def lino_test(
    clock: Clock,
    python: Path,
    work: Path,
    service: dict[str, str],
    people: dict[str, dict[str, str]],
) -> tuple[bool, dict, str]:
    scenario, result = work / "scenario.json", work / "result.json"
    authorized_user = {
        "OrgUnit": LINO_ORG_UNIT,
        "MatrixID": LINO_SECTOR,
        "MatrixSubID": LINO_SUB_SECTOR,
    }
    scenario.write_text(
        json.dumps({"url": service["url"], "persons": people, "authorized_user": authorized_user})
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAAS_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="interop.lino.settings",
        RAAS_INTEROP_SITE_DIR=str(work / "lino-site"),
        RAAS_INTEROP_SCENARIO=str(scenario),
        RAAS_INTEROP_RESULT=str(result),
        PYTHONPATH=str(ROOT),
        PYTHONDONTWRITEBYTECODE="1",
    )
    clock.say("Lino: python -m django test interop.lino.test_raas (in the Lino venv)")
    try:
        done = subprocess.run(
            [str(python), "-m", "django", "test", "interop.lino.test_raas", "--noinput"],
            env=env,
            cwd=work,
            capture_output=True,
            text=True,
            timeout=clock.left(600),
        )
        output = done.stdout + done.stderr
        passed = done.returncode == 0
    except subprocess.TimeoutExpired as timeout:
        output = f"{timeout.stdout or ''}{timeout.stderr or ''}\n(timed out)"
        passed = False
    shown = json.loads(result.read_text()) if result.exists() else {}
    return passed, shown, output if isinstance(output, str) else output.decode()


# -- 4. the same lines through the RAAS contract ----------------------------------------------


def consult_check(service: dict[str, str], shown: dict, people: dict[str, dict[str, str]]) -> list:
    """Consult (zeep, committed WSDL) must return exactly the lines Lino last listed."""
    import zeep
    from zeep.wsse.username import UsernameToken

    client = zeep.Client(
        str(ROOT / "wsdl" / "Register.wsdl"),
        wsse=UsernameToken(service["user"], service["password"]),
    )
    register = client.create_service(next(iter(client.wsdl.bindings)), service["url"] + "/Register")
    checks = []
    role_of = {person["ssin"]: role for role, person in people.items()}
    for ssin, lino_lines in shown.get("lines", {}).items():
        answer = register.Consult(ssin=ssin)
        lines = sorted(
            (
                i.typeDossier,
                i.period.beginDate.isoformat(),
                i.period.endDate.isoformat() if i.period.endDate else None,
            )
            for i in (answer.inscriptions.inscription if answer.inscriptions else [])
        )
        expected = sorted(tuple(line) for line in lino_lines)
        checks.append(
            (
                f"Consult {mask(ssin)} ({role_of.get(ssin, '?')}): {answer.status.code}, "
                f"{len(lines)} line(s) as Lino listed them",
                lines == expected,
                f"Lino listed {expected}, Consult {lines}",
            )
        )
    old, new = people["replaced"]["ssin"], people["replacement"]["ssin"]
    answer = register.Consult(ssin=old)
    info = {i.fieldName: i.fieldValue for i in (answer.status.information or [])}
    checks.append(
        (
            f"Consult {mask(old)} (replaced): {answer.status.code} "
            f"replacedBy {mask(info.get('replacedBy', '-'))}",
            answer.status.code == "MSG00006" and info.get("replacedBy") == new,
            f"expected MSG00006 and replacedBy {mask(new)}, got {answer.status.code} {info}",
        )
    )
    checks.append(audit_check(service, shown))
    return checks


def audit_check(service: dict[str, str], shown: dict) -> tuple[str, bool, str]:
    """Every ticket Lino showed is an audit entry of the CPAS's organisation (Admin service)."""
    import zeep
    from zeep.wsse.username import UsernameToken

    client = zeep.Client(
        str(ROOT / "wsdl" / "Admin.wsdl"),
        wsse=UsernameToken(service["admin"], service["admin_password"]),
    )
    admin = client.create_service(next(iter(client.wsdl.bindings)), service["url"] + "/Admin")
    answer = admin.ConsultAuditLog(cbeNumber=CPAS_CBE, maximumResultCount=500)
    entries = answer.entries.entry if answer.entries else []
    audited = {entry.ticketCBSS: entry for entry in entries}
    tickets = [step["ticket"] for step in shown.get("steps", []) if step["ticket"]]
    missing = [ticket for ticket in tickets if ticket not in audited]
    operations = sorted({audited[t].operation for t in tickets if t in audited})
    return (
        f"ConsultAuditLog: {len(tickets) - len(missing)} of {len(tickets)} Lino tickets audited "
        f"for {CPAS_CBE} ({', '.join(operations)})",
        bool(tickets) and not missing,
        f"not in the audit log: {missing}",
    )


def mask(ssin: str) -> str:
    """National numbers are not printed whole (a CI log is a log)."""
    return ssin[:6] + "*****" if len(ssin) == 11 and ssin.isdigit() else ssin


# -- the summary ------------------------------------------------------------------------------


def print_steps(shown: dict) -> tuple[int, int]:
    passed = failed = 0
    for step in shown.get("steps", []):
        ok = step.get("passed")
        passed, failed = passed + bool(ok), failed + (not ok)
        codes = ",".join(step.get("codes", [])) or "-"
        print(
            f"  {'PASS' if ok else 'FAIL'}  {step['step']:<55} status={step['status']:<8} "
            f"codes={codes:<26} ticket={step['ticket'] or '-'}"
        )
        for line in step.get("registrations", []):
            print(
                f"          registration: purpose {line['purpose']} {line['start']} .. "
                f"{line['end'] or 'open'}  OrgUnit {line['org_unit']}  {line['register']}"
            )
        for fault in step.get("fault", []):
            print(f"          SOAP fault: {fault}")
        for row in step.get("rows", []):
            print(
                f"          IdentifyPersonResult: {mask(row['national_id'])} {row['last_name']}, "
                f"{row['first_name']} {row['birth_date']} {row['gender']}"
                + (f", {row['address']}" if row.get("address") else "")
            )
        if not ok:
            for message in step.get("info", []):
                print(f"          info: {message}")
            print(f"          failure: {step.get('failure', '')}")
            for line in step.get("debug_tail", []):
                print(f"          debug: {line}")
    return passed, failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=2400, help="seconds for everything")
    parser.add_argument("--python", default=os.environ.get("PYTHON", "python3.11"))
    parser.add_argument("--venv", type=Path, default=VENV, help="where the Lino venv is kept")
    args = parser.parse_args(argv)
    clock = Clock(args.timeout)
    print(f"make interop: Lino Welfare ({', '.join(pinned())}) against RAAS, {date.today()}")
    try:
        python = lino_venv(clock, args.python, args.venv.resolve())
    except Skip as why:
        print(f"\nSKIPPED: {why}")
        return SKIPPED
    except Failed as why:
        print(f"\nFAILED: {why}")
        return 1
    work = Path(tempfile.mkdtemp(prefix="raas-interop-"))
    people = persons()
    passed = failed = 0
    try:
        with raas(clock, work, people) as service:
            ok, shown, output = lino_test(clock, python, work, service, people)
            clock.say(f"Lino: the Django test {'passed' if ok else 'FAILED'}")
            # Compared only after the whole scenario: a failed step leaves the lists unfinished.
            checks = []
            if ok:
                try:
                    checks = consult_check(service, shown, people)
                except Exception as error:  # a fault or a refused connection: say it, clean up
                    checks = [("the RAAS contract through zeep", False, repr(error)[:2000])]
            server_log = Path(service["log"]).read_text(errors="replace")
        print("\nWhat Lino showed its user, step by step:")
        passed, failed = print_steps(shown)
        if not ok and not failed:
            failed += 1
        print("\nThe same register through the RAAS contract (zeep, wsdl/Register.wsdl):")
        for title, good, detail in checks:
            passed, failed = passed + good, failed + (not good)
            print(
                f"  {'PASS' if good else 'FAIL'}  {title}"
                + ("" if good else f"\n          {detail}")
            )
        if not checks:
            print("  (not run: the Lino test did not pass)")
        print("\nThe server's log:")
        leaked = [role for role, person in people.items() if person["ssin"] in server_log]
        for title, good in (
            ("raas serve logged no traceback", "Traceback" not in server_log),
            ("no national number of the scenario in the server's log", not leaked),
        ):
            passed, failed = passed + good, failed + (not good)
            print(f"  {'PASS' if good else 'FAIL'}  {title}" + (f": {leaked}" if not good else ""))
        if not ok:
            print("\nThe Django test's output (last 60 lines):")
            print("\n".join("  " + line for line in output.strip().splitlines()[-60:]))
    except Failed as why:
        print(f"\nFAILED: {why}")
        failed += 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    minutes, seconds = divmod(time.monotonic() - clock.start, 60)
    print(f"\nwall time {int(minutes)}m{seconds:04.1f}s")
    print(f"interop: {passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


def pinned() -> list[str]:
    return [
        line.strip()
        for line in PINS.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ][:2]


if __name__ == "__main__":
    sys.exit(main())
