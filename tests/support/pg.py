"""A throw-away PostgreSQL 15 cluster for tests (the system binaries, a temp dir, a free port).

Tests use the fixtures in tests/support/fixtures.py (`pg_url`, `db_url`, `store`); benchmarks use
`PgCluster` or the context manager `postgres_cluster()` directly. Each test that needs an empty database calls
`fresh_database(pg_url)`. When the binaries are missing the tests skip and say how to install them:
    apt-get install -y postgresql-15

initdb refuses to run as root, so the data directory belongs to the `postgres` user and the server
runs under `runuser -u postgres` when we are root.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_BIN = Path(os.environ.get("HIBOT_PG_BIN", "/usr/lib/postgresql/15/bin"))
INSTALL_HINT = "apt-get install -y postgresql-15"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def missing_reason() -> str | None:
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_ctl").exists():
        return f"PostgreSQL 15 binaries not found in {PG_BIN} (install with: {INSTALL_HINT})"
    if os.geteuid() == 0 and not shutil.which("runuser"):
        return "running as root without runuser; cannot start PostgreSQL as the postgres user"
    return None


class PgCluster:
    """One throw-away cluster that can be stopped and started again (the outage benchmark does)."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="hibot-pg-"))
        self.data, self.sock = self.root / "data", self.root / "sock"
        self.sock.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(self.sock, "postgres", "postgres")
            self.root.chmod(0o700)
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self._run(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(self.data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ]
        )

    def _run(self, cmd: list[str], check: bool = True) -> subprocess.CompletedProcess:
        try:
            return subprocess.run(
                _as_postgres(cmd), check=check, capture_output=True, text=True, cwd=self.root
            )
        except subprocess.CalledProcessError as e:
            log = (self.root / "log").read_text() if (self.root / "log").exists() else ""
            raise RuntimeError(f"PostgreSQL command failed: {e.stderr}\n{log}") from e

    def start(self) -> None:
        # fsync off: a test cluster never needs crash safety, and it makes commits ~10x cheaper.
        opts = (
            f"-p {self.port} -k {self.sock} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        )
        self._run(
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.data),
                "-o",
                opts,
                "-l",
                str(self.root / "log"),
                "-w",
                "-t",
                "30",
                "start",
            ]
        )

    def stop(self, mode: str = "immediate") -> None:
        self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"], check=False)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def postgres_cluster() -> Iterator[str]:
    """Start a cluster, yield `postgresql+psycopg://postgres@127.0.0.1:PORT/postgres`, then remove it."""
    reason = missing_reason()
    if reason:
        pytest.skip(reason)
    cluster = PgCluster()
    try:
        cluster.start()
    except RuntimeError:
        cluster.destroy()
        raise
    try:
        yield cluster.url
    finally:
        cluster.destroy()


def fresh_database(url: str) -> str:
    """A new empty namespace on the cluster behind `url`; returns a URL whose connections use only it.

    A schema on the search_path rather than a database: CREATE DATABASE costs ~0.3 s (a checkpoint),
    CREATE SCHEMA ~1 ms, and the application never names a schema, so it cannot tell the difference."""
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    return f"{url}?options=-csearch_path%3D{name}"
