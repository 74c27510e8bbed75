"""The binding against a hostile fake server (``pcp-fake-server`` from pcp-testkit): every fault
of the catalogue raises the right exception class with the right ``fatal`` flag, within the
request timeout, and the client keeps working; every release's formats (4.0 … master) give the
same typed values, and commands a release lacks raise UnsupportedError.

The fake server is built with cargo from this repository unless ``PCP_FAKE_SERVER`` names the
binary. These tests need no sandbox.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import pgpool_pcp
from pgpool_pcp import Client

REPO = Path(__file__).resolve().parents[2]

EXCEPTIONS: dict[str, type[pgpool_pcp.PcpError]] = {
    "Protocol": pgpool_pcp.ProtocolError,
    "Closed": pgpool_pcp.ConnectError,
    "Io": pgpool_pcp.ConnectError,
    "Timeout": pgpool_pcp.PcpTimeoutError,
    "Server": pgpool_pcp.ServerError,
    "Unsupported": pgpool_pcp.UnsupportedError,
}

RELEASES = ["4.0", "4.1", "4.2", "4.3", "4.4", "4.5", "4.6", "4.7", "master"]


def _version(label: str) -> tuple[int, int]:
    if label == "master":
        return (4, 8)
    major, minor = label.split(".")
    return (int(major), int(minor))


@pytest.fixture(scope="session")
def fake_server_bin() -> Path:
    if os.environ.get("PCP_FAKE_SERVER"):
        return Path(os.environ["PCP_FAKE_SERVER"])
    out = subprocess.run(
        ["cargo", "build", "--locked", "-q", "-p", "pcp-testkit", "--bin", "pcp-fake-server",
         "--message-format=json"],
        cwd=REPO, check=True, stdout=subprocess.PIPE, text=True,
    )
    for line in out.stdout.splitlines():
        msg = json.loads(line)
        if msg.get("reason") == "compiler-artifact" and msg.get("executable"):
            return Path(msg["executable"])
    raise AssertionError("cargo built no pcp-fake-server executable")


@contextmanager
def fake_server(binary: Path, *args: str) -> Iterator[int]:
    proc = subprocess.Popen([str(binary), *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("PORT="), line
        yield int(line.strip().split("=", 1)[1])
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _client(port: int, timeout: float = 1.0) -> Client:
    return Client(f"127.0.0.1:{port}", user="pcpadmin", password="secret",
                  pcppass_file="/nonexistent", connect_timeout=5.0, timeout=timeout)


def _call(client: Client, call: str) -> Any:
    name, *args = call.split(" ")
    typed: list[Any] = [int(a) if a.isdigit() else a for a in args]
    return getattr(client, name)(*typed)


def test_every_fault_raises_the_right_exception(fake_server_bin: Path) -> None:
    listing = subprocess.run([str(fake_server_bin), "--list"], check=True, stdout=subprocess.PIPE,
                             text=True).stdout
    faults = [line.split("\t") for line in listing.splitlines() if line]
    assert len(faults) >= 30
    failures: list[str] = []
    for name, call, kind, fatal, _what in faults:
        with fake_server(fake_server_bin, "--fault", name) as port, _client(port) as c:
            started = time.monotonic()
            try:
                _call(c, call)
                outcome: BaseException | None = None
            except pgpool_pcp.PcpError as e:
                outcome = e
            took = time.monotonic() - started
            if took > 2.5:
                failures.append(f"{name}: took {took:.1f} s")
            if kind == "Ok":
                if outcome is not None:
                    failures.append(f"{name}: expected success, got {outcome!r}")
            elif not isinstance(outcome, EXCEPTIONS[kind]):
                failures.append(f"{name}: expected {EXCEPTIONS[kind].__name__}, got {outcome!r}")
            else:
                if outcome.fatal != (fatal == "true"):
                    failures.append(f"{name}: fatal={outcome.fatal}, expected {fatal}")
                if "\n" in str(outcome) or "secret" in str(outcome):
                    failures.append(f"{name}: message {str(outcome)!r}")
            # The client keeps working (reconnecting if the session died).
            check = "process_count" if call == "node_count" else "node_count"
            try:
                _call(c, check)
            except pgpool_pcp.PcpError as e:
                failures.append(f"{name}: {check} afterwards: {e!r}")
    assert not failures, "\n".join(failures)


def test_every_release_gives_the_same_typed_values(fake_server_bin: Path) -> None:
    for label in RELEASES:
        version = _version(label)
        with fake_server(fake_server_bin, "--version", label, "--watchdog") as port, \
                _client(port, timeout=5.0) as c:
            assert c.node_count() == 3, label
            nodes = list(c.node_info_all())
            assert [n.hostname for n in nodes] == ["localhost", "127.0.0.2", "127.0.0.3"], label
            assert [n.port for n in nodes] == [5432, 5432, 5432], label
            assert [n.is_up for n in nodes] == [True, True, True], label
            assert [n.is_primary for n in nodes] == [True, False, False], label
            assert c.node_info(2).hostname == "127.0.0.3", label
            assert c.process_count() == [4101, 4102, 4103, 4104], label
            assert len(list(c.process_info())) > 0, label
            assert any(i.name == "backend_hostname0" for i in c.pool_status()), label
            assert len(c.watchdog_info().nodes) == 2, label
            c.set_parameter("client_min_messages", "debug1")
            for since, call in [((4, 2), "health_check_stats 1"), ((4, 2), "reload_config"),
                                ((4, 6), "log_rotate"), ((4, 6), "invalidate_query_cache")]:
                if version >= since:
                    _call(c, call)
                else:
                    with pytest.raises(pgpool_pcp.UnsupportedError):
                        _call(c, call)
