"""The exceptions of :mod:`pgpool_pcp`, all under :class:`PcpError`.

::

    PcpError
    ├── ConnectError            socket errors, connection closed, client closed
    ├── AuthenticationError     bad user name or password
    ├── PcpTimeoutError         also a built-in TimeoutError
    ├── ServerError             Pgpool answered with an error (.severity, .message, .detail)
    ├── NodeNotFoundError       no backend matches the host
    ├── AmbiguousHostError      several backends match the host (give the port)
    ├── ProtocolError           the reply cannot be decoded
    ├── UnsupportedError        the server is too old for the command
    ├── NotAppliedError         accepted, but node info did not show the change in time
    ├── ConfigError             unusable connection settings
    └── InvalidArgumentError    an argument cannot be sent (also a ValueError)

Every instance raised for a failed call has ``kind``, ``command`` and ``fatal`` and the
server's report as ``severity``, ``message``, ``detail``, ``hint`` and ``code`` (``None``
when the server sent none).
"""

from ._pcp import (
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
