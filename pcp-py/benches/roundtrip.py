#!/usr/bin/env python3
"""Per-call cost of a node-count round trip: Rust client vs pgpool_pcp (Client, AsyncClient),
on the same Pgpool, one session each; and the time to ``import pgpool_pcp``.

Usage: python benches/roundtrip.py [--iterations N] [--rounds R] [--rust PATH]
Connection: the sandbox's env file (PCP_SANDBOX_ENV, $PCP_SANDBOX_DIR/sandbox.env or
/var/tmp/pcp-sandbox/sandbox.env) or PCP_HOST/PCP_PORT/PCP_USER/PCP_PASSWORD.
The Rust side is the ``pcp-roundtrip`` binary of ``benches/rust`` (built with
``cargo build --release -p pcp-py-bench`` in pcp-py/).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
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


class RustClient:
    """The Rust baseline as a long-lived child process with one session (``serve`` mode)."""

    def __init__(self, path: str, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [path, env["PCP_HOST"], env["PCP_PORT"], env["PCP_USER"], env["PCP_PASSWORD"],
             "serve"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )

    def round(self, n: int) -> float:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"{n}\n")
        self.proc.stdin.flush()
        return float(self.proc.stdout.readline())

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(10)


def main_bench(path: str, env: dict[str, str], iterations: int, rounds: int
               ) -> dict[str, list[float]]:
    """Interleaves Rust, sync and async rounds (the machine is shared and noisy): each round
    measures the mean per-call time of each client; the caller takes medians."""
    from pgpool_pcp import AsyncClient, Client

    host = f"{env['PCP_HOST']}:{env['PCP_PORT']}"
    sync_client = Client([host], user=env["PCP_USER"], password=env["PCP_PASSWORD"])
    async_client = AsyncClient([host], user=env["PCP_USER"], password=env["PCP_PASSWORD"])
    loop = asyncio.new_event_loop()

    def sync_round(n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            sync_client.node_count()
        return (time.perf_counter() - start) * 1e6 / n

    async def async_loop(n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            await async_client.node_count()
        return (time.perf_counter() - start) * 1e6 / n

    rust = RustClient(path, env)
    rust.round(200)
    sync_round(200)
    loop.run_until_complete(async_loop(200))
    out: dict[str, list[float]] = {"rust": [], "sync": [], "async": []}
    for _ in range(rounds):
        out["rust"].append(rust.round(iterations))
        out["sync"].append(sync_round(iterations))
        out["async"].append(loop.run_until_complete(async_loop(iterations)))
    rust.close()
    sync_client.close()
    loop.run_until_complete(async_client.close())  # awaitable, made outside the loop
    loop.close()
    return out


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
    parser.add_argument("--rust", default=str(default_rust / "release" / "pcp-roundtrip"))
    args = parser.parse_args()

    env = sandbox_env()
    samples = main_bench(args.rust, env, args.iterations, args.rounds)
    import_ms, empty_ms = import_time(args.import_samples)
    rust_us = statistics.median(samples["rust"])
    sync_us = statistics.median(samples["sync"])
    async_us = statistics.median(samples["async"])
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d"),
        "iterations_per_round": args.iterations,
        "rounds": args.rounds,
        "rust_us": round(rust_us, 2),
        "python_sync_us": round(sync_us, 2),
        "python_async_us": round(async_us, 2),
        "sync_ratio": round(sync_us / rust_us, 3),
        "async_ratio": round(async_us / rust_us, 3),
        "rounds_us": {k: [round(v, 1) for v in vs] for k, vs in samples.items()},
        "import_ms_median": round(import_ms, 2),
        "empty_ms_median": round(empty_ms, 3),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
