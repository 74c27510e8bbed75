"""AsyncClient: the same commands awaited, error paths, cancellation, and 50 concurrent
sessions."""

from __future__ import annotations

import asyncio
import collections.abc
import time

import pytest

from conftest import FakeServer, Sandbox, in_forked_child
from pgpool_pcp import AsyncClient, BackendStatus, Outcome, Role
from pgpool_pcp.exceptions import (
    AuthenticationError,
    ConnectError,
    NodeNotFoundError,
    PcpError,
    PcpTimeoutError,
    ServerError,
    UnsupportedError,
)


def aclient(sandbox: Sandbox, **extra: object) -> AsyncClient:
    kw = sandbox.kwargs
    kw.update(extra)
    return AsyncClient(**kw)  # type: ignore[arg-type]


@pytest.mark.asyncio
async def test_every_read_command(sandbox: Sandbox) -> None:
    async with aclient(sandbox) as c:
        assert await c.node_count() == 3
        node = await c.node_info(2)
        assert node.node_id == 2 and node.status.is_usable  # up, or waiting
        assert node.role is Role.STANDBY and node.generation == sandbox.node_generation
        reply = await c.node_info_all()
        assert [n.node_id for n in reply] == [0, 1, 2]
        stats = await c.health_check_stats(1)
        assert stats.node_id == 1
        pids = await c.process_count()
        assert pids
        assert len(await c.process_info()) >= len(pids)
        assert len(await c.process_info(pids[0])) >= 1
        items = await c.pool_status()
        assert any(i.name == "backend_hostname2" for i in items)
        assert await c.server_generation() == sandbox.session_generation
        await c.reload_config()
        await c.set_parameter("client_min_messages", "notice")
        backends = await c.backends()
        assert [b.node_id for b in backends] == [0, 1, 2]
        assert (await c.resolve("127.0.0.1")).node_id == 0
        assert await c.is_primary(0)
        assert not await c.is_primary("127.0.0.2")
        report = await c.attach(1, wait=5)
        assert report.outcome is Outcome.ALREADY_APPLIED and not report.changed
        assert (await c.wait_for_node(0, "primary", timeout=5)).is_primary
    assert c.closed


@pytest.mark.asyncio
async def test_async_errors(sandbox: Sandbox) -> None:
    async with aclient(sandbox) as c:
        with pytest.raises(ServerError) as info:
            await c.node_info(7)
        assert info.value.detail == "invalid node ID : 7"
        if sandbox.env.get("PCP_SANDBOX_PROFILE", "plain") == "plain":
            with pytest.raises(ServerError):
                await c.watchdog_info()
        # 4.6+: a server ERROR here (no logging_collector); 4.3: unknown to the server.
        with pytest.raises(ServerError if sandbox.version >= (4, 6) else UnsupportedError):
            await c.log_rotate()
        with pytest.raises(NodeNotFoundError):
            await c.resolve("10.9.9.9")
        with pytest.raises(ServerError):
            await c.promote_node(0)
        assert await c.node_count() == 3
    with pytest.raises(AuthenticationError):
        async with aclient(sandbox, password="not-the-password"):
            pass
    with pytest.raises(ConnectError, match="closed"):
        await c.node_count()


@pytest.mark.asyncio
async def test_async_request_timeout(mute_server: FakeServer) -> None:
    c = AsyncClient([f"127.0.0.1:{mute_server.port}"], user="x", password="y", timeout=0.3)
    start = time.monotonic()
    with pytest.raises(TimeoutError) as info:
        await c.node_count()
    assert isinstance(info.value, PcpTimeoutError)
    assert 0.25 < time.monotonic() - start < 5
    await c.close()


@pytest.mark.asyncio
async def test_cancellation(mute_server: FakeServer, sandbox: Sandbox) -> None:
    c = AsyncClient([f"127.0.0.1:{mute_server.port}"], user="x", password="y", timeout=None)
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(c.node_count(), 0.2)
    # The cancelled call released the client: the next one runs (and is cancelled too).
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(c.node_count(), 0.2)
    await asyncio.wait_for(c.close(), 5)
    # The loop and the runtime are fine.
    async with aclient(sandbox) as ok:
        assert await ok.node_count() == 3


@pytest.mark.asyncio
async def test_fifty_concurrent_sessions(sandbox: Sandbox) -> None:
    async def session(i: int) -> tuple[int, int]:
        async with aclient(sandbox, connect_timeout=30.0) as c:
            count = await c.node_count()
            node = await c.node_info(i % 3)
            return count, node.node_id

    results = await asyncio.gather(*(session(i) for i in range(50)))
    assert results == [(3, i % 3) for i in range(50)]


@pytest.mark.asyncio
async def test_one_client_many_tasks(sandbox: Sandbox) -> None:
    async with aclient(sandbox) as c:
        counts = await asyncio.gather(*(c.node_count() for _ in range(100)))
    assert counts == [3] * 100


def test_calls_are_coroutines(sandbox: Sandbox) -> None:
    """A call can go straight to asyncio.run() or create_task(), on more than one loop."""
    c = aclient(sandbox)
    call = c.node_count()
    assert isinstance(call, collections.abc.Coroutine) and not asyncio.isfuture(call)
    assert asyncio.run(call) == 3
    with pytest.raises(RuntimeError, match="reuse"):
        asyncio.run(call)
    assert asyncio.run(c.node_info(1)).node_id == 1  # a second loop, the same session

    async def tasks() -> list[int]:
        return list(await asyncio.gather(*(asyncio.create_task(c.node_count()) for _ in range(3))))

    assert asyncio.run(tasks()) == [3, 3, 3]
    asyncio.run(c.close())


@pytest.mark.asyncio
async def test_task_cancel(mute_server: FakeServer, sandbox: Sandbox) -> None:
    c = AsyncClient([f"127.0.0.1:{mute_server.port}"], user="x", password="y", timeout=None)
    task = asyncio.create_task(c.node_count())
    await asyncio.sleep(0.2)
    assert not task.done()
    task.cancel("enough")
    with pytest.raises(asyncio.CancelledError):
        await task
    assert task.cancelled()
    await asyncio.wait_for(c.close(), 5)
    async with aclient(sandbox) as ok:  # the loop is fine
        assert await ok.node_count() == 3


def test_async_fork(sandbox: Sandbox) -> None:
    """A forked child cannot use its parent's AsyncClient, and new ones work there."""
    parent = aclient(sandbox)
    assert asyncio.run(parent.node_count()) == 3

    def child() -> int:
        try:
            asyncio.run(parent.node_count())
            return 10
        except PcpError as e:
            if e.kind != "forked":
                return 11
        fresh = aclient(sandbox)
        code = 0 if asyncio.run(fresh.node_count()) == 3 else 12
        asyncio.run(fresh.close())
        return code

    in_forked_child(child)
    assert asyncio.run(parent.node_count()) == 3, "the parent's session is untouched"
    asyncio.run(parent.close())


_EXIT_SCRIPT = """
import asyncio, sys
from pgpool_pcp import AsyncClient

async def main() -> None:
    host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    clients = [AsyncClient(host, port=port, user=user, password=password) for _ in range(4)]
    for _ in range(3):
        await asyncio.gather(*(c.node_info_all() for c in clients))
    await asyncio.gather(*(c.close() for c in clients))

asyncio.run(main())
"""


def test_async_process_exits_cleanly(sandbox: Sandbox) -> None:
    """An interpreter that used AsyncClient finalizes normally, every time.

    The first asyncio bridge woke the loop from tokio's threads with the GIL; one worker could
    still be in Python while the interpreter finalized, and the process then aborted in about
    one exit of ten. Twenty exits in a row make a regression visible.
    """
    import subprocess
    import sys

    args = [sandbox.host, str(sandbox.port), sandbox.user, sandbox.password]
    for attempt in range(20):
        done = subprocess.run([sys.executable, "-c", _EXIT_SCRIPT, *args],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"exit {attempt}: {done.returncode}: {done.stderr[-2000:]}"
