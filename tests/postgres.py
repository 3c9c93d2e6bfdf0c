"""A throwaway PostgreSQL cluster for tests, from Debian's ``postgresql`` package
(``scripts/system-packages.sh`` installs it).

``TemporaryCluster.start()`` runs ``initdb`` and ``pg_ctl`` on a fresh temporary directory and
``stop()`` deletes it. The server listens on a unix socket in that directory only (no TCP port,
so nothing to collide with and no one else to let in) and trusts whoever reaches the socket as
the superuser ``postgres``. Run as root (CI), the server runs as the unprivileged ``postgres``
user of Debian's package, because ``initdb`` refuses root. Durability is switched off (fsync,
synchronous commit): a test cluster is thrown away, and the tests run faster.

    with TemporaryCluster.start() as cluster:
        cluster.create_database("t1")
        url = cluster.url("t1")  # postgresql+asyncpg://postgres@/t1?host=/tmp/majlis-pg-…
        cluster.run("pg_dump", "--dbname", cluster.libpq_url("t1"))

tests/conftest.py starts one per test session when pytest runs with ``--database=postgresql``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

SUPERUSER = "postgres"
SERVER_ACCOUNT = "postgres"  # the system user Debian's package creates, used when we are root
DEBIAN_BINARIES = Path("/usr/lib/postgresql")
SERVER_OPTIONS = (
    "-c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off "
    "-c max_connections=200 -c shared_buffers=64MB"
)


class ClusterError(RuntimeError):
    """PostgreSQL could not be found, started or asked something; the message says why."""


def server_binaries() -> Path:
    """The newest ``/usr/lib/postgresql/N/bin`` that has ``initdb``."""
    candidates = sorted(
        (path.parent for path in DEBIAN_BINARIES.glob("*/bin/initdb")),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
    )
    if not candidates:
        raise ClusterError(
            f"no PostgreSQL server under {DEBIAN_BINARIES}: run `bash scripts/system-packages.sh`"
        )
    return candidates[-1]


@dataclass(frozen=True)
class TemporaryCluster:
    directory: Path  # holds data/, the socket and server.log; deleted by stop()
    binaries: Path
    account: str | None  # the system user the server runs as; None: this process's user

    @property
    def socket_dir(self) -> Path:
        return self.directory

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    @classmethod
    def start(cls) -> TemporaryCluster:
        binaries = server_binaries()
        account = SERVER_ACCOUNT if os.geteuid() == 0 else None
        # Under /tmp when root: the server's user must reach the directory, and a TMPDIR of
        # root's own (under /root) would not let it.
        directory = Path(tempfile.mkdtemp(prefix="majlis-pg-", dir="/tmp" if account else None))
        if account is not None:
            entry = pwd.getpwnam(account)
            os.chown(directory, entry.pw_uid, entry.pw_gid)
        cluster = cls(directory, binaries, account)
        try:
            cluster.run(
                "initdb",
                "--pgdata",
                str(cluster.data_dir),
                "--username",
                SUPERUSER,
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                "--locale",
                "C.UTF-8",
                "--no-sync",
            )
            cluster.run(
                "pg_ctl",
                "start",
                "--wait",
                "--pgdata",
                str(cluster.data_dir),
                "--log",
                str(directory / "server.log"),
                "--options",
                f"{SERVER_OPTIONS} -c unix_socket_directories='{directory}'",
            )
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise
        return cluster

    def stop(self) -> None:
        """Stop the server (fast shutdown: open sessions are ended) and delete everything."""
        try:
            self.run("pg_ctl", "stop", "--wait", "--mode", "fast", "--pgdata", str(self.data_dir))
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> TemporaryCluster:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses --------------------------------------------------------------------------

    def url(self, database: str) -> str:
        """The SQLAlchemy URL Majlis takes (``MAJLIS_DATABASE_URL``), through the socket."""
        return f"postgresql+asyncpg://{SUPERUSER}@/{database}?host={self.socket_dir}"

    def libpq_url(self, database: str) -> str:
        """The same database for libpq's tools (``psql``, ``pg_dump``, ``pg_restore``)."""
        return f"postgresql://{SUPERUSER}@/{database}?host={self.socket_dir}"

    # -- commands ---------------------------------------------------------------------------

    def run(self, program: str, *arguments: str) -> subprocess.CompletedProcess[str]:
        """Run one of the server's programs (``psql``, ``pg_dump``…) as the server's user;
        a failure raises ``ClusterError`` with its output."""
        result = subprocess.run(
            [str(self.binaries / program), *arguments],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
            cwd=self.directory,
            user=self.account,
            group=self.account,
            extra_groups=None if self.account is None else [],
        )
        if result.returncode != 0:
            log = self.directory / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise ClusterError(
                f"{program} {' '.join(arguments)} failed ({result.returncode}): "
                f"{result.stderr.strip()}\n{tail}"
            )
        return result

    def sql(self, statement: str, database: str = "postgres") -> str:
        """One statement through ``psql`` (outside a transaction, as CREATE DATABASE needs);
        its unaligned output."""
        return self.run(
            "psql",
            "--no-psqlrc",
            "--quiet",
            "--tuples-only",
            "--no-align",
            "--set",
            "ON_ERROR_STOP=1",
            "--dbname",
            self.libpq_url(database),
            "--command",
            statement,
        ).stdout.strip()

    def create_database(self, name: str, template: str = "template0") -> None:
        self.sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')

    def drop_database(self, name: str) -> None:
        """Drop it even if a test left connections open (they are ended)."""
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stored_bytes(self, database: str) -> bytes:
        """What the database holds at rest: its rows as ``pg_dump`` writes them, then its
        files on disk (tables, indexes, TOAST)."""
        dump = self.run("pg_dump", "--data-only", "--dbname", self.libpq_url(database)).stdout
        oid = self.sql(f"SELECT oid FROM pg_database WHERE datname = '{database}'")
        self.sql("CHECKPOINT")  # the pages still only in shared buffers, written to the files
        files = sorted(path for path in (self.data_dir / "base" / oid).iterdir() if path.is_file())
        return dump.encode() + b"".join(path.read_bytes() for path in files)


@contextmanager
def temporary_cluster() -> Iterator[TemporaryCluster]:
    """``TemporaryCluster.start()`` as a context manager that always stops it."""
    cluster = TemporaryCluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()
