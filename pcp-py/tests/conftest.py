"""Fixtures: the sandbox's connection settings, clients, and fake PCP servers.

The sandbox (``scripts/sandbox up``) writes ``sandbox.env``; it is found through
``PCP_SANDBOX_ENV``, else ``$PCP_SANDBOX_DIR/sandbox.env``, else
``/var/tmp/pcp-sandbox/sandbox.env``. Without it every test fails: these tests exist to run
against a real Pgpool.
"""

from __future__ import annotations

import os
import shlex
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest

import pgpool_pcp
from pgpool_pcp import Client

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Sandbox:
    env: dict[str, str]

    @property
    def host(self) -> str:
        return self.env["PCP_HOST"]

    @property
    def port(self) -> int:
        return int(self.env["PCP_PORT"])

    @property
    def endpoint(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def user(self) -> str:
        return self.env["PCP_USER"]

    @property
    def password(self) -> str:
        return self.env["PCP_PASSWORD"]

    @property
    def kwargs(self) -> dict[str, Any]:
        return {"hosts": [self.endpoint], "user": self.user, "password": self.password}

    @property
    def release(self) -> str:
        """The running Pgpool-II release (``PCP_SANDBOX_PGPOOL_VERSION``; Debian's 4.3.5)."""
        return self.env.get("PCP_SANDBOX_PGPOOL_VERSION") or "4.3.5"

    @property
    def version(self) -> tuple[int, int]:
        """Its release line, ``(major, minor)``."""
        major, minor = self.release.split(".")[:2]
        return int(major), int("".join(c for c in minor if c.isdigit()))

    @property
    def node_generation(self) -> str:
        """The generation a node-info reply of this release reveals, written out per release
        line: 4.3's 12 fields, 4.4+'s 13 (a release without an entry fails the tests)."""
        if self.version == (4, 3):
            return "4.3"
        if (4, 4) <= self.version <= (4, 7):
            return "4.4+"
        raise AssertionError(f"no node-info expectation for Pgpool {self.release}")

    @property
    def session_generation(self) -> str:
        """What a session knows once it saw node info and process info: node info's range
        narrowed by process info's (4.3–4.4: 17 fields, 4.5–4.6: 18, 4.7+: 21)."""
        known = {(4, 3): "4.3", (4, 6): "4.5-4.6", (4, 7): "4.7+"}
        if self.version not in known:
            raise AssertionError(f"no process-info expectation for Pgpool {self.release}")
        return known[self.version]

    def client(self, **extra: Any) -> Client:
        kw = self.kwargs
        kw.update(extra)
        return Client(**kw)

    def script(self, *args: str) -> None:
        """Runs scripts/sandbox for this sandbox."""
        env = dict(os.environ)
        env["PCP_SANDBOX_DIR"] = self.env["PCP_SANDBOX_DIR"]
        subprocess.run([str(REPO / "scripts" / "sandbox"), *args], check=True, env=env,
                       stdout=subprocess.DEVNULL)


def _env_file() -> Path | None:
    candidates = []
    if os.environ.get("PCP_SANDBOX_ENV"):
        candidates.append(Path(os.environ["PCP_SANDBOX_ENV"]))
    if os.environ.get("PCP_SANDBOX_DIR"):
        candidates.append(Path(os.environ["PCP_SANDBOX_DIR"]) / "sandbox.env")
    candidates.append(Path("/var/tmp/pcp-sandbox/sandbox.env"))
    for path in candidates:
        if path.is_file():
            return path
    return None


def _load() -> Sandbox | str:
    path = _env_file()
    if path is None:
        return ("no sandbox: sandbox.env not found (PCP_SANDBOX_ENV, $PCP_SANDBOX_DIR/sandbox.env, "
                "/var/tmp/pcp-sandbox/sandbox.env); run scripts/sandbox up")
    env: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line.startswith("export ") and "=" in line:
            key, _, value = line[len("export "):].partition("=")
            env[key] = " ".join(shlex.split(value))
    missing = [k for k in ("PCP_HOST", "PCP_PORT", "PCP_USER", "PCP_PASSWORD") if k not in env]
    if missing:
        return f"{path} lacks {', '.join(missing)}"
    env.setdefault("PCP_SANDBOX_DIR", str(path.parent))
    return Sandbox(env)


_SANDBOX = _load()


@pytest.fixture(scope="session")
def sandbox() -> Sandbox:
    if isinstance(_SANDBOX, str):
        pytest.fail(_SANDBOX, pytrace=False)
    return _SANDBOX


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[Client]:
    with sandbox.client() as c:
        yield c


def wait_until(what: str, check: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except pgpool_pcp.ConnectError:
            pass
        except pgpool_pcp.PcpTimeoutError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.3)


def in_forked_child(body: Callable[[], int]) -> None:
    """Runs ``body`` in a forked child and asserts that it returned 0 (any exception: 13)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        code = 13
        try:
            code = body()
        except BaseException:  # noqa: BLE001
            code = 13
        finally:
            os.write(w, bytes([code]))
            os._exit(code)
    os.close(w)
    status = os.read(r, 1)
    os.close(r)
    _, wait_status = os.waitpid(pid, 0)
    assert status == b"\0" and os.waitstatus_to_exitcode(wait_status) == 0, status


def restore(sandbox: Sandbox) -> None:
    """Brings Pgpool's view back to the sandbox's: node 0 primary, every node attached."""
    with sandbox.client() as c:
        nodes = c.node_info_all()
    if not nodes[0].is_up:
        with sandbox.client() as c:
            c.attach(0, wait=30)
    if not nodes[0].is_primary:
        with sandbox.client() as c:
            c.promote(0, wait=30)
    for node in (1, 2):
        with sandbox.client() as c:
            c.attach(node, wait=30)
    all_up_and_stable(sandbox)


def all_up_and_stable(sandbox: Sandbox, timeout: float = 60.0) -> None:
    """Waits until every node is up with node 0 primary, and Pgpool's children stopped
    changing (a failover or failback restarts them)."""

    def nodes_ok() -> bool:
        with sandbox.client(timeout=5.0, connect_timeout=5.0) as c:
            nodes = c.node_info_all()
        return all(n.is_up for n in nodes) and nodes[0].is_primary

    wait_until("all nodes up", nodes_ok, timeout)
    last: list[int] = []

    def children_stable() -> bool:
        nonlocal last
        with sandbox.client(timeout=5.0, connect_timeout=5.0) as c:
            pids = sorted(c.process_count())
        stable = pids == last and all(os.path.exists(f"/proc/{p}") for p in pids)
        last = pids
        return stable

    wait_until("stable Pgpool children", children_stable, timeout)


# --------------------------------------------------------------------------- fake servers


def _frame(tag: bytes, payload: bytes) -> bytes:
    return tag + struct.pack("!I", len(payload) + 4) + payload


def _read_frame(conn: socket.socket) -> bytes | None:
    header = b""
    while len(header) < 5:
        chunk = conn.recv(5 - len(header))
        if not chunk:
            return None
        header += chunk
    (length,) = struct.unpack("!I", header[1:5])
    body = b""
    while len(body) < length - 4:
        chunk = conn.recv(length - 4 - len(body))
        if not chunk:
            return None
        body += chunk
    return header[:1]


class FakeServer:
    """A TCP listener on 127.0.0.1 that either never answers (``mode="silent"``) or logs any
    user in and then never answers a command (``mode="mute"``)."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []
        self.commands: list[bytes] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(0.1)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.conns.append(conn)
            if self.mode == "mute":
                threading.Thread(target=self._login, args=(conn,), daemon=True).start()

    def _login(self, conn: socket.socket) -> None:
        try:
            if _read_frame(conn) != b"M":
                return
            conn.sendall(_frame(b"m", b"salt"))
            if _read_frame(conn) != b"R":
                return
            conn.sendall(_frame(b"r", b"AuthenticationOK\0"))
            tag = _read_frame(conn)
            if tag is not None:
                self.commands.append(tag)
        except OSError:
            pass

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        for conn in self.conns:
            conn.close()
        self.sock.close()


@pytest.fixture
def silent_server() -> Iterator[FakeServer]:
    server = FakeServer("silent")
    yield server
    server.close()


@pytest.fixture
def mute_server() -> Iterator[FakeServer]:
    server = FakeServer("mute")
    yield server
    server.close()
