#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) pcp developers
# MIT or Apache-2.0 (see the licence files at the root of the repository)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: pgpool_pcp_info
short_description: Read a Pgpool-II instance's backends, health checks, settings and watchdog over PCP
description:
  - Reads Pgpool-II's view of its backends (node info), the primary, the health-check
    statistics, optionally the configuration (pool status), and the watchdog cluster when the
    watchdog is enabled.
  - Nodes have the schema of C(pcpctl --json node-info), health-check statistics that of
    C(pcpctl --json health-check-stats), the watchdog that of C(pcpctl --json watchdog-info).
  - Never reports C(changed).
version_added: 0.1.0
author:
  - pcp developers (@pcp)
options:
  health_check_stats:
    description:
      - Read each node's health-check statistics (Pgpool-II 4.2 and later; V(null) before).
    type: bool
    default: true
  pool_status:
    description:
      - Read Pgpool-II's configuration (C(pcp_pool_status)), returned as RV(pool_status).
    type: bool
    default: false
  watchdog:
    description:
      - Read the watchdog cluster (C(pcp_watchdog_info)). RV(watchdog) is V(null) when the
        watchdog is not enabled.
    type: bool
    default: true
extends_documentation_fragment:
  - pgpool.pcp.connection
  - pgpool.pcp.connection.attributes
attributes:
  check_mode:
    support: full
    description: Reads only; runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to show.
'''

EXAMPLES = r'''
- name: Read Pgpool's view of the backends
  pgpool.pcp.pgpool_pcp_info:
    pcp_host: pgpool1.example.com
    pcp_user: pcpadmin
    pcppass_file: /etc/pgpool-II/pcppass
  register: pgpool

- name: Fail unless every backend is up
  ansible.builtin.assert:
    that: pgpool.nodes | rejectattr('status', 'equalto', 'up') | list | length == 0

- name: The primary's address
  ansible.builtin.debug:
    msg: "{{ pgpool.primary.hostname }}:{{ pgpool.primary.port }}"

- name: Settings too, from whichever Pgpool is the watchdog leader
  pgpool.pcp.pgpool_pcp_info:
    pcp_host: [pgpool1.example.com, pgpool2.example.com, pgpool3.example.com]
    prefer_leader: true
    pool_status: true
  register: pgpool_leader
'''

RETURN = r'''
node_count:
  description: Number of configured backends.
  returned: success
  type: int
  sample: 3
nodes:
  description:
    - Every backend, in node-id order, as the NODE object of C(pcpctl --json node-info).
  returned: success
  type: list
  elements: dict
  contains:
    node_id:
      description: Pgpool's node id.
      type: int
    hostname:
      description: C(backend_hostnameN).
      type: str
    port:
      description: C(backend_portN).
      type: int
    status:
      description: V(up), V(waiting), V(down), V(quarantine), V(unused) (V(unknown) for a word this release does not know).
      type: str
    status_code:
      description: 0 unused, 1 waiting, 2 up, 3 down (quarantine is down); null for an unknown status.
      type: int
    quarantined:
      description: Watchdog quarantine flag; null when the server does not send it.
      type: bool
    pg_status:
      description: Live probe (4.3+) V(up), V(down), V(unknown).
      type: str
    weight:
      description: Load-balancing weight normalised to 0..1.
      type: float
    role:
      description: V(primary), V(standby), V(main), V(replica) (V(unknown) for another word).
      type: str
    is_primary:
      description: Whether Pgpool considers the node its primary.
      type: bool
    pg_role:
      description: Role the backend reports itself (4.3+).
      type: str
    replication_delay_bytes:
      description: Delay in WAL bytes.
      type: int
    replication_delay_seconds:
      description: Delay in seconds (4.4+ with C(delay_threshold_by_time)).
      type: float
    replication_state:
      description: V(streaming), V(catchup), ... (null for a primary).
      type: str
    replication_sync_state:
      description: V(async), V(sync), V(potential), V(quorum).
      type: str
    last_status_change:
      description: Last status change, RFC 3339 in the managed host's local zone.
      type: str
    last_status_change_epoch:
      description: Last status change, seconds since 1970.
      type: int
  sample:
    - node_id: 0
      hostname: db1.example.com
      port: 5432
      status: up
      status_code: 2
      quarantined: false
      pg_status: up
      weight: 0.333333
      role: primary
      is_primary: true
      pg_role: primary
      replication_delay_bytes: 0
      replication_delay_seconds: null
      replication_state: null
      replication_sync_state: null
      last_status_change: "2026-11-25T18:35:48+01:00"
      last_status_change_epoch: 1795628148
primary:
  description: The element of RV(nodes) that Pgpool considers its primary; null when there is none.
  returned: success
  type: dict
  sample: {"node_id": 0, "hostname": "db1.example.com", "port": 5432, "status": "up"}
primary_node_id:
  description: The primary's node id; null when there is none.
  returned: success
  type: int
  sample: 0
standby_node_ids:
  description: The node ids whose role is V(standby) (up or not).
  returned: success
  type: list
  elements: int
  sample: [1, 2]
health_check_stats:
  description:
    - Each node's health-check statistics, as an element of C(pcpctl --json health-check-stats).
    - Null when not asked for, or when the server is older than 4.2.
  returned: success
  type: list
  elements: dict
  sample:
    - node_id: 0
      hostname: db1.example.com
      port: 5432
      status: up
      role: primary
      total_count: 120
      success_count: 120
      fail_count: 0
pool_status:
  description: Pgpool's settings in the server's order (O(pool_status=true)); null otherwise.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: Parameter name.
      type: str
    value:
      description: Its value.
      type: str
    description:
      description: Pgpool's description of it.
      type: str
  sample: [{"name": "listen_addresses", "value": "*", "description": "host name(s) or IP address(es) to listen on"}]
watchdog:
  description:
    - The watchdog cluster as C(pcpctl --json watchdog-info) shows it.
    - Null when not asked for or when the watchdog is not enabled.
  returned: success
  type: dict
  sample:
    node_count: 3
    quorum: exists
    quorum_code: 1
    leader_node_name: pgpool1.example.com:9999 Linux pgpool1
    nodes: []
generation:
  description: The Pgpool-II releases the server can be, as its replies reveal (V(4.3), V(4.4+)).
  returned: success
  type: str
  sample: "4.3"
pcp_error:
  description:
    - What failed, when a C(pgpool_pcp) call raised; C(msg) is then the class and the text.
  returned: failure
  type: dict
  contains:
    error_class:
      description:
        - The exception class, e.g. V(AuthenticationError), V(ConnectError), V(ServerError),
          V(NodeNotFoundError), V(NotAppliedError), V(UnsupportedError).
      type: str
    kind:
      description: The client library's error kind (V(io), V(authentication), V(server), ...).
      type: str
    command:
      description: The PCP command that failed, when the error belongs to one.
      type: str
    severity:
      description: The server's severity (V(ERROR), V(FATAL)); null when the server sent no report.
      type: str
    message:
      description: The server's message; null when it sent none.
      type: str
    detail:
      description: The server's detail; null when it sent none.
      type: str
    hint:
      description: The server's hint; null when it sent none.
      type: str
    code:
      description: The server's error code; null when it sent none.
      type: str
    fatal:
      description: Whether the PCP session ended with the error.
      type: bool
    text:
      description: The whole message, as the exception states it.
      type: str
  sample:
    error_class: ServerError
    kind: server
    command: node info
    severity: ERROR
    message: informing node info failed
    detail: "invalid node ID : 9"
    hint: null
    code: XX000
    fatal: false
    text: "node info failed: ERROR: informing node info failed (DETAIL: invalid node ID : 9)"
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pgpool.pcp.plugins.module_utils.pcp import (
    health_facts,
    node_facts,
    pcp_argument_spec,
    pgpool_pcp,
    run_pcp,
    setting_facts,
    watchdog_facts,
)


def gather(module, client):
    params = module.params
    reply = client.node_info_all()
    nodes = [node_facts(n) for n in reply]
    primary = next((n for n in nodes if n['is_primary']), None)
    result = dict(
        changed=False,
        node_count=len(nodes),
        nodes=nodes,
        primary=primary,
        primary_node_id=None if primary is None else primary['node_id'],
        standby_node_ids=[n['node_id'] for n in nodes if n['role'] == 'standby'],
        health_check_stats=None,
        pool_status=None,
        watchdog=None,
        generation=reply.generation,
    )
    if params['health_check_stats']:
        try:
            result['health_check_stats'] = [health_facts(client.health_check_stats(n['node_id']))
                                            for n in nodes]
        except pgpool_pcp.UnsupportedError:
            pass
    if params['pool_status']:
        result['pool_status'] = [setting_facts(item) for item in client.pool_status()]
    if params['watchdog']:
        try:
            result['watchdog'] = watchdog_facts(client.watchdog_info())
        except pgpool_pcp.ServerError as exc:
            # Pgpool refuses watchdog info when the watchdog is off. A refusal that ended the
            # session (FATAL) is something else: report it.
            if exc.fatal:
                raise
    return result


def main():
    module = AnsibleModule(
        argument_spec=pcp_argument_spec(
            health_check_stats=dict(type='bool', default=True),
            pool_status=dict(type='bool', default=False),
            watchdog=dict(type='bool', default=True),
        ),
        supports_check_mode=True,
    )
    result = run_pcp(module, lambda client: gather(module, client))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
