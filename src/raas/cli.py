"""The `raas` command: database, serving, users, the stub authentic source, demo data."""

from __future__ import annotations

import argparse
import io
import logging
import os
import secrets
import socket
import sys
from collections.abc import Callable, Sequence
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from raas import logs
from raas.config import Settings

if TYPE_CHECKING:  # imported where used, at run time: a command loads only what it needs
    from sqlalchemy import URL, Engine

    from raas.persistence.uow import UnitOfWork

T = TypeVar("T")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `raas` command; the exit code is 0 on success."""
    parser = _parser()
    args = parser.parse_args(argv)
    as_json = Settings.from_env().log_json
    logs.configure(as_json=as_json)
    try:
        code = int(args.run(args) or 0)
        sys.stdout.flush()  # here, not at exit, where a closed pipe is an unhandled error
        return code
    except BrokenPipeError:
        # `raas … | head`: the reader has gone; nothing more to say, and no traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except CommandError as error:
        if as_json:  # a cron job or container's standard error stays all JSON lines
            logging.getLogger("raas.cli").error("raas: %s", error)
        else:
            print(f"raas: {error}", file=sys.stderr)
        return 2
    except Exception:
        if not as_json:
            raise
        logging.getLogger("raas.cli").exception("raas %s failed", " ".join(sys.argv[1:2]))
        return 1


def _organisations(count: int) -> str:
    return f"{count} organisation" if count == 1 else f"{count} organisations"


class CommandError(Exception):
    """A command could not do what was asked; the message says why."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="raas", description=__doc__)
    groups = parser.add_subparsers(required=True, metavar="COMMAND")

    db = groups.add_parser("db", help="the database").add_subparsers(required=True)
    db.add_parser(
        "upgrade", help="create the database if missing, apply all migrations"
    ).set_defaults(run=_db_upgrade)
    db.add_parser("check", help="fail when the tables and the migrations disagree").set_defaults(
        run=_db_check
    )
    db.add_parser("url", help="print the database URL in use (password hidden)").set_defaults(
        run=_db_url
    )

    serve = groups.add_parser("serve", help="serve the four SOAP services with gunicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    # One more sync worker than cores: a worker waits on PostgreSQL for part of each request.
    serve.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
    serve.add_argument(
        "--certfile",
        default=os.environ.get("RAAS_TLS_CERT") or None,
        help="serve HTTPS with this PEM certificate (chain) file (default: $RAAS_TLS_CERT)",
    )
    serve.add_argument(
        "--keyfile",
        default=os.environ.get("RAAS_TLS_KEY") or None,
        help="the certificate's PEM private key (default: $RAAS_TLS_KEY)",
    )
    serve.set_defaults(run=_serve)

    users = groups.add_parser("users", help="users").add_subparsers(required=True)
    create = users.add_parser("create", help="create a user (password read from stdin)")
    create.add_argument("--username", required=True)
    create.add_argument("--cbe-number", required=True)
    create.add_argument("--name", help="the organisation's name")
    create.add_argument("--role", choices=["client", "admin"], default="client")
    create.add_argument(
        "--password-stdin",
        action="store_true",
        required=True,
        help="read the password from standard input (required)",
    )
    create.set_defaults(run=_users_create)

    source = groups.add_parser("source", help="the stub authentic source").add_subparsers(
        required=True
    )
    imp = source.add_parser("import", help="add or update persons from a CSV file")
    imp.add_argument("file", type=Path)
    imp.set_defaults(run=_source_import)
    seed = source.add_parser("seed", help="generate synthetic, valid persons")
    seed.add_argument("--persons", type=int, required=True)
    seed.add_argument("--seed", type=int, default=0)
    seed.set_defaults(run=_source_seed)
    replace = source.add_parser("replace", help="the authentic source replaces ssin OLD by NEW")
    replace.add_argument("old", metavar="OLD")
    replace.add_argument("new", metavar="NEW")
    replace.set_defaults(run=_source_replace)
    update = source.add_parser("update", help="the authentic source changes a person's data")
    update.add_argument("ssin", metavar="SSIN")
    update.add_argument("--last-name")
    update.add_argument("--first-name")
    update.add_argument("--birth-date", help="YYYY-MM-DD, YYYY-MM-00 or YYYY-00-00")
    update.add_argument("--gender", choices=["MALE", "FEMALE", "UNKNOWN"])
    update.add_argument("--nationality")
    update.add_argument("--decease-date", type=_date, help="YYYY-MM-DD")
    update.add_argument("--identity-card-number", help="the person's identity card (eID) number")
    update.add_argument("--sis-card-number", help="the person's SIS card number")
    update.set_defaults(run=_source_update)
    dimona = source.add_parser("dimona", help="a Dimona declaration for SSIN arrives")
    dimona.add_argument("ssin", metavar="SSIN")
    dimona.add_argument("--employer", required=True, metavar="CBE", help="KBO/CBE number")
    dimona.add_argument("--date", type=_date, metavar="D", help="YYYY-MM-DD (default: today)")
    dimona.set_defaults(run=_source_dimona)

    register = groups.add_parser("register", help="organisations' registers").add_subparsers(
        required=True
    )
    load = register.add_parser(
        "import",
        help="apply a file of inscriptions for an organisation (as SubmitInscriptionFile)",
        description="Apply a CSV or XML inscription file (gzip allowed) for an organisation, "
        "with a progress bar; write its result file. A file applied before (same sha256) is "
        "not applied again.",
    )
    load.add_argument("file", type=Path, metavar="FILE")
    load.add_argument("--cbe-number", required=True, metavar="N", help="KBO/CBE number")
    load.add_argument(
        "--format", choices=["CSV", "XML"], help="default: XML when FILE ends in .xml or .xml.gz"
    )
    load.add_argument(
        "--mode",
        choices=["LINE", "FILE"],
        default="LINE",
        help="LINE: each line on its own (default); FILE: all lines or none",
    )
    load.add_argument(
        "--output", type=Path, metavar="RESULTS.csv", help="default: FILE.results.csv"
    )
    load.set_defaults(run=_register_import)
    worker = register.add_parser(
        "worker", help="process the inscription files sent with SubmitInscriptionFile"
    )
    worker.add_argument("--once", action="store_true", help="process what waits, then stop")
    worker.set_defaults(run=_register_worker)

    ssdn = groups.add_parser("ssdn", help="the classic KSZ channel (SSDN)").add_subparsers(
        required=True
    )
    clients = ssdn.add_parser("clients", help="the SSDN clients admitted").add_subparsers(
        required=True
    )
    add = clients.add_parser("add", help="register an SSDN client for an organisation")
    add.add_argument("--cbe-number", required=True, metavar="N")
    add.add_argument(
        "--network",
        required=True,
        action="append",
        metavar="CIDR",
        help="a network the client calls from (repeat for more)",
    )
    add.add_argument("--sector", required=True, type=int, metavar="S", help="MatrixID")
    add.add_argument("--sub-sector", type=int, metavar="SS", help="MatrixSubID (default: any)")
    add.add_argument("--org-unit", required=True, metavar="U", help="AuthorizedUser/OrgUnit")
    add.set_defaults(run=_ssdn_clients_add)
    clients.add_parser("list", help="list the SSDN clients").set_defaults(run=_ssdn_clients_list)
    remove = clients.add_parser("remove", help="remove an SSDN client")
    remove.add_argument("--cbe-number", required=True, metavar="N")
    remove.add_argument("--org-unit", required=True, metavar="U")
    remove.set_defaults(run=_ssdn_clients_remove)

    notifications = groups.add_parser(
        "notifications", help="the daily notification files"
    ).add_subparsers(required=True)
    run = notifications.add_parser(
        "run", help="build a day's files (XML + voucher) for every subscription, exactly once"
    )
    run.add_argument(
        "--date", type=date.fromisoformat, help="the day, YYYY-MM-DD (default: today in Brussels)"
    )
    run.add_argument(
        "--outbox",
        type=Path,
        help="the folder to deliver to (default: $RAAS_OUTBOX or .raas/outbox)",
    )
    run.set_defaults(run=_notifications_run)

    audit = groups.add_parser("audit", help="the audit log").add_subparsers(required=True)
    verify = audit.add_parser(
        "verify", help="check the audit log's hash chain; non-zero and the first entry when broken"
    )
    verify.add_argument(
        "--head",
        type=_hash,
        metavar="HASH",
        help="a head hash printed by an earlier verify: it must still be in the chain",
    )
    verify.set_defaults(run=_audit_verify)

    demo = groups.add_parser(
        "demo",
        help="load demo data and print the demo credentials (kept in the data folder; "
        "--rotate makes new ones)",
    )
    demo.add_argument("--persons", type=int, default=300)
    demo.add_argument(
        "--rotate", action="store_true", help="new demo passwords (the old ones stop working)"
    )
    demo.set_defaults(run=_demo)

    wsdl = groups.add_parser("wsdl", help="write the WSDL and XSD files the services serve")
    wsdl.add_argument("--wsdl-dir", type=Path, default=Path("wsdl"))
    wsdl.add_argument("--xsd-dir", type=Path, default=Path("xsd"))
    wsdl.set_defaults(run=_wsdl)

    from raas.client.cli import add_commands  # builds the parser only; zeep loads on a call

    add_commands(groups.add_parser("client", help="call one SOAP operation with zeep"))
    return parser


# -- database --------------------------------------------------------------------------------


def _url() -> URL:
    from raas.persistence.database import database_url

    return database_url(Settings.from_env())


def _db_upgrade(args: argparse.Namespace) -> None:
    from raas.persistence import migrations

    url = _url()
    migrations.upgrade(url)
    print(f"database {url.database} is at the latest migration")


def _db_check(args: argparse.Namespace) -> None:
    from alembic.util.exc import AutogenerateDiffsDetected

    from raas.persistence import migrations

    try:
        migrations.check(_url())
    except AutogenerateDiffsDetected as error:
        raise CommandError(f"the tables and the migrations disagree: {error}") from error
    print("the tables and the migrations agree")


def _db_url(args: argparse.Namespace) -> None:
    print(_url().render_as_string(hide_password=True))


def _migrated_url() -> URL:
    """The database URL, refusing a database that is not at the latest migration."""
    from raas.persistence import migrations

    url = _url()
    if not migrations.is_current(url):
        raise CommandError(
            f"{_where()} is not at the latest migration (or holds no RAAS database yet): "
            "run `raas db upgrade`"
        )
    return url


def _where() -> str:
    """The database a command uses, as a person looks for it."""
    settings = Settings.from_env()
    if settings.database_url:
        from sqlalchemy import make_url

        named = make_url(settings.database_url)
        return f"the database {named.database} on {named.host or 'localhost'} (RAAS_DATABASE_URL)"
    return f"the embedded database in {settings.embedded_pgdata} (set RAAS_DATA_DIR to use another)"


def _uow(engine: Engine | None = None) -> Callable[..., UnitOfWork]:
    """The command's units of work (its composition root): on the owner's engine, or `engine`,
    with the stub authentic source."""
    from raas.persistence.database import make_engine
    from raas.persistence.persons import StubAuthenticSource
    from raas.persistence.uow import UnitOfWork

    engine = engine or make_engine(_migrated_url())
    return partial(UnitOfWork, engine, source=StubAuthenticSource)


# -- serving ---------------------------------------------------------------------------------


def _serve(args: argparse.Namespace) -> None:
    from raas.server import serve

    if bool(args.certfile) != bool(args.keyfile):
        raise CommandError("TLS needs both --certfile and --keyfile")
    for path in (args.certfile, args.keyfile):
        if path and not Path(path).is_file():
            raise CommandError(f"{path}: no such file")
    _check_port_free(args.host, args.port)
    if not os.environ.get("RAAS_PUBLIC_URL"):
        # The WSDLs name the address actually served (workers read it from the environment).
        scheme = "https" if args.certfile else "http"
        host = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host  # noqa: S104
        host = f"[{host}]" if ":" in host else host
        os.environ["RAAS_PUBLIC_URL"] = f"{scheme}://{host}:{args.port}"
    settings = Settings.from_env()
    url = _migrated_url()
    # Workers are forked from this process: they find the (maybe embedded) database here.
    os.environ["RAAS_DATABASE_URL"] = url.render_as_string(hide_password=False)
    print(
        f"serving {settings.public_url}/{{Register,Identification,LinkRegister,Admin}}?wsdl "
        f"on {args.host}:{args.port} with {args.workers} workers"
        + (" over TLS" if args.certfile else "")
        + f"; database: {_where().split(' (')[0].removeprefix('the ')}",
        flush=True,
    )
    serve(args.host, args.port, args.workers, args.certfile, args.keyfile)


def _check_port_free(host: str, port: int) -> None:
    """CommandError, one line, when the address is taken (gunicorn would retry five times)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise CommandError(
                f"cannot serve on {host}:{port}: {error.strerror or error} "
                "(another server there? choose another with --port, or `make run PORT=…`)"
            ) from None


# -- users -----------------------------------------------------------------------------------


def _users_create(args: argparse.Namespace) -> None:
    from raas import usecases
    from raas.models.errors import InvalidData
    from raas.models.users import Role

    password = sys.stdin.readline().rstrip("\r\n")
    try:
        created = usecases.create_user(
            _uow(), args.username, args.cbe_number, Role(args.role), password, args.name
        )
    except InvalidData as error:
        raise CommandError(str(error)) from error
    print(
        f"user {args.username} {'created' if created else 'updated'} "
        f"({args.role} of organisation {args.cbe_number})"
    )


# -- SSDN clients ----------------------------------------------------------------------------


def _ssdn_clients_add(args: argparse.Namespace) -> None:
    from raas.usecases import ssdn

    created = _refusing(
        lambda: ssdn.add_client(
            _uow(), args.cbe_number, args.network, args.sector, args.sub_sector, args.org_unit
        )
    )
    print(
        f"SSDN client {args.org_unit} of organisation {args.cbe_number} "
        f"{'registered' if created else 'updated'}"
    )


def _ssdn_clients_list(args: argparse.Namespace) -> None:
    from raas.usecases import ssdn

    clients = ssdn.list_clients(_uow())
    if not clients:
        print("no SSDN client is registered: the SSDN channel refuses every request")
    for client in clients:
        sub = "any" if client.sub_sector is None else client.sub_sector
        print(
            f"{client.cbe_number} org-unit={client.org_unit} sector={client.sector} "
            f"sub-sector={sub} networks={','.join(client.networks)}"
        )


def _ssdn_clients_remove(args: argparse.Namespace) -> None:
    from raas.usecases import ssdn

    if not _refusing(lambda: ssdn.remove_client(_uow(), args.cbe_number, args.org_unit)):
        raise CommandError(f"no SSDN client {args.org_unit} of organisation {args.cbe_number}")
    print(f"SSDN client {args.org_unit} of organisation {args.cbe_number} removed")


# -- stub authentic source -------------------------------------------------------------------


def _register_import(args: argparse.Namespace) -> int:
    import hashlib

    from raas.models.users import Role, User, normalise_cbe_number
    from raas.progress import bar
    from raas.services.inscription_files import result_rendering
    from raas.usecases import inscription_files as files

    try:
        cbe = normalise_cbe_number(args.cbe_number)
        content = args.file.read_bytes()
    except (ValueError, OSError) as error:
        raise CommandError(str(error)) from None
    name = args.file.name.lower()
    format_ = args.format or ("XML" if name.endswith((".xml", ".xml.gz")) else "CSV")
    from raas.persistence.database import make_engine
    from raas.persistence.uow import UnitOfWork

    engine = make_engine(_migrated_url())
    uow = partial(UnitOfWork, engine)
    with uow() as tx:
        if not tx.type_dossiers.list(cbe):
            raise CommandError(f"organisation {cbe} has no type dossier: define them first")
    operator = User("raas register import", cbe, Role.CLIENT)
    sha256 = hashlib.sha256(content).hexdigest()
    submitted = files.submit(uow, operator, content, sha256, format_, args.mode, args.file.name)
    if submitted.already:
        print(f"this file (sha256 {sha256}) was sent before: batch {submitted.batch_id}")
    with bar("inscriptions", "lines") as progress:
        finished = files.process_file(
            engine,
            submitted.batch_id,
            cbe,
            operator.username,
            result_rendering(),
            progress,
            chunk_lines=int(os.environ.get("RAAS_FILE_CHUNK_LINES", files.CHUNK_LINES)),
            jobs=int(os.environ.get("RAAS_FILE_JOBS", files.JOBS)),
        )
    if finished is None:
        raise CommandError(f"batch {submitted.batch_id} is being processed by a worker")
    output = args.output or args.file.with_name(args.file.name + ".results.csv")
    with output.open("wb") as out:
        result = files.write_result(uow, operator, submitted.batch_id, out)
    if not result:
        output.unlink()
    print(
        f"batch {finished.batch_id}: {finished.state}, {finished.line_count} lines, "
        f"{finished.accepted} applied, {finished.refused} refused"
        + (f" ({finished.problem})" if finished.problem else "")
        + (f"; results in {output}" if result else "")
    )
    return 0 if finished.state == "DONE" and not finished.refused else 1


def _register_worker(args: argparse.Namespace) -> None:
    import signal
    import threading

    from sqlalchemy.exc import DBAPIError, DisconnectionError

    from raas.models.errors import ServiceUnavailable
    from raas.persistence.database import service_engine
    from raas.services.inscription_files import result_rendering
    from raas.usecases import inscription_files as files

    _migrated_url()
    engine = service_engine(Settings.from_env())
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    rendering = result_rendering()
    chunk = int(os.environ.get("RAAS_FILE_CHUNK_LINES", files.CHUNK_LINES))
    jobs = int(os.environ.get("RAAS_FILE_JOBS", files.JOBS))
    while not stopping.is_set():
        try:
            files.run_waiting(
                engine, rendering, stop=stopping.is_set, chunk_lines=chunk, jobs=jobs
            )
        except (ServiceUnavailable, DBAPIError, DisconnectionError) as error:
            # The database went away (a failover, a restart) or a lock was not granted: one
            # line, no traceback, and the next round tries again.
            logging.getLogger("raas.files").warning(
                "inscription files: round skipped, database unavailable (%s)", type(error).__name__
            )
        except Exception:  # a defect of the service's own: its traceback, then the next round
            logging.getLogger("raas.files").exception("inscription files: round failed")
        if args.once:
            break
        stopping.wait(2)
    engine.dispose()


def _source_import(args: argparse.Namespace) -> None:
    from raas.progress import bar
    from raas.usecases import sourcefeed

    with args.file.open(encoding="utf-8", newline="") as lines, bar("import", "persons") as seen:
        done = sourcefeed.import_csv(_uow(), lines, progress=seen)
    for error in done.errors:
        print(error, file=sys.stderr)
    if done.errors:
        raise CommandError(f"{len(done.errors)} lines refused; nothing was imported")
    print(
        f"{done.added} persons added, {done.updated} updated, {done.replaced} replaced; "
        f"{done.events} events recorded"
    )


def _source_seed(args: argparse.Namespace) -> None:
    from raas.progress import bar
    from raas.usecases import sourcefeed

    if args.persons < 1:
        raise CommandError("--persons must be at least 1")
    with bar("seed", "persons") as seen:
        inserted = sourcefeed.seed(_uow(), args.persons, args.seed, progress=seen)
    print(f"{inserted} persons added (seed {args.seed}, {args.persons - inserted} already there)")


def _source_replace(args: argparse.Namespace) -> None:
    from raas.usecases import source

    done = _refusing(lambda: source.replace(_uow(), args.old, args.new))
    if not done.done:
        print(f"{done.old} is already replaced by {done.new}: nothing changed")
        return
    print(
        f"{done.old} replaced by {done.new}"
        + (f" (active end {done.active})" if done.active != done.new else "")
        + (f", created as a copy of {done.old}" if done.created else "")
        + f": {done.lines} register lines and {done.links} links moved to {done.active}"
        + (
            f", {done.deleted_links} links deleted ({done.active} already had their keys)"
            if done.deleted_links
            else ""
        )
        + f"; SSIN_REPLACEMENT event for {_organisations(len(done.recipients))}"
    )


def _source_update(args: argparse.Namespace) -> None:
    from raas.usecases import source

    changes = {
        "lastName": args.last_name,
        "firstName": args.first_name,
        "birthDate": args.birth_date,
        "gender": args.gender,
        "nationality": args.nationality,
        "deceaseDate": args.decease_date,
    }
    cards = (args.identity_card_number, args.sis_card_number)
    if any(cards):
        active = _refusing(lambda: source.update_cards(_uow(), args.ssin, *cards))
        print(f"{active}: card numbers recorded")
        if all(value is None for value in changes.values()):
            return
    done = _refusing(lambda: source.update(_uow(), args.ssin, changes))
    person = done.resolved.active + (f" (replacing {args.ssin})" if done.resolved.replaced else "")
    if not done.changed:
        given = any(value is not None for value in changes.values())
        print(f"{person}: nothing changed{'' if given else ' (no field given)'}, no event")
        return
    print(
        f"{person}: {', '.join(done.changed)} changed; "
        f"IDENTIFICATION_DATA event for {_organisations(len(done.recipients))}"
    )


def _source_dimona(args: argparse.Namespace) -> None:
    from raas.usecases import source

    done = _refusing(lambda: source.dimona(_uow(), args.ssin, args.employer, args.date))
    person = done.resolved.active + (f" (replacing {args.ssin})" if done.resolved.replaced else "")
    print(
        f"DIMONA of {done.on} for {person}, employer {done.employer}: "
        f"event for {_organisations(len(done.recipients))}"
    )


def _refusing(work: Callable[[], T]) -> T:
    """Run a change of the source; a refusal becomes a CommandError naming what was wrong."""
    from raas.models.errors import DomainError, TransientConflict

    try:
        return work()
    except DomainError as error:
        message = str(error)
        details = [f"{k}={v}" for k, v in error.information.items() if v not in message]
        raise CommandError(message + (f" ({', '.join(details)})" if details else "")) from error
    except TransientConflict as error:
        raise CommandError("concurrent changes kept conflicting; run it again") from error


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


# -- notifications -------------------------------------------------------------------------------


def _notifications_run(args: argparse.Namespace) -> None:
    from raas.clock import today
    from raas.models.errors import DomainError
    from raas.progress import bar
    from raas.usecases import notifications

    day = args.date or today()
    outbox = args.outbox or Settings.from_env().outbox_dir
    try:
        with bar(f"notifications {day}", "files") as built:
            reports = notifications.run(_uow(), day, outbox, progress=built)
    except (DomainError, notifications.RunRefused) as error:
        raise CommandError(str(error)) from error
    except OSError as error:
        raise CommandError(f"the outbox {outbox} cannot be written: {error}") from error
    for report in reports:
        claimed = (
            f"{report.claimed} events claimed"
            if report.claimed is not None
            else "events claimed by an earlier run"
        )
        print(
            f"notifications {report.day}: {claimed}; {report.built} files built "
            f"({report.records} records), {report.kept} already made "
            f"({report.restored} restored in the outbox); in {outbox}"
        )


# -- audit log -------------------------------------------------------------------------------


def _hash(text: str) -> bytes:
    try:
        value = bytes.fromhex(text)
    except ValueError:
        value = b""
    if len(value) != 32:
        raise argparse.ArgumentTypeError("a SHA-256 hash: 64 hexadecimal digits")
    return value


def _audit_verify(args: argparse.Namespace) -> int:
    from raas import usecases
    from raas.persistence.database import make_engine

    engine = make_engine(_migrated_url())
    try:
        verdict = usecases.verify_audit_log(_uow(engine), args.head)
    finally:
        engine.dispose()
    summary = (
        f"{verdict.checked} entries checked; head: position {verdict.head_seq} "
        f"hash {verdict.head_hash.hex()}"
    )
    if verdict.intact:
        print(f"audit log intact: {summary}")
        print("record the head hash elsewhere: a later `raas audit verify --head HASH` then also")
        print("detects entries removed from the end")
        return 0
    print(f"audit log broken: {verdict.problem}", file=sys.stderr)
    print(f"intact up to: {summary}", file=sys.stderr)
    return 1


# -- demo data and documents -----------------------------------------------------------------

DEMO_ADMIN_CBE = "0367302178"  # the KSZ/BCSS's own enterprise number
DEMO_CLIENT_CBE = "0203201340"
DEMO_TYPE_DOSSIERS = {
    "0": "Definitive inscription",
    "902": "Provisional inscription",
    "SOCIAL_INQUIRY": "Social inquiry (OCMW/CPAS)",
    "LIVING_WAGE": "Living wage (leefloon / revenu d'intégration)",
}


DEMO_GUIDE_PERSONS = (
    "ssin,lastName,firstName,birthDate,gender,status,replacedBy\n"
    "85031412302,Peeters,Jan,1985-03-14,MALE,ACTIVE,\n"
)


def _demo_credentials_file() -> Path:
    return Settings.from_env().data_dir / "demo-credentials.json"


def _demo_passwords(rotate: bool) -> dict[str, str]:
    """The demo users' passwords: the same on every `raas demo` (a demo's users keep working
    across restarts), new ones with `rotate`. Demo data only: readable by the owner alone."""
    import json

    path = _demo_credentials_file()
    names = ("demo-admin", "demo-client")
    if not rotate and path.is_file():
        kept = json.loads(path.read_text())
        if all(isinstance(kept.get(name), str) and len(kept[name]) >= 12 for name in names):
            return {name: kept[name] for name in names}
    fresh = {name: secrets.token_urlsafe(12) for name in names}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(json.dumps(fresh, indent=2) + "\n")
    return fresh


def _demo(args: argparse.Namespace) -> None:
    from raas import usecases
    from raas.models.users import Role
    from raas.usecases import sourcefeed

    uow = _uow()
    credentials = {
        "demo-admin": (DEMO_ADMIN_CBE, Role.ADMIN, "KSZ-BCSS (demo)"),
        "demo-client": (DEMO_CLIENT_CBE, Role.CLIENT, "Demo client organisation"),
    }
    kept = _demo_passwords(rotate=args.rotate)
    print(
        f"Demo credentials (kept in {_demo_credentials_file()}; `raas demo --rotate` makes new "
        "ones):"
    )
    for username, (cbe, role, name) in credentials.items():
        password = kept[username]
        usecases.create_user(uow, username, cbe, role, password, name)
        print(f"  {role.value:6}  username={username}  password={password}  cbeNumber={cbe}")
    for code, description in DEMO_TYPE_DOSSIERS.items():
        usecases.define_type_dossier(uow, DEMO_CLIENT_CBE, code, description)
    inserted = sourcefeed.seed(uow, args.persons, seed=2026)
    # The person of the integrator guide's examples, so that its commands work as pasted.
    sourcefeed.import_csv(uow, io.StringIO(DEMO_GUIDE_PERSONS))
    print(f"Type dossiers defined for {DEMO_CLIENT_CBE}: {', '.join(DEMO_TYPE_DOSSIERS)}")
    print(
        f"Stub authentic source: {inserted} new synthetic persons; for example "
        f"{', '.join(sourcefeed.sample_ssins(uow, 3))}; and 85031412302 (Jan Peeters, the "
        "integrator guide's examples)"
    )


def _wsdl(args: argparse.Namespace) -> None:
    from raas.wsgi import service_documents

    args.wsdl_dir.mkdir(parents=True, exist_ok=True)
    args.xsd_dir.mkdir(parents=True, exist_ok=True)
    for name, documents in service_documents(Settings().public_url).items():
        (args.wsdl_dir / f"{name}.wsdl").write_bytes(documents.wsdl)
        for xsd_name, content in documents.xsds.items():
            (args.xsd_dir / xsd_name).write_bytes(content)
    from raas.wsgi import ssdn_documents

    (args.xsd_dir / "ssdn").mkdir(exist_ok=True)
    for name, content in ssdn_documents(Settings().public_url).items():
        folder = args.wsdl_dir if name.endswith(".wsdl") else args.xsd_dir / "ssdn"
        (folder / name).write_bytes(content)
    from raas.services import notification_xsd

    (args.xsd_dir / "notifications").mkdir(exist_ok=True)
    for name, content in notification_xsd.schemas().items():
        (args.xsd_dir / "notifications" / name).write_bytes(content)
    from raas import schemas

    (args.xsd_dir / "files").mkdir(exist_ok=True)
    for name, content in schemas.schemas().items():
        (args.xsd_dir / "files" / name).write_bytes(content)
    print(f"wrote {args.wsdl_dir}/ and {args.xsd_dir}/")


if __name__ == "__main__":
    sys.exit(main())
