"""`make failover`: RAAS on pg_auto_failover loses its primary under load and loses nothing.

    .venv/bin/python tools/failover.py [--seconds-before 6] [--seconds-after 6]

On loopback, with the machine's PostgreSQL 15 binaries and Debian's pg_auto_failover
(`postgresql-15-auto-failover`): a monitor, a primary and a synchronous standby; `raas serve`
on a multi-host RAAS_DATABASE_URL (target_session_attrs=read-write); clients writing without
pause (Inscribe, Remove, CreateLink, RegisterPerson) and recording every acknowledged write.
Three switches, each under that load:

1. failover: SIGKILL of the primary's postmaster and of its pg_autoctl (the machine is lost);
2. the old primary is started again and rejoins as a standby by itself (pg_rewind), then a
   planned switchover (`pg_autoctl perform switchover`) makes it the primary again;
3. a second failover, back to the other node.

After each, the load stops and every acknowledged write is looked up on the new primary: present
exactly once (a removed line absent), and an unacknowledged write is whole or absent. The last
lines are the totals; the exit status is non-zero when anything was lost or doubled, a fault was
not MSG00001, or a switch refused writes for more than 30 s. Exit 77: pg_auto_failover is not
installed (the message says how to install it).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import requests
from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
SKIPPED = 77
MAX_SWITCH_SECONDS = 30.0
USER, PASSWORD, CBE = "failover-client", "failover password 2026", "0203201340"
WSSE = (
    '<s:Header><w:Security xmlns:w="http://docs.oasis-open.org/wss/2004/01/'
    'oasis-200401-wss-wssecurity-secext-1.0.xsd"><w:UsernameToken>'
    f"<w:Username>{USER}</w:Username><w:Password>{PASSWORD}</w:Password>"
    "</w:UsernameToken></w:Security></s:Header>"
)
COMMON = "urn:raas:common:v1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Cluster:
    """A pg_auto_failover monitor and two Postgres nodes in a folder of their own."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.user = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        if self.user:
            os.chown(folder, self.user.pw_uid, self.user.pw_gid)
        self.env = {
            **os.environ,
            "HOME": str(folder),
            "XDG_CONFIG_HOME": str(folder / "config"),
            "XDG_DATA_HOME": str(folder / "data"),
        }
        self.monitor_port = free_port()
        self.ports = {"node1": free_port(), "node2": free_port()}
        self.keepers: dict[str, subprocess.Popen[bytes]] = {}

    def _command(self, *args: str) -> list[str]:
        prefix = ["runuser", "-u", "postgres", "--"] if self.user else []
        return [*prefix, "pg_autoctl", *args]

    def _spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = open(self.folder / f"{name}.log", "ab")  # noqa: SIM115 - the keeper's whole life
        return subprocess.Popen(
            self._command(*args), env=self.env, stdout=log, stderr=log, start_new_session=True
        )

    def pg_autoctl(self, *args: str) -> str:
        done = subprocess.run(
            self._command(*args), env=self.env, capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            raise RuntimeError(f"pg_autoctl {' '.join(args)}: {done.stderr[-1500:]}")
        return done.stdout

    def start(self) -> None:
        common = ["--pgctl", str(PG_BIN / "pg_ctl"), "--hostname", "127.0.0.1"]
        common += ["--auth", "trust", "--no-ssl"]
        monitor = self.folder / "monitor"
        self.pg_autoctl(
            "create", "monitor", "--pgdata", str(monitor), "--pgport", str(self.monitor_port),
            *common,
        )
        # Fast detection: a node silent for 3 s is unhealthy; a lost primary is demoted after 3 s.
        with (monitor / "postgresql.conf").open("a") as conf:
            conf.write(
                "pgautofailover.health_check_period = 1000\n"
                "pgautofailover.health_check_timeout = 1000\n"
                "pgautofailover.health_check_retry_delay = 500\n"
                "pgautofailover.node_considered_unhealthy_timeout = 3000\n"
                "pgautofailover.primary_demote_timeout = 3000\n"
                "pgautofailover.startup_grace_period = 3000\n"
            )
        self.keepers["monitor"] = self._spawn("monitor", "run", "--pgdata", str(monitor))
        uri = (
            f"postgres://autoctl_node@127.0.0.1:{self.monitor_port}/pg_auto_failover"
            "?sslmode=disable"
        )
        wait_for(lambda: self._ready(self.monitor_port, "pg_auto_failover"), 60, "the monitor")
        for name, port in self.ports.items():
            self.keepers[name] = self._spawn(
                name, "create", "postgres", "--pgdata", str(self.folder / name),
                "--pgport", str(port), *common, "--monitor", uri, "--dbname", "raas",
                "--name", name, "--run",
            )
            wait_for(lambda name=name: self._has_state(name), 120, f"{name} registered")
        # pg_basebackup waits for a spread checkpoint: ask for one so the standby starts now.
        wait_for(self._checkpointed_until_healthy, 180, "a primary and a synchronous standby")

    def _ready(self, port: int, database: str) -> bool:
        return subprocess.run(
            [str(PG_BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-d", database],
            capture_output=True, check=False,
        ).returncode == 0

    def states(self) -> dict[str, str]:
        try:
            shown = json.loads(
                self.pg_autoctl("show", "state", "--pgdata", str(self.folder / "monitor"), "--json")
            )
        except (RuntimeError, ValueError):
            return {}
        return {
            node.get("nodename") or node.get("node_name"): node.get("reported_state")
            or node.get("current_group_state")
            for node in shown
        }

    def _has_state(self, name: str) -> bool:
        return name in self.states()

    def _checkpointed_until_healthy(self) -> bool:
        for port in self.ports.values():
            psql(port, "CHECKPOINT")
        return self.healthy()

    def healthy(self) -> bool:
        return sorted(self.states().values()) == ["primary", "secondary"]

    def primary(self) -> str:
        """The node that answers as a primary (the monitor's view of a killed node is stale)."""
        for name, port in self.ports.items():
            if psql(port, "SELECT pg_is_in_recovery()").strip() == "f":
                return name
        raise RuntimeError(f"no primary: {self.states()}")

    def kill(self, name: str) -> None:
        """The machine is lost: its pg_autoctl and its postmaster get SIGKILL."""
        postmaster = int((self.folder / name / "postmaster.pid").read_text().split()[0])
        with contextlib.suppress(Exception):
            os.killpg(self.keepers[name].pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            os.kill(postmaster, signal.SIGKILL)
        self.keepers[name].wait(timeout=30)

    def restart(self, name: str) -> None:
        self.keepers[name] = self._spawn(name, "run", "--pgdata", str(self.folder / name))

    def switchover(self) -> None:
        self.pg_autoctl("perform", "switchover", "--pgdata", str(self.folder / "monitor"))

    def url(self) -> str:
        hosts = "&".join(f"host=127.0.0.1:{port}" for port in self.ports.values())
        return f"postgresql+psycopg://postgres@/raas?{hosts}&target_session_attrs=read-write"

    def stop(self) -> None:
        for keeper in self.keepers.values():
            if keeper.poll() is None:
                with contextlib.suppress(Exception):
                    os.killpg(keeper.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for keeper in self.keepers.values():
            with contextlib.suppress(Exception):
                keeper.wait(timeout=max(0.1, deadline - time.monotonic()))
        for name in ("monitor", *self.ports):
            pid_file = self.folder / name / "postmaster.pid"
            with contextlib.suppress(Exception):
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)


def psql(port: int, sql: str) -> str:
    done = subprocess.run(
        [str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "raas",
         "-Atc", sql],
        capture_output=True, text=True, check=False, timeout=30,
    )
    return done.stdout


def wait_for(condition, seconds: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise RuntimeError(f"not within {seconds:.0f} s: {what}")


# -- the load --------------------------------------------------------------------------------


@dataclass
class Write:
    kind: str
    key: str  # what to look for afterwards
    sent: float
    answered: float = 0.0
    outcome: str = ""  # "ok", a status code, "fault MSGxxxxx", or an HTTP/transport error


NUMBERS = itertools.count(1)  # every write of every phase has keys of its own


@dataclass
class Load:
    base: str
    ssins: list[str]
    writes: list[Write] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _post(self, service: str, body: str) -> tuple[str, etree._Element | None]:
        envelope = (
            f'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">{WSSE}'
            f"<s:Body>{body}</s:Body></s:Envelope>"
        )
        try:
            answer = requests.post(
                f"{self.base}/{service}", data=envelope.encode(),
                headers={"Content-Type": "text/xml"}, timeout=60,
            )
        except requests.RequestException as error:
            return f"transport {type(error).__name__}", None
        if not answer.headers.get("Content-Type", "").startswith("text/xml"):
            return f"http {answer.status_code} {answer.headers.get('Content-Type')}", None
        root = etree.fromstring(answer.content)
        reason = root.findtext(f".//{{{COMMON}}}reasonCode")
        if reason:
            return f"fault {reason}", root
        code = root.findtext(f".//{{{COMMON}}}code") or root.findtext(".//{*}status/{*}code")
        return ("ok" if code in ("MSG00000", "MSG00006") else code or "?"), root

    def _next(self) -> int:
        with self.lock:
            return next(NUMBERS)

    def run(self, worker: int) -> None:
        """Each client in turn: Inscribe, Inscribe, Remove (this client's previous line, so no
        two clients ever write one key), CreateLink, RegisterPerson."""
        previous: tuple[str, date] | None = None
        step = 0
        while not self.stop.is_set():
            n = self._next()
            kind = ("Inscribe", "Inscribe", "Remove", "CreateLink", "RegisterPerson")[step % 5]
            step += 1
            day = date(2000, 1, 1) + timedelta(days=2 * (n % 20000))  # never touching another
            ssin = self.ssins[(n // 20000 + n) % len(self.ssins)]
            if kind == "Remove":
                if previous is None:
                    continue
                ssin, day = previous
            write = Write(kind, "", time.monotonic())
            if kind in ("Inscribe", "Remove"):
                write.key = f"{ssin} {day}"
                body = (
                    f'<r:{kind} xmlns:r="urn:raas:register:v1" xmlns:c="{COMMON}">'
                    f"<r:ssin>{ssin}</r:ssin><r:typeDossier>902</r:typeDossier><r:period>"
                    f"<c:beginDate>{day}</c:beginDate><c:endDate>{day}</c:endDate></r:period>"
                    f"</r:{kind}>"
                )
                write.outcome, _ = self._post("Register", body)
                previous = (ssin, day) if kind == "Inscribe" else None
            elif kind == "CreateLink":
                write.key = f"FO{n:09d}"
                body = (
                    '<l:CreateLink xmlns:l="urn:raas:linkregister:v1">'
                    f"<l:ssin>{ssin}</l:ssin><l:foreignKey>{write.key}</l:foreignKey>"
                    "<l:country>FR</l:country><l:keyType>PASSPORT</l:keyType></l:CreateLink>"
                )
                write.outcome, _ = self._post("LinkRegister", body)
            else:
                # Letters only, and a birth date of its own: no one else's possible duplicate.
                write.key = "Failover" + "".join(chr(97 + int(d)) for d in f"{n:07d}")
                born = date(1930, 1, 1) + timedelta(days=9 * n)
                body = (
                    '<i:RegisterPerson xmlns:i="urn:raas:identification:v1">'
                    f"<i:lastName>{write.key}</i:lastName><i:firstName>Load</i:firstName>"
                    f"<i:birthDate>{born}</i:birthDate><i:gender>MALE</i:gender>"
                    "</i:RegisterPerson>"
                )
                write.outcome, _ = self._post("Identification", body)
            write.answered = time.monotonic()
            with self.lock:
                self.writes.append(write)


@dataclass
class Verdict:
    acknowledged: int
    lost: int
    doubled: int
    refused_seconds: float
    faults: Counter[str]


def verify(load: Load, primary_port: int, killed_at: float) -> Verdict:
    """Every acknowledged write, looked up on the primary."""
    lines = Counter(
        tuple(row.split("|"))
        for row in psql(
            primary_port,
            "SELECT ssin, lower(p)::text FROM register_lines, unnest(periods) p "
            "WHERE type_dossier = '902' AND cbe_number = '" + CBE + "'",
        ).split()
        if row
    )
    links = Counter(psql(primary_port, "SELECT foreign_key FROM links").split())
    persons = Counter(
        psql(primary_port, "SELECT last_name FROM source_persons WHERE last_name LIKE 'Failover%'")
        .split()
    )
    final: dict[str, Write] = {}  # the last write of each register key decides
    lost = doubled = acknowledged = 0
    for write in sorted(load.writes, key=lambda w: w.sent):
        if write.kind in ("Inscribe", "Remove"):
            final[write.key] = write
            continue
        seen = (links if write.kind == "CreateLink" else persons)[write.key]
        if write.outcome == "ok":
            acknowledged += 1
            lost += seen == 0
        doubled += seen > 1
    for key, write in final.items():
        ssin, day = key.split()
        seen = lines[(ssin, day)]
        doubled += seen > 1
        if write.outcome == "ok":
            acknowledged += 1
            lost += (seen == 0) if write.kind == "Inscribe" else 0
            lost += (seen != 0) if write.kind == "Remove" else 0
    # The longest time without an acknowledged write around the switch.
    acked = sorted(w.answered for w in load.writes if w.outcome == "ok")
    around = [t for t in acked if t >= killed_at - 1.0]
    gaps = [later - earlier for earlier, later in zip(around, around[1:], strict=False)]
    refused = max(gaps, default=0.0)
    # Business answers (RAAS0004, MSG00012…) are upper case; faults and transport errors not.
    faults = Counter(
        w.outcome for w in load.writes if not w.outcome[:1].isupper() and w.outcome != "ok"
    )
    return Verdict(acknowledged, lost, doubled, refused, faults)


def under_load(
    base: str, ssins: list[str], switch, seconds_before: float, seconds_after: float  # type: ignore[no-untyped-def]
) -> tuple[Load, float]:
    load = Load(base, ssins)
    threads = [threading.Thread(target=load.run, args=(i,), daemon=True) for i in range(6)]
    for thread in threads:
        thread.start()
    time.sleep(seconds_before)
    switched_at = time.monotonic()
    switch()
    wait_for(
        lambda: any(w.outcome == "ok" and w.sent > switched_at for w in list(load.writes)),
        120, "writes accepted again",
    )
    time.sleep(seconds_after)
    load.stop.set()
    for thread in threads:
        thread.join(timeout=90)
    return load, switched_at


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds-before", type=float, default=6.0)
    parser.add_argument("--seconds-after", type=float, default=6.0)
    args = parser.parse_args(argv)
    if shutil.which("pg_autoctl") is None or not (PG_BIN / "pg_ctl").exists():
        print("failover: SKIPPED: pg_auto_failover is not installed "
              "(apt-get install postgresql-15-auto-failover)")
        return SKIPPED
    folder = Path(tempfile.mkdtemp(prefix="raas-failover-"))
    folder.chmod(0o755)
    cluster = Cluster(folder)
    server = None
    ok = True
    totals = Verdict(0, 0, 0, 0.0, Counter())
    try:
        started = time.monotonic()
        cluster.start()
        print(f"[{time.monotonic() - started:5.1f}s] pg_auto_failover: monitor, primary "
              f"{cluster.primary()} and a synchronous standby on 127.0.0.1:"
              f"{','.join(map(str, cluster.ports.values()))}", flush=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RAAS_", "PROMETHEUS"))}
        env["RAAS_DATABASE_URL"] = cluster.url()
        raas = [sys.executable, "-m", "raas.cli"]
        for command in (["db", "upgrade"], ["source", "seed", "--persons", "300", "--seed", "7"]):
            subprocess.run([*raas, *command], env=env, check=True, capture_output=True, timeout=300)
        subprocess.run(
            [*raas, "users", "create", "--username", USER, "--cbe-number", CBE,
             "--password-stdin"],
            input=PASSWORD + "\n", env=env, check=True, capture_output=True, text=True,
            timeout=120,
        )
        primary_port = cluster.ports[cluster.primary()]
        psql(primary_port, f"INSERT INTO type_dossiers (cbe_number, code, description) "
                           f"VALUES ('{CBE}', '902', 'failover') ON CONFLICT DO NOTHING")
        ssins = psql(primary_port, "SELECT ssin FROM source_persons WHERE status = 'ACTIVE' "
                                   "ORDER BY ssin LIMIT 200").split()
        port = free_port()
        server = subprocess.Popen(
            [*raas, "serve", "--port", str(port), "--workers", "4"], env=env,
            stdout=open(folder / "raas.log", "w"), stderr=subprocess.STDOUT,  # noqa: SIM115
        )
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: _healthy(base), 90, "raas serve")
        print(f"[{time.monotonic() - started:5.1f}s] raas serve on {base}, 6 writing clients",
              flush=True)

        def lose(name: str):  # type: ignore[no-untyped-def]
            return lambda: cluster.kill(name)

        phases = [("failover (primary killed)", "kill")]
        phases += [("planned switchover", "switchover"), ("second failover (back)", "kill")]
        for title, how in phases:
            primary = cluster.primary()
            switch = cluster.switchover if how == "switchover" else lose(primary)
            load, switched_at = under_load(
                base, ssins, switch, args.seconds_before, args.seconds_after
            )
            new_primary = cluster.primary()
            verdict = verify(load, cluster.ports[new_primary], switched_at)
            bad = [f for f in verdict.faults if f not in ("fault MSG00001",)]
            phase_ok = (
                verdict.lost == 0 and verdict.doubled == 0 and not bad
                and verdict.refused_seconds <= MAX_SWITCH_SECONDS
            )
            ok &= phase_ok
            print(f"[{time.monotonic() - started:5.1f}s] {title}: {primary} → {new_primary}; "
                  f"writes refused for {verdict.refused_seconds:.1f} s; acknowledged "
                  f"{verdict.acknowledged}, lost {verdict.lost}, doubled {verdict.doubled}; "
                  f"faults {dict(verdict.faults) or 'none'}{'' if phase_ok else '  FAILED'}",
                  flush=True)
            totals = Verdict(
                totals.acknowledged + verdict.acknowledged, totals.lost + verdict.lost,
                totals.doubled + verdict.doubled,
                max(totals.refused_seconds, verdict.refused_seconds),
                totals.faults + verdict.faults,
            )
            if how == "kill":  # the lost node comes back and rejoins as a standby by itself
                cluster.restart(primary)
                wait_for(cluster.healthy, 180, f"{primary} back as a standby")
                print(f"[{time.monotonic() - started:5.1f}s] {primary} rejoined as a standby "
                      f"({cluster.states()})", flush=True)
        if "Traceback" in (folder / "raas.log").read_text():
            print("raas serve logged a traceback")
            ok = False
    except Exception as error:  # a clear line, the logs kept
        print(f"failover: FAILED: {type(error).__name__}: {error}")
        ok = False
    finally:
        if server is not None:
            server.terminate()
            with contextlib.suppress(Exception):
                server.wait(timeout=60)
        cluster.stop()
        if ok:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"logs kept in {folder}")
    faults = sum(totals.faults.values())
    kinds = sorted(totals.faults)
    print(f"failover: writes refused for {totals.refused_seconds:.1f} s")
    print(f"acknowledged: {totals.acknowledged}, lost: {totals.lost}, doubled: {totals.doubled}")
    all_unavailable = kinds in ([], ["fault MSG00001"])
    print(f"faults during the switch: {faults} "
          f"({'all MSG00001' if all_unavailable else ', '.join(kinds)})")
    return 0 if ok else 1


def _healthy(base: str) -> bool:
    try:
        return requests.get(f"{base}/health", timeout=5).status_code == 200
    except requests.RequestException:
        return False


if __name__ == "__main__":
    sys.exit(main())
