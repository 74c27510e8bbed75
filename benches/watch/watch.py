#!/usr/bin/env python3
"""The Python side of ``pcp-bench-watch``: one process watching several Pgpool instances.

usage: watch.py PORT...   (PCP_HOST, PCP_USER, PCP_PASSWORD from the environment)

Opens one ``pgpool_pcp.AsyncClient`` per Pgpool and keeps it open, prints ``ready``, then
answers each line on standard input with one watch cycle: node info of every backend from
every Pgpool at once (``asyncio.gather``), timed with ``time.perf_counter`` and printed in
microseconds. Ends (closing the sessions) at the end of standard input.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

import pgpool_pcp


async def main(ports: list[int]) -> None:
    host = os.environ["PCP_HOST"]
    user = os.environ["PCP_USER"]
    password = os.environ["PCP_PASSWORD"]
    clients = [
        pgpool_pcp.AsyncClient(host, port=port, user=user, password=password) for port in ports
    ]
    await asyncio.gather(*(client.connect() for client in clients))
    print("ready", flush=True)
    expected = None
    # Reading standard input blocks the event loop between cycles, when nothing else runs.
    while sys.stdin.readline():
        started = time.perf_counter()
        replies = await asyncio.gather(*(client.node_info_all() for client in clients))
        elapsed = time.perf_counter() - started
        counts = {len(reply) for reply in replies}
        if expected is None:
            expected = counts
        if len(counts) != 1 or counts != expected or 0 in counts:
            raise SystemExit(f"watch.py: node counts differ between Pgpools or cycles: {counts}")
        print(f"{elapsed * 1e6:.1f}", flush=True)
    await asyncio.gather(*(client.close() for client in clients))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit("usage: watch.py PORT...")
    asyncio.run(main([int(port) for port in sys.argv[1:]]))
