"""Quick start (the README's Python example): every backend, and which one is the primary.

    PCP_HOST=127.0.0.1:9898 PCP_USER=pcpadmin python3 quickstart.py

The password comes from the .pcppass file ($PCPPASSFILE, else ~/.pcppass).
Run against the sandbox by pcp-py/tests/test_examples.py.
"""

from __future__ import annotations

import os

from pgpool_pcp import Client

with Client(os.environ.get("PCP_HOST", "localhost:9898"), user=os.environ.get("PCP_USER")) as pcp:
    nodes = pcp.node_info_all()
    for node in nodes:
        print(node.node_id, f"{node.hostname}:{node.port}", node.status, node.role,
              node.replication_state or "-")
    primary = next((n.node_id for n in nodes if n.is_primary), None)
    print("primary:", "none" if primary is None else f"node {primary}")
