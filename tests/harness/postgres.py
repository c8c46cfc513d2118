"""A throwaway PostgreSQL cluster from Debian's packages: initdb in a temp dir, own port."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from harness.processes import InfrastructureError, free_port, port_open, wait_until


def _bin(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if found is None:
        raise InfrastructureError(
            f"PostgreSQL's `{name}` not found: install Debian's `postgresql` package"
        )
    return found


def _as_owner(command: list[str]) -> list[str]:
    """initdb refuses to run as root: run the cluster as the `postgres` system user then."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@dataclass
class LocalPostgres:
    """A running cluster; `url` is a SQLAlchemy URL for its `postgres` database."""

    url: str
    datadir: Path
    workdir: Path
    version: str

    def stop(self) -> None:
        """Stop the server at once and delete the cluster."""
        subprocess.run(
            _as_owner([_bin("pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "stop"]),
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.workdir, ignore_errors=True)


def start_local_postgres(workdir: Path) -> LocalPostgres:
    """initdb and start a server listening only on loopback."""
    if os.geteuid() == 0:  # the `postgres` user cannot enter pytest's private temp dirs
        workdir = Path(tempfile.mkdtemp(prefix="fi-postgres-"))
        owner = pwd.getpwnam("postgres")
        os.chown(workdir, owner.pw_uid, owner.pw_gid)
    workdir.mkdir(parents=True, exist_ok=True)
    datadir, port = workdir / "data", free_port()
    init = subprocess.run(
        _as_owner(
            [
                _bin("initdb"),
                "-D",
                str(datadir),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ]
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    if init.returncode != 0:
        raise InfrastructureError(f"initdb failed: {init.stderr[-2000:]}")
    options = f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off"
    log = workdir / "server.log"
    started = subprocess.run(
        _as_owner(
            [_bin("pg_ctl"), "-D", str(datadir), "-o", options, "-l", str(log), "-w", "start"]
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    if started.returncode != 0:
        raise InfrastructureError(f"pg_ctl start failed: {started.stderr}{log.read_text()}")
    wait_until(lambda: port_open(port), timeout_s=30, what="PostgreSQL", log=log)
    version = subprocess.run(
        [_bin("postgres"), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return LocalPostgres(
        f"postgresql+psycopg2://postgres@127.0.0.1:{port}/postgres", datadir, workdir, version
    )


def fresh_database(server_url: str, prefix: str = "t") -> str:
    """The URL of a new, empty database on the server (tests keep theirs apart)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"
