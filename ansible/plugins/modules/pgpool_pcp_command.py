#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) pcp developers
# MIT or Apache-2.0 (see the licence files at the root of the repository)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: pgpool_pcp_command
short_description: Send a PCP command to Pgpool-II (reload, log rotation, cache invalidation, online recovery, stop)
description:
  - Sends one PCP command that has no state to compare with, so each run sends it and
    reports C(changed=true); in check mode nothing is sent (and C(changed=true) says that it
    would be).
  - V(reload) is C(pcp_reload_config) (Pgpool-II 4.2 and later), V(log_rotate)
    C(pcp_log_rotate) and V(invalidate_query_cache) C(pcp_invalidate_query_cache) (4.6 and
    later), V(recovery) C(pcp_recovery_node), V(stop) C(pcp_stop_pgpool).
version_added: 0.1.0
author:
  - pcp developers (@pcp)
options:
  command:
    description:
      - The command to send.
    type: str
    required: true
    choices: [reload, log_rotate, invalidate_query_cache, recovery, stop]
  scope:
    description:
      - V(reload), V(log_rotate) and V(stop) - this Pgpool only (V(local)) or every Pgpool of
        the watchdog cluster (V(cluster)).
    type: str
    choices: [local, cluster]
    default: local
  mode:
    description:
      - V(stop) - C(pcp_stop_pgpool -m).
    type: str
    choices: [smart, fast, immediate]
    default: smart
  node_id:
    description:
      - V(recovery) - the node to recover (or give O(host)).
    type: int
  host:
    description:
      - V(recovery) - the node's address C(HOST[:PORT]), matched as M(pgpool.pcp.pgpool_backend)
        matches it.
    type: str
  recovery_timeout:
    description:
      - V(recovery) - seconds allowed for the online recovery (overrides O(long_timeout));
        when neither is set, no limit.
    type: float
extends_documentation_fragment:
  - pgpool.pcp.connection
  - pgpool.pcp.connection.attributes
attributes:
  check_mode:
    support: full
    description: Nothing is sent; C(changed=true) says what would be.
  diff_mode:
    support: none
    description: These commands have no state to compare.
notes:
  - Pgpool-II refuses the online recovery of a node it considers up; detach it first
    (M(pgpool.pcp.pgpool_backend) with O(pgpool.pcp.pgpool_backend#module:state=detached)).
'''

EXAMPLES = r'''
- name: Reload the configuration of every Pgpool of the watchdog cluster
  pgpool.pcp.pgpool_pcp_command:
    pcp_host: pgpool1.example.com
    command: reload
    scope: cluster

- name: Rebuild a standby by online recovery (detach it first)
  pgpool.pcp.pgpool_pcp_command:
    pcp_host: pgpool1.example.com
    command: recovery
    host: db3.example.com
    recovery_timeout: 1800

- name: Stop one Pgpool, waiting for clients to disconnect
  pgpool.pcp.pgpool_pcp_command:
    pcp_host: pgpool2.example.com
    command: stop
    mode: smart
    scope: local
'''

RETURN = r'''
command:
  description: The command, as given.
  returned: success
  type: str
  sample: reload
sent:
  description: Whether the command was sent (false in check mode).
  returned: success
  type: bool
  sample: true
node_id:
  description: V(recovery) - the node recovered; null for the other commands.
  returned: success
  type: int
  sample: 2
scope:
  description: The scope sent (V(reload), V(log_rotate), V(stop)); null otherwise.
  returned: success
  type: str
  sample: local
mode:
  description: The mode sent (V(stop)); null otherwise.
  returned: success
  type: str
  sample: smart
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
from ansible_collections.pgpool.pcp.plugins.module_utils.pcp import pcp_argument_spec, run_pcp

SCOPED = ('reload', 'log_rotate', 'stop')


def send(module, client):
    params = module.params
    command = params['command']
    result = dict(changed=True, sent=not module.check_mode, command=command, node_id=None,
                  scope=params['scope'] if command in SCOPED else None,
                  mode=params['mode'] if command == 'stop' else None)
    if command == 'recovery':
        node_id = params['node_id']
        if params['host'] is not None:
            node_id = client.resolve(params['host']).node_id
        result['node_id'] = node_id
        if not module.check_mode:
            client.recover_node(node_id)
    elif module.check_mode:
        pass
    elif command == 'reload':
        client.reload_config(params['scope'])
    elif command == 'log_rotate':
        client.log_rotate(params['scope'])
    elif command == 'invalidate_query_cache':
        client.invalidate_query_cache()
    else:
        client.stop_pgpool(params['mode'], params['scope'])
    return result


def main():
    module = AnsibleModule(
        argument_spec=pcp_argument_spec(
            command=dict(type='str', required=True,
                         choices=['reload', 'log_rotate', 'invalidate_query_cache', 'recovery',
                                  'stop']),
            scope=dict(type='str', choices=['local', 'cluster'], default='local'),
            mode=dict(type='str', choices=['smart', 'fast', 'immediate'], default='smart'),
            node_id=dict(type='int'),
            host=dict(type='str'),
            recovery_timeout=dict(type='float'),
        ),
        mutually_exclusive=[('node_id', 'host')],
        required_if=[('command', 'recovery', ('node_id', 'host'), True)],
        supports_check_mode=True,
    )
    if module.params['command'] == 'recovery' and module.params['recovery_timeout'] is not None:
        module.params['long_timeout'] = module.params['recovery_timeout']
    module.exit_json(**run_pcp(module, lambda client: send(module, client)))


if __name__ == '__main__':
    main()
