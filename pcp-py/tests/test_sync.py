"""The blocking Client against the sandbox: every read-only command, the harmless actions,
connection options, and the error paths with their exception classes."""

from __future__ import annotations

import socket
import threading
import time

import pytest

import pgpool_pcp
from pgpool_pcp import BackendStatus, Client, Role
from pgpool_pcp.exceptions import (
    AuthenticationError,
    ConfigError,
    ConnectError,
    NodeNotFoundError,
    NotAppliedError,
    PcpError,
    PcpTimeoutError,
    ServerError,
    UnsupportedError,
)

from conftest import FakeServer, Sandbox, in_forked_child


def test_package_surface() -> None:
    assert pgpool_pcp.__version__
    assert pgpool_pcp.DEFAULT_PORT == 9898
    assert pgpool_pcp.exceptions.ServerError is pgpool_pcp.ServerError
    assert issubclass(PcpTimeoutError, PcpError) and issubclass(PcpTimeoutError, TimeoutError)
    assert issubclass(pgpool_pcp.InvalidArgumentError, ValueError)
    for name in pgpool_pcp.exceptions.__all__:
        cls = getattr(pgpool_pcp.exceptions, name)
        assert cls.__module__ == "pgpool_pcp.exceptions", name
        assert issubclass(cls, PcpError)
    assert pgpool_pcp.Client.__module__ == "pgpool_pcp"


def test_node_count(client: Client) -> None:
    assert client.node_count() == 3


def test_node_info(client: Client, sandbox: Sandbox) -> None:
    node = client.node_info(1)
    assert node.node_id == 1
    assert node.hostname == "127.0.0.2"
    assert node.port == int(sandbox.env["PG_PORT"])
    # "waiting" until a client connects through Pgpool after a failback.
    assert node.status in (BackendStatus.UP, BackendStatus.WAITING)
    assert node.status == node.status.value and node.status.is_usable
    assert node.role is Role.STANDBY and str(node.role) == "standby"
    assert node.is_up and not node.is_primary
    assert node.quarantine is False
    assert node.replication_state in ("streaming", None)  # None briefly after a failback
    assert node.replication_delay_bytes is not None
    assert node.replication_delay_seconds is None
    assert 0 < node.weight <= 1
    assert node.status_changed > 1_600_000_000
    assert node.generation == sandbox.node_generation
    d = node.to_dict()
    assert d["status"] == node.status.value and type(d["status"]) is str
    assert d["role"] == "standby" and d["node_id"] == 1
    assert set(d) >= {"hostname", "port", "pg_status", "pg_role", "replication_sync_state"}
    r = repr(node)
    assert r.startswith("NodeInfo(node_id=1, hostname='127.0.0.2'") and f"status='{node.status}'" in r
    # Equal records compare equal; with health checks on (the production profile), Pgpool's
    # streaming check can blank replication_state between two reads, so allow a few.
    assert any(node == client.node_info(1) for _ in range(5))
    with pytest.raises(AttributeError):
        node.port = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        hash(node)


def test_node_info_all(client: Client, sandbox: Sandbox) -> None:
    reply = client.node_info_all()
    assert len(reply) == 3
    assert [n.node_id for n in reply] == [0, 1, 2]
    assert reply[0].is_primary and reply[0].hostname == "localhost"
    assert reply[-1].node_id == 2
    assert [n.role for n in reply.nodes] == [Role.PRIMARY, Role.STANDBY, Role.STANDBY]
    assert reply.generation == sandbox.node_generation
    assert [n["node_id"] for n in reply.to_dict()["nodes"]] == [0, 1, 2]
    with pytest.raises(IndexError):
        reply[3]


def test_health_check_stats(client: Client, sandbox: Sandbox) -> None:
    stats = client.health_check_stats(0)
    assert stats.node_id == 0 and stats.hostname == "localhost"
    assert stats.status.is_usable and stats.role is Role.PRIMARY
    assert stats.total_count >= 0 and stats.fail_count >= 0
    # what the replies so far reveal
    assert stats.generation in ("4.2+", sandbox.node_generation)
    assert stats.to_dict()["role"] == "primary"
    every = client.health_check_stats_all()
    assert [s.node_id for s in every] == [0, 1, 2]
    assert [s.role for s in every] == [Role.PRIMARY, Role.STANDBY, Role.STANDBY]


def test_process_count_and_info(client: Client) -> None:
    pids = client.process_count()
    assert len(pids) >= 1 and all(isinstance(p, int) and p > 0 for p in pids)
    everything = client.process_info()
    assert {p.pid for p in everything} <= set(pids) | {0}
    assert everything.generation is not None
    one = client.process_info(pids[0])
    assert len(one) >= 1 and all(p.pid == pids[0] for p in one)
    first = one[0]
    assert isinstance(first.database, str) and first.status is not None
    assert first.to_dict()["pid"] == pids[0]


def test_pool_status(client: Client, sandbox: Sandbox) -> None:
    items = client.pool_status()
    by_name = {i.name: i.value for i in items}
    assert by_name["backend_hostname0"] == "localhost"
    assert by_name["backend_port1"] == sandbox.env["PG_PORT"]
    assert items[0].to_dict().keys() == {"name", "value", "description"}


def test_watchdog_info_without_watchdog(client: Client, sandbox: Sandbox) -> None:
    if sandbox.env.get("PCP_SANDBOX_PROFILE", "plain") == "watchdog":
        pytest.skip("watchdog profile")
    with pytest.raises(ServerError) as info:
        client.watchdog_info()
    assert info.value.detail is not None and "watchdog is not enabled" in info.value.detail
    assert client.node_count() == 3, "an ERROR leaves the session usable"


def test_reload_config_and_set_parameter(client: Client) -> None:
    client.reload_config()
    client.reload_config(scope="local")
    client.set_parameter("client_min_messages", "notice")
    assert client.node_count() == 3


def test_commands_of_newer_servers_are_unsupported(client: Client, sandbox: Sandbox) -> None:
    assert client.server_generation() == sandbox.node_generation
    if sandbox.version >= (4, 6):
        # 4.6 knows them; the sandbox has neither logging_collector nor the query cache, so
        # both are server ERRORs that leave the session usable.
        with pytest.raises(ServerError) as info:
            client.log_rotate()
        assert not info.value.fatal and info.value.severity == "ERROR"
        assert info.value.detail == "logging_collector is disabled"
        with pytest.raises(ServerError) as info:
            client.invalidate_query_cache()
        assert not info.value.fatal and "query cache is not enabled" in str(info.value)
    else:
        assert sandbox.version == (4, 3), f"no expectation for Pgpool {sandbox.release}"
        with pytest.raises(UnsupportedError):
            client.log_rotate()
        with pytest.raises(UnsupportedError):
            client.invalidate_query_cache()
    assert client.node_count() == 3


def test_refused_actions_raise_server_errors(client: Client) -> None:
    # Promoting the current primary: FATAL, the session ends, the next call reconnects.
    with pytest.raises(ServerError) as info:
        client.promote_node(0)
    assert info.value.fatal and info.value.severity == "FATAL"
    assert "already primary" in (info.value.detail or "")
    assert client.node_count() == 3
    # Online recovery of the primary is refused.
    with pytest.raises(ServerError):
        client.recover_node(0)
    assert client.node_count() == 3


def test_invalid_node_id_is_a_server_error_with_detail(client: Client) -> None:
    with pytest.raises(ServerError) as info:
        client.node_info(7)
    e = info.value
    assert e.severity == "ERROR" and not e.fatal
    assert e.message == "informing node info failed"
    assert e.detail == "invalid node ID : 7"
    assert e.command == "node info" and e.kind == "server"
    assert "invalid node ID : 7" in str(e)
    assert client.node_count() == 3


def test_bad_password_is_an_authentication_error(sandbox: Sandbox) -> None:
    with pytest.raises(AuthenticationError) as info:
        with sandbox.client(password="not-the-password"):
            pass
    assert info.value.severity == "FATAL"
    assert "not-the-password" not in str(info.value)
    # Lazily: the first command raises it.
    c = sandbox.client(password="not-the-password")
    with pytest.raises(AuthenticationError):
        c.node_count()
    c.close()


def test_unknown_host_is_node_not_found(client: Client) -> None:
    with pytest.raises(NodeNotFoundError) as info:
        client.resolve("10.9.9.9")
    assert "configured" in str(info.value)
    with pytest.raises(NodeNotFoundError):
        client.attach("10.9.9.9")
    with pytest.raises(NodeNotFoundError):
        client.is_primary("127.0.0.1:1")


def test_connection_refused_is_a_connect_error(sandbox: Sandbox) -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with pytest.raises(ConnectError):
        Client([f"127.0.0.1:{port}"], user="x", password="y").node_count()


def test_silent_listener_times_out(silent_server: FakeServer) -> None:
    c = Client([f"127.0.0.1:{silent_server.port}"], user="x", password="y", connect_timeout=0.3)
    start = time.monotonic()
    with pytest.raises(PcpTimeoutError) as info:
        c.node_count()
    assert 0.25 < time.monotonic() - start < 5
    assert isinstance(info.value, TimeoutError)
    c.close()


def test_request_timeout(mute_server: FakeServer) -> None:
    c = Client([f"127.0.0.1:{mute_server.port}"], user="x", password="y", timeout=0.3)
    start = time.monotonic()
    with pytest.raises(TimeoutError) as info:
        c.node_count()
    elapsed = time.monotonic() - start
    assert 0.25 < elapsed < 5, elapsed
    assert isinstance(info.value, PcpTimeoutError)
    assert info.value.command == "node count" and info.value.kind == "timeout"
    assert mute_server.commands == [b"L"]
    c.close()


def test_gil_is_released_while_waiting(mute_server: FakeServer) -> None:
    c = Client([f"127.0.0.1:{mute_server.port}"], user="x", password="y", timeout=1.0)
    errors: list[BaseException] = []

    def call() -> None:
        try:
            c.node_count()
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    t = threading.Thread(target=call)
    t.start()
    time.sleep(0.1)
    count = 0
    deadline = time.monotonic() + 0.5
    while time.monotonic() < deadline:
        count += 1
    t.join()
    assert count > 100_000, f"the main thread barely ran ({count}): the GIL was held"
    assert errors and isinstance(errors[0], PcpTimeoutError)
    c.close()


def test_connection_options(sandbox: Sandbox) -> None:
    # Several hosts: the first refuses, the second answers.
    with Client(["127.0.0.1:1", sandbox.endpoint], user=sandbox.user,
                password=sandbox.password) as c:
        assert c.node_count() == 3
    # port= applies to hosts without one; a single host string is accepted.
    with Client(sandbox.host, port=sandbox.port, user=sandbox.user,
                password=sandbox.password) as c:
        assert c.node_count() == 3
    # Unix socket directory.
    with Client([sandbox.env["PCP_SOCKET_DIR"]], port=sandbox.port, user=sandbox.user,
                password=sandbox.password) as c:
        assert c.node_count() == 3
    # .pcppass (explicit file, and through PCPPASSFILE).
    with Client([sandbox.endpoint], user=sandbox.user,
                pcppass_file=sandbox.env["PCPPASSFILE"]) as c:
        assert c.node_count() == 3
    r = repr(Client([sandbox.endpoint], user="u"))
    assert r == f"Client(hosts=['{sandbox.endpoint}'], user='u')", r


def test_config_errors() -> None:
    with pytest.raises(ConfigError):
        Client(["db1:99999"])
    with pytest.raises(ConfigError):
        Client(["[::1"])
    with pytest.raises(ConfigError):
        Client(["db1"], port=0)
    with pytest.raises(ConfigError):
        Client(["db1"], timeout=-1)
    with pytest.raises(TypeError):
        Client([1])  # type: ignore[list-item]


def test_argument_errors(client: Client) -> None:
    with pytest.raises(ValueError):
        client.stop_pgpool(mode="faster")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        client.reload_config(scope="planet")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        client.lb_attach("127.0.0.2", "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        client.attach("db1:x")
    with pytest.raises(TypeError):
        client.attach(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        client.wait_for_node(0, "sideways")  # type: ignore[arg-type]
    with pytest.raises(OverflowError):
        client.node_info(-1)


def test_not_applied(client: Client) -> None:
    with pytest.raises(NotAppliedError) as info:
        client.wait_for_node(0, "down", timeout=0.3)
    assert "not down" in str(info.value)


def test_close_is_final(sandbox: Sandbox) -> None:
    c = sandbox.client()
    assert c.node_count() == 3
    c.disconnect()
    assert c.node_count() == 3, "disconnect keeps the client usable"
    c.close()
    c.close()
    assert c.closed
    with pytest.raises(ConnectError, match="closed"):
        c.node_count()
    assert repr(c).endswith(", closed)")


def test_threads_share_one_client(client: Client) -> None:
    results: list[int] = []

    def work() -> None:
        for _ in range(20):
            results.append(client.node_count())

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [3] * 80


def test_fork(sandbox: Sandbox) -> None:
    parent = sandbox.client()
    assert parent.node_count() == 3

    def child() -> int:
        try:
            parent.node_count()
            return 10
        except PcpError as e:
            if e.kind != "forked" or "fork()" not in str(e):
                return 11
        fresh = sandbox.client()
        code = 0 if fresh.node_count() == 3 else 12
        fresh.close()
        return code

    in_forked_child(child)
    assert parent.node_count() == 3, "the parent's session is untouched"
    parent.close()
