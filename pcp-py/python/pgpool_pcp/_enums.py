"""String-valued enums used by the result objects.

Each is a ``str`` subclass, so ``node.status == "up"`` and ``json.dumps(...)`` work, and a value
this library does not know (a newer Pgpool) maps to the ``UNKNOWN`` member.
"""

from __future__ import annotations

from enum import Enum


class BackendStatus(str, Enum):
    """Pgpool's view of a backend (``pcp_node_info``'s status)."""

    UNUSED = "unused"
    WAITING = "waiting"
    UP = "up"
    DOWN = "down"
    QUARANTINE = "quarantine"
    UNKNOWN = "unknown"

    @classmethod
    def _missing_(cls, value: object) -> BackendStatus:
        return cls.UNKNOWN

    def __str__(self) -> str:
        return self.value

    @property
    def is_usable(self) -> bool:
        """True when Pgpool sends queries to the node (up or waiting)."""
        return self in (BackendStatus.UP, BackendStatus.WAITING)

    @property
    def is_detached(self) -> bool:
        """True when the node is detached (down or quarantined)."""
        return self in (BackendStatus.DOWN, BackendStatus.QUARANTINE)


class Role(str, Enum):
    """A backend's role as Pgpool sees it (``main``/``replica`` outside streaming mode)."""

    MAIN = "main"
    REPLICA = "replica"
    PRIMARY = "primary"
    STANDBY = "standby"
    UNKNOWN = "unknown"

    @classmethod
    def _missing_(cls, value: object) -> Role:
        if value == "master":
            return cls.MAIN
        if value == "slave":
            return cls.REPLICA
        return cls.UNKNOWN

    def __str__(self) -> str:
        return self.value


class Outcome(str, Enum):
    """How a glue operation ended."""

    #: The node was already in the requested state: nothing was sent.
    ALREADY_APPLIED = "already_applied"
    #: Pgpool accepted the request and shows it applied.
    APPLIED = "applied"
    #: Pgpool accepted the request; waiting was not asked for.
    ACCEPTED = "accepted"
    #: A dry run: the node is not in the requested state, so a request would be sent.
    WOULD_APPLY = "would_apply"

    def __str__(self) -> str:
        return self.value


__all__ = ["BackendStatus", "Role", "Outcome"]
