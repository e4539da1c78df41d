"""A real central server process for tests: start, stop, crash, restart, and its admin CLI."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

REPO = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 20.0


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


class LiveServer:
    """`counter-central serve` in a subprocess on 127.0.0.1:port, with its database URL."""

    def __init__(self, db_url: str, port: int | None = None, workdir: Path | None = None) -> None:
        self.db_url = db_url
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="central-"))
        self.proc: subprocess.Popen[str] | None = None
        self._stderr: TextIO | None = None
        self._starts = 0

    # -- process control ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start the server and wait until GET /api/v1/sync/head answers (or raise with its stderr)."""
        if self.proc is not None and self.proc.poll() is None:
            raise RuntimeError("the server is already running")
        self._starts += 1
        log = self.workdir / f"server-{self.port}-{self._starts}.log"
        self._stderr = log.open("w+", encoding="utf-8")
        cmd = [
            sys.executable,
            "-m",
            "central_server.cli",
            "serve",
            "--db",
            self.db_url,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        self.proc = subprocess.Popen(
            cmd, cwd=str(self.workdir), env=_env(), stdout=subprocess.DEVNULL, stderr=self._stderr, text=True
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the central server exited with {self.proc.returncode}:\n{self.stderr()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v1/sync/head", timeout=1) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"the central server did not answer within {START_TIMEOUT_S} s:\n{self.stderr()}")

    def stderr(self) -> str:
        """What the server wrote to stderr so far."""
        if self._stderr is None:
            return ""
        self._stderr.flush()
        self._stderr.seek(0)
        return self._stderr.read()

    def _end(self, sig: int) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        self.proc = None

    def stop(self) -> None:
        """A clean shutdown (SIGTERM) and wait."""
        self._end(signal.SIGTERM)

    def kill(self) -> None:
        """A crash (SIGKILL) and wait."""
        self._end(signal.SIGKILL)

    def restart(self) -> None:
        """Start again on the same port and database (stop first if still running)."""
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def __enter__(self) -> LiveServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- admin CLI ---------------------------------------------------------------------------------

    def cli(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run `python -m central_server.cli <args> --db <db_url>` (text mode, never raises on exit code)."""
        return subprocess.run(
            [sys.executable, "-m", "central_server.cli", *args, "--db", self.db_url],
            cwd=str(self.workdir),
            env=_env(),
            input=input,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )

    def cli_json(self, *args: str, input: str | None = None) -> Any:
        """Run a CLI command that prints JSON; raise with its stderr unless it exits 0."""
        proc = self.cli(*args, input=input)
        if proc.returncode != 0:
            raise RuntimeError(f"counter-central {' '.join(args)} exited {proc.returncode}: {proc.stderr}")
        return json.loads(proc.stdout)

    def create_counter(self, agency_code: str, name: str, **kw: Any) -> str:
        """`admin create-counter` → the one-time enrolment code. Keyword args become options
        (agency_name="…" → --agency-name …, slot=2 → --slot 2, replace=ID → --replace ID)."""
        args = ["admin", "create-counter", "--agency-code", agency_code, "--name", name, "--json"]
        for key, value in kw.items():
            if value is None or value is False:
                continue
            args.append("--" + key.replace("_", "-"))
            if value is not True:
                args.append(str(value))
        data = self.cli_json(*args)
        return str(data["enrol_code"])


def start_server(tmp_path: Path, db_url: str | None = None) -> LiveServer:
    """Start a server on a free port; by default its database is a SQLite file in tmp_path."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    url = db_url or f"sqlite:///{tmp_path / 'central.db'}"
    server = LiveServer(url, workdir=tmp_path)
    server.start()
    return server


def isolated_pg_url(base_url: str, prefix: str = "t_") -> tuple[str, Callable[[], None]]:
    """A fresh schema `<prefix><hex>` in the PostgreSQL database of `base_url`; returns (url whose
    connections use that schema, cleanup that drops it). Needs psycopg 3 and a URL like
    postgresql+psycopg://… (the tests and bench/loadtest.py both use it)."""
    import psycopg
    from sqlalchemy.engine import make_url

    schema = prefix + secrets.token_hex(6)
    url = make_url(base_url)
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    isolated = url.update_query_dict({"options": f"-csearch_path={schema}"})

    def cleanup() -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    return isolated.render_as_string(hide_password=False), cleanup
