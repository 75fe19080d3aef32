"""A private PostgreSQL for the central tests: initdb in a temp dir, a free port on
127.0.0.1, the unix socket in that dir; stopped and removed afterwards.

initdb and postgres refuse to run as root, so under root (CI) they run as the
``postgres`` system user (created by Debian's package) or ``nobody``, on a
directory that user owns. ``./run test`` installs the ``postgresql`` package.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.broker_fixture import free_port


def _pg_bin() -> Path | None:
    for name in ("initdb", "pg_ctl", "postgres"):
        found = shutil.which(name)
        if found is None:
            break
    else:
        return Path(found).parent
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    return Path(dirs[-1]) if dirs else None


def _runas() -> tuple[list[str], int, int]:
    if os.geteuid() != 0:
        return [], -1, -1
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return ["runuser", "-u", name, "--"], entry.pw_uid, entry.pw_gid
    pytest.skip("running as root and no unprivileged user for PostgreSQL")


class PgServer:
    def __init__(self, root: Path, port: int) -> None:
        self.root, self.port = root, port
        self.data = root / "data"
        self.sock = root / "sock"

    @property
    def base_url(self) -> str:
        return f"postgresql://sorra@127.0.0.1:{self.port}"

    def url(self, dbname: str = "postgres") -> str:
        return f"{self.base_url}/{dbname}"

    def create_db(self) -> str:
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)


@contextmanager
def private_postgres(*, durable: bool = False) -> Iterator[PgServer]:
    """initdb + pg_ctl start in a temp dir; ``durable`` keeps fsync on (benchmarks)."""
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed (./run test installs it)")
    prefix, uid, gid = _runas()
    root = Path(tempfile.mkdtemp(prefix="sorra-pg-"))
    os.chmod(root, 0o755)
    server = PgServer(root, free_port())
    server.sock.mkdir()
    if uid != -1:
        os.chown(root, uid, gid)
        os.chown(server.sock, uid, gid)
    env = {**os.environ, "LC_ALL": "C", "TZ": "UTC"}
    try:
        subprocess.run([*prefix, str(bindir / "initdb"), "-D", str(server.data), "-U", "sorra", "-A", "trust",
                        "-E", "UTF8", "--no-sync"], check=True, capture_output=True, env=env, cwd=root)
        log = root / "postgres.log"
        opts = f"-c listen_addresses=127.0.0.1 -p {server.port} -k {server.sock} -c shared_buffers=128MB"
        if not durable:
            opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(server.data), "-l", str(log), "-o", opts, "-w",
                        "-t", "60", "start"], check=True, capture_output=True, env=env, cwd=root)
        import psycopg

        # pg_ctl -w returned once the server accepts connections: one connection proves it
        psycopg.connect(server.url(), connect_timeout=10).close()
        yield server
    finally:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(server.data), "-m", "immediate", "-w", "stop"],
                       capture_output=True, env=env, cwd=root)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    with private_postgres() as server:
        yield server


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """A fresh database of its own for one test."""
    return pg_server.create_db()
