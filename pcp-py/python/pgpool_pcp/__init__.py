"""Pgpool-II PCP client: every PCP command and the EFM failover glue, for Python.

A thin binding (pyo3) over the Rust crate ``pgpool-pcp-client``::

    from pgpool_pcp import Client

    with Client(["127.0.0.1:9898"], user="pcpadmin") as pcp:   # password from .pcppass
        for node in pcp.node_info_all():
            print(node.node_id, node.hostname, node.status, node.role)
        pcp.attach("10.0.0.2", wait=30)                         # EFM-style, idempotent

and the same with ``AsyncClient`` and ``await`` (``async with AsyncClient(...) as pcp:``).

Threads and the GIL
    Blocking methods release the GIL while they wait for Pgpool. One client runs its calls
    one at a time (PCP answers in order); use one client per thread or task for concurrency.
    Every client of a process shares one tokio runtime.

fork()
    A client belongs to the process that created it. Used in a forked child (multiprocessing
    with the "fork" start method, gunicorn workers, ``os.fork()``), it raises
    :class:`~pgpool_pcp.exceptions.PcpError` saying so, without touching the socket it
    inherited (which the parent may still be using): create a new client in the child. The
    shared runtime is re-created lazily in the child on first use. Clients the child
    inherited are never closed or dropped there, so the parent's sessions are not disturbed.

See ``docs/python.md`` for the whole API.
"""

from ._enums import BackendStatus, Outcome, Role
from ._pcp import (
    DEFAULT_PORT,
    AsyncClient,
    Backend,
    Client,
    ConfigItem,
    HealthCheckStats,
    NodeInfo,
    NodeInfoReply,
    NodeState,
    OpReport,
    ProcessInfo,
    ProcessInfoReply,
    WatchdogInfo,
    WatchdogNode,
    __version__,
)
from .exceptions import (
    AmbiguousHostError,
    AuthenticationError,
    ConfigError,
    ConnectError,
    InvalidArgumentError,
    NodeNotFoundError,
    NotAppliedError,
    PcpError,
    PcpTimeoutError,
    ProtocolError,
    ServerError,
    UnsupportedError,
)

__all__ = [
    "__version__",
    "DEFAULT_PORT",
    "Client",
    "AsyncClient",
    "NodeInfo",
    "NodeInfoReply",
    "NodeState",
    "HealthCheckStats",
    "ProcessInfo",
    "ProcessInfoReply",
    "ConfigItem",
    "WatchdogInfo",
    "WatchdogNode",
    "Backend",
    "OpReport",
    "BackendStatus",
    "Role",
    "Outcome",
    "PcpError",
    "ConnectError",
    "AuthenticationError",
    "PcpTimeoutError",
    "ServerError",
    "NodeNotFoundError",
    "AmbiguousHostError",
    "ProtocolError",
    "UnsupportedError",
    "NotAppliedError",
    "ConfigError",
    "InvalidArgumentError",
]
