"""Type stubs of the native module ``pgpool_pcp._pcp`` (import from ``pgpool_pcp``)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import Any, Literal, Optional, Union, final

from ._enums import BackendStatus, Outcome, Role

__version__: str
DEFAULT_PORT: int

_Target = Union[int, str]
_Mode = Literal["smart", "fast", "immediate", "s", "f", "i"]
_Scope = Literal["local", "cluster", "l", "c"]
_NodeType = Literal["p", "s", "m", "P", "S", "M", "primary", "standby", "master"]
_Until = Literal["up", "down", "primary", "streaming"]
_Hosts = Union[str, Iterable[str], None]
_Path = Union[str, "os.PathLike[str]", None]

# --------------------------------------------------------------------------- results

@final
class NodeInfo:
    """One backend as node info reports it. Immutable."""

    @property
    def node_id(self) -> int: ...
    @property
    def hostname(self) -> str:
        """``backend_hostnameN`` (a name, an address or a socket directory)."""
    @property
    def port(self) -> int: ...
    @property
    def status(self) -> BackendStatus:
        """Pgpool's status; ``QUARANTINE`` for a down node with the quarantine flag."""
    @property
    def quarantine(self) -> Optional[bool]:
        """Watchdog quarantine flag; None when the server's release does not send it."""
    @property
    def pg_status(self) -> Optional[str]:
        """Live probe result (4.3+): ``"up"``, ``"down"`` or ``"unknown"``."""
    @property
    def weight(self) -> float:
        """Share of read traffic, 0..1."""
    @property
    def role(self) -> Role: ...
    @property
    def pg_role(self) -> Optional[Role]:
        """The role the backend reports itself (4.3+)."""
    @property
    def replication_delay_bytes(self) -> Optional[int]:
        """WAL bytes behind the primary (None when the delay is reported as time)."""
    @property
    def replication_delay_seconds(self) -> Optional[float]:
        """Seconds behind the primary (4.4+ with ``delay_threshold_by_time``)."""
    @property
    def replication_state(self) -> Optional[str]:
        """``"streaming"``, ``"catchup"``, ... (4.1+); None when not reported."""
    @property
    def replication_sync_state(self) -> Optional[str]:
        """``"async"``, ``"sync"``, ``"potential"``, ``"quorum"`` (4.1+)."""
    @property
    def status_changed(self) -> int:
        """Last status change, seconds since the epoch."""
    @property
    def extra(self) -> list[str]:
        """Trailing fields from a newer release, as received."""
    @property
    def generation(self) -> Optional[str]:
        """The Pgpool releases the server can be, as the replies so far reveal: ``"4.3"``,
        ``"4.4+"``, ``"4.1-4.2"``."""
    @property
    def is_up(self) -> bool:
        """True when Pgpool sends queries to the node (up or waiting)."""
    @property
    def is_primary(self) -> bool:
        """True when Pgpool considers the node its primary."""
    def to_dict(self) -> dict[str, Any]:
        """All attributes as plain Python values (enums as their strings)."""
    def __eq__(self, other: object, /) -> bool: ...

@final
class NodeInfoReply:
    """Every backend's node info, in node-id order; a sequence of :class:`NodeInfo`."""

    @property
    def nodes(self) -> list[NodeInfo]: ...
    @property
    def generation(self) -> Optional[str]: ...
    def __len__(self) -> int: ...
    def __getitem__(self, index: int, /) -> NodeInfo: ...
    def __iter__(self) -> Iterator[NodeInfo]: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class HealthCheckStats:
    """Health-check statistics of one backend (Pgpool 4.2+). Durations in milliseconds; times
    are the server's local time ``"YYYY-MM-DD HH:MM:SS"``, None for a check that never ran."""

    @property
    def node_id(self) -> int: ...
    @property
    def hostname(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def status(self) -> BackendStatus: ...
    @property
    def role(self) -> Role: ...
    @property
    def last_status_change(self) -> Optional[str]: ...
    @property
    def total_count(self) -> int: ...
    @property
    def success_count(self) -> int: ...
    @property
    def fail_count(self) -> int: ...
    @property
    def skip_count(self) -> int: ...
    @property
    def retry_count(self) -> int: ...
    @property
    def average_retry_count(self) -> float: ...
    @property
    def max_retry_count(self) -> int: ...
    @property
    def max_duration_ms(self) -> int: ...
    @property
    def min_duration_ms(self) -> int: ...
    @property
    def average_duration_ms(self) -> float: ...
    @property
    def last_health_check(self) -> Optional[str]: ...
    @property
    def last_successful_health_check(self) -> Optional[str]: ...
    @property
    def last_skip_health_check(self) -> Optional[str]: ...
    @property
    def last_failed_health_check(self) -> Optional[str]: ...
    @property
    def generation(self) -> Optional[str]: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class ProcessInfo:
    """One connection-pool slot of a Pgpool child process. Fields the server's release does not
    send are None. Times are seconds since the epoch (before 4.3) or the server's local
    ``"YYYY-MM-DD HH:MM:SS"``."""

    @property
    def pid(self) -> Optional[int]: ...
    @property
    def start_time(self) -> Union[int, str, None]: ...
    @property
    def start_time_note(self) -> Optional[str]: ...
    @property
    def client_connection_count(self) -> Optional[int]: ...
    @property
    def pool_id(self) -> Optional[int]: ...
    @property
    def backend_id(self) -> Optional[int]: ...
    @property
    def database(self) -> str: ...
    @property
    def username(self) -> str: ...
    @property
    def backend_connection_time(self) -> Union[int, str, None]: ...
    @property
    def client_connection_time(self) -> Optional[str]: ...
    @property
    def client_disconnection_time(self) -> Optional[str]: ...
    @property
    def client_idle_seconds(self) -> Optional[int]: ...
    @property
    def client_idle_note(self) -> Optional[str]: ...
    @property
    def major(self) -> Optional[int]: ...
    @property
    def minor(self) -> Optional[int]: ...
    @property
    def pool_counter(self) -> Optional[int]: ...
    @property
    def backend_pid(self) -> Optional[int]: ...
    @property
    def connected(self) -> Optional[bool]: ...
    @property
    def status(self) -> Optional[str]:
        """``"Wait for connection"``, ``"Idle"``, ``"Execute command"``, ... (4.3+)."""
    @property
    def load_balance_node(self) -> Optional[bool]: ...
    @property
    def client_host(self) -> Optional[str]: ...
    @property
    def client_port(self) -> Optional[str]: ...
    @property
    def statement(self) -> Optional[str]: ...
    @property
    def extra(self) -> list[str]: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class ProcessInfoReply:
    """Process info: one record per child process x pool slot x backend."""

    @property
    def processes(self) -> list[ProcessInfo]: ...
    @property
    def generation(self) -> Optional[str]: ...
    def __len__(self) -> int: ...
    def __getitem__(self, index: int, /) -> ProcessInfo: ...
    def __iter__(self) -> Iterator[ProcessInfo]: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class ConfigItem:
    """One parameter of pool status."""

    @property
    def name(self) -> str: ...
    @property
    def value(self) -> str: ...
    @property
    def description(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class WatchdogNode:
    """One Pgpool of the watchdog cluster."""

    @property
    def id(self) -> int: ...
    @property
    def state(self) -> int:
        """State code: 4 leader, 7 standby, 0 dead, 8 lost, ..."""
    @property
    def state_name(self) -> str: ...
    @property
    def membership(self) -> Optional[int]: ...
    @property
    def membership_string(self) -> Optional[str]: ...
    @property
    def node_name(self) -> str: ...
    @property
    def host_name(self) -> str: ...
    @property
    def delegate_ip(self) -> str: ...
    @property
    def wd_port(self) -> int: ...
    @property
    def pgpool_port(self) -> int: ...
    @property
    def priority(self) -> int: ...
    @property
    def lifecheck_started(self) -> Optional[bool]: ...
    @property
    def extra(self) -> dict[str, Any]: ...
    @property
    def is_leader(self) -> bool: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class WatchdogInfo:
    """The watchdog cluster as one Pgpool sees it."""

    @property
    def remote_node_count(self) -> int: ...
    @property
    def member_remote_node_count(self) -> Optional[int]: ...
    @property
    def nodes_required_for_quorum(self) -> Optional[int]: ...
    @property
    def quorum_status(self) -> int:
        """1 exists, 0 on the edge, -1 absent, -2 no leader."""
    @property
    def quorum_status_text(self) -> str: ...
    @property
    def alive_node_count(self) -> int: ...
    @property
    def escalated(self) -> bool: ...
    @property
    def leader_node_name(self) -> str: ...
    @property
    def leader_host_name(self) -> str: ...
    @property
    def node_count(self) -> int: ...
    @property
    def nodes(self) -> list[WatchdogNode]:
        """The nodes; the local one first when all were asked for."""
    @property
    def leader(self) -> Optional[WatchdogNode]: ...
    @property
    def extra(self) -> dict[str, Any]: ...
    @property
    def generation(self) -> Optional[str]: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class Backend:
    """A configured backend (``backend_hostnameN``, ``backend_portN``)."""

    @property
    def node_id(self) -> int: ...
    @property
    def hostname(self) -> str: ...
    @property
    def port(self) -> int: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class NodeState:
    """A backend as Pgpool holds it in memory (pool status, health-check statistics): what the
    glue judges by. Read without Pgpool probing the backend, so a hung backend costs nothing.
    Immutable."""

    @property
    def node_id(self) -> int: ...
    @property
    def hostname(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def status(self) -> BackendStatus: ...
    @property
    def role(self) -> Optional[Role]:
        """Pgpool's role of the node; None when it was not read (attach, detach)."""
    @property
    def is_up(self) -> bool:
        """True when Pgpool sends queries to the node (up or waiting)."""
    @property
    def is_primary(self) -> bool:
        """True when the role was read and is primary."""
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class OpReport:
    """What a glue operation did."""

    @property
    def action(self) -> Literal["attach", "detach", "promote"]: ...
    @property
    def node_id(self) -> int: ...
    @property
    def backend(self) -> Optional[Backend]:
        """The backend, when the target was given as a host."""
    @property
    def outcome(self) -> Outcome: ...
    @property
    def changed(self) -> bool:
        """True when a request was sent, or would be (dry run): the outcome is not ``ALREADY_APPLIED``."""
    @property
    def before(self) -> NodeState:
        """The node's state in Pgpool's memory before acting."""
    @property
    def after(self) -> Optional[NodeState]:
        """The node's state at the end: when waited for, or when nothing had to be done."""
    @property
    def elapsed(self) -> float:
        """Seconds spent."""
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...

# --------------------------------------------------------------------------- clients

@final
class Client:
    """A blocking PCP client (the GIL is released while it waits for Pgpool).

    ``hosts``: one entry or several, each ``"host"``, ``"host:port"``, ``"[v6addr]:port"``,
    ``"/socket/dir"`` or ``"/socket/dir:port"`` (``port`` applies to entries without one); tried
    in order, or the watchdog leader first with ``prefer_leader=True``. None: the socket
    ``/tmp/.s.PGSQL.<port>``. ``user``: default the OS user. ``password``: default the
    ``.pcppass`` entry (``pcppass_file``, else ``$PCPPASSFILE``, else ``~/.pcppass``).
    ``connect_timeout`` (seconds) limits connecting and logging in, ``timeout`` each request
    (None: no limit), ``long_timeout`` online recovery and graceful detach/promote (default
    none), ``overall_timeout`` each call as a whole.

    The session opens on first use (or ``connect()``/``with``) and reconnects by itself after it
    was lost; a call in flight is never retried. Calls on one client run one at a time.
    """

    def __new__(
        cls,
        hosts: _Hosts = None,
        *,
        port: int = 9898,
        user: Optional[str] = None,
        password: Optional[str] = None,
        pcppass_file: _Path = None,
        connect_timeout: float = 10.0,
        timeout: Optional[float] = 30.0,
        long_timeout: Optional[float] = None,
        overall_timeout: Optional[float] = None,
        prefer_leader: bool = False,
    ) -> Client: ...
    def __enter__(self) -> Client:
        """Connects (so that connection and login errors show here)."""
    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> bool:
        """Closes the client."""
    @property
    def closed(self) -> bool: ...
    def connect(self) -> None:
        """Opens the session now (otherwise the first call does)."""
    def disconnect(self) -> None:
        """Ends the session; the next call reconnects. Pgpool restarts its PCP listener after
        every failover and accepts no new session while old ones are open: disconnect before
        waiting for a failover."""
    def close(self) -> None:
        """Ends the session for good; later calls raise ConnectError. Idempotent."""
    def server_generation(self) -> str:
        """The Pgpool releases the server can be (``"4.3"``, ``"4.4+"``), probing if needed."""

    # PCP commands
    def node_count(self) -> int:
        """Number of configured backends (``pcp_node_count``)."""
    def node_info(self, node_id: int) -> NodeInfo:
        """One backend (``pcp_node_info -n``). Invalid id: ServerError."""
    def node_info_all(self) -> NodeInfoReply:
        """Every backend (node id -1 on 4.3+, node by node on older servers)."""
    def health_check_stats(self, node_id: int) -> HealthCheckStats:
        """Health-check statistics of one backend (4.2+)."""
    def health_check_stats_all(self) -> list[HealthCheckStats]:
        """Health-check statistics of every backend, in node-id order (4.2+): answered from
        Pgpool's memory, so a hung backend costs nothing."""
    def process_count(self) -> list[int]:
        """PIDs of Pgpool's child processes (``pcp_proc_count``)."""
    def process_info(self, pid: Optional[int] = None) -> ProcessInfoReply:
        """Connection-pool slots of one child process, or of all."""
    def pool_status(self) -> list[ConfigItem]:
        """Pgpool's configuration (``pcp_pool_status``)."""
    def watchdog_info(self, node_id: Optional[int] = None) -> WatchdogInfo:
        """Watchdog information; all nodes (local first) when node_id is None. ServerError
        when the watchdog is off."""
    def attach_node(self, node_id: int) -> None:
        """Attaches a node. Pgpool only queues the request; see :meth:`attach`."""
    def detach_node(self, node_id: int, graceful: bool = False) -> None:
        """Detaches a node; graceful waits for clients and the failover (long_timeout)."""
    def promote_node(self, node_id: int, graceful: bool = False, switchover: bool = False) -> None:
        """Promotes a node in Pgpool's view; switchover (4.3+) detaches the current primary and
        runs failover_command. UnsupportedError for a switchover on an older server."""
    def recover_node(self, node_id: int) -> None:
        """Online recovery (``pcp_recovery_node``); may take minutes (long_timeout)."""
    def stop_pgpool(self, mode: _Mode = "smart", scope: _Scope = "local") -> None:
        """Stops Pgpool, or every Pgpool of the watchdog cluster (4.2+)."""
    def reload_config(self, scope: _Scope = "local") -> None:
        """Reloads Pgpool's configuration (4.2+)."""
    def log_rotate(self, scope: _Scope = "local") -> None:
        """Rotates Pgpool's log (4.6+; UnsupportedError before)."""
    def invalidate_query_cache(self) -> None:
        """Invalidates the query cache (4.6+; UnsupportedError before)."""
    def set_parameter(self, name: str, value: str) -> None:
        """Sets a session parameter (Pgpool accepts only ``client_min_messages``)."""

    # EFM glue
    def backends(self) -> list[Backend]:
        """The configured backends, from one pool-status round trip."""
    def resolve(self, host: str) -> Backend:
        """The backend ``host[:port]`` designates (names and addresses match by resolving).
        NodeNotFoundError, AmbiguousHostError (give the port)."""
    def is_primary(self, target: _Target) -> bool:
        """Whether the backend (node id, or ``host[:port]``) is Pgpool's primary."""
    def attach(
        self, target: _Target, *, wait: Optional[float] = None, dry_run: bool = False
    ) -> OpReport:
        """Attaches (fails back) a backend unless it is up already (then nothing is sent).
        ``wait``: seconds to wait until Pgpool shows it (NotAppliedError after that);
        None returns once Pgpool accepted the request. ``dry_run``: read the node's state
        only and report ``WOULD_APPLY`` or ``ALREADY_APPLIED``; nothing is sent. The state
        comes from Pgpool's memory (pool status, health-check statistics), so a hung backend
        costs nothing (the same holds for detach, promote and the lb hooks)."""
    def detach(
        self,
        target: _Target,
        *,
        graceful: bool = False,
        wait: Optional[float] = None,
        dry_run: bool = False,
    ) -> OpReport:
        """Detaches a backend unless it is down or quarantined already (no failover then)."""
    def promote(
        self,
        target: _Target,
        *,
        graceful: bool = False,
        switchover: bool = False,
        wait: Optional[float] = None,
        dry_run: bool = False,
    ) -> OpReport:
        """Makes a backend Pgpool's primary unless it is already (nothing is sent then)."""
    def follow_primary(
        self,
        node_id: int,
        *,
        old_primary: Optional[int] = None,
        timeout: float = 60.0,
        wait: Optional[float] = None,
    ) -> Optional[OpReport]:
        """Pgpool's follow-primary step: wait up to ``timeout`` seconds until the node streams
        from the new primary, then attach it. None for the old primary (``%P``)."""
    def lb_attach(
        self,
        host: str,
        node_type: _NodeType = "s",
        *,
        wait: Optional[float] = None,
        dry_run: bool = False,
    ) -> list[OpReport]:
        """EFM ``script.load.balancer.attach`` (``%h %t``): attach; for ``p`` also promote."""
    def lb_detach(
        self,
        host: str,
        node_type: _NodeType = "s",
        *,
        wait: Optional[float] = None,
        dry_run: bool = False,
    ) -> OpReport:
        """EFM ``script.load.balancer.detach`` (``%h %t``): detach (idempotent)."""
    def wait_for_node(self, node_id: int, until: _Until, *, timeout: float = 30.0) -> NodeInfo:
        """Polls node info until the node is up, down, primary or streaming; NotAppliedError
        after ``timeout`` seconds."""

@final
class AsyncClient:
    """The asyncio form of :class:`Client`: same constructor, same methods, each a coroutine.

    Each call is a coroutine (``await`` it, or pass it to ``asyncio.run``/``create_task``),
    polled on the event loop's thread; the tokio runtime shared with every client of the
    process drives the sockets and timers. Calls on one client run one at a time; open one
    client per concurrent task. ``async with AsyncClient(...) as pcp`` connects on entry and
    closes on exit.
    """

    def __new__(
        cls,
        hosts: _Hosts = None,
        *,
        port: int = 9898,
        user: Optional[str] = None,
        password: Optional[str] = None,
        pcppass_file: _Path = None,
        connect_timeout: float = 10.0,
        timeout: Optional[float] = 30.0,
        long_timeout: Optional[float] = None,
        overall_timeout: Optional[float] = None,
        prefer_leader: bool = False,
    ) -> AsyncClient: ...
    async def __aenter__(self) -> AsyncClient: ...
    async def __aexit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> bool: ...
    @property
    def closed(self) -> bool: ...
    async def connect(self) -> None: ...
    async def disconnect(self) -> None: ...
    async def close(self) -> None: ...
    async def server_generation(self) -> str: ...
    async def node_count(self) -> int: ...
    async def node_info(self, node_id: int) -> NodeInfo: ...
    async def node_info_all(self) -> NodeInfoReply: ...
    async def health_check_stats(self, node_id: int) -> HealthCheckStats: ...
    async def health_check_stats_all(self) -> list[HealthCheckStats]: ...
    async def process_count(self) -> list[int]: ...
    async def process_info(self, pid: Optional[int] = None) -> ProcessInfoReply: ...
    async def pool_status(self) -> list[ConfigItem]: ...
    async def watchdog_info(self, node_id: Optional[int] = None) -> WatchdogInfo: ...
    async def attach_node(self, node_id: int) -> None: ...
    async def detach_node(self, node_id: int, graceful: bool = False) -> None: ...
    async def promote_node(
        self, node_id: int, graceful: bool = False, switchover: bool = False
    ) -> None: ...
    async def recover_node(self, node_id: int) -> None: ...
    async def stop_pgpool(self, mode: _Mode = "smart", scope: _Scope = "local") -> None: ...
    async def reload_config(self, scope: _Scope = "local") -> None: ...
    async def log_rotate(self, scope: _Scope = "local") -> None: ...
    async def invalidate_query_cache(self) -> None: ...
    async def set_parameter(self, name: str, value: str) -> None: ...
    async def backends(self) -> list[Backend]: ...
    async def resolve(self, host: str) -> Backend: ...
    async def is_primary(self, target: _Target) -> bool: ...
    async def attach(
        self, target: _Target, *, wait: Optional[float] = None, dry_run: bool = False
    ) -> OpReport: ...
    async def detach(
        self,
        target: _Target,
        *,
        graceful: bool = False,
        wait: Optional[float] = None,
        dry_run: bool = False,
    ) -> OpReport: ...
    async def promote(
        self,
        target: _Target,
        *,
        graceful: bool = False,
        switchover: bool = False,
        wait: Optional[float] = None,
        dry_run: bool = False,
    ) -> OpReport: ...
    async def follow_primary(
        self,
        node_id: int,
        *,
        old_primary: Optional[int] = None,
        timeout: float = 60.0,
        wait: Optional[float] = None,
    ) -> Optional[OpReport]: ...
    async def lb_attach(
        self,
        host: str,
        node_type: _NodeType = "s",
        *,
        wait: Optional[float] = None,
        dry_run: bool = False,
    ) -> list[OpReport]: ...
    async def lb_detach(
        self,
        host: str,
        node_type: _NodeType = "s",
        *,
        wait: Optional[float] = None,
        dry_run: bool = False,
    ) -> OpReport: ...
    async def wait_for_node(
        self, node_id: int, until: _Until, *, timeout: float = 30.0
    ) -> NodeInfo: ...

# --------------------------------------------------------------------------- exceptions

class PcpError(Exception):
    """Base class of every error raised by pgpool_pcp."""

    kind: str
    """``"io"``, ``"closed"``, ``"timeout"``, ``"authentication"``, ``"server"``, ... or
    ``"forked"``."""
    command: Optional[str]
    """The command that failed (``"node info"``), when the error belongs to one."""
    fatal: bool
    """Whether the session it happened on is gone (the next call reconnects)."""
    severity: Optional[str]
    message: Optional[str]
    detail: Optional[str]
    hint: Optional[str]
    code: Optional[str]

class ConnectError(PcpError):
    """Connecting or talking to Pgpool failed at the socket level, or the connection (or the
    client) was closed."""

class AuthenticationError(PcpError):
    """Pgpool refused the user name or password."""

class PcpTimeoutError(PcpError, TimeoutError):
    """A connect, request or overall time limit ran out."""

class ServerError(PcpError):
    """Pgpool answered the command with an error (``severity``, ``message``, ``detail``).
    ``fatal`` is True when Pgpool closed the session (FATAL)."""

    severity: str
    message: str

class NodeNotFoundError(PcpError):
    """No configured backend matches the host given (the message lists them)."""

class AmbiguousHostError(PcpError):
    """Several backends match the host given; give the port."""

class ProtocolError(PcpError):
    """Pgpool sent bytes that are not a valid reply."""

class UnsupportedError(PcpError):
    """The Pgpool server is too old for the command."""

class NotAppliedError(PcpError):
    """Pgpool accepted the request but node info did not show its effect in time."""

class ConfigError(PcpError):
    """The connection settings are unusable."""

class InvalidArgumentError(PcpError, ValueError):
    """An argument cannot be sent to Pgpool (too long, contains NUL, ...); nothing was sent."""
