#!/usr/bin/env python3
"""Per-call cost of a node-count round trip: Rust client vs pgpool_pcp (Client, AsyncClient),
on the same Pgpool, one session each; and the time to ``import pgpool_pcp``.

Usage: python benches/roundtrip.py [--iterations N] [--rounds R] [--rust PATH]
Connection: the sandbox's env file (PCP_SANDBOX_ENV, $PCP_SANDBOX_DIR/sandbox.env or
/var/tmp/pcp-sandbox/sandbox.env) or PCP_HOST/PCP_PORT/PCP_USER/PCP_PASSWORD.
The Rust side is the ``pcp-py-roundtrip`` binary of ``benches/rust`` (built with
``cargo build --release -p pcp-py-bench`` in pcp-py/).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path


def sandbox_env() -> dict[str, str]:
    candidates = [
        os.environ.get("PCP_SANDBOX_ENV", ""),
        os.path.join(os.environ.get("PCP_SANDBOX_DIR", ""), "sandbox.env")
        if os.environ.get("PCP_SANDBOX_DIR")
        else "",
        "/var/tmp/pcp-sandbox/sandbox.env",
    ]
    env = dict(os.environ)
    for path in candidates:
        if path and os.path.isfile(path):
            for line in Path(path).read_text().splitlines():
                line = line.strip()
                if line.startswith("export "):
                    key, _, value = line[len("export ") :].partition("=")
                    env[key] = " ".join(shlex.split(value))
            break
    return env


# --------------------------------------------------------------------------------------------
# BENCHMARK-ONLY CODE: the pure-asyncio floor. Not part of pgpool_pcp and not a client: the
# least a Python asyncio program can pay for one PCP node-count round trip on this machine
# (one loopback socket driven by the event loop itself, no threads, request bytes hard-coded
# from the protocol reference: docs of PCP's 'M'/'R' login and 'L' node count). It checks only
# what it needs to stay in step (tags and lengths), nothing else.

NODE_COUNT = b"L\x00\x00\x00\x04"


def _packet(tag: bytes, payload: bytes) -> bytes:
    return tag + (len(payload) + 4).to_bytes(4, "big") + payload


class FloorProtocol(asyncio.Protocol):
    """One reply packet per request: buffers bytes until a whole packet is in, then completes
    the waiting future with (tag, payload)."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.waiter: asyncio.Future[tuple[bytes, bytes]] | None = None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if len(self.buf) < 5:
            return
        size = 1 + int.from_bytes(self.buf[1:5], "big")
        if len(self.buf) < size:
            return
        tag, payload = bytes(self.buf[:1]), bytes(self.buf[5:size])
        del self.buf[:size]
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result((tag, payload))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc or ConnectionError("closed"))

    def request(self, packet: bytes) -> asyncio.Future[tuple[bytes, bytes]]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(packet)
        return self.waiter


async def floor_connect(env: dict[str, str]) -> FloorProtocol:
    """Connects and logs in (MD5 with the server's salt, as the protocol reference says)."""
    loop = asyncio.get_running_loop()
    _, proto = await loop.create_connection(FloorProtocol, env["PCP_HOST"], int(env["PCP_PORT"]))
    tag, salt = await proto.request(b"M\x00\x00\x00\x04")
    assert tag == b"m" and len(salt) == 4, tag
    user = env["PCP_USER"].encode()
    h1 = hashlib.md5(env["PCP_PASSWORD"].encode()).hexdigest().encode()
    h2 = hashlib.md5(h1 + user).hexdigest().encode()
    answer = hashlib.md5(h2 + salt).hexdigest().encode()
    tag, _ = await proto.request(_packet(b"R", user + b"\x00" + answer + b"\x00"))
    assert tag == b"r", tag
    return proto


async def floor_node_count(proto: FloorProtocol) -> int:
    tag, payload = await proto.request(NODE_COUNT)
    assert tag == b"l", tag
    return int(payload.split(b"\x00")[1])

# --------------------------------------------------------------------------------------------


class RustClient:
    """The Rust baseline as a long-lived child process with one session (``serve`` mode)."""

    def __init__(self, path: str, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [path, env["PCP_HOST"], env["PCP_PORT"], env["PCP_USER"], env["PCP_PASSWORD"],
             "serve"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )

    def round(self, n: int) -> tuple[float, float]:
        """Mean wall time and CPU time per call (µs) over n calls."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"{n}\n")
        self.proc.stdin.flush()
        wall, cpu = self.proc.stdout.readline().split()
        return float(wall), float(cpu)

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(10)


Sample = tuple[float, float]  # mean wall time, mean CPU time of the process per call (µs)


def timed_sync(n: int, call: Callable[[], object]) -> Sample:
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        call()
    return (time.perf_counter() - wall) * 1e6 / n, (time.process_time() - cpu) * 1e6 / n


async def timed_async(n: int, call: Callable[[], Awaitable[object]]) -> Sample:
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        await call()
    return (time.perf_counter() - wall) * 1e6 / n, (time.process_time() - cpu) * 1e6 / n


WARM_UP = 200


def one_client(name: str, env: dict[str, str], iterations: int) -> Sample:
    """Measures one client in this process: a session, a warm-up, then `iterations` calls."""
    from pgpool_pcp import AsyncClient, Client

    host = f"{env['PCP_HOST']}:{env['PCP_PORT']}"
    if name == "sync":
        client = Client([host], user=env["PCP_USER"], password=env["PCP_PASSWORD"])
        timed_sync(WARM_UP, client.node_count)
        sample = timed_sync(iterations, client.node_count)
        client.close()
        return sample
    loop = asyncio.new_event_loop()
    if name == "async":
        aclient = AsyncClient([host], user=env["PCP_USER"], password=env["PCP_PASSWORD"])
        loop.run_until_complete(timed_async(WARM_UP, aclient.node_count))
        sample = loop.run_until_complete(timed_async(iterations, aclient.node_count))
        loop.run_until_complete(aclient.close())
    else:
        floor = loop.run_until_complete(floor_connect(env))
        call = lambda: floor_node_count(floor)  # noqa: E731
        loop.run_until_complete(timed_async(WARM_UP, call))
        sample = loop.run_until_complete(timed_async(iterations, call))
        assert floor.transport is not None
        floor.transport.close()
    loop.close()
    return sample


def main_bench(path: str, env: dict[str, str], iterations: int, rounds: int
               ) -> dict[str, list[Sample]]:
    """Interleaves the Rust client, Client, AsyncClient and the pure-asyncio floor (in
    balanced orders, see `balanced_orders`), each round measuring each in a fresh process of
    its own (its mean per-call time and the CPU time its
    process spent per call, all threads); the caller takes medians.

    One process per measurement, alone on the machine while it runs: on a virtual machine a
    round trip's latency depends on whether the CPUs went idle while the client waited for
    Pgpool, so clients measured side by side in one process, or with another process busy,
    do not see the same machine."""
    rust_cmd = [path, env["PCP_HOST"], env["PCP_PORT"], env["PCP_USER"], env["PCP_PASSWORD"],
                "serve"]

    def rust(n: int) -> Sample:
        done = subprocess.run(rust_cmd, input=f"{WARM_UP}\n{n}\n", capture_output=True,
                              text=True, check=True, timeout=600)
        wall, cpu = done.stdout.split("\n")[1].split()
        return float(wall), float(cpu)

    def python(name: str) -> Callable[[int], Sample]:
        def run(n: int) -> Sample:
            done = subprocess.run([sys.executable, __file__, "--one", name, "--iterations",
                                   str(n)], capture_output=True, text=True, check=True,
                                  timeout=600)
            wall, cpu = done.stdout.split()
            return float(wall), float(cpu)
        return run

    measure: dict[str, Callable[[int], Sample]] = {
        "rust": rust, "sync": python("sync"), "async": python("async"), "floor": python("floor"),
    }
    out: dict[str, list[Sample]] = {name: [] for name in measure}
    names = list(measure)
    orders = balanced_orders(len(names))
    for r in range(rounds):
        for index in orders[r % len(orders)]:
            name = names[index]
            out[name].append(measure[name](iterations))
    return out


def balanced_orders(k: int) -> list[list[int]]:
    """Orders of range(k) in which every index comes right after every other one equally
    often (a Williams design, as benches/cli/exec.rs uses): the process that ran just before
    changes a measurement on this machine, so no client may always follow the same one."""
    first = [(j + 1) // 2 if j % 2 else (k - j // 2) % k for j in range(k)]
    orders = [[(c + shift) % k for c in first] for shift in range(k)]
    if k % 2:
        orders += [order[::-1] for order in orders]
    return orders


def import_time(samples: int) -> tuple[float, float]:
    """Median wall time of ``import pgpool_pcp`` in a fresh interpreter (ms), and of an empty
    interpreter start for reference."""

    def timed(code: str) -> float:
        out = subprocess.run(
            [sys.executable, "-c", code], check=True, capture_output=True, text=True
        ).stdout
        return float(out)

    measure = (
        "import time; t = time.perf_counter(); import pgpool_pcp; "
        "print((time.perf_counter() - t) * 1000)"
    )
    baseline = (
        "import time; t = time.perf_counter(); "
        "print((time.perf_counter() - t) * 1000)"
    )
    return (
        statistics.median(timed(measure) for _ in range(samples)),
        statistics.median(timed(baseline) for _ in range(samples)),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--import-samples", type=int, default=15)
    default_rust = Path(os.environ.get("CARGO_TARGET_DIR", Path(__file__).parent.parent / "target"))
    parser.add_argument("--rust", default=str(default_rust / "release" / "pcp-py-roundtrip"))
    parser.add_argument("--one", choices=["sync", "async", "floor"],
                        help="measure only this client, in this process (used by the rounds)")
    args = parser.parse_args()

    env = sandbox_env()
    if args.one:
        wall, cpu = one_client(args.one, env, args.iterations)
        print(f"{wall:.2f} {cpu:.2f}")
        return 0
    samples = main_bench(args.rust, env, args.iterations, args.rounds)
    import_ms, empty_ms = import_time(args.import_samples)

    def summary(name: str) -> dict[str, float]:
        wall = [w for w, _ in samples[name]]
        cpu = [c for _, c in samples[name]]
        return {
            "median_us": round(statistics.median(wall), 2),
            "min_us": round(min(wall), 2),
            "max_us": round(max(wall), 2),
            "cpu_us": round(statistics.median(cpu), 2),
        }

    clients = {name: summary(name) for name in samples}
    rust_us = clients["rust"]["median_us"]
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d"),
        "iterations_per_round": args.iterations,
        "rounds": args.rounds,
        # rust: pcp_client on a current-thread runtime; sync: Client; async: AsyncClient;
        # floor: the benchmark-only pure-asyncio protocol above (no pgpool_pcp)
        "clients": clients,
        "ratio_to_rust": {
            name: round(c["median_us"] / rust_us, 3) for name, c in clients.items()
        },
        "async_over_floor": round(clients["async"]["median_us"] / clients["floor"]["median_us"], 3),
        "rounds_us": {k: [round(w, 1) for w, _ in vs] for k, vs in samples.items()},
        "import_ms_median": round(import_ms, 2),
        "empty_ms_median": round(empty_ms, 3),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
