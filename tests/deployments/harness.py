"""Separate congvu deployments for tests: each one a data dir of its own (SQLite database, media, demo PKI, secret
key) driven only through the real `congvu` command line and its JSON API, served by `congvu serve` in a child
process on a free localhost port.

The child deployments always use SQLite in their data dir, whatever database the test run itself uses: they are
other installations, not the test database."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ADMIN = "quantri"
_TEMPLATE: Path | None = None  # the migrated template database of this test session
_TEMPLATE_LOCK = threading.Lock()
PASSWORD = "matkhau-123"


def congvu_command() -> list[str]:
    script = Path(sys.executable).with_name("congvu")
    return [str(script)] if script.exists() else [sys.executable, "-m", "congvu"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Deployment:
    def __init__(self, root: Path, name: str):
        self.name = name
        self.dir = root / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server: subprocess.Popen | None = None
        self.tokens: dict[str, str] = {}
        self.officials: dict[str, int] = {}
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CONGVU_", "DJANGO_"))}
        env.update({
            "CONGVU_DATA_DIR": str(self.dir), "CONGVU_PKI_DIR": str(self.dir / "pki"),
            "CONGVU_TRUST_ROOTS": str(self.dir / "trust"), "CONGVU_TRUST_DEMO_CA": "0",
            "CONGVU_TASK_BROKER": "immediate", "CONGVU_PKCS11_LIB": "", "CONGVU_LOG_LEVEL": "ERROR",
            "DJANGO_SUPERUSER_PASSWORD": PASSWORD, "PYTHONUNBUFFERED": "1",
        })
        (self.dir / "trust").mkdir(exist_ok=True)
        self.env = env

    # --- command line ---------------------------------------------------------------------------------

    def sql(self, statement: str, params: tuple = ()) -> None:
        """Write to this deployment's SQLite database directly: only to stand for time passing (a lease that
        runs out) where a test cannot wait."""
        import sqlite3

        with sqlite3.connect(self.dir / "congvu.sqlite3", timeout=20) as db:
            db.execute(statement, params)

    def popen(self, *args: str, **kw) -> subprocess.Popen:
        return subprocess.Popen([*congvu_command(), *args], env=self.env, cwd=self.dir, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, **kw)

    def run(self, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
        started = time.monotonic()
        done = subprocess.run([*congvu_command(), *args], env=self.env, cwd=self.dir, capture_output=True, text=True,
                              timeout=timeout)
        if os.environ.get("CONGVU_TEST_TIMING"):
            print(f"[{self.name}] {time.monotonic() - started:6.2f}s congvu {' '.join(args[:3])}")
        if check and done.returncode != 0:
            raise AssertionError(f"[{self.name}] congvu {' '.join(args)} exited {done.returncode}:\n"
                                 f"{done.stdout}\n{done.stderr}")
        return done

    def _migrated(self) -> None:
        """An empty, migrated database: `congvu migrate` runs once per test session into a template that each
        deployment copies (migrating takes most of a deployment's setup on a busy 2-core machine)."""
        global _TEMPLATE
        with _TEMPLATE_LOCK:  # the two deployments are set up in parallel threads
            if _TEMPLATE is None:
                import tempfile

                template = Deployment(Path(tempfile.mkdtemp(prefix="congvu-deploy-template-")), "template")
                template.run("migrate", "-v0")
                _TEMPLATE = template.dir / "congvu.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            source = _TEMPLATE.with_name(_TEMPLATE.name + suffix)
            if source.exists():
                shutil.copy(source, self.dir / source.name)

    def run_many(self, commands: list[list[str]]) -> list[str]:
        """Several `congvu` commands in ONE process (`congvu shell -c` calling each through call_command, the
        same code path as the command line): starting Django takes seconds on a busy machine. Returns each
        command's output; the first failing command fails the whole setup."""
        script = (
            "import io, json\n"
            "from django.core.management import call_command\n"
            f"outputs = []\nfor args in json.loads({json.dumps(json.dumps(commands))}):\n"
            "    buf = io.StringIO()\n"
            "    call_command(*args, stdout=buf)\n"
            "    outputs.append(buf.getvalue())\n"
            "print('@@OUTPUTS@@' + json.dumps(outputs))\n"
        )
        done = self.run("shell", "-c", script)
        return json.loads(done.stdout.split("@@OUTPUTS@@", 1)[1])

    def setup_agency(self, *, name: str, identifier: str, departments: dict[str, str],
                     officials: list[dict], pki: bool = True) -> None:
        """migrate, a system administrator, the agency, its departments and officials (all by commands)."""
        self._migrated()
        self.identifier = identifier
        self.agency_name = name
        commands = [["createsuperuser", "--noinput", "--username", ADMIN, "--email", f"{ADMIN}@example.org"],
                    ["agency", "create", name, "--identifier", identifier, "--code", "UBND", "--kind", "commune_pc",
                     "--as", ADMIN]]
        commands += [["agency", "department", identifier, dept_name, "--code", code, "--as", ADMIN]
                     for code, dept_name in departments.items()]
        people = []
        for o in officials:
            args = ["agency", "official", identifier, o["username"], "--role", o["role"], "--full-name",
                    o["full_name"], "--password", PASSWORD, "--as", ADMIN]
            if o.get("department"):
                args += ["--department", o["department"]]
            commands += [args, ["apitoken", "create", o["username"]]]
            people += ["--person", f"{o['username']}={o['full_name']}"]
        if pki:
            commands.append(["pki", "demo-ca", "--agency", name, *people])
        outputs = iter(self.run_many(commands)[2 + len(departments):])
        for o in officials:
            self.officials[o["username"]] = int(re.search(r"cán bộ số (\d+)", next(outputs)).group(1))
            self.tokens[o["username"]] = next(outputs).strip()

    def trust(self, other: Deployment) -> None:
        """Trust the other deployment's (demo) CA, as an operator copies a root certificate."""
        shutil.copy(other.dir / "pki" / "ca.pem", self.dir / "trust" / f"{other.name}-ca.pem")

    def directory_import(self, rows: list[tuple[str, str]]) -> None:
        path = self.dir / "directory.csv"
        path.write_text("identifier,name\n" + "".join(f"{i},{n}\n" for i, n in rows), encoding="utf-8")
        self.run("directory", "import", str(path))

    # --- server ---------------------------------------------------------------------------------------

    def start(self) -> None:
        self.server = self.popen("serve", "--port", str(self.port), "--threads", "4")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise AssertionError(f"[{self.name}] server exited: {self.server.stderr.read()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"[{self.name}] server did not start on {self.port}")

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
        self.server = None

    # --- JSON API -------------------------------------------------------------------------------------

    def api(self, user: str, method: str, path: str, data=None, *, files: list[tuple[str, bytes]] | None = None,
            expect: int | tuple[int, ...] = (200, 201)):
        headers = {"Authorization": f"Bearer {self.tokens[user]}"}
        body = None
        if files is not None:
            boundary = "congvu-test-boundary-7d1f"
            parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="data"\r\n\r\n'.encode()
                     + json.dumps(data or {}).encode() + b"\r\n"]
            for name, content in files:
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
                             "Content-Type: application/pdf\r\n\r\n".encode() + content + b"\r\n")
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif data is not None:
            body = json.dumps(data).encode()
            headers["Content-Type"] = "application/json"
        started = time.monotonic()
        request = urllib.request.Request(self.url + "/api/v1" + path, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        if os.environ.get("CONGVU_TEST_TIMING"):
            print(f"[{self.name}] {time.monotonic() - started:6.2f}s {method} {path}")
        answer = json.loads(raw) if raw else None
        expected = (expect,) if isinstance(expect, int) else expect
        assert status in expected, f"[{self.name}] {method} {path} → {status}: {answer}"
        return answer
