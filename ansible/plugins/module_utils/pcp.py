# -*- coding: utf-8 -*-
# Copyright (c) pcp developers
# MIT or Apache-2.0 (see the licence files at the root of the repository)
"""What the modules of pgpool.pcp share: the connection options, one PCP session per run,
errors as failed results, and the translation of pgpool_pcp's result objects into the JSON
schema of ``pcpctl --json`` (docs/cli.md).

Front ends only translate: host mapping, idempotency, waits and check mode (``dry_run``) belong
to the client library (``pgpool_pcp.Client``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import math
import traceback

from ansible.module_utils.basic import missing_required_lib

PGPOOL_PCP_IMPORT_ERROR = None
try:
    import pgpool_pcp
except ImportError:
    pgpool_pcp = None
    PGPOOL_PCP_IMPORT_ERROR = traceback.format_exc()


# The options of the doc fragment pgpool.pcp.connection (keep the two in step).
PCP_COMMON_ARGS = dict(
    pcp_host=dict(type='list', elements='str'),
    pcp_port=dict(type='int', default=9898),
    pcp_user=dict(type='str'),
    pcp_password=dict(type='str', no_log=True),
    pcppass_file=dict(type='path'),
    prefer_leader=dict(type='bool', default=False),
    connect_timeout=dict(type='float', default=10.0),
    timeout=dict(type='float', default=30.0),
    long_timeout=dict(type='float'),
)


def pcp_argument_spec(**module_args):
    """The module's own options plus the connection options."""
    spec = dict(PCP_COMMON_ARGS)
    spec.update(module_args)
    return spec


def error_info(exc):
    """A pgpool_pcp exception as a plain dict (the ``pcp_error`` result)."""
    def attr(name):
        return getattr(exc, name, None)
    return dict(
        error_class=type(exc).__name__,
        kind=attr('kind'),
        command=attr('command'),
        severity=attr('severity'),
        message=attr('message'),
        detail=attr('detail'),
        hint=attr('hint'),
        code=attr('code'),
        fatal=bool(attr('fatal')),
        text=str(exc),
    )


def _client(params):
    timeout = params['timeout']
    return pgpool_pcp.Client(
        params['pcp_host'] or None,
        port=params['pcp_port'],
        user=params['pcp_user'],
        password=params['pcp_password'],
        pcppass_file=params['pcppass_file'],
        connect_timeout=params['connect_timeout'],
        timeout=None if timeout == 0 else timeout,
        long_timeout=params['long_timeout'],
        prefer_leader=params['prefer_leader'],
    )


def run_pcp(module, body):
    """Calls ``body(client)`` with a client for the connection options and returns what it
    returns; the session is closed afterwards. A pgpool_pcp error fails the module with
    ``msg`` "<class>: <message>" and ``pcp_error`` (``error_info``)."""
    if pgpool_pcp is None:
        module.fail_json(msg=missing_required_lib('pgpool-pcp (Python module pgpool_pcp)'),
                         exception=PGPOOL_PCP_IMPORT_ERROR)
    try:
        client = _client(module.params)
        try:
            return body(client)
        finally:
            client.close()
    except pgpool_pcp.PcpError as exc:
        info = error_info(exc)
        module.fail_json(msg='%s: %s' % (info['error_class'], info['text']), pcp_error=info)


# --------------------------------------------------------------------------- translation
#
# pgpool_pcp's attribute names and value forms differ in places from pcpctl --json. Every
# difference is handled here, and only here:
#
#   NodeInfo.quarantine           -> quarantined
#   NodeInfo.status_changed       -> last_status_change_epoch, and last_status_change
#                                    (RFC 3339 in the local zone, as pcpctl prints it)
#   (no attribute)                -> status_code (0 unused, 1 waiting, 2 up, 3 down; a
#                                    quarantined node is down on the wire)
#   NodeInfo.is_up/extra/generation: not in the schema, left out
#   HealthCheckStats times        "YYYY-MM-DD HH:MM:SS" -> "YYYY-MM-DDTHH:MM:SS"
#   HealthCheckStats averages     NaN/inf -> None
#   WatchdogInfo.alive_node_count -> alive_remote_node_count
#   WatchdogInfo.quorum_status    -> quorum_code, and quorum (a word)
#   WatchdogInfo.node_count       -> remote_node_count + 1, as pcpctl computes it
#   WatchdogNode.wd_port          -> watchdog_port
#   WatchdogNode.state/state_name -> state_code/state
#   WatchdogNode.membership/_string -> membership_code/membership

_STATUS_CODES = {'unused': 0, 'waiting': 1, 'up': 2, 'down': 3, 'quarantine': 3}
_QUORUM_WORDS = {1: 'exists', 0: 'on_the_edge', -1: 'absent', -2: 'no_leader'}


def _text(value):
    """An enum member (a str subclass) or None as a plain str or None."""
    return None if value is None else str(value)


def _rfc3339_local(epoch):
    try:
        moment = datetime.datetime.fromtimestamp(epoch).astimezone()
    except (OverflowError, OSError, ValueError):
        return None
    return moment.isoformat(timespec='seconds')


def _server_time(text):
    return None if text is None else text.replace(' ', 'T', 1)


def _finite(value):
    return value if value is not None and math.isfinite(value) else None


def node_facts(node):
    """A ``pgpool_pcp.NodeInfo`` as the NODE object of ``pcpctl --json`` (docs/cli.md)."""
    status = _text(node.status)
    return dict(
        node_id=node.node_id,
        hostname=node.hostname,
        port=node.port,
        status=status,
        status_code=_STATUS_CODES.get(status),
        quarantined=node.quarantine,
        pg_status=_text(node.pg_status),
        weight=node.weight,
        role=_text(node.role),
        is_primary=node.is_primary,
        pg_role=_text(node.pg_role),
        replication_delay_bytes=node.replication_delay_bytes,
        replication_delay_seconds=node.replication_delay_seconds,
        replication_state=_text(node.replication_state),
        replication_sync_state=_text(node.replication_sync_state),
        last_status_change=_rfc3339_local(node.status_changed),
        last_status_change_epoch=node.status_changed,
    )


def health_facts(stats):
    """A ``pgpool_pcp.HealthCheckStats`` as an element of ``pcpctl --json
    health-check-stats``."""
    return dict(
        node_id=stats.node_id,
        hostname=stats.hostname,
        port=stats.port,
        status=_text(stats.status),
        role=_text(stats.role),
        last_status_change=_server_time(stats.last_status_change),
        total_count=stats.total_count,
        success_count=stats.success_count,
        fail_count=stats.fail_count,
        skip_count=stats.skip_count,
        retry_count=stats.retry_count,
        average_retry_count=_finite(stats.average_retry_count),
        max_retry_count=stats.max_retry_count,
        max_duration_ms=stats.max_duration_ms,
        min_duration_ms=stats.min_duration_ms,
        average_duration_ms=_finite(stats.average_duration_ms),
        last_health_check=_server_time(stats.last_health_check),
        last_successful_health_check=_server_time(stats.last_successful_health_check),
        last_skip_health_check=_server_time(stats.last_skip_health_check),
        last_failed_health_check=_server_time(stats.last_failed_health_check),
    )


def watchdog_facts(info):
    """A ``pgpool_pcp.WatchdogInfo`` as the document of ``pcpctl --json watchdog-info``."""
    return dict(
        node_count=info.remote_node_count + 1,
        remote_node_count=info.remote_node_count,
        member_remote_node_count=info.member_remote_node_count,
        alive_remote_node_count=info.alive_node_count,
        nodes_required_for_quorum=info.nodes_required_for_quorum,
        quorum=_QUORUM_WORDS.get(info.quorum_status, 'unknown'),
        quorum_code=info.quorum_status,
        escalated=info.escalated,
        leader_node_name=info.leader_node_name,
        leader_host_name=info.leader_host_name,
        nodes=[dict(
            id=n.id,
            node_name=n.node_name,
            host_name=n.host_name,
            delegate_ip=n.delegate_ip,
            pgpool_port=n.pgpool_port,
            watchdog_port=n.wd_port,
            priority=n.priority,
            state=n.state_name,
            state_code=n.state,
            membership=n.membership_string,
            membership_code=n.membership,
            lifecheck_started=n.lifecheck_started,
        ) for n in info.nodes],
    )


def setting_facts(item):
    """A ``pgpool_pcp.ConfigItem`` as an element of ``pcpctl --json pool-status``."""
    return dict(name=item.name, value=item.value, description=item.description)


def state_facts(state):
    """A ``pgpool_pcp.NodeState`` (a node as Pgpool holds it in memory, what the glue judges
    by) as the STATE object of ``pcpctl --json`` actions (docs/cli.md)."""
    role = _text(state.role)
    return dict(
        node_id=state.node_id,
        hostname=state.hostname,
        port=state.port,
        status=_text(state.status),
        role=role,
        is_primary=None if role is None else state.is_primary,
    )


def backend_facts(backend):
    """A ``pgpool_pcp.Backend`` (``backend_hostnameN``/``backend_portN``) or None."""
    if backend is None:
        return None
    return dict(node_id=backend.node_id, hostname=backend.hostname, port=backend.port)
