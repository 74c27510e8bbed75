#!/usr/bin/env python3
"""EFM load-balancer hook for Pgpool-II, written with pgpool_pcp.

In efm.properties::

    script.load.balancer.attach=/usr/bin/python3 /path/efm_lb_hook.py attach %h %t
    script.load.balancer.detach=/usr/bin/python3 /path/efm_lb_hook.py detach %h %t

EFM runs it with the backend's address (%h) and its role (%t: p primary, s standby; m before
EFM 4.0). ``attach`` attaches the backend to Pgpool (and, for a primary, makes it Pgpool's
primary); ``detach`` detaches it. Both are idempotent: a backend already in the requested state
is left alone, so several EFM agents may run the hook for the same event.

Connection settings (options override the environment):

    --host / PCP_HOST         Pgpool host(s), comma separated: host, host:port, /socket/dir
    --port / PCP_PORT         PCP port (default 9898)
    --user / PCP_USER         PCP user (default: the OS user)
    PCP_PASSWORD              password; default: the .pcppass file
    --passfile / PCPPASSFILE  .pcppass file
    --wait / PCP_WAIT         seconds to wait until Pgpool shows the change (default 60; 0: don't)
    --timeout / PCP_TIMEOUT   seconds for connecting and for each request (default 10)
    --prefer-leader           with several hosts, talk to the watchdog leader

Exit codes: 0 done (or nothing to do), 2 usage, 3 backend not found or ambiguous, 4 cannot
connect or log in, 5 Pgpool refused the request, 6 timed out or the change did not show in
time, 1 anything else. Messages go to stderr.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Optional, Sequence

from pgpool_pcp import Client, OpReport
from pgpool_pcp.exceptions import (
    AmbiguousHostError,
    AuthenticationError,
    ConfigError,
    ConnectError,
    NodeNotFoundError,
    NotAppliedError,
    PcpError,
    PcpTimeoutError,
    ServerError,
)

EXIT_OK = 0
EXIT_OTHER = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_CONNECT = 4
EXIT_REFUSED = 5
EXIT_TIMEOUT = 6

log = logging.getLogger("efm_lb_hook")


def env_float(name: str, default: float) -> float:
    text = os.environ.get(name, "")
    try:
        return float(text) if text else default
    except ValueError:
        raise SystemExit(f"efm_lb_hook: {name} must be a number of seconds, not {text!r}")


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="efm_lb_hook.py",
        description="EFM load-balancer hook: attach or detach a backend in Pgpool-II.",
    )
    parser.add_argument("action", choices=["attach", "detach"])
    parser.add_argument("host", help="the backend's address as EFM passes it (%%h), [:port]")
    parser.add_argument("node_type", nargs="?", default="s", help="EFM's %%t: p, s (or m)")
    parser.add_argument("--host", dest="pgpool_hosts", default=os.environ.get("PCP_HOST", ""))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PCP_PORT") or 9898))
    parser.add_argument("--user", default=os.environ.get("PCP_USER") or None)
    parser.add_argument("--passfile", default=os.environ.get("PCPPASSFILE") or None)
    parser.add_argument("--wait", type=float, default=env_float("PCP_WAIT", 60.0))
    parser.add_argument("--timeout", type=float, default=env_float("PCP_TIMEOUT", 10.0))
    parser.add_argument("--prefer-leader", action="store_true")
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser.parse_args(argv)


def describe(report: OpReport) -> str:
    state = report.after.status if report.after is not None else "accepted"
    return f"{report.action} node {report.node_id}: {report.outcome} ({state}, {report.elapsed:.1f} s)"


def run(args: argparse.Namespace) -> int:
    if args.node_type not in ("p", "s", "m", "P", "S", "M"):
        log.error("unknown EFM node type %r (expected p or s)", args.node_type)
        return EXIT_USAGE
    hosts = [h for h in args.pgpool_hosts.split(",") if h] or None
    wait = args.wait if args.wait > 0 else None
    client = Client(
        hosts,
        port=args.port,
        user=args.user,
        password=os.environ.get("PCP_PASSWORD") or None,
        pcppass_file=args.passfile,
        connect_timeout=args.timeout,
        timeout=args.timeout,
        long_timeout=max(args.timeout, args.wait),
        prefer_leader=args.prefer_leader,
    )
    try:
        with client:
            if args.action == "attach":
                reports = client.lb_attach(args.host, args.node_type, wait=wait)
            else:
                reports = [client.lb_detach(args.host, args.node_type, wait=wait)]
    except (NodeNotFoundError, AmbiguousHostError) as e:
        log.error("%s", e)
        return EXIT_NOT_FOUND
    except (PcpTimeoutError, NotAppliedError) as e:
        log.error("%s", e)
        return EXIT_TIMEOUT
    except (AuthenticationError, ConnectError, ConfigError) as e:
        log.error("%s", e)
        return EXIT_CONNECT
    except ServerError as e:
        log.error("%s", e)
        return EXIT_REFUSED
    except PcpError as e:
        log.error("%s", e)
        return EXIT_OTHER
    for report in reports:
        log.info("%s %s: %s", args.action, args.host, describe(report))
    return EXIT_OK


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="efm_lb_hook: %(levelname)s: %(message)s",
    )
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
